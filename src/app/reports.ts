/**
 * Reading stored reports: aggregate records as a stream (for `export records` and, later, the API's
 * exports), failure reports (as stored: redacted unless the operator kept headers) and TLS reports,
 * each list paged and filtered by domain and time, and streamed for exports; failure reports of
 * one sender, and failure reports counted per sender (for `senders` and the rollout planner).
 */
import { senderKeyOf } from '../analysis/group-senders.js';
import type { SenderSummary } from '../analysis/sender-model.js';
import { canonicalizeIp } from '../core/ip.js';
import type { AggregateReportSummary, FailureReportSourceCount, Page, PageRequest, RecordFilter, ReportListFilter, StoredFailureReport, StoredRecord, StoredTlsReport } from '../store/store.js';
import { MAX_PAGE_LIMIT } from '../store/store.js';
import type { AppContext } from './context.js';
import { requireDomain } from './domains.js';
import { eachItem } from './paging.js';
import { invalid, notFound, withAppErrors } from './problems.js';
import { knownSenderOfSources, requirePossibleSenderKey } from './sender-keys.js';
import { requireWindow } from './time-window.js';

export type { AggregateReportSummary, StoredFailureReport, StoredRecord, StoredTlsReport } from '../store/store.js';
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
    ...(query.sourceIp !== undefined ? { sourceIp: requireIp(query.sourceIp) } : {}),
  };
}

/** The canonical form the store keeps source IPs in (`2001:DB8::0:25` → `2001:db8::25`), or `invalid`. */
function requireIp(text: string): string {
  const ip = canonicalizeIp(text.trim());
  if (ip === undefined) throw invalid('not-an-ip', 'ip', `"${text}" is not an IP address`);
  return ip.ip;
}

/** Aggregate reports, one line each (no records), newest stored first; `since`/`until` on their period. */
export async function listAggregateReports(ctx: AppContext, query: Omit<ReportQuery, 'sourceIp'> = {}, page: PageRequest = {}): Promise<Page<AggregateReportSummary>> {
  const filter = listFilter(query);
  return withAppErrors(() => ctx.store.listAggregateReports(filter, page));
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

export interface FailureReportQuery extends ReportQuery {
  /**
   * Only the reports whose source IP belongs to this sender of `domain` (required with it), as
   * countFailureReportsBySender attributes them; the domain's subdomains are then included.
   */
  readonly sender?: string;
}

/**
 * Every failure report matching the query, newest stored first, read page by page (memory stays
 * flat however many there are): for exports, and for the reports of one sender. The query is
 * checked before the first report is read.
 */
export function streamFailureReports(ctx: AppContext, query: FailureReportQuery = {}): AsyncIterable<StoredFailureReport> {
  const filter = listFilter(query);
  if (query.sender === undefined) return eachItem((page) => withAppErrors(() => ctx.store.listFailureReports(filter, page)), MAX_PAGE_LIMIT);
  if (filter.domain === undefined) throw invalid('sender-needs-domain', 'domain', 'the failure reports of a sender are those of one domain: give the domain');
  const key = requirePossibleSenderKey(query.sender, ctx.catalogue);
  const domain = filter.domain;
  const { domain: _exact, ...rest } = filter;
  const subtree: ReportListFilter = { ...rest, domains: [domain] };
  return (async function* senderReports(): AsyncGenerator<StoredFailureReport> {
    const sources = await withAppErrors(() => ctx.store.countFailureReportSources(subtree));
    const owner = await attributeSources(ctx, domain, sources);
    const ips = new Set([...owner].filter(([, k]) => k === key).map(([ip]) => ip));
    if (ips.size === 0) return;
    const only = ips.size === 1 ? { sourceIp: [...ips][0] as string } : {};
    for await (const report of eachItem((page) => withAppErrors(() => ctx.store.listFailureReports({ ...subtree, ...only }, page)), MAX_PAGE_LIMIT)) {
      if (report.sourceIp !== null && ips.has(report.sourceIp)) yield report;
    }
  })();
}

/** Every TLS report matching the query, newest stored first, read page by page. */
export function streamTlsReports(ctx: AppContext, query: Omit<ReportQuery, 'sourceIp'> = {}): AsyncIterable<StoredTlsReport> {
  const filter = listFilter(query);
  return eachItem((page) => withAppErrors(() => ctx.store.listTlsReports(filter, page)), MAX_PAGE_LIMIT);
}

/** How many failure reports one sender has (countFailureReportsBySender). */
export interface SenderFailureReportCount {
  readonly key: string;
  readonly reports: number;
}

export interface FailureReportCounts {
  /** The domain as looked up (its subdomains' reports count too). */
  readonly domain: string;
  readonly since: Date;
  readonly until: Date;
  /** Every failure report about the domain or a subdomain in the window. */
  readonly total: number;
  /** Per sender key, most reports first (then by key); senders without any are left out. */
  readonly senders: readonly SenderFailureReportCount[];
  /** Reports that name no source IP, so belong to no sender. */
  readonly withoutSourceIp: number;
}

/**
 * The failure (forensic) reports about `domain` and its subdomains whose arrival (else receipt)
 * falls in [since, until), counted per sender (grouped by the store, never read one by one). A
 * report belongs to the sender of its source IP: the one of `senders` (the domain's senders as
 * listSenders or the planner found them, normally over the same window) that holds the IP; else
 * the sender the domain's aggregate reports put the IP in over all stored history (with the
 * reverse DNS the store has cached); else, for an IP no aggregate report names, the sender its
 * own failure reports point to (a catalogue service by their DKIM or SPF domain or the cached
 * reverse DNS, else the IP's network). Subdomains count because a failure report names the
 * From domain of the message, while the aggregate reports of its mail are the policy domain's.
 */
export async function countFailureReportsBySender(
  ctx: AppContext,
  domainText: string,
  window: { readonly since: Date; readonly until: Date },
  senders: readonly Pick<SenderSummary, 'key' | 'sourceIps'>[] = [],
): Promise<FailureReportCounts> {
  const domain = requireDomain(domainText);
  if (!(window.since.getTime() < window.until.getTime())) throw invalid('window-empty', 'since', `the window is empty: ${window.since.toISOString()} is not before ${window.until.toISOString()}`);
  const sources = await withAppErrors(() => ctx.store.countFailureReportSources({ domains: [domain], since: window.since, until: window.until }));
  const owner = await attributeSources(ctx, domain, sources, senders);
  const counts = new Map<string, number>();
  let total = 0;
  let withoutSourceIp = 0;
  for (const source of sources) {
    total += source.reports;
    const key = source.sourceIp === null ? undefined : owner.get(source.sourceIp);
    if (key === undefined) withoutSourceIp += source.reports;
    else counts.set(key, (counts.get(key) ?? 0) + source.reports);
  }
  const list = [...counts].map(([key, reports]) => ({ key, reports })).sort((a, b) => b.reports - a.reports || (a.key < b.key ? -1 : 1));
  return { domain, since: window.since, until: window.until, total, senders: list, withoutSourceIp };
}

/** The sender key of every source IP of the counted failure reports (see countFailureReportsBySender). */
async function attributeSources(
  ctx: AppContext,
  domain: string,
  sources: readonly FailureReportSourceCount[],
  senders: readonly Pick<SenderSummary, 'key' | 'sourceIps'>[] = [],
): Promise<Map<string, string>> {
  const owner = new Map<string, string>();
  const listed = new Map<string, string>();
  for (const sender of senders) for (const ip of sender.sourceIps) listed.set(ip, sender.key);
  const evidence = new Map<string, { dkim: Set<string>; spf: Set<string> }>();
  for (const source of sources) {
    if (source.sourceIp === null) continue;
    const ip = source.sourceIp;
    const known = listed.get(ip);
    if (known !== undefined) {
      owner.set(ip, known);
      continue;
    }
    const seen = evidence.get(ip) ?? { dkim: new Set<string>(), spf: new Set<string>() };
    if (source.dkimDomain !== null) seen.dkim.add(source.dkimDomain.toLowerCase());
    if (source.spfDomain !== null) seen.spf.add(source.spfDomain.toLowerCase());
    evidence.set(ip, seen);
  }
  if (evidence.size === 0) return owner;
  const history = await withAppErrors(() => knownSenderOfSources(ctx, domain));
  const unknown: string[] = [];
  for (const ip of evidence.keys()) {
    const key = history.get(ip);
    if (key !== undefined) owner.set(ip, key);
    else unknown.push(ip);
  }
  if (unknown.length === 0) return owner;
  const cached = await withAppErrors(() => ctx.store.getSourceEnrichments(unknown));
  for (const ip of unknown) {
    const seen = evidence.get(ip);
    owner.set(ip, senderKeyOf({ ip, dkimDomains: [...(seen?.dkim ?? [])], returnPathDomains: [...(seen?.spf ?? [])] }, cached.get(ip), ctx.catalogue));
  }
  return owner;
}
