import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIGRATIONS, migrateSqlite } from './migrations.js';
import type { Migration } from './migrations.js';
import { openSqliteDatabase } from './sqlite-driver.js';
import type { SqliteDatabase } from './sqlite-driver.js';

const day = (d: number): Date => new Date(Date.UTC(2026, 10, d));

async function withMemoryDb(body: (db: SqliteDatabase) => void): Promise<void> {
  const db = await openSqliteDatabase(':memory:');
  try {
    body(db);
  } finally {
    db.close();
  }
}

const versions = (db: SqliteDatabase): unknown[] => db.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all();
const tables = (db: SqliteDatabase): unknown[] =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((row) => (row as { name: string }).name);

const first: Migration = { version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER)' };
const second: Migration = { version: 2, name: 'b', sql: 'CREATE TABLE b (y INTEGER)' };

test('migrations: numbered 1, 2, 3, ... without gaps, each with SQL', () => {
  assert.deepEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
  for (const m of MIGRATIONS) assert.ok(m.sql.trim().length > 0, `migration ${m.version} has SQL`);
});

test('migrations: the schema migrations create every table', async () => {
  await withMemoryDb((db) => {
    assert.deepEqual(migrateSqlite(db, day(1)), [1, 2, 3]);
    assert.deepEqual(tables(db), [
      'aggregate_records', 'aggregate_reports', 'domain_checks', 'failure_reports', 'ingest_log', 'quarantine', 'raw_inputs', 'schema_migrations', 'tls_reports',
    ]);
  });
});

test('migrations: a second run applies nothing and leaves the version table as it was', async () => {
  await withMemoryDb((db) => {
    assert.deepEqual(migrateSqlite(db, day(1), [first]), [1]);
    assert.deepEqual(migrateSqlite(db, day(2), [first]), []);
    assert.deepEqual(versions(db), [{ version: 1, applied_at: '2026-11-01T00:00:00.000Z' }]);
  });
});

test('migrations: a new migration is applied alone on the next open, recorded with its time', async () => {
  await withMemoryDb((db) => {
    migrateSqlite(db, day(1), [first]);
    assert.deepEqual(migrateSqlite(db, day(2), [second, first]), [2]);
    assert.deepEqual(versions(db), [
      { version: 1, applied_at: '2026-11-01T00:00:00.000Z' },
      { version: 2, applied_at: '2026-11-02T00:00:00.000Z' },
    ]);
  });
});

test('migrations: a failing migration applies none of the pending ones (one transaction)', async () => {
  await withMemoryDb((db) => {
    const broken: Migration = { version: 3, name: 'broken', sql: 'CREATE TABLE c (z INTEGER); NOT SQL' };
    assert.throws(() => migrateSqlite(db, day(1), [first, second, broken]), /syntax error/);
    assert.equal(db.inTransaction, false);
    assert.deepEqual(tables(db), []);
    assert.deepEqual(migrateSqlite(db, day(2), [first, second]), [1, 2]);
  });
});

test('migrations: a database from a newer dmarcpilot is refused, not downgraded', async () => {
  await withMemoryDb((db) => {
    migrateSqlite(db, day(1), [first, second]);
    assert.throws(() => migrateSqlite(db, day(2), [first]), /schema version 2, newer than this dmarcpilot knows \(1\)/);
    assert.deepEqual(tables(db), ['a', 'b', 'schema_migrations']);
  });
});
