/**
 * A ReportSink split across threads: `EventBatcher` records what extraction finds in a worker and
 * posts it in batches; `replayBatch` gives the same calls, in the same order, to the main thread's
 * StoreSink. So the store sees exactly what it would have seen had the input been parsed on the
 * main thread.
 */
import type { Diagnostic, Rejection } from '../core/diagnostic.js';
import type { AggregateHeader, AggregateRecord, AggregateTrailer } from '../reports/aggregate/aggregate-report.js';
import type { ReportSink } from '../reports/extract/report-sink.js';
import type { FailureReport } from '../reports/failure/failure-report.js';
import type { TlsReport } from '../reports/tlsrpt/tls-report.js';
import type { IngestBatch, SinkEvent } from './ingest-messages.js';
import { RecordDecoder, RecordEncoder } from './record-codec.js';

/** Records per batch: as many as the StoreSink hands to the store at once. */
export const BATCH_RECORDS = 1000;

/** Collects one input's sink calls and sends them as batches (worker side). */
export class EventBatcher implements ReportSink {
  readonly #id: number;
  readonly #send: (batch: IngestBatch) => void;
  readonly #wait: () => Promise<void> | undefined;
  #bytes: Uint8Array | undefined;
  #events: SinkEvent[] = [];
  #encoder = new RecordEncoder();
  #records = 0;
  /** The 'records' event being counted, while it is the last event. */
  #run: { kind: 'records'; count: number } | undefined;

  /**
   * `bytes` go with the first batch; `send` posts a batch; `wait` returns a promise while too
   * many batches are not yet taken (extraction then pauses between chunks).
   */
  constructor(id: number, bytes: Uint8Array, send: (batch: IngestBatch) => void, wait: () => Promise<void> | undefined) {
    this.#id = id;
    this.#bytes = bytes;
    this.#send = send;
    this.#wait = wait;
  }

  aggregateStart(header: AggregateHeader, source: string): void {
    this.#events.push({ kind: 'start', header, source });
  }

  aggregateRecord(record: AggregateRecord): void {
    this.#records++;
    if (this.#encoder.add(record)) {
      if (this.#events[this.#events.length - 1] === this.#run && this.#run) this.#run.count++;
      else this.#events.push((this.#run = { kind: 'records', count: 1 }));
    } else {
      this.#events.push({ kind: 'record', record });
    }
    if (this.#records >= BATCH_RECORDS) this.#flush(false);
  }

  aggregateEnd(trailer: AggregateTrailer): void {
    this.#events.push({ kind: 'end', trailer });
  }

  aggregateAbandoned(): void {
    this.#events.push({ kind: 'abandoned' });
  }

  failureReport(report: FailureReport, source: string, warnings: readonly Diagnostic[]): void {
    this.#events.push({ kind: 'failure', report, source, warnings });
  }

  tlsReport(report: TlsReport, source: string, warnings: readonly Diagnostic[]): void {
    this.#events.push({ kind: 'tls', report, source, warnings });
  }

  rejected(rejection: Rejection, source: string): void {
    this.#events.push({ kind: 'rejected', rejection, source });
  }

  drain(): Promise<void> | undefined {
    return this.#wait();
  }

  /** Sends what is left as the input's last batch. */
  finish(): void {
    this.#flush(true);
  }

  #flush(last: boolean): void {
    const events = this.#events;
    const recordCount = this.#records;
    this.#events = [];
    this.#records = 0;
    this.#run = undefined;
    const records = this.#encoder.take();
    const bytes = this.#bytes;
    this.#bytes = undefined;
    this.#send({ type: 'batch', id: this.#id, ...(bytes ? { bytes } : {}), events, records, recordCount, last });
  }
}

/** Gives a batch's calls to `sink`, in order (main-thread side). */
export function replayBatch(batch: IngestBatch, sink: ReportSink): void {
  const decoder = new RecordDecoder(batch.records);
  for (const event of batch.events) {
    switch (event.kind) {
      case 'start':
        sink.aggregateStart(event.header, event.source);
        break;
      case 'records':
        for (let n = event.count; n > 0; n--) sink.aggregateRecord(decoder.next());
        break;
      case 'record':
        sink.aggregateRecord(event.record);
        break;
      case 'end':
        sink.aggregateEnd(event.trailer);
        break;
      case 'abandoned':
        sink.aggregateAbandoned();
        break;
      case 'failure':
        sink.failureReport(event.report, event.source, event.warnings);
        break;
      case 'tls':
        sink.tlsReport(event.report, event.source, event.warnings);
        break;
      case 'rejected':
        sink.rejected(event.rejection, event.source);
        break;
    }
  }
}
