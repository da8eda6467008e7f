/**
 * A ReportSink that saves what extraction finds into a Store: aggregate reports through a
 * writer (records in batches, the whole report in one transaction), failure and TLS reports with
 * the warnings their parse gave, and refusals into the quarantine with the raw input they came from.
 *
 * Extraction calls the sink synchronously; the store is asynchronous. Every store call is
 * chained on one promise, and `drain` returns it, so extraction waits for the database
 * between chunks of input (memory stays bounded) and operations happen in order.
 */
import type { Diagnostic, Rejection } from '../core/diagnostic.js';
import type { AggregateHeader, AggregateRecord, AggregateTrailer } from '../reports/aggregate/aggregate-report.js';
import type { ReportSink } from '../reports/extract/report-sink.js';
import type { FailureReport } from '../reports/failure/failure-report.js';
import type { TlsReport } from '../reports/tlsrpt/tls-report.js';
import type { AggregateWriter, FailureStoreOptions, Provenance, SaveOutcome, Store } from '../store/store.js';

/** Records handed to the store at once. */
const BATCH_RECORDS = 1000;

export interface IngestCounts {
  newReports: number;
  duplicateReports: number;
  rejected: number;
  /** Records of the new aggregate reports. */
  records: number;
}

export function emptyIngestCounts(): IngestCounts {
  return { newReports: 0, duplicateReports: 0, rejected: 0, records: 0 };
}

export function addIngestCounts(into: IngestCounts, from: IngestCounts): void {
  into.newReports += from.newReports;
  into.duplicateReports += from.duplicateReports;
  into.rejected += from.rejected;
  into.records += from.records;
}

export class StoreSink implements ReportSink {
  readonly counts = emptyIngestCounts();
  /** The input held a failure report (stored now or before): personal data, whose e-mail is not kept by default (ingest-files.ts storeInput). */
  heldFailureReport = false;
  readonly #store: Store;
  readonly #provenance: Provenance;
  readonly #options: FailureStoreOptions;
  readonly #onRejected: (rejection: Rejection, source: string) => void;
  readonly #quarantine: boolean;
  #chain: Promise<void> = Promise.resolve();
  #writer: Promise<AggregateWriter> | undefined;
  /** The writer begun and not yet committed or aborted, for abandon(). */
  #unfinished: Promise<AggregateWriter> | undefined;
  #batch: AggregateRecord[] = [];

  /** `quarantine` false: refusals are only reported (retrying an input that is already quarantined). */
  constructor(store: Store, provenance: Provenance, options: FailureStoreOptions, onRejected: (rejection: Rejection, source: string) => void, quarantine = true) {
    this.#store = store;
    this.#provenance = provenance;
    this.#options = options;
    this.#onRejected = onRejected;
    this.#quarantine = quarantine;
  }

  aggregateStart(header: AggregateHeader, source: string): void {
    const writer = this.#then(() => this.#store.beginAggregateReport(header, { ...this.#provenance, source }));
    this.#writer = writer;
    this.#unfinished = writer;
    this.#batch = [];
  }

  aggregateRecord(record: AggregateRecord): void {
    this.#batch.push(record);
    if (this.#batch.length >= BATCH_RECORDS) this.#flush();
  }

  aggregateEnd(trailer: AggregateTrailer): void {
    this.#flush();
    const writer = this.#writer;
    this.#writer = undefined;
    if (!writer) return;
    void this.#then(async () => {
      this.#count(await (await writer).commit(trailer), trailer.recordCount);
      if (this.#unfinished === writer) this.#unfinished = undefined;
    });
  }

  aggregateAbandoned(): void {
    const writer = this.#writer;
    this.#writer = undefined;
    this.#batch = [];
    if (writer) {
      void this.#then(async () => {
        await (await writer).abort();
        if (this.#unfinished === writer) this.#unfinished = undefined;
      });
    }
  }

  /** The warnings of the parse are stored with the report, for the reader to show. */
  failureReport(report: FailureReport, source: string, warnings: readonly Diagnostic[]): void {
    this.heldFailureReport = true;
    void this.#then(async () => this.#count(await this.#store.saveFailureReport(report, { ...this.#provenance, source }, this.#options, warnings), 0));
  }

  tlsReport(report: TlsReport, source: string, warnings: readonly Diagnostic[]): void {
    void this.#then(async () => this.#count(await this.#store.saveTlsReport(report, { ...this.#provenance, source }, warnings), 0));
  }

  rejected(rejection: Rejection, source: string): void {
    this.counts.rejected++;
    this.#onRejected(rejection, source);
    if (this.#quarantine) void this.#then(async () => void (await this.#store.quarantine(rejection, { ...this.#provenance, source })));
  }

  drain(): Promise<void> {
    return this.#chain;
  }

  /** Everything given so far, stored (or the first store error). */
  async finish(): Promise<void> {
    this.#flush();
    await this.#chain;
  }

  /**
   * After a store error: rolls back the report being written, so that a long-running source
   * (SMTP, IMAP) can go on with the next input instead of finding the store's writer still open.
   */
  async abandon(): Promise<void> {
    await this.#chain.catch(() => undefined);
    const writer = this.#unfinished;
    this.#unfinished = undefined;
    this.#writer = undefined;
    this.#batch = [];
    if (writer) await writer.then((w) => w.abort()).catch(() => undefined);
  }

  #flush(): void {
    const writer = this.#writer;
    const batch = this.#batch;
    if (!writer || batch.length === 0) return;
    this.#batch = [];
    void this.#then(async () => (await writer).addRecords(batch));
  }

  #count(outcome: SaveOutcome, records: number): void {
    if (outcome.status === 'new') {
      this.counts.newReports++;
      this.counts.records += records;
    } else {
      this.counts.duplicateReports++;
    }
  }

  /** Runs `step` after everything before it; a failure stops the chain and surfaces in finish(). */
  #then<T>(step: () => Promise<T>): Promise<T> {
    const result = this.#chain.then(step);
    this.#chain = result.then(() => undefined);
    // Callers may drop `result`; the chain carries the error to drain() and finish().
    result.catch(() => undefined);
    return result;
  }
}
