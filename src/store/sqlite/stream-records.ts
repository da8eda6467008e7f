/**
 * Streams stored aggregate records report by report (report id, then record id: insertion
 * order), in pages by keyset (`id > last`), so that neither a large store nor a large report is
 * ever held in memory. Each page is its own short query: the connection is never left busy
 * between pages, so the consumer may use the store while it iterates.
 */
import type { RecordFilter, StoredRecord } from '../store.js';
import { domainScopeCondition } from '../domain-scope.js';
import type { RecordRow, ReportRow } from './aggregate-rows.js';
import { headerFromRow, recordFromRow } from './aggregate-rows.js';
import { settle } from './settle.js';
import type { SqliteDatabase } from './sqlite-driver.js';

export const REPORTS_PER_PAGE = 100;
export const RECORDS_PER_PAGE = 1_000;

/**
 * Reports matching the filter. A report whose writer has not committed has no record_count yet
 * and is left out, even when read through the writer's own connection.
 */
function reportQuery(filter: RecordFilter): { sql: string; params: unknown[] } {
  const where = ['id > ?', 'record_count IS NOT NULL'];
  const params: unknown[] = [];
  if (filter.domain !== undefined) {
    where.push('policy_domain = ?');
    params.push(filter.domain);
  }
  if (filter.domains !== undefined) {
    const scope = domainScopeCondition('policy_domain', filter.domains);
    where.push(scope.sql);
    params.push(...scope.params);
  }
  if (filter.since !== undefined) {
    where.push('end_ts >= ?');
    params.push(filter.since.getTime() / 1000);
  }
  if (filter.until !== undefined) {
    where.push('begin_ts < ?');
    params.push(filter.until.getTime() / 1000);
  }
  return { sql: `SELECT * FROM aggregate_reports WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${REPORTS_PER_PAGE}`, params };
}

/** The records as an async iterable (the Store interface), read lazily: no query runs before the first `next`. */
export function streamSqliteRecords(db: SqliteDatabase, filter: RecordFilter): AsyncIterable<StoredRecord> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<StoredRecord> {
      const records = readStoredRecords(db, filter);
      return {
        next: () => settle(() => records.next()),
        return: (value?: unknown) => settle(() => records.return(value)),
      };
    },
  };
}

/** The same, synchronously: page after page, one short query each. */
export function* readStoredRecords(db: SqliteDatabase, filter: RecordFilter): Generator<StoredRecord, unknown, undefined> {
  const { sql, params } = reportQuery(filter);
  const reports = db.prepare(sql);
  const records = db.prepare(`SELECT * FROM aggregate_records WHERE report = ? AND id > ? ORDER BY id LIMIT ${RECORDS_PER_PAGE}`);
  let lastReport = 0;
  for (;;) {
    const page = reports.all(lastReport, ...params) as ReportRow[];
    for (const row of page) {
      const header = headerFromRow(row);
      let lastRecord = 0;
      for (;;) {
        const recordPage = records.all(row.id, lastRecord) as RecordRow[];
        for (const recordRow of recordPage) yield { header, record: recordFromRow(recordRow), source: row.source };
        const last = recordPage[recordPage.length - 1];
        if (last === undefined || recordPage.length < RECORDS_PER_PAGE) break;
        lastRecord = last.id;
      }
      lastReport = row.id;
    }
    if (page.length < REPORTS_PER_PAGE) return;
  }
}
