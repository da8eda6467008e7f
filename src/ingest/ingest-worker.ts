/**
 * Worker thread for `dmarcpilot ingest`: reads and parses one file at a time and posts what it
 * found (the raw bytes, then the reports in batches) to the main thread, which stores it. Batches
 * posted and not yet acknowledged are bounded (MAX_IN_FLIGHT, MAX_IN_FLIGHT_BYTES); past that,
 * extraction pauses between chunks of input until the main thread takes some, so a slow store
 * bounds the worker's memory. The window is wide enough that the worker keeps parsing while the
 * main thread waits for the disk.
 *
 * `serve` gives it inputs as bytes in shared memory instead of files (MessageParsers in
 * ingest-pool.ts), so that no message is parsed on the thread that answers SMTP clients.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { Limits } from '../core/limits.js';
import { streamBytes } from '../reports/extract/byte-stream.js';
import { extractReports } from '../reports/extract/extract-reports.js';
import type { FromIngestWorker, IngestBatch, ToIngestWorker } from './ingest-messages.js';
import { EventBatcher } from './sink-events.js';

/** Batches a worker may have posted and not yet had acknowledged... */
const MAX_IN_FLIGHT = 16;
/** ... and their estimated size (raw bytes, and records as sent). */
const MAX_IN_FLIGHT_BYTES = 32 * 1024 * 1024;
/** Rough size of one record as sent (its numbers and strings). */
const SENT_BYTES_PER_RECORD = 300;

const port = parentPort;
if (!port) throw new Error('ingest-worker.ts runs only as a worker thread');
const { limits } = workerData as { limits: Limits };

let inFlight = 0;
/** Sizes of the batches in flight, oldest first (an estimate: acknowledgements are matched oldest first). */
const inFlightSizes: number[] = [];
let inFlightBytes = 0;
let resume: (() => void) | undefined;
let paused: Promise<void> | undefined;

function post(message: FromIngestWorker, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

function send(batch: IngestBatch): void {
  const size = (batch.bytes?.length ?? 0) + batch.recordCount * SENT_BYTES_PER_RECORD;
  inFlight++;
  inFlightSizes.push(size);
  inFlightBytes += size;
  const transfer = [batch.records.layout.buffer as ArrayBuffer];
  if (batch.bytes) transfer.push(batch.bytes.buffer as ArrayBuffer);
  post(batch, transfer);
}

const full = (): boolean => inFlight >= MAX_IN_FLIGHT || inFlightBytes >= MAX_IN_FLIGHT_BYTES;

function wait(): Promise<void> | undefined {
  if (!full()) return undefined;
  paused ??= new Promise<void>((resolve) => (resume = resolve));
  return paused;
}

async function ingestFile(id: number, path: string): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (caught) {
    post({ type: 'unreadable', id, message: caught instanceof Error ? caught.message : String(caught) });
    return;
  }
  // The raw bytes go to the main thread in a buffer of their own (readFileSync may share one).
  const batcher = new EventBatcher(id, new Uint8Array(bytes), send, wait);
  await extractReports({ name: path, chunks: streamBytes(bytes), size: bytes.length }, batcher, { limits });
  batcher.finish();
  await wait();
}

/**
 * An input the main thread holds already (shared memory): parsed as ingestFile parses a file; the
 * first batch carries an empty stand-in for the bytes.
 */
async function ingestShared(id: number, name: string, bytes: Uint8Array): Promise<void> {
  const batcher = new EventBatcher(id, new Uint8Array(0), send, wait);
  await extractReports({ name, chunks: streamBytes(bytes), size: bytes.length }, batcher, { limits });
  batcher.finish();
  await wait();
}

/** Inputs given to this worker, in the order given (the pool keeps two here so no time is lost between files). */
const queue: ({ id: number; path: string } | { id: number; name: string; bytes: Uint8Array })[] = [];
let busy = false;

async function work(): Promise<void> {
  if (busy) return;
  busy = true;
  for (let input = queue.shift(); input; input = queue.shift()) {
    if ('path' in input) await ingestFile(input.id, input.path);
    else await ingestShared(input.id, input.name, input.bytes);
  }
  busy = false;
}

port.on('message', (message: ToIngestWorker) => {
  if (message.type === 'ack') {
    inFlight--;
    inFlightBytes -= inFlightSizes.shift() ?? 0;
    if (!full() && resume) {
      const wake = resume;
      resume = undefined;
      paused = undefined;
      wake();
    }
  } else if (message.type === 'file') {
    queue.push({ id: message.id, path: message.path });
    void work();
  } else {
    queue.push({ id: message.id, name: message.name, bytes: message.bytes });
    void work();
  }
});
