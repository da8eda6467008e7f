import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, header, record, saveAggregate } from '../contract/contract-fixtures.test-helper.js';
import type { StoreRoot } from '../store.js';
import { StoreNotWritableError } from '../store.js';
import { makeReadOnly } from './read-only.test-helper.js';
import { openSqliteStore } from './sqlite-store.js';

const WINDOW = { since: new Date('2023-11-01T00:00:00Z'), until: new Date('2023-12-01T00:00:00Z') };

/** A store with two reports over two days, never queried (so its rollups have everything still to add), closed cleanly. */
async function filledStore(): Promise<{ dir: string; path: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-ro-'));
  const path = join(dir, 'store.sqlite');
  const store = await openSqliteStore(path);
  await saveAggregate(store, header('r-1'), [record(1), record(2), record(3)]);
  await saveAggregate(store, header('r-2', { begin: 1700086400, end: 1700172799 }), [record(4)]);
  await store.close();
  return { dir, path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What a reader sees: records, the daily series and sender statistics (both from rollups), counts. */
async function readEverything(store: StoreRoot) {
  return {
    records: (await collect(store.streamRecords({}))).map((s) => s.record),
    days: await store.dailySeries('example.com', WINDOW),
    sources: (await store.sourceStats('example.com', WINDOW.since, WINDOW.until)).sort((a, b) => a.ip.localeCompare(b.ip)),
    reporting: await store.reportingStats('example.com', WINDOW.since, WINDOW.until),
    selectors: await store.dkimSelectors('example.com', WINDOW.since, 10),
    counts: await store.countReports(),
  };
}

const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

test('sqlite read-only: every read, rollups included, gives what a writable store gives, and the file is not changed', async () => {
  const { path, cleanup } = await filledStore();
  try {
    const before = digest(path);
    const readOnly = await openSqliteStore(path, { readOnly: true });
    let seen;
    try {
      seen = await readEverything(readOnly);
      assert.equal(seen.records.length, 4);
      assert.ok(seen.days.length === 2 && seen.sources.length === 4, JSON.stringify(seen.days));
      await readOnly.putSourceEnrichments([{ ip: '192.0.2.1', resolvedAt: new Date(), ptr: [], fcrdns: 'none' } as never]);
      await assert.rejects(readOnly.saveRawInput(new TextEncoder().encode('x')), /the store is open read-only, and this needs to write to it \(SQLITE_READONLY/);
    } finally {
      await readOnly.close();
    }
    assert.equal(digest(path), before, 'the database file is byte for byte the same');
    const writable = await openSqliteStore(path);
    try {
      assert.deepEqual(await readEverything(writable), seen, 'the same answers as from the rollups a writable store keeps');
      assert.deepEqual(await writable.getSourceEnrichments(['192.0.2.1']), new Map(), 'the cache was not written');
    } finally {
      await writable.close();
    }
  } finally {
    cleanup();
  }
});

test('sqlite read-only: a store whose file and folder cannot be written is read by a reader, and refused to a writer with the path and the reason', async (t) => {
  const { dir, path, cleanup } = await filledStore();
  assert.ok(!existsSync(`${path}-wal`) && !existsSync(`${path}-shm`), 'closed cleanly: a reader must do without -shm');
  const denied = makeReadOnly([path, dir]);
  try {
    if ('skip' in denied) {
      t.skip(denied.skip);
      return;
    }
    const reader = await openSqliteStore(path, { access: 'read' });
    try {
      const seen = await readEverything(reader);
      assert.equal(seen.records.length, 4, `read through ${denied.how}`);
      assert.equal(seen.days.length, 2);
    } finally {
      await reader.close();
    }
    await assert.rejects(openSqliteStore(path), (caught: unknown) => {
      assert.ok(caught instanceof StoreNotWritableError, String(caught));
      assert.match(caught.reason, new RegExp(`^the file ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is read-only \\((EACCES|EPERM|EROFS): `));
      return true;
    });
    await assert.rejects(openSqliteStore(join(dir, 'new.sqlite'), { access: 'read' }), /there is no store at .*new\.sqlite \(and none can be created there\)/);
  } finally {
    if (!('skip' in denied)) denied.undo();
    cleanup();
  }
});

test('sqlite read-only: only the folder read-only is refused to a writer too (WAL needs -wal and -shm beside the file)', async (t) => {
  const { dir, path, cleanup } = await filledStore();
  const denied = makeReadOnly([dir]);
  try {
    if ('skip' in denied) {
      t.skip(denied.skip);
      return;
    }
    await assert.rejects(openSqliteStore(path), /its folder .* is read-only \((EACCES|EPERM|EROFS): .*\), where SQLite keeps its write-ahead log/);
    const reader = await openSqliteStore(path, { access: 'read' });
    try {
      assert.equal((await reader.countReports()).records, 4);
    } finally {
      await reader.close();
    }
  } finally {
    if (!('skip' in denied)) denied.undo();
    cleanup();
  }
});

test('sqlite read-only: a store of an older schema is not migrated, and says it must be opened once with write access', async () => {
  const { path, cleanup } = await filledStore();
  try {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path);
    db.prepare('DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)').run();
    db.close();
    await assert.rejects(openSqliteStore(path, { readOnly: true }), /the store is at schema version \d+ and this dmarcpilot reads \d+; it is read-only, so it cannot be upgraded here: open it once with write access/);
  } finally {
    cleanup();
  }
});
