/**
 * The saved DNS checks, for both dialects (sql/sql-program.ts): per domain, newest first by
 * (checked_at, id), paged by that key; the whole result kept as JSON text.
 */
import type { DomainCheckEntry, Page, PageRequest } from '../store.js';
import { pageFrom, pageKey, readPageRequest } from '../paging.js';
import { Conditions } from '../sql/conditions.js';
import type { Dialect } from '../sql/dialect.js';
import type { SqlProgram } from '../sql/sql-program.js';
import { execute, rowsOf } from '../sql/sql-program.js';

interface CheckRow {
  readonly id: unknown;
  readonly domain: string;
  readonly checked_at: unknown;
  readonly errors: unknown;
  readonly warnings: unknown;
  readonly result_json: string;
}

const CHECK_KEY = pageKey('domain-checks', ['time', 'int']);

export function* insertDomainCheck(d: Dialect, entry: DomainCheckEntry): SqlProgram<void> {
  yield* execute('INSERT INTO domain_checks (domain, checked_at, errors, warnings, result_json) VALUES (?, ?, ?, ?, ?)', [
    entry.domain, d.time(entry.checkedAt), entry.errors, entry.warnings, JSON.stringify(entry.result),
  ]);
}

export function* listDomainChecks(d: Dialect, domain: string, page: PageRequest | undefined): SqlProgram<Page<DomainCheckEntry>> {
  const query = readPageRequest(CHECK_KEY, page);
  const where = new Conditions().add('domain = ?', domain);
  if (query.after !== undefined) where.add('(checked_at, id) < (?, ?)', d.time(query.after[0]), query.after[1]);
  const rows = yield* rowsOf<CheckRow>(
    `SELECT id, domain, checked_at, errors, warnings, result_json FROM domain_checks ${where.toString()} ORDER BY checked_at DESC, id DESC LIMIT ?`,
    [...where.params, query.limit + 1],
  );
  return pageFrom(CHECK_KEY, query, rows, (row) => [d.readTime(row.checked_at), d.readInt(row.id)], (row) => ({
    domain: row.domain,
    checkedAt: d.readTime(row.checked_at),
    errors: d.readInt(row.errors),
    warnings: d.readInt(row.warnings),
    result: JSON.parse(row.result_json) as unknown,
  }));
}
