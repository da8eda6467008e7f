/**
 * The quarantine, for both dialects (sql/sql-program.ts): refused inputs kept once per (raw
 * input, path into it, code), listed oldest first by id, paged by id. A refused failure report
 * marks its input as holding failure-report data (for its retention).
 */
import type { Rejection } from '../../core/diagnostic.js';
import type { Page, PageRequest, Provenance, QuarantineEntry } from '../store.js';
import { pageFrom, pageKey, readPageRequest } from '../paging.js';
import { Conditions } from '../sql/conditions.js';
import type { Dialect } from '../sql/dialect.js';
import type { SqlProgram } from '../sql/sql-program.js';
import { markFailureData } from './failure-queries.js';
import { execute, insertOnce, rowOf, rowsOf } from '../sql/sql-program.js';

const SELECT =
  'SELECT q.id, q.raw_sha256, r.size, q.source, q.code, q.message, q.received_at, q.state, q.input_size FROM quarantine q LEFT JOIN raw_inputs r ON r.sha256 = q.raw_sha256';

interface QuarantineRow {
  readonly id: unknown;
  readonly raw_sha256: string;
  readonly size: unknown;
  readonly source: string;
  readonly code: string;
  readonly message: string;
  readonly received_at: unknown;
  readonly state: QuarantineEntry['state'];
  readonly input_size: unknown;
}

function entryFromRow(d: Dialect, row: QuarantineRow): QuarantineEntry {
  const entry: QuarantineEntry = {
    id: d.readInt(row.id),
    raw: { sha256: row.raw_sha256, size: row.size === null ? 0 : d.readInt(row.size) },
    source: row.source,
    code: row.code,
    message: row.message,
    receivedAt: d.readTime(row.received_at),
    state: row.state,
  };
  return row.input_size === null || row.input_size === undefined ? entry : { ...entry, truncated: { inputSize: d.readInt(row.input_size) } };
}

const KEY = pageKey('quarantine', ['int']);

/** The code of a refused failure report (reports/failure): its input holds failure-report data. */
export const FAILURE_REFUSED = 'arf-invalid';

/** `truncatedFrom`: the whole input's size, when `provenance.raw` holds only its first bytes. */
export function* insertQuarantine(d: Dialect, rejection: Rejection, provenance: Provenance, truncatedFrom?: number): SqlProgram<number> {
  const key = [provenance.raw.sha256, provenance.source, rejection.code];
  const saved = yield* insertOnce(
    d,
    {
      sql: 'INSERT INTO quarantine (raw_sha256, source, code, message, received_at, input_size) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (raw_sha256, source, code) DO NOTHING RETURNING id',
      params: [...key, rejection.message, d.time(provenance.receivedAt), truncatedFrom ?? null],
    },
    { sql: 'SELECT id FROM quarantine WHERE raw_sha256 = ? AND source = ? AND code = ?', params: key },
  );
  if (rejection.code === FAILURE_REFUSED) yield* markFailureData(d, provenance.raw.sha256);
  return saved.id;
}

export function* listQuarantine(d: Dialect, filter: { readonly state?: QuarantineEntry['state'] }, page: PageRequest | undefined): SqlProgram<Page<QuarantineEntry>> {
  const query = readPageRequest(KEY, page);
  const where = new Conditions();
  if (filter.state !== undefined) where.add('q.state = ?', filter.state);
  if (query.after !== undefined) where.add('q.id > ?', query.after[0]);
  const rows = yield* rowsOf<QuarantineRow>(`${SELECT} ${where.toString()} ORDER BY q.id LIMIT ?`, [...where.params, query.limit + 1]);
  return pageFrom(KEY, query, rows, (row) => [d.readInt(row.id)], (row) => entryFromRow(d, row));
}

export function* getQuarantine(d: Dialect, id: number): SqlProgram<QuarantineEntry | undefined> {
  const row = yield* rowOf<QuarantineRow>(`${SELECT} WHERE q.id = ?`, [id]);
  return row === undefined ? undefined : entryFromRow(d, row);
}

export function* setQuarantineState(_d: Dialect, id: number, state: QuarantineEntry['state']): SqlProgram<void> {
  yield* execute('UPDATE quarantine SET state = ? WHERE id = ?', [state, id]);
}
