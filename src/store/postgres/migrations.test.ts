import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postgresForTests } from '../../../test/helpers/postgres.js';
import { MIGRATIONS, migratePostgres } from './migrations.js';
import type { PgPool } from './pg-driver.js';
import { createPgPool } from './pg-driver.js';
import { openPostgresStore } from './postgres-store.js';

const probe = await postgresForTests();
const skip = 'skip' in probe ? probe.skip : false;
if (!('skip' in probe)) await probe.drop();

/** A fresh database and `pools` separate pools on it (as if separate processes). */
async function withPools(pools: number, body: (pools: PgPool[], url: string) => Promise<void>): Promise<void> {
  const db = await postgresForTests();
  if ('skip' in db) throw new Error(db.skip);
  const opened: PgPool[] = [];
  try {
    for (let i = 0; i < pools; i++) opened.push(await createPgPool(db.url, { max: 2 }));
    await body(opened, db.url);
  } finally {
    for (const pool of opened) await pool.end();
    await db.drop();
  }
}

async function versions(pool: PgPool): Promise<number[]> {
  const { rows } = await pool.query<{ version: number }>({ text: 'SELECT version FROM schema_migrations ORDER BY version' });
  return rows.map((row) => row.version);
}

const all = MIGRATIONS.map((m) => m.version);

test('postgres migrations: the first open applies every migration, the second applies nothing', { skip }, async () => {
  await withPools(1, async ([pool], url) => {
    assert.deepEqual(await migratePostgres(pool!), all);
    const { rows } = await pool!.query<{ applied_at: Date }>({ text: 'SELECT applied_at FROM schema_migrations' });
    assert.deepEqual(await migratePostgres(pool!), []);
    assert.deepEqual(await versions(pool!), all);
    const again = await pool!.query<{ applied_at: Date }>({ text: 'SELECT applied_at FROM schema_migrations' });
    assert.deepEqual(again.rows, rows, 'applied_at is not rewritten');
    // Through the store: opening an up-to-date database twice works and keeps its data.
    const first = await openPostgresStore(url);
    await first.saveRawInput(new Uint8Array([1]));
    await first.close();
    const second = await openPostgresStore(url);
    assert.equal((await second.countReports()).raw, 1);
    await second.close();
  });
});

test('postgres migrations: two processes opening a new database at once apply each migration once (advisory lock)', { skip }, async () => {
  await withPools(4, async (pools, url) => {
    const results = await Promise.all(pools.map((pool) => migratePostgres(pool)));
    assert.deepEqual(results.flat().sort(), all, 'every version applied by exactly one of them');
    assert.deepEqual(await versions(pools[0]!), all);
    const stores = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
    for (const store of stores) await store.close();
  });
});

test('postgres migrations: a failing migration applies nothing, not even the ones before it', { skip }, async () => {
  await withPools(1, async ([pool]) => {
    const broken = [...MIGRATIONS, { version: 99, name: 'broken', sql: 'CREATE TABLE half_done (a integer); SELECT no_such_function()' }];
    await assert.rejects(migratePostgres(pool!, broken), /no_such_function/);
    const { rows } = await pool!.query<{ raw: string | null; half: string | null; versions: string | null }>({
      text: "SELECT to_regclass('raw_inputs') AS raw, to_regclass('half_done') AS half, to_regclass('schema_migrations') AS versions",
    });
    assert.deepEqual(rows[0], { raw: null, half: null, versions: null });
  });
});

test('postgres migrations: a database from a newer dmarcpilot is refused, and the pool is closed', { skip }, async () => {
  await withPools(1, async ([pool], url) => {
    await migratePostgres(pool!);
    await pool!.query({ text: 'INSERT INTO schema_migrations (version) VALUES (1000)' });
    await assert.rejects(openPostgresStore(url), /schema version 1000, newer than this dmarcpilot knows/);
  });
});
