/**
 * The ingest log, for both dialects (sql/sql-program.ts): one line per input, listed newest
 * first by (at, id) and paged by that key (`(at, id) < (?, ?)` walks the (at, id) index
 * backwards). The log belongs to the instance: an organisation's view sees none of it.
 */
import type { IngestLogEntry, Page, PageRequest } from '../store.js';
import { pageFrom, pageKey, readPageRequest } from '../paging.js';
import { Conditions } from '../sql/conditions.js';
import type { Dialect } from '../sql/dialect.js';
import type { SqlProgram } from '../sql/sql-program.js';
import { execute, rowsOf } from '../sql/sql-program.js';

interface IngestLogRow {
  readonly id: unknown;
  readonly at: unknown;
  readonly input: string;
  readonly raw_sha256: string | null;
  readonly size: unknown;
  readonly new_reports: unknown;
  readonly duplicate_reports: unknown;
  readonly rejected: unknown;
  readonly records: unknown;
}

const LOG_KEY = pageKey('ingest-log', ['time', 'int']);

export function* insertIngestLog(d: Dialect, entry: IngestLogEntry): SqlProgram<void> {
  yield* execute('INSERT INTO ingest_log (at, input, raw_sha256, new_reports, duplicate_reports, rejected, records) VALUES (?, ?, ?, ?, ?, ?, ?)', [
    d.time(entry.at), entry.input, entry.raw?.sha256 ?? null, entry.newReports, entry.duplicateReports, entry.rejected, entry.records,
  ]);
}

export function* listIngestLog(d: Dialect, page: PageRequest | undefined): SqlProgram<Page<IngestLogEntry>> {
  const query = readPageRequest(LOG_KEY, page);
  const where = new Conditions();
  if (query.after !== undefined) where.add('(l.at, l.id) < (?, ?)', d.time(query.after[0]), query.after[1]);
  const rows = yield* rowsOf<IngestLogRow>(
    'SELECT l.id, l.at, l.input, l.raw_sha256, r.size, l.new_reports, l.duplicate_reports, l.rejected, l.records ' +
      `FROM ingest_log l LEFT JOIN raw_inputs r ON r.sha256 = l.raw_sha256 ${where.toString()} ORDER BY l.at DESC, l.id DESC LIMIT ?`,
    [...where.params, query.limit + 1],
  );
  return pageFrom(LOG_KEY, query, rows, (row) => [d.readTime(row.at), d.readInt(row.id)], (row) => ({
    at: d.readTime(row.at),
    input: row.input,
    raw: row.raw_sha256 === null ? null : { sha256: row.raw_sha256, size: row.size === null ? 0 : d.readInt(row.size) },
    newReports: d.readInt(row.new_reports),
    duplicateReports: d.readInt(row.duplicate_reports),
    rejected: d.readInt(row.rejected),
    records: d.readInt(row.records),
  }));
}
