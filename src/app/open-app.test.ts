import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from './config.js';
import { SILENT_LOG } from './context.js';
import { defaultIngestThreads, openApp } from './open-app.js';
import { AppError } from './problems.js';
import { storeStatus } from './maintenance.js';

const isKind = (kind: string, field?: string) => (caught: unknown): boolean => caught instanceof AppError && caught.kind === kind && (field === undefined || caught.field === field);

test('openApp: opens the configured store through the default organisation; closing twice is harmless', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-open-'));
  try {
    const app = await openApp(resolveConfig(undefined, {}, { db: join(dir, 'a', 'store.sqlite') }), { log: SILENT_LOG });
    assert.equal(app.hasStore, true);
    assert.equal(app.storeKind, 'sqlite');
    assert.equal(app.storeLabel, `SQLite ${join(dir, 'a', 'store.sqlite')}`);
    assert.deepEqual(await storeStatus(app.context), { aggregate: 0, records: 0, failure: 0, tls: 0, raw: 0, quarantine: 0 });
    assert.ok(defaultIngestThreads(app) >= 2);
    await app.close();
    await app.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('openApp: without a configured store `if-configured` opens none, and using it is a clear unavailable error', async () => {
  const app = await openApp(resolveConfig(undefined, {}), { log: SILENT_LOG, store: 'if-configured' });
  assert.equal(app.hasStore, false);
  assert.throws(() => app.context.store.countReports(), isKind('unavailable'));
  await app.close();
});

test('openApp: a store that cannot be opened is unavailable and names it without its password; bad DNS servers and network databases are invalid', async () => {
  await assert.rejects(openApp(resolveConfig(undefined, {}, { db: 'postgres://dmarc:s3cret@127.0.0.1:9/none' }), { log: SILENT_LOG }), (caught: unknown) => {
    assert.ok(isKind('unavailable')(caught));
    assert.match((caught as Error).message, /cannot open PostgreSQL postgres:\/\/dmarc:\*\*\*@127\.0\.0\.1:9\/none/);
    assert.doesNotMatch((caught as Error).message, /s3cret/);
    return true;
  });
  await assert.rejects(openApp(resolveConfig(undefined, {}, { dnsServers: ['dns.example'] }), { log: SILENT_LOG, store: 'never' }), isKind('invalid', 'dns.servers'));
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-asn-'));
  try {
    const empty = join(dir, 'empty.tsv');
    writeFileSync(empty, 'not\tranges\n');
    await assert.rejects(openApp(resolveConfig(undefined, {}, { asnDb: empty }), { log: SILENT_LOG, store: 'never', networkDatabase: true }), isKind('invalid', 'asnDb'));
    await assert.rejects(openApp(resolveConfig(undefined, {}, { asnDb: join(dir, 'missing.tsv') }), { log: SILENT_LOG, store: 'never', networkDatabase: true }), isKind('invalid', 'asnDb'));
    const app = await openApp(resolveConfig(undefined, {}, { asnDb: join(dir, 'missing.tsv') }), { log: SILENT_LOG, store: 'never' });
    assert.equal(app.context.networkLookup, undefined, 'only commands that name networks load the database');
    await app.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
