/**
 * Runs `parse` over many files on several cores. Files go to worker threads one at a time;
 * their output is written in input order. Output of files whose turn has not come is held
 * up to `maxHeldChars`; past that their workers wait (they are not acknowledged), so memory
 * stays bounded whatever the inputs. A single input, or `jobs` 1, runs on the main thread.
 */
import { Worker } from 'node:worker_threads';
import type { Limits } from '../core/limits.js';
import { extractReports } from '../reports/extract/extract-reports.js';
import type { OutputFormat, PrintCounts } from '../reports/output/report-printer.js';
import { ReportPrinter, addCounts, emptyCounts } from '../reports/output/report-printer.js';
import type { ExtractInput } from '../reports/extract/extract-reports.js';
import type { InputFile } from './file-inputs.js';
import { openFileInput } from './file-inputs.js';
import type { FromWorker, ToWorker } from './parse-messages.js';

export interface ParseRun {
  readonly format: OutputFormat;
  readonly limits: Limits;
  readonly jobs: number;
  /** Writes UTF-8 output; a returned promise means "wait before writing more". */
  readonly write: (chunk: Uint8Array) => Promise<void> | void;
  readonly error: (line: string) => void;
  /** Called after each input is finished (for progress). */
  readonly progress?: (done: number, counts: PrintCounts) => void;
}

const MAX_HELD_BYTES = 64 * 1024 * 1024;
/** Files a worker holds at once, so it starts the next without waiting for the main thread. */
const FILES_QUEUED_PER_WORKER = 2;

/** Parse inputs on the main thread, one after another. */
export async function parseSequentially(inputs: Iterable<ExtractInput>, run: ParseRun): Promise<PrintCounts> {
  const counts = emptyCounts();
  let done = 0;
  const pending: { writing?: Promise<void> } = {};
  for (const input of inputs) {
    const output = (chunks: Uint8Array[]): void => {
      for (const chunk of chunks) {
        const blocked = run.write(chunk);
        if (blocked) pending.writing = blocked;
      }
    };
    const printer = new ReportPrinter(run.format, { output, error: run.error }, undefined, () => pending.writing);
    await extractReports(input, printer, { limits: run.limits });
    await pending.writing;
    addCounts(counts, printer.counts);
    run.progress?.(++done, counts);
  }
  return counts;
}

/** Each file opened only when its turn comes (small files are read whole when opened). */
function* openEach(files: readonly InputFile[]): Generator<ExtractInput> {
  for (const file of files) yield openFileInput(file, true);
}

interface Slot {
  readonly id: number;
  readonly chunks: Uint8Array[];
  done: boolean;
  /** The worker waiting for an acknowledgement of this slot's last chunk. */
  waiting: Worker | undefined;
}

export async function parseInParallel(files: readonly InputFile[], run: ParseRun): Promise<PrintCounts> {
  const jobs = Math.max(1, Math.min(run.jobs, files.length));
  if (jobs === 1) return parseSequentially(openEach(files), run);

  const counts = emptyCounts();
  const slots = new Map<number, Slot>();
  let nextToSend = 0;
  let nextToWrite = 0;
  let finished = 0;
  let held = 0;
  let writing: Promise<void> = Promise.resolve();
  const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './parse-worker.ts' : './parse-worker.js', import.meta.url);
  const workers: Worker[] = [];

  return new Promise<PrintCounts>((resolve, reject) => {
    const acknowledge = (worker: Worker): void => worker.postMessage({ type: 'ack' } satisfies ToWorker);

    const sendNext = (worker: Worker): void => {
      const file = files[nextToSend];
      if (!file) return;
      const id = nextToSend++;
      slots.set(id, { id, chunks: [], done: false, waiting: undefined });
      worker.postMessage({ type: 'file', id, path: file.path, size: file.size } satisfies ToWorker);
    };

    /** Write what is ready, in input order. */
    const advance = (): void => {
      for (let slot = slots.get(nextToWrite); slot; slot = slots.get(nextToWrite)) {
        for (const chunk of slot.chunks) {
          held -= chunk.length;
          writing = writing.then(() => run.write(chunk));
        }
        slot.chunks.length = 0;
        if (slot.waiting) {
          const worker = slot.waiting;
          slot.waiting = undefined;
          void writing.then(() => acknowledge(worker));
        }
        if (!slot.done) return;
        slots.delete(nextToWrite++);
      }
      if (finished === files.length) {
        void writing.then(() => {
          for (const worker of workers) void worker.terminate();
          resolve(counts);
        }, reject);
      }
    };

    const onMessage = (worker: Worker, message: FromWorker): void => {
      const slot = slots.get(message.id);
      if (message.type === 'error') {
        run.error(message.line);
        return;
      }
      if (!slot) return;
      if (message.type === 'output') {
        for (const chunk of message.chunks) {
          slot.chunks.push(chunk);
          held += chunk.length;
        }
        if (message.id === nextToWrite || held < MAX_HELD_BYTES) {
          if (message.id !== nextToWrite) acknowledge(worker);
          else slot.waiting = worker;
        } else {
          slot.waiting = worker;
        }
      } else {
        slot.done = true;
        finished++;
        if (message.counts) addCounts(counts, message.counts);
        else counts.rejected++;
        run.progress?.(finished, counts);
        sendNext(worker);
      }
      advance();
    };

    for (let i = 0; i < jobs; i++) {
      const worker = new Worker(workerUrl, { workerData: { format: run.format, limits: run.limits } });
      worker.on('message', (message: FromWorker) => onMessage(worker, message));
      worker.on('error', (caught) => {
        for (const w of workers) void w.terminate();
        reject(caught);
      });
      workers.push(worker);
      for (let queued = 0; queued < FILES_QUEUED_PER_WORKER; queued++) sendNext(worker);
    }
  });
}
