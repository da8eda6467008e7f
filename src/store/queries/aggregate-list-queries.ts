/**
 * Aggregate reports listed one line each (no records), for both dialects: newest stored first,
 * keyset-paged by id, filtered by policy domain, an organisation's scope (domain-scope.ts) and the
 * report's period.
 */
import type { AggregateReportSummary, Page, PageRequest, ReportListFilter } from '../store.js';
import { domainScopeCondition } from '../domain-scope.js';
import { pageFrom, pageKey, readPageRequest } from '../paging.js';
import { Conditions } from '../sql/conditions.js';
import type { Dialect } from '../sql/dialect.js';
import type { SqlProgram } from '../sql/sql-program.js';
import { rowsOf } from '../sql/sql-program.js';

interface SummaryRow {
  readonly id: unknown;
  readonly org_name: string;
  readonly report_id: string;
  readonly policy_domain: string;
  readonly begin_ts: unknown;
  readonly end_ts: unknown;
  readonly schema: string;
  readonly p: string | null;
  readonly sp: string | null;
  readonly pct: unknown;
  readonly record_count: unknown;
  readonly message_count: unknown;
  readonly received_at: unknown;
  readonly source: string;
}

const KEY = pageKey('aggregate-reports', ['int']);

export function* listAggregateReports(d: Dialect, filter: ReportListFilter, page: PageRequest | undefined): SqlProgram<Page<AggregateReportSummary>> {
  const query = readPageRequest(KEY, page);
  const where = new Conditions();
  if (filter.domain !== undefined) where.add('policy_domain = ?', filter.domain);
  if (filter.domains !== undefined) {
    const scope = domainScopeCondition('policy_domain', filter.domains);
    where.add(scope.sql, ...scope.params);
  }
  if (filter.since !== undefined) where.add('end_ts >= ?', Math.floor(filter.since.getTime() / 1000));
  if (filter.until !== undefined) where.add('begin_ts < ?', Math.ceil(filter.until.getTime() / 1000));
  if (query.after !== undefined) where.add('id < ?', query.after[0]);
  const rows = yield* rowsOf<SummaryRow>(
    `SELECT id, org_name, report_id, policy_domain, begin_ts, end_ts, schema, p, sp, pct, record_count, message_count, received_at, source FROM aggregate_reports ${where.toString()} ORDER BY id DESC LIMIT ?`,
    [...where.params, query.limit + 1],
  );
  const int = (value: unknown) => (value === null || value === undefined ? null : d.readInt(value));
  return pageFrom(KEY, query, rows, (row) => [d.readInt(row.id)], (row) => ({
    id: d.readInt(row.id),
    orgName: row.org_name,
    reportId: row.report_id,
    policyDomain: row.policy_domain,
    begin: new Date(d.readInt(row.begin_ts) * 1000),
    end: new Date(d.readInt(row.end_ts) * 1000),
    schema: row.schema,
    p: row.p,
    sp: row.sp,
    pct: int(row.pct),
    records: int(row.record_count),
    messages: int(row.message_count),
    receivedAt: d.readTime(row.received_at),
    source: row.source,
  }));
}

const DOMAIN_KEY = pageKey('reported-domains', ['text']);

/** The policy domains with stored aggregate reports, by name (within `domains`' scope when given). */
export function* listReportedDomains(d: Dialect, domains: readonly string[] | undefined, page: PageRequest | undefined): SqlProgram<Page<string>> {
  const query = readPageRequest(DOMAIN_KEY, page);
  const where = new Conditions();
  if (domains !== undefined) {
    const scope = domainScopeCondition('policy_domain', domains);
    where.add(scope.sql, ...scope.params);
  }
  if (query.after !== undefined) where.add(`${d.binary('policy_domain')} > ?`, query.after[0]);
  const rows = yield* rowsOf<{ policy_domain: string }>(
    `SELECT policy_domain FROM aggregate_reports ${where.toString()} GROUP BY policy_domain ORDER BY ${d.binary('policy_domain')} LIMIT ?`,
    [...where.params, query.limit + 1],
  );
  return pageFrom(DOMAIN_KEY, query, rows, (row) => [row.policy_domain], (row) => row.policy_domain);
}
