/**
 * A store operation written once for both dialects, as a generator of SQL statements: it yields
 * each statement (text with `?` placeholders, and its parameters) and is given back its rows. A
 * runner per dialect executes it (sqlite/sqlite-runner.ts, postgres/pg-runner.ts), alone or in
 * one transaction. Why a generator and not async functions over a connection: better-sqlite3 is
 * synchronous, and the SQLite runner drives the generator to its end in one synchronous call, so
 * no other call on the store's one connection can slip between a transaction's statements; the
 * PostgreSQL runner awaits each statement on one pooled connection instead. The operation's own
 * logic (reading a previous value, refusing a conflict, building a page) sits between the
 * statements, in TypeScript, identical for both.
 */
import type { Dialect } from './dialect.js';

export interface SqlStep {
  /** The text with `?` placeholders (the runner converts them for its dialect). */
  readonly sql: string;
  readonly params: readonly unknown[];
}

export interface SqlResult {
  /** The rows the statement returned (SELECT, or RETURNING); [] for other statements. */
  readonly rows: readonly object[];
  /** Rows inserted, updated or deleted (for a RETURNING statement: the rows it returned). */
  readonly changes: number;
}

/** A store operation: statements out, results in, the operation's value at the end. */
export type SqlProgram<T> = Generator<SqlStep, T, SqlResult>;

/** Runs programs in one dialect. */
export interface SqlRunner {
  readonly dialect: Dialect;
  /** Runs the statements one after the other, each on its own (reads, single writes). */
  run<T>(program: SqlProgram<T>): Promise<T>;
  /**
   * Runs them in one transaction: all or none. On SQLite inside an open write group or writer
   * the program gets a savepoint of that transaction instead, and shares its fate.
   */
  transaction<T>(program: SqlProgram<T>): Promise<T>;
}

/** One statement's rows, typed by the caller (the shared queries name their columns). */
export function* rowsOf<Row extends object>(sql: string, params: readonly unknown[]): Generator<SqlStep, Row[], SqlResult> {
  const result = yield { sql, params };
  return result.rows as Row[];
}

/** One statement's first row, or undefined. */
export function* rowOf<Row extends object>(sql: string, params: readonly unknown[]): Generator<SqlStep, Row | undefined, SqlResult> {
  const result = yield { sql, params };
  return result.rows[0] as Row | undefined;
}

/** One statement run for its effect; how many rows it changed. */
export function* execute(sql: string, params: readonly unknown[]): Generator<SqlStep, number, SqlResult> {
  const result = yield { sql, params };
  return result.changes;
}

/**
 * Inserts a row once per unique key: `insert` ends in ON CONFLICT DO NOTHING RETURNING id; on a
 * conflict `find` reads the id of the row already there (committed: PostgreSQL's insert waited
 * for any transaction inserting the same key). Should that row vanish in between (only if it is
 * deleted meanwhile), the insert is tried again.
 */
export function* insertOnce(d: Dialect, insert: SqlStep, find: SqlStep): SqlProgram<{ readonly status: 'new' | 'duplicate'; readonly id: number }> {
  for (let attempt = 1; ; attempt++) {
    const inserted = yield* rowOf<{ id: unknown }>(insert.sql, insert.params);
    if (inserted !== undefined) return { status: 'new', id: d.readInt(inserted.id) };
    const existing = yield* rowOf<{ id: unknown }>(find.sql, find.params);
    if (existing !== undefined) return { status: 'duplicate', id: d.readInt(existing.id) };
    if (attempt === 3) throw new Error(`${find.sql}: the conflicting row cannot be found`);
  }
}
