/**
 * Ingest from files: each file (or, in an mbox file, each message) is one input. Its raw bytes
 * are kept in the store first, then every report found in it is stored (duplicates recognised
 * by the store), and every refusal is quarantined with the raw bytes, so nothing is lost and
 * nothing is counted twice. A line goes to the ingest log per input.
 *
 * Inputs are read whole (up to --max-buffered) so their raw bytes can be kept; mbox files of any
 * size are split into messages as they are read.
 */
import { createReadStream, openSync, readSync, closeSync, readFileSync } from 'node:fs';
import type { Rejection } from '../core/diagnostic.js';
import { rejection } from '../core/diagnostic.js';
import type { Limits } from '../core/limits.js';
import { streamBytes } from '../reports/extract/byte-stream.js';
import { extractReports } from '../reports/extract/extract-reports.js';
import { splitMbox } from '../reports/mbox/split-mbox.js';
import { sniffContent } from '../reports/unpack/sniff.js';
import type { Store } from '../store/store.js';
import type { InputFile } from './file-inputs.js';
import type { IngestQueue } from './ingest-queue.js';
import type { IngestCounts } from './store-sink.js';
import { StoreSink, addIngestCounts, emptyIngestCounts } from './store-sink.js';

export interface IngestRun {
  readonly store: Store;
  readonly limits: Limits;
  /** Keep failure reports' original headers (privacy: off by default). */
  readonly keepFailureHeaders: boolean;
  readonly now: () => Date;
  /** A refusal, for the user (`source: code: message`). */
  readonly onRejected: (rejection: Rejection, source: string) => void;
  readonly progress?: (done: number, counts: IngestSummary) => void;
  /**
   * Shared by every source writing to the same store at once (`serve`: SMTP and IMAP): both
   * stores take one aggregate-report writer at a time, so inputs are stored one after another.
   */
  readonly queue?: IngestQueue;
}

export interface IngestSummary extends IngestCounts {
  /** Inputs stored (files, and mbox messages). */
  inputs: number;
}

/** Ingests the bytes of one input under `name`; also used to retry a quarantined input. */
export function ingestBytes(bytes: Uint8Array, name: string, run: IngestRun, quarantine = true): Promise<IngestCounts> {
  return run.queue ? run.queue.run(() => storeInput(bytes, name, run, quarantine)) : storeInput(bytes, name, run, quarantine);
}

async function storeInput(bytes: Uint8Array, name: string, run: IngestRun, quarantine: boolean): Promise<IngestCounts> {
  const { store } = run;
  const raw = await store.saveRawInput(bytes);
  const receivedAt = run.now();
  const onRejected = run.onRejected;
  const sink = new StoreSink(store, { raw, source: name, receivedAt }, { keepFullHeaders: run.keepFailureHeaders }, onRejected, quarantine);
  try {
    await extractReports({ name, chunks: streamBytes(bytes), size: bytes.length }, sink, { limits: run.limits });
    await sink.finish();
  } catch (err) {
    await sink.abandon();
    throw err;
  }
  await store.logIngest({ at: run.now(), input: name, raw, ...sink.counts });
  return sink.counts;
}

export async function ingestFiles(files: readonly InputFile[], run: IngestRun): Promise<IngestSummary> {
  const summary: IngestSummary = { ...emptyIngestCounts(), inputs: 0 };
  const add = (counts: IngestCounts): void => {
    summary.inputs++;
    addIngestCounts(summary, counts);
  };
  let done = 0;
  for (const file of files) {
    if (isMbox(file.path)) {
      for await (const message of splitMbox(createReadStream(file.path, { highWaterMark: 1 << 20 }), run.limits)) {
        add(await ingestBytes(message.bytes, `${file.path} > message ${message.index + 1}`, run));
      }
    } else if (file.size > run.limits.maxBufferedBytes) {
      summary.rejected++;
      run.onRejected(rejection('input-too-large', `The file is larger than --max-buffered (${run.limits.maxBufferedBytes} bytes), the most kept as one raw input.`), file.path);
    } else {
      add(await ingestBytes(readFileSync(file.path), file.path, run));
    }
    run.progress?.(++done, summary);
  }
  return summary;
}

/** Whether the file starts like an mbox (looked at by content, as everywhere). */
function isMbox(path: string): boolean {
  const head = new Uint8Array(4096);
  const fd = openSync(path, 'r');
  try {
    const length = readSync(fd, head, 0, head.length, 0);
    return sniffContent(head.subarray(0, length)) === 'mbox';
  } finally {
    closeSync(fd);
  }
}
