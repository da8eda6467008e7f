/**
 * Reading stored reports: aggregate records as a stream (for `export records` and, later, the API's
 * exports), failure reports (as stored: redacted unless the operator kept headers) and TLS reports,
 * each list paged and filtered by domain and time.
 */
import type { Page, PageRequest, RecordFilter, ReportListFilter, StoredFailureReport, StoredRecord, StoredTlsReport } from '../store/store.js';
import type { AppContext } from './context.js';
import { requireDomain } from './domains.js';
import { notFound, withAppErrors } from './problems.js';
import { requireWindow } from './time-window.js';

export type { StoredFailureReport, StoredRecord, StoredTlsReport } from '../store/store.js';
export type { AggregateHeader, AggregateRecord } from '../reports/aggregate/aggregate-report.js';

export interface RecordQuery {
  readonly domain?: string;
  /** Reports whose period ends at or after this time. */
  readonly since?: Date;
  /** Reports whose period begins before this time. */
  readonly until?: Date;
}

/** Stored aggregate records, report by report, in the order they were stored. */
export function streamRecords(ctx: AppContext, query: RecordQuery = {}): AsyncIterable<StoredRecord> {
  requireWindow(query.since, query.until);
  const filter: RecordFilter = {
    ...(query.domain !== undefined ? { domain: requireDomain(query.domain) } : {}),
    ...(query.since ? { since: query.since } : {}),
    ...(query.until ? { until: query.until } : {}),
  };
  return ctx.store.streamRecords(filter);
}

export interface ReportQuery {
  readonly domain?: string;
  readonly since?: Date;
  readonly until?: Date;
  /** Failure reports only. */
  readonly sourceIp?: string;
}

function listFilter(query: ReportQuery): ReportListFilter {
  requireWindow(query.since, query.until);
  return {
    ...(query.domain !== undefined ? { domain: requireDomain(query.domain) } : {}),
    ...(query.since ? { since: query.since } : {}),
    ...(query.until ? { until: query.until } : {}),
    ...(query.sourceIp !== undefined ? { sourceIp: query.sourceIp } : {}),
  };
}

/** Failure reports, newest stored first. */
export async function listFailureReports(ctx: AppContext, query: ReportQuery = {}, page: PageRequest = {}): Promise<Page<StoredFailureReport>> {
  const filter = listFilter(query);
  return withAppErrors(() => ctx.store.listFailureReports(filter, page));
}

export async function getFailureReport(ctx: AppContext, id: number): Promise<StoredFailureReport> {
  const report = await withAppErrors(() => ctx.store.getFailureReport(id));
  if (report === undefined) throw notFound('failure-report-not-found', 'id', `no failure report ${id}`);
  return report;
}

/** TLS reports, newest stored first. */
export async function listTlsReports(ctx: AppContext, query: Omit<ReportQuery, 'sourceIp'> = {}, page: PageRequest = {}): Promise<Page<StoredTlsReport>> {
  const filter = listFilter(query);
  return withAppErrors(() => ctx.store.listTlsReports(filter, page));
}

export async function getTlsReport(ctx: AppContext, id: number): Promise<StoredTlsReport> {
  const report = await withAppErrors(() => ctx.store.getTlsReport(id));
  if (report === undefined) throw notFound('tls-report-not-found', 'id', `no TLS report ${id}`);
  return report;
}
