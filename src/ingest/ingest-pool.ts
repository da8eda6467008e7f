/**
 * Worker threads that read and parse files for `dmarcpilot ingest` while the main thread stores
 * what they found, input after input in the order given. Files go to the workers in that order,
 * two queued per worker; each worker posts an input's raw bytes and reports as batches
 * (ingest-worker.ts). Batches of inputs whose turn has not come are held up to MAX_HELD_BYTES
 * (estimated); past that their workers are not acknowledged and so wait, whatever the inputs.
 */
import { Worker } from 'node:worker_threads';
import type { Rejection } from '../core/diagnostic.js';
import { rejection } from '../core/diagnostic.js';
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

export class IngestPool implements BatchSource {
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

/** What storing an input parsed elsewhere reads its batches from (IngestPool, MessageParsers). */
export interface BatchSource {
  /** The next batch (or the read error) of input `id`. */
  next(id: number): Promise<FromIngestWorker>;
  /** The batch is stored: its worker may go on. */
  release(message: FromIngestWorker): void;
}

interface ParserThread {
  worker: Worker;
  /** Inputs given to this thread and not yet finished by it (their last batch not yet arrived), oldest first. */
  readonly inputs: number[];
  /** Set once it stopped (crashed or terminated): nothing more is sent to it. */
  stopped: boolean;
}

interface MessageSlot {
  readonly name: string;
  readonly bytes: Uint8Array;
  thread: ParserThread;
  /** Batches arrived and not yet taken with next(). */
  readonly arrived: FromIngestWorker[];
  /** Batches arrived and not yet released (taken or not): each is acknowledged to its thread once. */
  readonly unreleased: Set<FromIngestWorker>;
  waiter?: { resolve: (message: FromIngestWorker) => void; reject: (reason: unknown) => void };
  /** The input's last batch has arrived (or a stand-in for it). */
  finished: boolean;
  /** The one storing it gave up (a store error): what still arrives is acknowledged and dropped. */
  discarded: boolean;
  /** Set when the parsers were closed before the input was parsed: next() rejects with it. */
  failure?: Error;
}

/**
 * Long-lived worker threads that parse `serve`'s messages, so that no message, however hostile,
 * holds the thread that answers SMTP clients and IMAP servers: that thread only stores what the
 * workers found (as ingestFiles stores what IngestPool's workers found), one input at a time in
 * the application's queue. A message is handed over in shared memory (`shareBytes`): the worker
 * reads it where it is, and the main thread keeps it to save as the raw input, so it is held once.
 *
 * Each input goes to the thread with the fewest inputs in hand; a thread parses its inputs one
 * after another, and pauses once 16 of its batches (or 32 MiB) are not yet stored
 * (ingest-worker.ts), so what waits for its turn to be stored is bounded.
 *
 * A thread that stops while parsing an input (a crash, or running out of memory) ends that input
 * with an `internal-error` refusal, so it is kept in the quarantine and never retried in a loop;
 * the inputs queued behind it go to a new thread.
 */
export class MessageParsers implements BatchSource {
  readonly #limits: Limits;
  readonly #threads: ParserThread[] = [];
  readonly #slots = new Map<number, MessageSlot>();
  readonly #workerUrl: URL;
  #nextId = 1;
  #closed = false;

  /** `workerUrl`: the worker's module, ingest-worker.ts unless a test gives one that misbehaves. */
  constructor(limits: Limits, threads: number, workerUrl = new URL(import.meta.url.endsWith('.ts') ? './ingest-worker.ts' : './ingest-worker.js', import.meta.url)) {
    this.#limits = limits;
    this.#workerUrl = workerUrl;
    for (let i = 0; i < Math.max(1, threads); i++) this.#threads.push(this.#startThread());
  }

  /** Inputs being parsed or waiting to be stored. */
  get pending(): number {
    return this.#slots.size;
  }

  /**
   * Starts parsing `bytes` (best in shared memory: shareBytes) as the input `name`; its batches
   * are then read with next(id), in order, until the last one, each released once stored (or
   * the input discarded).
   */
  parse(bytes: Uint8Array, name: string): number {
    if (this.#closed) throw new Error('the message parsers are closed');
    const id = this.#nextId++;
    const thread = this.#threads.reduce((best, t) => (t.inputs.length < best.inputs.length ? t : best));
    this.#slots.set(id, { name, bytes, thread, arrived: [], unreleased: new Set(), finished: false, discarded: false });
    this.#send(thread, id);
    return id;
  }

  next(id: number): Promise<FromIngestWorker> {
    const slot = this.#slots.get(id);
    if (!slot) return Promise.reject(new Error(`no input ${id} is being parsed`));
    const message = slot.arrived.shift();
    if (message) return Promise.resolve(message);
    if (slot.failure) return Promise.reject(slot.failure);
    return new Promise((resolve, reject) => (slot.waiter = { resolve, reject }));
  }

  release(message: FromIngestWorker): void {
    const slot = this.#slots.get(message.id);
    if (!slot || !slot.unreleased.delete(message)) return;
    if (message.type === 'batch' && !slot.thread.stopped) slot.thread.worker.postMessage({ type: 'ack' } satisfies ToIngestWorker);
    this.#forgetIfDone(message.id, slot);
  }

  /** The input will not be read further (its store failed): its batches are acknowledged, and dropped as they come. */
  discard(id: number): void {
    const slot = this.#slots.get(id);
    if (!slot) return;
    slot.discarded = true;
    slot.waiter = undefined;
    slot.arrived.length = 0;
    for (const message of [...slot.unreleased]) this.release(message);
    this.#forgetIfDone(id, slot);
  }

  #forgetIfDone(id: number, slot: MessageSlot): void {
    if (slot.finished && slot.unreleased.size === 0 && (slot.discarded || slot.arrived.length === 0)) this.#slots.delete(id);
  }

  /**
   * Stops the threads. An input still being parsed is not refused (it is not its fault): reading
   * it fails, so the one storing it rolls back and its source keeps it (SMTP: 451).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const threads = this.#threads.splice(0);
    for (const thread of threads) thread.stopped = true;
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
    for (const slot of this.#slots.values()) if (!slot.finished) this.#fail(slot, new Error('the service stopped before the input was read'));
  }

  #fail(slot: MessageSlot, failure: Error): void {
    slot.failure = failure;
    const waiter = slot.waiter;
    slot.waiter = undefined;
    waiter?.reject(failure);
  }

  #startThread(): ParserThread {
    const worker = startWorker(this.#workerUrl, { limits: this.#limits });
    const thread: ParserThread = { worker, inputs: [], stopped: false };
    worker.on('message', (message: FromIngestWorker) => this.#arrive(thread, message));
    worker.on('error', (caught) => this.#stopped(thread, caught instanceof Error ? caught.message : String(caught)));
    worker.on('exit', (code) => this.#stopped(thread, `exit code ${code}`));
    return thread;
  }

  #send(thread: ParserThread, id: number): void {
    const slot = this.#slots.get(id);
    if (!slot) return;
    slot.thread = thread;
    thread.inputs.push(id);
    thread.worker.postMessage({ type: 'bytes', id, name: slot.name, bytes: slot.bytes } satisfies ToIngestWorker);
  }

  #arrive(thread: ParserThread, message: FromIngestWorker): void {
    const last = message.type === 'unreadable' || message.last;
    if (last) {
      const at = thread.inputs.indexOf(message.id);
      if (at >= 0) thread.inputs.splice(at, 1);
    }
    const slot = this.#slots.get(message.id);
    if (!slot) return;
    if (last) slot.finished = true;
    this.#deliver(slot, message);
  }

  #deliver(slot: MessageSlot, message: FromIngestWorker): void {
    slot.unreleased.add(message);
    if (slot.discarded) {
      this.release(message);
      return;
    }
    const waiter = slot.waiter;
    if (waiter) {
      slot.waiter = undefined;
      waiter.resolve(message);
    } else {
      slot.arrived.push(message);
    }
  }

  /** A thread stopped: the input it was parsing ends with a refusal, the ones queued behind it go to a new thread. */
  #stopped(thread: ParserThread, why: string): void {
    if (thread.stopped) return;
    thread.stopped = true;
    const at = this.#threads.indexOf(thread);
    const replacement = this.#closed ? undefined : this.#startThread();
    if (at >= 0) {
      if (replacement) this.#threads[at] = replacement;
      else this.#threads.splice(at, 1);
    }
    const [current, ...queued] = thread.inputs.splice(0);
    if (current !== undefined) {
      const slot = this.#slots.get(current);
      if (slot) this.#endWithStandIn(current, slot, `the parser thread stopped while reading it (${why})`);
    }
    for (const id of queued) {
      const slot = this.#slots.get(id);
      if (replacement) this.#send(replacement, id);
      else if (slot) this.#fail(slot, new Error('the service stopped before the input was read'));
    }
  }

  /**
   * Ends an input whose thread is gone with a last batch of its own: whatever report was open is
   * abandoned (rolled back) and the input is refused, so it is kept in the quarantine.
   */
  #endWithStandIn(id: number, slot: MessageSlot, why: string): void {
    if (slot.finished) return;
    slot.finished = true;
    if (slot.discarded) {
      this.#forgetIfDone(id, slot);
      return;
    }
    const rejected: Rejection = rejection('internal-error', `Unexpected failure while reading this input: ${why}.`);
    this.#deliver(slot, {
      type: 'batch',
      id,
      events: [{ kind: 'abandoned' }, { kind: 'rejected', rejection: rejected, source: slot.name }],
      records: { strings: [], layout: new Float64Array(0) },
      recordCount: 0,
      last: true,
    });
  }
}

/**
 * The bytes in shared memory, for MessageParsers: the same view when they are there already
 * (read-message.ts reads SMTP messages straight into it), else one copy.
 */
export function shareBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
  shared.set(bytes);
  return shared;
}

/**
 * A worker thread running `url`. From the TypeScript sources (tests run them through tsx) the
 * thread registers tsx first: loader hooks are per thread, and a worker does not inherit them.
 */
function startWorker(url: URL, workerData: unknown): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  const bootstrap = `import('tsx/esm/api').then((tsx) => tsx.register()).then(() => import(${JSON.stringify(url.href)}))`;
  return new Worker(bootstrap, { eval: true, workerData });
}
