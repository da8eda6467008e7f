/**
 * Runs the shared store operations (../sql/sql-program.ts) on the SQLite store's one connection,
 * synchronously: a program is driven to its end in one call, so nothing else on the connection
 * can come between its statements, and `settle` turns the outcome into a promise. Statements are
 * prepared once per text and reused. A transaction is an IMMEDIATE one of its own (it takes the
 * write lock at once, so two processes never both read and then write), or, when the connection
 * is already in one (an open write group or aggregate writer), a savepoint in it: the program's
 * writes then commit, or roll back, with that transaction.
 */
import type { SqlProgram, SqlResult, SqlRunner } from '../sql/sql-program.js';
import { sqliteDialect } from '../sql/dialect.js';
import { settle } from './settle.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js';

/** Prepared statements kept; the shared queries make a few hundred texts at most, filters with many domains a few more. */
const MAX_STATEMENTS = 1_000;

const SAVEPOINT = 'dmarcpilot_program';

export class SqliteRunner implements SqlRunner {
  readonly dialect = sqliteDialect;
  readonly #db: SqliteDatabase;
  readonly #statements = new Map<string, SqliteStatement>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  /** A prepared statement, made once per SQL text and reused. */
  prepare(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      if (this.#statements.size >= MAX_STATEMENTS) this.#statements.clear();
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  run<T>(program: SqlProgram<T>): Promise<T> {
    return settle(() => this.drive(program));
  }

  transaction<T>(program: SqlProgram<T>): Promise<T> {
    return settle(() => this.inTransaction(() => this.drive(program)));
  }

  /** Runs the program's statements now, one after the other. */
  drive<T>(program: SqlProgram<T>): T {
    let next = program.next();
    while (next.done !== true) {
      const statement = this.prepare(next.value.sql);
      let result: SqlResult;
      if (statement.reader) {
        const rows = statement.all(...next.value.params) as object[];
        result = { rows, changes: rows.length };
      } else {
        result = { rows: [], changes: statement.run(...next.value.params).changes };
      }
      next = program.next(result);
    }
    return next.value;
  }

  /** `work` in one transaction: its own IMMEDIATE one, or a savepoint of the one open. */
  inTransaction<T>(work: () => T): T {
    const nested = this.#db.inTransaction;
    this.#db.exec(nested ? `SAVEPOINT ${SAVEPOINT}` : 'BEGIN IMMEDIATE');
    try {
      const value = work();
      this.#db.exec(nested ? `RELEASE ${SAVEPOINT}` : 'COMMIT');
      return value;
    } catch (err) {
      // An error such as a full disk can make SQLite roll the whole transaction back by itself.
      if (this.#db.inTransaction) this.#db.exec(nested ? `ROLLBACK TO ${SAVEPOINT}; RELEASE ${SAVEPOINT}` : 'ROLLBACK');
      throw err;
    }
  }
}
