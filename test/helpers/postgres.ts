/**
 * A fresh, empty PostgreSQL database for one test, on the server DMARCPILOT_TEST_PG names
 * (default postgres://postgres@127.0.0.1:5432/postgres: a loopback server with trust auth).
 * The database gets a random name and is dropped by `drop()`. Without a reachable server the
 * tests are skipped with the reason shown, unless DMARCPILOT_REQUIRE_INTEGRATION=1 (set by CI),
 * when they fail instead.
 */
import { randomBytes } from 'node:crypto';
import type { PgPool } from '../../src/store/postgres/pg-driver.js';
import { createPgPool } from '../../src/store/postgres/pg-driver.js';

export const testServerUrl: string = process.env['DMARCPILOT_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type TestDatabase = { readonly url: string; readonly drop: () => Promise<void> } | { readonly skip: string };

/** Runs `body` with a one-connection pool on the server's maintenance database. */
async function withServer<T>(body: (pool: PgPool) => Promise<T>): Promise<T> {
  const pool = await createPgPool(testServerUrl, { max: 1, connectionTimeoutMillis: 3_000 });
  try {
    return await body(pool);
  } finally {
    await pool.end();
  }
}

export async function postgresForTests(): Promise<TestDatabase> {
  const name = `dmarcpilot_test_${randomBytes(8).toString('hex')}`;
  try {
    await withServer(async (pool) => {
      // Connect first, so that "cannot reach the server" is told apart from a failing CREATE.
      await pool.query({ text: 'SELECT 1' }).catch((err: unknown) => {
        throw new ServerUnreachable(err);
      });
      await pool.query({ text: `CREATE DATABASE ${name}` });
    });
  } catch (err) {
    if (!(err instanceof ServerUnreachable)) throw err;
    const reason = `PostgreSQL not reachable at ${testServerUrl} (${err.message}; set DMARCPILOT_TEST_PG)`;
    if (process.env['DMARCPILOT_REQUIRE_INTEGRATION'] === '1') throw new Error(`${reason}, and DMARCPILOT_REQUIRE_INTEGRATION=1`, { cause: err });
    return { skip: reason };
  }
  const url = new URL(testServerUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE (PostgreSQL 13+) ends connections a failed test left open.
    drop: () => withServer(async (pool) => void (await pool.query({ text: `DROP DATABASE IF EXISTS ${name} WITH (FORCE)` }))),
  };
}

class ServerUnreachable extends Error {
  constructor(cause: unknown) {
    // Node reports a refused connection to several addresses as an AggregateError without a message.
    const code = (cause as { code?: unknown } | null)?.code;
    super(cause instanceof Error ? cause.message || (typeof code === 'string' ? code : cause.name) : String(cause), { cause });
  }
}
