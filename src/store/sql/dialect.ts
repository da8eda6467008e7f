/**
 * What differs between the two SQL dialects the stores speak, in one small object, so that a
 * query both can run is written once (with `?` placeholders) and each row is mapped once:
 *
 * - placeholders: SQLite takes `?` as written; PostgreSQL needs `$1, $2, ...` (converted once per
 *   query text and cached);
 * - times: SQLite keeps them as ISO 8601 UTC text (`toISOString()`, which sorts as time), PostgreSQL
 *   as timestamptz (a Date in, a Date out);
 * - integers: better-sqlite3 returns numbers, `pg` returns bigint columns as strings;
 * - booleans: SQLite has none (1/0);
 * - text order: PostgreSQL sorts by the database's collation, SQLite by code point; lists sorted by
 *   a name use code-point order in both, so a page means the same whatever the dialect;
 * - serialising writers of one key: SQLite's BEGIN IMMEDIATE already holds the database's write
 *   lock, PostgreSQL takes a transaction-level advisory lock on the key.
 *
 * Queries that only one dialect can express well (the aggregate writers, rollups, record
 * streaming) stay in sqlite/ and postgres/.
 */

export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /** The query text in this dialect's placeholder style (`?` as written, or `$1, $2, ...`). */
  text(sql: string): string;
  /** A time as a query parameter. */
  time(date: Date): unknown;
  /** A time column as read back. */
  readTime(value: unknown): Date;
  /** A boolean as a query parameter. */
  bool(value: boolean): unknown;
  readBool(value: unknown): boolean;
  /** An integer column (ids, counts) as read back. */
  readInt(value: unknown): number;
  /** `expression` compared and sorted by code point. */
  binary(expression: string): string;
  /**
   * A statement taking two text parameters (a namespace and a key) that makes concurrent
   * transactions on the same key wait for each other; undefined when every write transaction
   * already holds the database's write lock (SQLite).
   */
  readonly keyLock: string | undefined;
}

function readInt(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new TypeError(`not an integer the store can return exactly: ${String(value)}`);
  return n;
}

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  text: (sql) => sql,
  time: (date) => date.toISOString(),
  readTime: (value) => new Date(String(value)),
  bool: (value) => (value ? 1 : 0),
  readBool: (value) => value === 1 || value === 1n || value === true,
  readInt,
  binary: (expression) => expression,
  keyLock: undefined,
};

/** Converted texts; queries with a variable number of conditions make a few shapes each, and the cap bounds them anyway. */
const numbered = new Map<string, string>();
const MAX_CACHED_TEXTS = 2_000;

/** `?` placeholders to `$n`. Shared queries keep `?` out of string literals and comments, so every `?` is a placeholder. */
function numberPlaceholders(sql: string): string {
  let text = numbered.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    if (numbered.size >= MAX_CACHED_TEXTS) numbered.clear();
    numbered.set(sql, text);
  }
  return text;
}

export const postgresDialect: Dialect = {
  name: 'postgres',
  text: numberPlaceholders,
  time: (date) => date,
  readTime: (value) => (value instanceof Date ? value : new Date(String(value))),
  bool: (value) => value,
  readBool: (value) => value === true,
  readInt,
  binary: (expression) => `${expression} COLLATE "C"`,
  keyLock: 'SELECT pg_advisory_xact_lock(hashtext(?), hashtext(?))',
};
