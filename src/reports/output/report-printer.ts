/**
 * A ReportSink that renders reports as text for `dmarcpilot parse`. A report's output is held
 * until the report ends, so a report refused half-way (truncated, malformed) prints nothing;
 * only a report larger than `holdBytes` of output is streamed before its end, and if such a
 * report is then refused the printer says how much of it was printed.
 *
 * `--format json` output is a JSON array; this printer writes each report as `,\n{...}` and the
 * caller writes the `[` ... `]` around them and drops the very first comma.
 */
import type { Diagnostic, Rejection } from '../../core/diagnostic.js';
import { safeJson } from '../../core/safe-text.js';
import type { AggregateHeader, AggregateRecord, AggregateTrailer } from '../aggregate/aggregate-report.js';
import type { ReportSink } from '../extract/report-sink.js';
import type { FailureReport } from '../failure/failure-report.js';
import type { TlsReport } from '../tlsrpt/tls-report.js';
import { RecordCsvFormatter } from './aggregate-csv.js';
import { RecordLineFormatter, diagnosticJson, recordJson, reportJsonClosing, reportJsonOpening } from './aggregate-json.js';
import { ByteSink } from './byte-sink.js';
import { failureReportJson, tlsReportJson } from './other-json.js';

export type OutputFormat = 'json' | 'jsonl' | 'csv';

export interface PrinterTarget {
  /** UTF-8 output; each chunk owns its buffer (it may be transferred to another thread). */
  output(chunks: Uint8Array[]): void;
  /** One line for standard error, without its newline. */
  error(line: string): void;
}

export interface PrintCounts {
  aggregateReports: number;
  records: number;
  messages: number;
  failureReports: number;
  tlsReports: number;
  rejected: number;
  /** Failure and TLS reports not shown because the format prints aggregate records only. */
  notShown: number;
}

export function emptyCounts(): PrintCounts {
  return { aggregateReports: 0, records: 0, messages: 0, failureReports: 0, tlsReports: 0, rejected: 0, notShown: 0 };
}

export function addCounts(into: PrintCounts, from: PrintCounts): void {
  for (const key of Object.keys(into) as (keyof PrintCounts)[]) into[key] += from[key];
}

const DEFAULT_HOLD_BYTES = 16 * 1024 * 1024;
/** Once a report is streaming, output leaves in pieces of about this size. */
const STREAM_BYTES = 1024 * 1024;

export class ReportPrinter implements ReportSink {
  readonly counts = emptyCounts();
  readonly #format: OutputFormat;
  readonly #target: PrinterTarget;
  readonly #holdBytes: number;
  readonly #drain: (() => Promise<void> | void | undefined) | undefined;
  #line: ((record: AggregateRecord) => string) | undefined;
  #source = '';
  readonly #held = new ByteSink();
  #streamed = false;
  #recordsInReport = 0;
  #messagesInReport = 0;

  /** `drain` is called between input chunks; a promise it returns pauses reading (back-pressure). */
  constructor(format: OutputFormat, target: PrinterTarget, holdBytes = DEFAULT_HOLD_BYTES, drain?: () => Promise<void> | void | undefined) {
    this.#format = format;
    this.#target = target;
    this.#holdBytes = holdBytes;
    this.#drain = drain;
  }

  drain(): Promise<void> | void {
    return this.#drain?.();
  }

  aggregateStart(header: AggregateHeader, source: string): void {
    this.#source = source;
    this.#held.clear();
    this.#streamed = false;
    this.#recordsInReport = 0;
    this.#messagesInReport = 0;
    if (this.#format === 'json') {
      this.#hold(`,\n${reportJsonOpening(header, source)}`);
      let first = true;
      this.#line = (record) => {
        const text = first ? recordJson(record) : `,${recordJson(record)}`;
        first = false;
        return text;
      };
    } else if (this.#format === 'jsonl') {
      const formatter = new RecordLineFormatter(header, source);
      this.#line = (record) => formatter.line(record);
    } else {
      const formatter = new RecordCsvFormatter(header, source);
      this.#line = (record) => formatter.line(record);
    }
  }

  aggregateRecord(record: AggregateRecord): void {
    this.#recordsInReport++;
    this.#messagesInReport += record.count;
    if (this.#line) this.#hold(this.#line(record));
  }

  aggregateEnd(trailer: AggregateTrailer): void {
    if (this.#format === 'json') this.#hold(reportJsonClosing(trailer));
    this.#release();
    this.counts.aggregateReports++;
    this.counts.records += this.#recordsInReport;
    this.counts.messages += this.#messagesInReport;
    this.#line = undefined;
  }

  aggregateAbandoned(): void {
    if (this.#streamed) {
      if (this.#format === 'json') this.#hold('],"abandoned":true}');
      this.#release();
      this.#target.error(`${this.#source}: note: ${this.#recordsInReport} records of this report were printed before it was refused (see the next line)`);
    }
    this.#held.clear();
    this.#line = undefined;
  }

  failureReport(report: FailureReport, source: string, warnings: readonly Diagnostic[]): void {
    this.counts.failureReports++;
    this.#printWhole(failureReportJson(report), source, warnings);
  }

  tlsReport(report: TlsReport, source: string, warnings: readonly Diagnostic[]): void {
    this.counts.tlsReports++;
    this.#printWhole(tlsReportJson(report), source, warnings);
  }

  /** A failure or TLS report: printed whole in `json`; the record formats list aggregate records only. */
  #printWhole(json: Record<string, unknown>, source: string, warnings: readonly Diagnostic[]): void {
    if (this.#format !== 'json') {
      this.counts.notShown++;
      return;
    }
    this.#hold(`,\n${safeJson({ ...json, source, warnings: warnings.map(diagnosticJson) })}`);
    this.#release();
  }

  rejected(rejection: Rejection, source: string): void {
    this.counts.rejected++;
    this.#target.error(`${source}: ${rejection.code}: ${rejection.message}`);
  }

  #hold(text: string): void {
    this.#held.append(text);
    if (this.#held.size > (this.#streamed ? STREAM_BYTES : this.#holdBytes)) {
      this.#streamed = true;
      this.#release();
    }
  }

  #release(): void {
    if (this.#held.size > 0) this.#target.output(this.#held.take());
  }
}
