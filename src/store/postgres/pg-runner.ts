/**
 * Runs the shared store operations (../sql/sql-program.ts) on the PostgreSQL pool: each
 * statement's `?` placeholders numbered (../sql/dialect.ts) and awaited in turn, on any pooled
 * connection, or, for a transaction, all on one connection checked out for it, between BEGIN and
 * COMMIT, and always given back (rolled back on any error, including one the program throws,
 * such as a conflict it found).
 */
import type { SqlProgram, SqlRunner } from '../sql/sql-program.js';
import { postgresDialect } from '../sql/dialect.js';
import type { PgPool, PgQueryable } from './pg-driver.js';
import { rollbackAndRelease } from './pg-driver.js';

export class PgRunner implements SqlRunner {
  readonly dialect = postgresDialect;
  readonly #pool: PgPool;

  constructor(pool: PgPool) {
    this.#pool = pool;
  }

  run<T>(program: SqlProgram<T>): Promise<T> {
    return drive(this.#pool, program);
  }

  async transaction<T>(program: SqlProgram<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query({ text: 'BEGIN' });
      const value = await drive(client, program);
      await client.query({ text: 'COMMIT' });
      client.release();
      return value;
    } catch (err) {
      await rollbackAndRelease(client);
      throw err;
    }
  }
}

/** Runs the program's statements on `db`, one after the other. */
export async function drive<T>(db: PgQueryable, program: SqlProgram<T>): Promise<T> {
  let next = program.next();
  while (next.done !== true) {
    const result = await db.query<object>({ text: postgresDialect.text(next.value.sql), values: [...next.value.params] });
    next = program.next({ rows: result.rows, changes: result.rowCount ?? result.rows.length });
  }
  return next.value;
}
