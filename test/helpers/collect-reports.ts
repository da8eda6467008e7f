/** Runs the whole extraction pipeline over a file or bytes and collects what comes out. */
import { readFileSync, statSync } from 'node:fs';
import type { Diagnostic, Rejection } from '../../src/core/diagnostic.js';
import type { Limits } from '../../src/core/limits.js';
import type { AggregateHeader, AggregateRecord, AggregateTrailer } from '../../src/reports/aggregate/aggregate-report.js';
import { streamBytes } from '../../src/reports/extract/byte-stream.js';
import { extractReports } from '../../src/reports/extract/extract-reports.js';
import type { ReportSink } from '../../src/reports/extract/report-sink.js';
import type { FailureReport } from '../../src/reports/failure/failure-report.js';
import type { TlsReport } from '../../src/reports/tlsrpt/tls-report.js';

export interface CollectedAggregate {
  readonly header: AggregateHeader;
  readonly records: AggregateRecord[];
  readonly trailer: AggregateTrailer;
  readonly source: string;
}

export interface Collected {
  readonly aggregates: CollectedAggregate[];
  readonly failures: { report: FailureReport; source: string; warnings: readonly Diagnostic[] }[];
  readonly tls: { report: TlsReport; source: string; warnings: readonly Diagnostic[] }[];
  readonly rejections: { rejection: Rejection; source: string }[];
  /** Reports that started and were then abandoned. */
  abandoned: number;
}

export function collectingSink(): { sink: ReportSink; collected: Collected } {
  const collected: Collected = { aggregates: [], failures: [], tls: [], rejections: [], abandoned: 0 };
  let current: { header: AggregateHeader; records: AggregateRecord[]; source: string } | undefined;
  const sink: ReportSink = {
    aggregateStart: (header, source) => void (current = { header, records: [], source }),
    aggregateRecord: (record) => void current?.records.push(record),
    aggregateEnd: (trailer) => {
      if (current) collected.aggregates.push({ ...current, trailer });
      current = undefined;
    },
    aggregateAbandoned: () => {
      collected.abandoned++;
      current = undefined;
    },
    failureReport: (report, source, warnings) => void collected.failures.push({ report, source, warnings }),
    tlsReport: (report, source, warnings) => void collected.tls.push({ report, source, warnings }),
    rejected: (rejection, source) => void collected.rejections.push({ rejection, source }),
  };
  return { sink, collected };
}

export async function collectFromBytes(name: string, bytes: Uint8Array, limits?: Limits, chunkSize?: number): Promise<Collected> {
  const { sink, collected } = collectingSink();
  await extractReports({ name, chunks: streamBytes(bytes, chunkSize), size: bytes.length }, sink, limits ? { limits } : {});
  return collected;
}

export async function collectFromFile(path: string, limits?: Limits): Promise<Collected> {
  statSync(path);
  return collectFromBytes(path, readFileSync(path), limits);
}
