import type { Diagnostic, Rejection } from '../../core/diagnostic.js';
import type { AggregateHeader, AggregateRecord, AggregateTrailer } from '../aggregate/aggregate-report.js';
import type { FailureReport } from '../failure/failure-report.js';
import type { TlsReport } from '../tlsrpt/tls-report.js';

/**
 * Where extracted reports go: the `parse` command's printer, and the store's ingest pipeline.
 * `source` names the input and the way into it, e.g. `reports.mbox > message 3 > report.xml.gz`.
 */
export interface ReportSink {
  /** An aggregate report begins; its records follow through `aggregateRecord`. */
  aggregateStart(header: AggregateHeader, source: string): void;
  aggregateRecord(record: AggregateRecord): void;
  /** The report read to its end; the trailer includes container warnings (e.g. gzip-trailing-bytes). */
  aggregateEnd(trailer: AggregateTrailer): void;
  /** The report that started was refused part-way: discard the records given so far. `rejected` follows. */
  aggregateAbandoned(): void;
  failureReport(report: FailureReport, source: string, warnings: readonly Diagnostic[]): void;
  tlsReport(report: TlsReport, source: string, warnings: readonly Diagnostic[]): void;
  /** An input, container member or e-mail part was refused. */
  rejected(rejection: Rejection, source: string): void;
  /** Called between chunks of input; a returned promise pauses reading (back-pressure). */
  drain?(): Promise<void> | void;
}
