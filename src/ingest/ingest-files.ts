/**
 * Ingest from files: each file (or, in an mbox file, each message) is one input. Its raw bytes
 * are kept in the store first, then every report found in it is stored (duplicates recognised
 * by the store), and every refusal is quarantined with the raw bytes, so nothing is lost and
 * nothing is counted twice. A line goes to the ingest log per input.
 *
 * Inputs are read whole (up to --max-buffered) so their raw bytes can be kept; mbox files of any
 * size are split into messages as they are read.
 *
 * The inputs' writes are committed in groups (grouped-commits.ts): one durable commit per second
 * or so instead of a few per input.
 *
 * With more than one thread (`threads`), worker threads read and parse the files (ingest-pool.ts)
 * while this thread stores what they found, input after input in the given order, through the
 * same StoreSink calls: the store ends up exactly as after a sequential run. mbox files stay on
 * this thread.
 */
import { createReadStream, openSync, readSync, closeSync, readFileSync } from 'node:fs';
import type { Diagnostic, Rejection } from '../core/diagnostic.js';
import { rejection } from '../core/diagnostic.js';
import type { Limits } from '../core/limits.js';
import { streamBytes } from '../reports/extract/byte-stream.js';
import { extractReports } from '../reports/extract/extract-reports.js';
import { splitMbox, tooLargeHeadBytes } from '../reports/mbox/split-mbox.js';
import { SNIFF_BYTES, sniffContent } from '../reports/unpack/sniff.js';
import type { Store } from '../store/store.js';
import type { InputFile } from './file-inputs.js';
import type { IngestBatch } from './ingest-messages.js';
import type { GroupLimits } from './grouped-commits.js';
import { GroupedCommits } from './grouped-commits.js';
import type { BatchSource } from './ingest-pool.js';
import { IngestPool } from './ingest-pool.js';
import type { IngestQueue } from './ingest-queue.js';
import { replayBatch } from './sink-events.js';
import type { IngestCounts } from './store-sink.js';
import { StoreSink, addIngestCounts, emptyIngestCounts } from './store-sink.js';

export interface IngestRun {
  readonly store: Store;
  readonly limits: Limits;
  /** Keep failure reports' original headers (privacy: off by default). */
  readonly keepFailureHeaders: boolean;
  /** Keep the raw bytes of inputs that hold failure reports (privacy: off by default; see storeInput). */
  readonly keepFailureRaw?: boolean;
  readonly now: () => Date;
  /** A refusal, for the user (`source: code: message`). */
  readonly onRejected: (rejection: Rejection, source: string) => void;
  readonly progress?: (done: number, counts: IngestSummary) => void;
  /**
   * Shared by every source writing to the same store at once (`serve`: SMTP and IMAP): both
   * stores take one aggregate-report writer at a time, so inputs are stored one after another.
   */
  readonly queue?: IngestQueue;
  /** When ingestFiles commits (grouped-commits.ts); the defaults suit a back-fill. */
  readonly commitGroups?: GroupLimits;
  /** Once aborted, ingestFiles stops after the input it is storing and commits what it stored. */
  readonly signal?: AbortSignal;
}

export interface IngestSummary extends IngestCounts {
  /** Inputs stored (files, and mbox messages). */
  inputs: number;
}

/**
 * Ingests the bytes of one input under `name`; also used to retry a quarantined input.
 * `warnings`: what reading its container said of it (an mbox message's), added to its reports'.
 */
export function ingestBytes(bytes: Uint8Array, name: string, run: IngestRun, quarantine = true, warnings: readonly Diagnostic[] = []): Promise<IngestCounts> {
  return inQueue(run, () =>
    storeInput(bytes, name, run, quarantine, (sink) => extractReports({ name, chunks: streamBytes(bytes), size: bytes.length }, sink, { limits: run.limits, warnings })),
  );
}

/**
 * Records an input too large to read whole (a file, an mbox message, a mailbox message): its
 * first bytes (`head`, maybe none) kept as its raw input, a quarantine entry flagged as truncated
 * with the size of the whole (so retrying it says the bytes were not kept), a line in the log.
 */
export function keepTooLarge(head: Uint8Array, inputSize: number, name: string, reason: Rejection, run: IngestRun): Promise<IngestCounts> {
  return inQueue(run, async () => {
    const raw = await run.store.saveRawInput(head);
    run.onRejected(reason, name);
    await run.store.quarantine(reason, { raw, source: name, receivedAt: run.now() }, inputSize);
    const counts = { ...emptyIngestCounts(), rejected: 1 };
    await run.store.logIngest({ at: run.now(), input: name, raw, ...counts });
    return counts;
  });
}

/** Runs `task` in the run's shared queue, if it has one. */
function inQueue<T>(run: IngestRun, task: () => Promise<T>): Promise<T> {
  return run.queue ? run.queue.run(task) : task();
}

/**
 * One input, whoever parsed it: a reference to it first (its hash and size, which the reports
 * name), then the reports `fill` hands the sink, then its bytes, then its ingest log line. A
 * failure rolls back the report being written and is rethrown.
 *
 * The bytes are kept unless the input held a failure report (personal data: the original
 * message's From, To, Subject and headers) and nothing in it was refused: then only the
 * redacted report is stored, and the bytes are never written (run.keepFailureRaw keeps them,
 * under the failure-report retention). A refused input keeps its bytes, for the quarantine to
 * retry; the store marks the input of a failure report, stored or refused, so that the
 * failure-report retention applies to its bytes.
  * (Exported for `serve`, whose messages are parsed by MessageParsers: app/ingest.ts.)
 */
export async function storeInput(bytes: Uint8Array, name: string, run: IngestRun, quarantine: boolean, fill: (sink: StoreSink) => Promise<void>): Promise<IngestCounts> {
  const { store } = run;
  const raw = await store.saveRawInput(bytes, { bytes: 'reference' });
  const sink = new StoreSink(store, { raw, source: name, receivedAt: run.now() }, { keepFullHeaders: run.keepFailureHeaders }, run.onRejected, quarantine);
  try {
    await fill(sink);
    await sink.finish();
  } catch (err) {
    await sink.abandon();
    throw err;
  }
  const keep = !sink.heldFailureReport || run.keepFailureRaw === true || sink.counts.rejected > 0;
  await store.saveRawInput(bytes, { bytes: keep ? 'keep' : 'drop' });
  await store.logIngest({ at: run.now(), input: name, raw, ...sink.counts });
  return sink.counts;
}

/**
 * Ingests the files in order. `threads` above 1 (and more than one file read whole): that many
 * threads in all, the main thread storing and `threads - 1` workers parsing.
 */
export async function ingestFiles(files: readonly InputFile[], run: IngestRun, threads = 1): Promise<IngestSummary> {
  const summary: IngestSummary = { ...emptyIngestCounts(), inputs: 0 };
  const groups = new GroupedCommits(run.store, run.commitGroups);
  const stored = async (store: () => Promise<IngestCounts>): Promise<void> => {
    await groups.beforeInput();
    const counts = await store();
    summary.inputs++;
    addIngestCounts(summary, counts);
    await groups.afterInput(counts.records);
  };
  const kinds = files.map((file) => (threads > 1 ? kindOf(file, run) : undefined));
  const parsed = files.filter((_, i) => kinds[i] === 'whole');
  const workers = Math.min(threads - 1, parsed.length);
  const pool = workers >= 1 && parsed.length > 1 ? new IngestPool(files.map((file, i) => (kinds[i] === 'whole' ? file : undefined)), run.limits, workers) : undefined;
  try {
    let done = 0;
    for (const [index, file] of files.entries()) {
      if (run.signal?.aborted) break;
      if (pool && kinds[index] === 'whole') {
        await stored(() => storeParsed(pool, index, file.path, run));
      } else if (isMbox(file.path)) {
        for await (const message of splitMbox(createReadStream(file.path, { highWaterMark: 1 << 20 }), run.limits)) {
          if (run.signal?.aborted) break;
          const name = `${file.path} > message ${message.index + 1}`;
          const tooLarge = message.tooLarge;
          if (tooLarge) {
            const reason = { ...tooLarge.rejection, message: `${tooLarge.rejection.message} Only its first ${message.bytes.length} bytes are kept.` };
            await stored(() => keepTooLarge(message.bytes, tooLarge.size, name, reason, run));
          } else {
            await stored(() => ingestBytes(message.bytes, name, run, true, message.warnings));
          }
        }
      } else if (file.size > run.limits.maxBufferedBytes) {
        const head = readHead(file.path, tooLargeHeadBytes(run.limits));
        const reason = rejection(
          'input-too-large',
          `The file is ${file.size} bytes, larger than --max-buffered (${run.limits.maxBufferedBytes} bytes), the most read as one input; only its first ${head.length} bytes are kept.`,
        );
        await stored(() => keepTooLarge(head, file.size, file.path, reason, run));
      } else {
        await stored(() => ingestBytes(readFileSync(file.path), file.path, run));
      }
      run.progress?.(++done, summary);
    }
    await groups.commit();
  } catch (err) {
    await groups.rollback().catch(() => undefined);
    throw err;
  } finally {
    await pool?.close();
  }
  return summary;
}

/** `whole`: read whole and parsed by a worker; `main`: mbox, too large, or unreadable here (the main thread says which, at its turn). */
function kindOf(file: InputFile, run: IngestRun): 'whole' | 'main' {
  try {
    return file.size <= run.limits.maxBufferedBytes && !isMbox(file.path) ? 'whole' : 'main';
  } catch {
    return 'main';
  }
}

/** Stores one input a worker parsed, as ingestBytes does: raw bytes first, then its reports, then the log line. */
async function storeParsed(pool: IngestPool, index: number, name: string, run: IngestRun): Promise<IngestCounts> {
  const first = await pool.next(index);
  if (first.type === 'unreadable') throw new Error(first.message);
  const bytes = first.bytes;
  if (!bytes) throw new Error(`${name}: the first batch from the worker lacks the raw bytes`);
  return inQueue(run, () => storeInput(bytes, name, run, true, (sink) => replayBatches(first, pool, name, sink)));
}

/** Hands the sink every batch of one input, in order, releasing each to its worker once stored. */
export async function replayBatches(first: IngestBatch, pool: BatchSource, name: string, sink: StoreSink): Promise<void> {
  for (let batch = first; ; ) {
    replayBatch(batch, sink);
    await sink.drain();
    pool.release(batch);
    // Store calls settle as microtasks: let the workers' messages in (and acknowledgements out)
    // between batches, so they parse on while this thread stores.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (batch.last) return;
    const next = await pool.next(batch.id);
    if (next.type !== 'batch') throw new Error(`${name}: a worker sent a read error after the input's first batch`);
    batch = next;
  }
}

/** Whether the file starts like an mbox (looked at by content, as everywhere). */
function isMbox(path: string): boolean {
  return sniffContent(readHead(path, SNIFF_BYTES)) === 'mbox';
}

/** The first `size` bytes of the file (fewer when it is shorter). */
function readHead(path: string, size: number): Uint8Array {
  const head = new Uint8Array(size);
  const fd = openSync(path, 'r');
  try {
    return head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } finally {
    closeSync(fd);
  }
}
