/**
 * TLS reports, for both dialects (sql/sql-program.ts): stored once per (organisation, report
 * ID) with their policy domains in tls_report_domains (written in the same transaction, so the
 * reports are queryable by domain without parsing their JSON), listed newest stored first by id
 * and paged by id. Report periods are kept as `YYYY-MM-DDTHH:MM:SSZ` text (reports/tlsrpt/
 * rfc3339.ts), which compares as time; a window bound is written the same way, rounded up to the
 * second, which keeps "ends at or after" and "begins before" exact for whole-second periods.
 */
import type { Diagnostic } from '../../core/diagnostic.js';
import type { TlsReport } from '../../reports/tlsrpt/tls-report.js';
import type { Page, PageRequest, Provenance, ReportListFilter, SaveOutcome, StoredTlsReport } from '../store.js';
import { domainScopeCondition } from '../domain-scope.js';
import { jsonOr, warningsFromJson } from '../failure-rows.js';
import { pageFrom, pageKey, readPageRequest } from '../paging.js';
import { Conditions } from '../sql/conditions.js';
import type { Dialect } from '../sql/dialect.js';
import type { SqlProgram } from '../sql/sql-program.js';
import { execute, insertOnce, rowOf, rowsOf } from '../sql/sql-program.js';

/**
 * The report's policy domains, lower case, each once, in report order. A name with a NUL is
 * left out: no domain has one, and PostgreSQL text cannot hold it.
 */
export function tlsPolicyDomains(report: TlsReport): string[] {
  const domains = new Set<string>();
  // Read back from JSON, a report may be anything (a hand-edited row): only strings count.
  const policies: readonly unknown[] = Array.isArray(report.policies) ? report.policies : [];
  for (const policy of policies) {
    const name = (policy as { policyDomain?: unknown } | null)?.policyDomain;
    const domain = typeof name === 'string' ? name.toLowerCase() : '';
    if (domain !== '' && !domain.includes('\u0000')) domains.add(domain);
  }
  return [...domains];
}

/** Runs in one transaction: the report and its domains together. */
export function* saveTlsReport(d: Dialect, report: TlsReport, provenance: Provenance, warnings: readonly Diagnostic[]): SqlProgram<SaveOutcome> {
  const key = [report.organizationName, report.reportId];
  const saved = yield* insertOnce(
    d,
    {
      sql:
        'INSERT INTO tls_reports (organization_name, report_id, begin_ts, end_ts, report_json, raw_sha256, source, received_at, warnings_json) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (organization_name, report_id) DO NOTHING RETURNING id',
      params: [
        ...key, report.dateRange.start, report.dateRange.end, JSON.stringify(report), provenance.raw.sha256, provenance.source,
        d.time(provenance.receivedAt), JSON.stringify(warnings),
      ],
    },
    { sql: 'SELECT id FROM tls_reports WHERE organization_name = ? AND report_id = ?', params: key },
  );
  if (saved.status === 'new') {
    for (const domain of tlsPolicyDomains(report)) yield* execute('INSERT INTO tls_report_domains (report, domain) VALUES (?, ?)', [saved.id, domain]);
  }
  return saved;
}

const SELECT =
  'SELECT t.id, t.organization_name, t.report_id, t.begin_ts, t.end_ts, t.report_json, t.warnings_json, t.raw_sha256, r.size, t.source, t.received_at ' +
  'FROM tls_reports t LEFT JOIN raw_inputs r ON r.sha256 = t.raw_sha256';

interface TlsRow {
  readonly id: unknown;
  readonly organization_name: string;
  readonly report_id: string;
  readonly begin_ts: string;
  readonly end_ts: string;
  readonly report_json: string;
  readonly warnings_json: string | null;
  readonly raw_sha256: string;
  readonly size: unknown;
  readonly source: string;
  readonly received_at: unknown;
}

/** The stored report; from its columns alone (no policies) should its JSON be unreadable (a hand-edited row). */
function tlsFromRow(d: Dialect, row: TlsRow): StoredTlsReport {
  const bare: TlsReport = {
    kind: 'tlsrpt', organizationName: row.organization_name, reportId: row.report_id, dateRange: { start: row.begin_ts, end: row.end_ts }, contactInfo: null, policies: [],
  };
  const report = jsonOr<TlsReport>(row.report_json, bare, 'object');
  return {
    id: d.readInt(row.id),
    report,
    policyDomains: tlsPolicyDomains(report),
    warnings: warningsFromJson(row.warnings_json),
    raw: { sha256: row.raw_sha256, size: row.size === null ? 0 : d.readInt(row.size) },
    source: row.source,
    receivedAt: d.readTime(row.received_at),
  };
}

/** A window bound as a report period is written, rounded up to the whole second. */
function periodText(time: Date): string {
  return `${new Date(Math.ceil(time.getTime() / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

const KEY = pageKey('tls-reports', ['int']);

/** `sourceIp` does not apply to TLS reports and is ignored. */
export function* listTlsReports(d: Dialect, filter: ReportListFilter, page: PageRequest | undefined): SqlProgram<Page<StoredTlsReport>> {
  const query = readPageRequest(KEY, page);
  const where = new Conditions();
  const covers = 'EXISTS (SELECT 1 FROM tls_report_domains x WHERE x.report = t.id AND';
  if (filter.domain !== undefined) where.add(`${covers} x.domain = ?)`, filter.domain);
  if (filter.domains !== undefined) {
    const scope = domainScopeCondition('x.domain', filter.domains);
    where.add(`${covers} ${scope.sql})`, ...scope.params);
  }
  if (filter.since !== undefined) where.add('t.end_ts >= ?', periodText(filter.since));
  if (filter.until !== undefined) where.add('t.begin_ts < ?', periodText(filter.until));
  if (query.after !== undefined) where.add('t.id < ?', query.after[0]);
  const rows = yield* rowsOf<TlsRow>(`${SELECT} ${where.toString()} ORDER BY t.id DESC LIMIT ?`, [...where.params, query.limit + 1]);
  return pageFrom(KEY, query, rows, (row) => [d.readInt(row.id)], (row) => tlsFromRow(d, row));
}

export function* getTlsReport(d: Dialect, id: number): SqlProgram<StoredTlsReport | undefined> {
  const row = yield* rowOf<TlsRow>(`${SELECT} WHERE t.id = ?`, [id]);
  return row === undefined ? undefined : tlsFromRow(d, row);
}
