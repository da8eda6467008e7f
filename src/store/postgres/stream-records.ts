/**
 * Streams stored aggregate records report by report (report id, then record id: insertion
 * order), in pages by keyset, so that neither a large store nor a large report is ever held in
 * memory. A page of matching reports is read first; then their records, a page at a time, with
 * `report = ANY(unfinished reports) AND (report, id) > (last report, last id)` on the (report, id)
 * index, so many small reports cost one query, not one each. Every page is its own short query on any
 * pooled connection: nothing is held between pages, and a consumer that stops early leaves
 * nothing open. Only committed reports are seen (PostgreSQL's isolation).
 */
import type { AggregateHeader } from '../../reports/aggregate/aggregate-report.js';
import type { RecordFilter, StoredRecord } from '../store.js';
import { domainScopeCondition } from '../domain-scope.js';
import type { RecordRow, ReportRow } from './aggregate-rows.js';
import { RECORD_SELECT, REPORT_SELECT, headerFromRow, recordFromRow } from './aggregate-rows.js';
import type { PgQueryable } from './pg-driver.js';

export interface StreamPageSizes {
  /** Reports read per query. */
  readonly reports: number;
  /** Records read per query. */
  readonly records: number;
}

export const DEFAULT_PAGE_SIZES: StreamPageSizes = { reports: 500, records: 2_000 };

/** The reports query for `filter`: `$1` is the last report id seen, `$2` the page size. */
function reportQuery(filter: RecordFilter): { text: string; values: unknown[] } {
  const where = ['id > $1'];
  const values: unknown[] = [];
  const add = (condition: (n: string) => string, value: unknown): void => {
    values.push(value);
    where.push(condition(`$${values.length + 2}`));
  };
  if (filter.domain !== undefined) add((n) => `policy_domain = ${n}`, filter.domain);
  if (filter.domains !== undefined) {
    // The shared condition is written with `?`; each becomes the next parameter here.
    const scope = domainScopeCondition('policy_domain', filter.domains);
    let i = 0;
    where.push(scope.sql.replace(/\?/g, () => `$${values.length + 3 + i++}`));
    values.push(...scope.params);
  }
  // end_ts * 1000 >= since  <=>  end_ts >= ceil(since / 1000), for whole seconds end_ts.
  if (filter.since !== undefined) add((n) => `end_ts >= ${n}`, Math.ceil(filter.since.getTime() / 1000));
  // begin_ts * 1000 < until  <=>  begin_ts < ceil(until / 1000), for whole seconds begin_ts.
  if (filter.until !== undefined) add((n) => `begin_ts < ${n}`, Math.ceil(filter.until.getTime() / 1000));
  return { text: `SELECT ${REPORT_SELECT} FROM aggregate_reports WHERE ${where.join(' AND ')} ORDER BY id LIMIT $2`, values };
}

const RECORDS_SQL =
  `SELECT ${RECORD_SELECT} FROM aggregate_records WHERE report = ANY($1::bigint[]) AND (report, id) > ($2::bigint, $3::bigint) ` +
  'ORDER BY report, id LIMIT $4';

export async function* streamPostgresRecords(
  db: PgQueryable,
  filter: RecordFilter,
  sizes: StreamPageSizes = DEFAULT_PAGE_SIZES,
): AsyncGenerator<StoredRecord> {
  const reports = reportQuery(filter);
  let lastReport = '0';
  for (;;) {
    const page = (await db.query<ReportRow>({ text: reports.text, values: [lastReport, sizes.reports, ...reports.values] })).rows;
    const last = page[page.length - 1];
    if (last === undefined) return;
    yield* streamPageRecords(db, page, sizes.records);
    if (page.length < sizes.reports) return;
    lastReport = last.id;
  }
}

/**
 * The records of one page of reports, in order, each with its report's header. Each query names
 * only the reports not yet finished: PostgreSQL 15 walks `= ANY(array)` key by key, so naming the
 * finished ones again would make every query rescan their records.
 */
async function* streamPageRecords(db: PgQueryable, page: readonly ReportRow[], pageSize: number): AsyncGenerator<StoredRecord> {
  const ids = page.map((row) => row.id);
  const position = new Map(ids.map((id, i) => [id, i]));
  let current: { id: string; header: AggregateHeader; source: string } | undefined;
  let after: [string, string] = ['0', '0'];
  let from = 0;
  for (;;) {
    const rows = (await db.query<RecordRow>({ text: RECORDS_SQL, values: [ids.slice(from), ...after, pageSize] })).rows;
    for (const row of rows) {
      if (current?.id !== row.report) {
        const report = page[position.get(row.report) ?? -1];
        if (report === undefined) throw new Error(`record ${row.id} of report ${row.report} outside the page`);
        current = { id: row.report, header: headerFromRow(report), source: report.source };
      }
      yield { header: current.header, record: recordFromRow(row), source: current.source };
    }
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < pageSize) return;
    after = [last.report, last.id];
    from = position.get(last.report) ?? from;
  }
}
