/** Messages between the ingest pool (main thread) and its workers, and what a batch carries. */
import type { Diagnostic, Rejection } from '../core/diagnostic.js';
import type { AggregateHeader, AggregateRecord, AggregateTrailer } from '../reports/aggregate/aggregate-report.js';
import type { FailureReport } from '../reports/failure/failure-report.js';
import type { TlsReport } from '../reports/tlsrpt/tls-report.js';
import type { EncodedRecords } from './record-codec.js';

export type ToIngestWorker =
  | { readonly type: 'file'; readonly id: number; readonly path: string; readonly size: number }
  /**
   * One input given as bytes (`serve`'s messages), in memory the main thread shares (a
   * SharedArrayBuffer): the worker only reads it, and its batches carry no bytes back.
   */
  | { readonly type: 'bytes'; readonly id: number; readonly name: string; readonly bytes: Uint8Array }
  /** One batch was taken; the worker may have one more in flight. */
  | { readonly type: 'ack' };

/** A ReportSink call, recorded in a worker and replayed on the main thread in the same order. */
export type SinkEvent =
  | { readonly kind: 'start'; readonly header: AggregateHeader; readonly source: string }
  /** The next `count` records of the batch's encoded records. */
  | { readonly kind: 'records'; readonly count: number }
  /** A record of a shape the codec does not encode, as it is. */
  | { readonly kind: 'record'; readonly record: AggregateRecord }
  | { readonly kind: 'end'; readonly trailer: AggregateTrailer }
  | { readonly kind: 'abandoned' }
  | { readonly kind: 'failure'; readonly report: FailureReport; readonly source: string; readonly warnings: readonly Diagnostic[] }
  | { readonly kind: 'tls'; readonly report: TlsReport; readonly source: string; readonly warnings: readonly Diagnostic[] }
  | { readonly kind: 'rejected'; readonly rejection: Rejection; readonly source: string };

/** Part of what one input gave; the first batch of an input carries its raw bytes. */
export interface IngestBatch {
  readonly type: 'batch';
  readonly id: number;
  /** The input's bytes (first batch only; the buffer is transferred). */
  readonly bytes?: Uint8Array;
  readonly events: SinkEvent[];
  readonly records: EncodedRecords;
  /** Records in this batch, encoded or not (for the memory estimate). */
  readonly recordCount: number;
  /** The input's last batch. */
  readonly last: boolean;
}

/** The file could not be read: the ingest stops there, as it does on the main thread. */
export interface IngestUnreadable {
  readonly type: 'unreadable';
  readonly id: number;
  readonly message: string;
}

export type FromIngestWorker = IngestBatch | IngestUnreadable;
