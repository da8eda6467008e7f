/**
 * Worker threads that read and parse files for `dmarcpilot ingest` while the main thread stores
 * what they found, input after input in the order given. Files go to the workers in that order,
 * two queued per worker; each worker posts an input's raw bytes and reports as batches
 * (ingest-worker.ts). Batches of inputs whose turn has not come are held up to MAX_HELD_BYTES
 * (estimated); past that their workers are not acknowledged and so wait, whatever the inputs.
 */
import { Worker } from 'node:worker_threads';
import type { Limits } from '../core/limits.js';
import type { InputFile } from './file-inputs.js';
import type { FromIngestWorker, ToIngestWorker } from './ingest-messages.js';

const MAX_HELD_BYTES = 64 * 1024 * 1024;
/** Files a worker holds at once, so it starts the next without waiting for the main thread. */
const FILES_QUEUED_PER_WORKER = 2;
/** Rough memory of one record once rebuilt on the main thread (objects, strings). */
const BYTES_PER_RECORD = 600;

interface Held {
  readonly worker: Worker;
  readonly size: number;
  /** Acknowledged on arrival (there was room) rather than when taken. */
  readonly acknowledged: boolean;
}

interface Slot {
  readonly arrived: FromIngestWorker[];
  waiter?: { resolve: (message: FromIngestWorker) => void; reject: (reason: unknown) => void };
}

export class IngestPool {
  readonly #files: readonly (InputFile | undefined)[];
  readonly #workers: Worker[] = [];
  readonly #slots = new Map<number, Slot>();
  readonly #held = new WeakMap<FromIngestWorker, Held>();
  #heldBytes = 0;
  #nextToSend = 0;
  #failure: Error | undefined;
  #closed = false;

  /**
   * `files[i]` undefined: input i is not read by the workers (the main thread handles it).
   * Every other input must be taken, in increasing order, with `next` until its last batch.
   */
  constructor(files: readonly (InputFile | undefined)[], limits: Limits, workers: number) {
    this.#files = files;
    const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './ingest-worker.ts' : './ingest-worker.js', import.meta.url);
    for (let i = 0; i < workers; i++) {
      const worker = new Worker(workerUrl, { workerData: { limits } });
      worker.on('message', (message: FromIngestWorker) => this.#arrive(worker, message));
      worker.on('error', (caught) => this.#fail(caught instanceof Error ? caught : new Error(String(caught))));
      worker.on('exit', (code) => {
        if (!this.#closed) this.#fail(new Error(`an ingest worker thread stopped unexpectedly (exit code ${code})`));
      });
      this.#workers.push(worker);
      for (let queued = 0; queued < FILES_QUEUED_PER_WORKER; queued++) this.#sendNext(worker);
    }
  }

  /** The next batch (or the read error) of input `index`, once a worker has sent it. */
  next(index: number): Promise<FromIngestWorker> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const slot = this.#slot(index);
    const message = slot.arrived.shift();
    if (message) return Promise.resolve(message);
    return new Promise((resolve, reject) => (slot.waiter = { resolve, reject }));
  }

  /** The batch is stored: its memory no longer counts, and its worker may go on. */
  release(message: FromIngestWorker): void {
    const held = this.#held.get(message);
    if (!held) return;
    this.#held.delete(message);
    this.#heldBytes -= held.size;
    if (!held.acknowledged) this.#acknowledge(held.worker);
    if (message.type === 'unreadable' || message.last) this.#slots.delete(message.id);
  }

  /** Stops the workers (after the last input, or on an error). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }

  #slot(index: number): Slot {
    let slot = this.#slots.get(index);
    if (!slot) {
      slot = { arrived: [] };
      this.#slots.set(index, slot);
    }
    return slot;
  }

  #sendNext(worker: Worker): void {
    while (this.#nextToSend < this.#files.length && !this.#files[this.#nextToSend]) this.#nextToSend++;
    const file = this.#files[this.#nextToSend];
    if (!file) return;
    const id = this.#nextToSend++;
    this.#slot(id);
    worker.postMessage({ type: 'file', id, path: file.path, size: file.size } satisfies ToIngestWorker);
  }

  #acknowledge(worker: Worker): void {
    if (!this.#closed) worker.postMessage({ type: 'ack' } satisfies ToIngestWorker);
  }

  #arrive(worker: Worker, message: FromIngestWorker): void {
    if (message.type === 'batch') {
      const size = (message.bytes?.length ?? 0) + message.records.layout.byteLength + message.recordCount * BYTES_PER_RECORD;
      const acknowledged = this.#heldBytes < MAX_HELD_BYTES;
      this.#heldBytes += size;
      this.#held.set(message, { worker, size, acknowledged });
      if (acknowledged) this.#acknowledge(worker);
    }
    if (message.type === 'unreadable' || message.last) this.#sendNext(worker);
    const slot = this.#slot(message.id);
    const waiter = slot.waiter;
    if (waiter) {
      slot.waiter = undefined;
      waiter.resolve(message);
    } else {
      slot.arrived.push(message);
    }
  }

  #fail(caught: Error): void {
    if (this.#failure !== undefined) return;
    this.#failure = caught;
    for (const slot of this.#slots.values()) slot.waiter?.reject(caught);
  }
}
