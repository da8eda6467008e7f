/**
 * Failure reports, for both dialects (sql/sql-program.ts): stored once per report
 * (failure-dedupe-key.ts), redacted (failure-rows.ts), their input marked as holding
 * failure-report data (for its retention), listed newest stored first by id and
 * paged by id, filtered in SQL by reported domain (exact, or an organisation's domains and their
 * subdomains), time (occurred_at: arrival, else receipt) and source IP.
 */
import type { Diagnostic } from '../../core/diagnostic.js';
import type { FailureReport } from '../../reports/failure/failure-report.js';
import type { FailureReportSourceCount, FailureStoreOptions, Page, PageRequest, Provenance, ReportListFilter, SaveOutcome, StoredFailureReport } from '../store.js';
import { domainScopeCondition } from '../domain-scope.js';
import { failureDedupeKey, failureDedupeKeyV1 } from '../failure-dedupe-key.js';
import type { FailureRow } from '../failure-rows.js';
import { FAILURE_COLUMNS, FAILURE_SELECT, failureFromRow, failureParams } from '../failure-rows.js';
import { pageFrom, pageKey, readPageRequest } from '../paging.js';
import { Conditions } from '../sql/conditions.js';
import type { Dialect } from '../sql/dialect.js';
import type { SqlProgram } from '../sql/sql-program.js';
import { execute, insertOnce, rowOf, rowsOf } from '../sql/sql-program.js';

const INSERT_SQL =
  `INSERT INTO failure_reports (${FAILURE_COLUMNS.join(', ')}) VALUES (${FAILURE_COLUMNS.map(() => '?').join(', ')}) ` +
  'ON CONFLICT (dedupe_key) DO NOTHING RETURNING id';

export function* saveFailureReport(
  d: Dialect,
  report: FailureReport,
  provenance: Provenance,
  options: FailureStoreOptions,
  warnings: readonly Diagnostic[],
): SqlProgram<SaveOutcome> {
  // A row stored before whole-report keys, read from this same raw input, is this report.
  const earlier = yield* rowOf<{ id: unknown }>('SELECT id FROM failure_reports WHERE dedupe_key = ? AND raw_sha256 = ?', [failureDedupeKeyV1(report), provenance.raw.sha256]);
  if (earlier !== undefined) return { status: 'duplicate', id: d.readInt(earlier.id) };
  const key = failureDedupeKey(report);
  const outcome = yield* insertOnce(
    d,
    { sql: INSERT_SQL, params: failureParams(d, key, report, provenance, options, warnings) },
    { sql: 'SELECT id FROM failure_reports WHERE dedupe_key = ?', params: [key] },
  );
  yield* markFailureData(d, provenance.raw.sha256);
  return outcome;
}

/** The input holds failure-report data (a failure report, new or already stored, or one refused): under the failure-report retention. */
export function* markFailureData(d: Dialect, sha256: string): SqlProgram<void> {
  yield* execute('UPDATE raw_inputs SET failure_data = ? WHERE sha256 = ? AND NOT failure_data', [d.bool(true), sha256]);
}

const KEY = pageKey('failure-reports', ['int']);

/** The conditions of a failure report filter, on `failure_reports f`. */
function filterConditions(d: Dialect, filter: ReportListFilter): Conditions {
  const where = new Conditions();
  if (filter.domain !== undefined) where.add('f.reported_domain = ?', filter.domain);
  if (filter.domains !== undefined) {
    const scope = domainScopeCondition('f.reported_domain', filter.domains);
    where.add(scope.sql, ...scope.params);
  }
  if (filter.since !== undefined) where.add('f.occurred_at >= ?', d.time(filter.since));
  if (filter.until !== undefined) where.add('f.occurred_at < ?', d.time(filter.until));
  if (filter.sourceIp !== undefined) where.add('f.source_ip = ?', filter.sourceIp);
  return where;
}

export function* listFailureReports(d: Dialect, filter: ReportListFilter, page: PageRequest | undefined): SqlProgram<Page<StoredFailureReport>> {
  const query = readPageRequest(KEY, page);
  const where = filterConditions(d, filter);
  if (query.after !== undefined) where.add('f.id < ?', query.after[0]);
  const rows = yield* rowsOf<FailureRow>(`${FAILURE_SELECT} ${where.toString()} ORDER BY f.id DESC LIMIT ?`, [...where.params, query.limit + 1]);
  return pageFrom(KEY, query, rows, (row) => [d.readInt(row.id)], (row) => failureFromRow(d, row));
}

interface SourceCountRow {
  readonly source_ip: string | null;
  readonly dkim_domain: string | null;
  readonly spf_domain: string | null;
  readonly reports: unknown;
}

export function* countFailureReportSources(d: Dialect, filter: ReportListFilter): SqlProgram<FailureReportSourceCount[]> {
  const where = filterConditions(d, filter);
  const rows = yield* rowsOf<SourceCountRow>(
    `SELECT f.source_ip, f.dkim_domain, f.spf_domain, COUNT(*) AS reports FROM failure_reports f ${where.toString()} GROUP BY f.source_ip, f.dkim_domain, f.spf_domain`,
    where.params,
  );
  return rows.map((row) => ({ sourceIp: row.source_ip, dkimDomain: row.dkim_domain, spfDomain: row.spf_domain, reports: d.readInt(row.reports) }));
}

export function* getFailureReport(d: Dialect, id: number): SqlProgram<StoredFailureReport | undefined> {
  const row = yield* rowOf<FailureRow>(`${FAILURE_SELECT} WHERE f.id = ?`, [id]);
  return row === undefined ? undefined : failureFromRow(d, row);
}
