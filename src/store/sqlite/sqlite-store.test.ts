import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failureDedupeKey } from '../failure-dedupe-key.js';
import { runStoreContract } from '../store-contract.js';
import type { AggregateHeader, AggregateRecord } from '../../reports/aggregate/aggregate-report.js';
import type { FailureReport } from '../../reports/failure/failure-report.js';
import { openSqliteDatabase } from './sqlite-driver.js';
import type { SqliteDatabase } from './sqlite-driver.js';
import { createSqliteStore, openSqliteStore } from './sqlite-store.js';

/** A fresh folder per store, removed afterwards. */
function tempFolder(): { dir: string; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-sqlite-'));
  return { dir, cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })) };
}

runStoreContract('sqlite', async () => {
  const { dir, cleanup } = tempFolder();
  return { store: await openSqliteStore(join(dir, 'store.sqlite')), cleanup };
});

const header: AggregateHeader = {
  kind: 'aggregate',
  schema: 'rfc7489',
  version: null,
  namespace: null,
  metadata: { orgName: 'receiver.example', email: null, extraContactInfo: null, reportId: 'x-1', begin: 1700000000, end: 1700086399, errors: ['e1'], generator: null },
  policy: { domain: 'example.com', adkim: 'r', aspf: 'r', p: 'none', sp: null, np: null, pct: 100, fo: null, testing: null, discoveryMethod: null },
};

const record = (n: number, extra: Partial<AggregateRecord> = {}): AggregateRecord => ({
  sourceIp: `192.0.2.${n}`,
  count: 1,
  disposition: null,
  dkim: null,
  spf: null,
  reasons: [],
  headerFrom: null,
  envelopeFrom: null,
  envelopeTo: null,
  authDkim: [],
  authSpf: [],
  ...extra,
});

const trailer = { recordCount: 1, messageCount: 1, extensions: [], warnings: [], recordErrors: [] };

async function withFile(body: (path: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = tempFolder();
  try {
    await body(join(dir, 'nested', 'folder', 'store.sqlite'));
  } finally {
    await cleanup();
  }
}

function readDb<T>(path: string, read: (db: SqliteDatabase) => T): Promise<T> {
  return openSqliteDatabase(path).then((db) => {
    try {
      return read(db);
    } finally {
      db.close();
    }
  });
}

test('sqlite: opening creates the missing parent folders and applies the migrations, recorded in schema_migrations', async () => {
  await withFile(async (path) => {
    const store = await openSqliteStore(path, { now: () => new Date('2026-11-20T10:00:00Z') });
    await store.close();
    const rows = await readDb(path, (db) => db.prepare('SELECT version, applied_at FROM schema_migrations').all());
    assert.deepEqual(rows, [
      { version: 1, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 2, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 3, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 4, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 5, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 6, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 7, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 8, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 9, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 10, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 11, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 12, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 13, applied_at: '2026-11-20T10:00:00.000Z' },
    ]);
  });
});

test('sqlite: opening twice applies nothing the second time and keeps the data', async () => {
  await withFile(async (path) => {
    const first = await openSqliteStore(path, { now: () => new Date('2026-11-20T10:00:00Z') });
    const raw = await first.saveRawInput(new TextEncoder().encode('kept'));
    await first.close();
    const second = await openSqliteStore(path, { now: () => new Date('2027-01-01T00:00:00Z') });
    assert.equal((await second.countReports()).raw, 1);
    assert.deepEqual(await second.readRawInput(raw.sha256), new TextEncoder().encode('kept'));
    await second.close();
    const rows = await readDb(path, (db) => db.prepare('SELECT version, applied_at FROM schema_migrations').all());
    assert.deepEqual(rows, [
      { version: 1, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 2, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 3, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 4, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 5, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 6, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 7, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 8, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 9, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 10, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 11, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 12, applied_at: '2026-11-20T10:00:00.000Z' },
      { version: 13, applied_at: '2026-11-20T10:00:00.000Z' },
    ]);
  });
});

test('sqlite: durability settings: WAL journal, synchronous=FULL (2), foreign keys on, busy timeout', async () => {
  await withFile(async (path) => {
    const db = await openSqliteDatabase(path);
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 2);
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
    } finally {
      db.close();
    }
  });
});

test('sqlite: ":memory:" opens a working store without touching the file system', async () => {
  const store = await openSqliteStore(':memory:');
  const raw = await store.saveRawInput(new TextEncoder().encode('m'));
  assert.equal(raw.size, 1);
  assert.equal((await store.countReports()).raw, 1);
  await store.close();
});

test('sqlite: a committed report survives closing and reopening the file', async () => {
  await withFile(async (path) => {
    const store = await openSqliteStore(path);
    const raw = await store.saveRawInput(new TextEncoder().encode('r'));
    const writer = await store.beginAggregateReport(header, { raw, source: 'a.xml', receivedAt: new Date('2026-11-20T10:00:00Z') });
    await writer.addRecords([record(1, { extensions: [] })]);
    await writer.commit(trailer);
    await store.close();
    const reopened = await openSqliteStore(path);
    const stored = [];
    for await (const item of reopened.streamRecords({})) stored.push(item);
    await reopened.close();
    assert.deepEqual(stored, [{ header, record: record(1, { extensions: [] }), source: 'a.xml' }]);
  });
});

test('sqlite: a store closed with a writer open keeps nothing of that report (crash mid-report)', async () => {
  await withFile(async (path) => {
    const store = await openSqliteStore(path);
    const raw = await store.saveRawInput(new TextEncoder().encode('r'));
    const writer = await store.beginAggregateReport(header, { raw, source: 'a.xml', receivedAt: new Date() });
    await writer.addRecords(Array.from({ length: 250 }, (_, i) => record(i % 250)));
    await store.close();
    const reopened = await openSqliteStore(path);
    assert.deepEqual(await reopened.countReports(), { aggregate: 0, records: 0, failure: 0, tls: 0, raw: 1, quarantine: 0 });
    await reopened.close();
  });
});

test('sqlite: a process killed (SIGKILL) mid-report keeps the reports committed before, and none of the one in progress', async () => {
  await withFile(async (path) => {
    const storeModule = new URL('./sqlite-store.ts', import.meta.url).href;
    const script = `
      import { openSqliteStore } from ${JSON.stringify(storeModule)};
      const header = ${JSON.stringify(header)};
      const record = ${JSON.stringify(record(1))};
      const store = await openSqliteStore(${JSON.stringify(path)});
      const raw = await store.saveRawInput(new TextEncoder().encode('r'));
      const provenance = { raw, source: 'a.xml', receivedAt: new Date() };
      const done = await store.beginAggregateReport(header, provenance);
      await done.addRecords(Array(1000).fill(record));
      await done.commit({ recordCount: 1000, messageCount: 1000, extensions: [], warnings: [], recordErrors: [] });
      const killed = await store.beginAggregateReport({ ...header, metadata: { ...header.metadata, reportId: 'x-2' } }, provenance);
      await killed.addRecords(Array(1000).fill(record));
      process.kill(process.pid, 'SIGKILL');
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    const store = await openSqliteStore(path);
    assert.deepEqual(await store.countReports(), { aggregate: 1, records: 1000, failure: 0, tls: 0, raw: 1, quarantine: 0 });
    const raw = await store.saveRawInput(new TextEncoder().encode('r'));
    const again = await store.beginAggregateReport({ ...header, metadata: { ...header.metadata, reportId: 'x-2' } }, { raw, source: 'a.xml', receivedAt: new Date() });
    assert.equal(again.outcome.status, 'new');
    await again.abort();
    await store.close();
  });
});

test('sqlite: one writer at a time; a second beginAggregateReport while one is open is refused', async () => {
  const store = await openSqliteStore(':memory:');
  const raw = await store.saveRawInput(new TextEncoder().encode('r'));
  const provenance = { raw, source: 'a.xml', receivedAt: new Date() };
  const writer = await store.beginAggregateReport(header, provenance);
  await assert.rejects(store.beginAggregateReport({ ...header, metadata: { ...header.metadata, reportId: 'x-2' } }, provenance), /already open/);
  await writer.commit(trailer);
  await assert.rejects(writer.addRecords([record(1)]), /already committed/);
  await writer.abort();
  const next = await store.beginAggregateReport({ ...header, metadata: { ...header.metadata, reportId: 'x-2' } }, provenance);
  assert.equal(next.outcome.status, 'new');
  await next.abort();
  await store.close();
});

test('sqlite: reports must point at a saved raw input (foreign key)', async () => {
  const store = await openSqliteStore(':memory:');
  await assert.rejects(
    store.beginAggregateReport(header, { raw: { sha256: 'f'.repeat(64), size: 1 }, source: 'a.xml', receivedAt: new Date() }),
    /FOREIGN KEY/,
  );
  const raw = await store.saveRawInput(new TextEncoder().encode('r'));
  assert.equal((await store.beginAggregateReport(header, { raw, source: 'a.xml', receivedAt: new Date() })).outcome.status, 'new');
  await store.close();
});

test('sqlite: streamRecords pages through more reports (150) and records (2,345) than a page holds, in insertion order', async () => {
  const store = await openSqliteStore(':memory:');
  const raw = await store.saveRawInput(new TextEncoder().encode('r'));
  const size = (i: number): number => (i === 7 ? 2_345 : i % 3);
  let expected = 0;
  for (let i = 0; i < 150; i++) {
    const domain = i % 10 === 9 ? 'example.org' : 'example.com';
    if (domain === 'example.com') expected += size(i);
    const h = { ...header, metadata: { ...header.metadata, reportId: `p-${i}` }, policy: { ...header.policy, domain } };
    const writer = await store.beginAggregateReport(h, { raw, source: `s${i}`, receivedAt: new Date() });
    await writer.addRecords(Array.from({ length: size(i) }, (_, j) => record(j % 250, { count: j })));
    await writer.commit({ ...trailer, recordCount: size(i) });
  }
  const seen: string[] = [];
  for await (const item of store.streamRecords({ domain: 'example.com' })) {
    assert.equal(item.header.policy.domain, 'example.com');
    seen.push(`${item.source}:${item.record.count}`);
  }
  const want: string[] = [];
  for (let i = 0; i < 150; i++) if (i % 10 !== 9) for (let j = 0; j < size(i); j++) want.push(`s${i}:${j}`);
  assert.equal(seen.length, expected);
  assert.deepEqual(seen, want);
  await store.close();
});

test('sqlite: failure reports keep the subject only as SHA-256 and headers only when asked (privacy)', async () => {
  const report = {
    kind: 'failure', format: 'arf', feedbackType: 'auth-failure', authFailure: ['dmarc'], identityAlignment: null, deliveryResult: null,
    reportedDomain: 'example.com', sourceIp: '192.0.2.1', arrivalDate: null, dkimDomain: null, dkimSelector: null, spfDomain: null,
    originalMailFrom: null, original: { from: null, to: null, subject: 'Secret', messageId: '<1@example.com>', date: null, headers: 'Subject: Secret\n' },
  } as unknown as FailureReport;
  await withFile(async (path) => {
    const store = await openSqliteStore(path);
    const raw = await store.saveRawInput(new TextEncoder().encode('ruf'));
    await store.saveFailureReport(report, { raw, source: 'a.eml', receivedAt: new Date() }, { keepFullHeaders: false }, []);
    await store.saveFailureReport({ ...report, sourceIp: '192.0.2.2' }, { raw, source: 'b.eml', receivedAt: new Date() }, { keepFullHeaders: true }, []);
    await store.close();
    const rows = await readDb(path, (db) => db.prepare('SELECT dedupe_key, subject_sha256, message_id, headers FROM failure_reports ORDER BY id').all());
    const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
    const subject = sha256('Secret');
    assert.deepEqual(rows, [
      // The key is a digest of the whole report (failure-dedupe-key.ts), never the report itself.
      { dedupe_key: failureDedupeKey(report), subject_sha256: subject, message_id: '<1@example.com>', headers: null },
      { dedupe_key: failureDedupeKey({ ...report, sourceIp: '192.0.2.2' }), subject_sha256: subject, message_id: '<1@example.com>', headers: 'Subject: Secret\n' },
    ]);
  });
});

test('sqlite: a write group is one transaction: its rollback discards every write in it, and nothing of it is durable before its commit', async () => {
  await withFile(async (path) => {
    const store = await openSqliteStore(path);
    try {
      const group = await store.beginWriteGroup();
      const raw = await store.saveRawInput(new TextEncoder().encode('in a group'));
      const provenance = { raw, source: 'g.xml', receivedAt: new Date('2026-11-20T10:00:00Z') };
      const writer = await store.beginAggregateReport(header, provenance);
      await writer.addRecords([record(1, { authDkim: [{ domain: 'example.com', selector: 's1', result: 'pass', humanResult: null }] })]);
      await writer.commit(trailer);
      await store.logIngest({ at: new Date('2026-11-20T10:00:00Z'), input: 'g.xml', raw, newReports: 1, duplicateReports: 0, rejected: 0, records: 1 });
      assert.deepEqual(await readDb(path, (db) => db.prepare('SELECT COUNT(*) AS n FROM aggregate_reports').get()), { n: 0 }, 'another connection sees nothing yet');
      await assert.rejects(store.beginWriteGroup(), /already open/);
      await group.rollback();
      assert.deepEqual(await store.countReports(), { aggregate: 0, records: 0, failure: 0, tls: 0, raw: 0, quarantine: 0 });
      assert.deepEqual((await store.listIngestLog({ limit: 10 })).items, []);

      const again = await store.beginWriteGroup();
      const saved = await (async () => {
        const w = await store.beginAggregateReport(header, { ...provenance, raw: await store.saveRawInput(new TextEncoder().encode('in a group')) });
        await w.addRecords([record(1)]);
        return w.commit(trailer);
      })();
      assert.equal(saved.status, 'new', 'the report rolled back with the group is new again');
      await again.commit();
      assert.deepEqual(await readDb(path, (db) => db.prepare('SELECT COUNT(*) AS n FROM aggregate_records').get()), { n: 1 }, 'committed: another connection sees it');
    } finally {
      await store.close();
    }
  });
});

test('sqlite: a write group cannot begin or commit while a writer is open, and a writer of a rolled-back group refuses records', async () => {
  await withFile(async (path) => {
    const store = await openSqliteStore(path);
    try {
      const provenance = { raw: await store.saveRawInput(new TextEncoder().encode('x')), source: 'x.xml', receivedAt: new Date('2026-11-20T10:00:00Z') };
      const outside = await store.beginAggregateReport(header, provenance);
      await assert.rejects(store.beginWriteGroup(), /while an AggregateWriter is open/);
      await outside.abort();

      const group = await store.beginWriteGroup();
      const writer = await store.beginAggregateReport(header, provenance);
      await assert.rejects(group.commit(), /while an AggregateWriter is open/);
      await group.rollback();
      await assert.rejects(writer.addRecords([record(1)]), /write group was rolled back/);
      await writer.abort();
      assert.equal((await store.countReports()).aggregate, 0);
      const w = await store.beginAggregateReport(header, provenance);
      await w.addRecords([record(1)]);
      assert.equal((await w.commit(trailer)).status, 'new', 'the store is usable again without a group');
    } finally {
      await store.close();
    }
  });
});

test('sqlite: when SQLite itself rolls a group back (as on a full disk), aborting its writer and the group is harmless and the store goes on', async () => {
  const db = await openSqliteDatabase(':memory:');
  const store = createSqliteStore(db);
  try {
    const provenance = { raw: await store.saveRawInput(new TextEncoder().encode('x')), source: 'x.xml', receivedAt: new Date('2026-11-20T10:00:00Z') };
    const group = await store.beginWriteGroup();
    const writer = await store.beginAggregateReport(header, provenance);
    await writer.addRecords([record(1)]);
    db.exec('ROLLBACK'); // what SQLite does by itself after SQLITE_FULL or SQLITE_IOERR
    await writer.abort();
    await assert.rejects(group.commit(), /no transaction is active/, 'the lost group is not reported as committed');
    await group.rollback();
    const w = await store.beginAggregateReport(header, provenance);
    await w.addRecords([record(1)]);
    assert.equal((await w.commit(trailer)).status, 'new');
    assert.equal((await store.countReports()).records, 1);
  } finally {
    await store.close();
  }
});

test('sqlite: compact gives the space of deleted rows back to the disk, keeps the data, and waits for no open group', async () => {
  await withFile(async (path) => {
    const db = await openSqliteDatabase(path);
    const store = createSqliteStore(db);
    try {
      const random = new Uint8Array(randomBytes(3_000_000)); // incompressible, so the stored raw input is as large
      const gone = await store.saveRawInput(random);
      const kept = await store.saveRawInput(new TextEncoder().encode('kept'));
      db.prepare('DELETE FROM raw_inputs WHERE sha256 = ?').run(gone.sha256);
      const group = await store.beginWriteGroup();
      await assert.rejects(store.compact(), /while an AggregateWriter or a write group is open/);
      await group.commit();
      const sizes = await store.compact();
      assert.ok(sizes !== undefined && sizes.bytesBefore - sizes.bytesAfter > 2_000_000, JSON.stringify(sizes));
      assert.deepEqual(await store.readRawInput(kept.sha256), new TextEncoder().encode('kept'));
      assert.equal((await store.countReports()).raw, 1);
    } finally {
      await store.close();
    }
    const { statSync } = await import('node:fs');
    assert.ok(statSync(path).size < 1_000_000, 'the file itself is small again');
  });
});

test('sqlite: a folder that cannot be created is an error naming it, not a hang (Node 20 recursive mkdir loops under /proc)', { skip: existsSync('/proc/self') ? false : 'no /proc here' }, async () => {
  await assert.rejects(openSqliteStore('/proc/dmarcpilot-no-such-folder/store.sqlite'), /cannot create the folder \/proc\/dmarcpilot-no-such-folder/);
});

test('sqlite: saveRawInput compresses a large input off the event loop, and keeps it in the write group open', async (t) => {
  await withFile(async (path) => {
    const store = await openSqliteStore(path);
    try {
      // 20 MB: half random (zlib's slowest case), half a repeated record (what reports are).
      const bytes = Buffer.concat([randomBytes(8_000_000), Buffer.alloc(12_000_000, '<record><row><source_ip>192.0.2.1</source_ip><count>1</count></row></record>\n')]);
      const group = await store.beginWriteGroup();
      let immediate = false;
      setImmediate(() => (immediate = true));
      let ticks = 0;
      let last = performance.now();
      let longest = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
        ticks++;
      }, 10);
      const started = performance.now();
      let raw;
      try {
        raw = await store.saveRawInput(bytes);
      } finally {
        clearInterval(timer);
      }
      const took = performance.now() - started;
      longest = Math.max(longest, performance.now() - last);
      // Structural: the event loop turned while the input was saved (a synchronous gzip would let nothing run).
      assert.ok(immediate, 'an immediate ran before saveRawInput was done');
      assert.ok(ticks >= 2, `${ticks} timer ticks in ${took.toFixed(0)} ms`);
      // Timing, generous for a loaded machine: only the hash and the insert hold the loop.
      t.diagnostic(`saveRawInput of 20 MB: ${took.toFixed(0)} ms, the event loop held ${longest.toFixed(0)} ms at most, ${ticks} ticks`);
      assert.ok(longest < Math.max(300, took / 2), `the event loop was held ${longest.toFixed(0)} ms at most while saving took ${took.toFixed(0)} ms`);
      assert.equal(raw.size, bytes.length);
      assert.equal(raw.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.deepEqual(await readDb(path, (db) => db.prepare('SELECT COUNT(*) AS n FROM raw_inputs').get()), { n: 0 }, 'in the group: not committed yet');
      await group.commit();
      assert.deepEqual(Buffer.from((await store.readRawInput(raw.sha256)) ?? []), bytes);
      assert.deepEqual(await readDb(path, (db) => db.prepare('SELECT COUNT(*) AS n FROM raw_inputs WHERE bytes_kept').get()), { n: 1 });
    } finally {
      await store.close();
    }
  });
});

test('sqlite: saveRawInput calls that meet while one compresses end as if made one after another', async () => {
  const store = await openSqliteStore(':memory:');
  try {
    const bytes = randomBytes(2_000_000);
    // Two keeps of the same bytes at once: one row, its bytes kept once.
    const [a, b] = await Promise.all([store.saveRawInput(bytes), store.saveRawInput(bytes)]);
    assert.deepEqual(a, b);
    assert.deepEqual(Buffer.from((await store.readRawInput(a.sha256)) ?? []), bytes);
    assert.equal((await store.countReports()).raw, 1);
    // A reference saved while a keep compresses: the reference row is written at once, the keep fills its bytes in.
    const other = randomBytes(1_000_000);
    const keeping = store.saveRawInput(other);
    const reference = await store.saveRawInput(other, { bytes: 'reference' });
    assert.equal(await store.readRawInput(reference.sha256), undefined, 'the reference is there before the compression is done');
    await keeping;
    assert.deepEqual(Buffer.from((await store.readRawInput(reference.sha256)) ?? []), other);
    assert.equal((await store.countReports()).raw, 2);
  } finally {
    await store.close();
  }
});

test('sqlite: refreshStatistics gives the planner statistics of the report tables (sqlite_stat1)', async () => {
  await withFile(async (path) => {
    const store = await openSqliteStore(path);
    const raw = await store.saveRawInput(new TextEncoder().encode('r'));
    const writer = await store.beginAggregateReport(header, { raw, source: 'a.xml', receivedAt: new Date('2026-11-20T10:00:00Z') });
    await writer.addRecords([record(1, { extensions: [] })]);
    await writer.commit(trailer);
    await store.refreshStatistics();
    await store.close();
    const db = await openSqliteDatabase(path);
    try {
      const tables = (db.prepare('SELECT DISTINCT tbl FROM sqlite_stat1 ORDER BY tbl').all() as { tbl: string }[]).map((r) => r.tbl);
      assert.ok(tables.includes('aggregate_reports') && tables.includes('aggregate_records'), tables.join(', '));
    } finally {
      db.close();
    }
  });
});
