/**
 * Worker thread for `dmarcpilot parse`: reads, unpacks, parses and formats one file at a time,
 * sending output back in chunks. After each chunk it waits for the main thread's
 * acknowledgement, so a slow consumer (or a file whose turn to print has not come) pauses
 * the worker instead of filling memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Limits } from '../core/limits.js';
import { extractReports } from '../reports/extract/extract-reports.js';
import type { OutputFormat } from '../reports/output/report-printer.js';
import { ReportPrinter } from '../reports/output/report-printer.js';
import { openFileInput } from './file-inputs.js';
import type { FromWorker, ToWorker } from './parse-messages.js';

/** Output is sent to the main thread in batches of about this many bytes. */
const BATCH_BYTES = 1 << 20;

const port = parentPort;
if (!port) throw new Error('parse-worker.ts runs only as a worker thread');
const { format, limits } = workerData as { format: OutputFormat; limits: Limits };

let pending: Uint8Array[] = [];
let pendingBytes = 0;
let acknowledged: (() => void) | undefined;
let waiting: Promise<void> | undefined;

function send(message: FromWorker): void {
  port?.postMessage(message);
}

function flush(id: number): Promise<void> | undefined {
  if (pending.length === 0) return undefined;
  const chunks = pending;
  pending = [];
  pendingBytes = 0;
  waiting = new Promise<void>((resolve) => (acknowledged = resolve));
  port?.postMessage({ type: 'output', id, chunks } satisfies FromWorker, chunks.map((chunk) => chunk.buffer as ArrayBuffer));
  return waiting;
}

async function parseFile(id: number, path: string, size: number): Promise<void> {
  const printer = new ReportPrinter(
    format,
    {
      output: (chunks) => {
        for (const chunk of chunks) {
          pending.push(chunk);
          pendingBytes += chunk.length;
        }
      },
      error: (line) => send({ type: 'error', id, line }),
    },
    undefined,
    () => (pendingBytes >= BATCH_BYTES ? flush(id) : waiting),
  );
  await extractReports(openFileInput({ path, size }, true), printer, { limits });
  await flush(id);
  send({ type: 'done', id, counts: printer.counts });
}

/** Files given to this worker, parsed one after another (the pool keeps two here so no time is lost between files). */
const queue: { id: number; path: string; size: number }[] = [];
let busy = false;

async function work(): Promise<void> {
  if (busy) return;
  busy = true;
  for (let file = queue.shift(); file; file = queue.shift()) {
    const { id, path, size } = file;
    await parseFile(id, path, size).catch((caught: unknown) => {
      send({ type: 'error', id, line: `${path}: internal-error: ${caught instanceof Error ? caught.message : String(caught)}` });
      send({ type: 'done', id, counts: undefined });
    });
  }
  busy = false;
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'ack') {
    waiting = undefined;
    acknowledged?.();
  } else if (message.type === 'file') {
    queue.push(message);
    void work();
  }
});
