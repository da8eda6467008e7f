import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from './config.js';
import { SILENT_LOG } from './context.js';
import { defaultIngestThreads, openApp } from './open-app.js';
import { AppError } from './problems.js';
import { storeStatus } from './maintenance.js';
import { planDomain } from './plan-domain.js';
import { streamRecords } from './reports.js';

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

test('openApp: the store opens at its first use, so a request refused for its input creates nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-lazy-'));
  try {
    const path = join(dir, 'data', 'store.sqlite');
    const app = await openApp(resolveConfig(undefined, {}, { db: path }), { log: SILENT_LOG });
    await assert.rejects(planDomain(app.context, 'bad..x'), isKind('invalid', 'domain'));
    assert.equal(existsSync(path), false, 'no store was created for a request that was refused');
    for await (const _record of streamRecords(app.context, {})) assert.fail('an empty store streams nothing');
    assert.equal(existsSync(path), true, 'the first use opened (and created) it');
    await app.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('openApp: without a configured store `if-configured` opens none, and using it is a clear unavailable error', async () => {
  const app = await openApp(resolveConfig(undefined, {}), { log: SILENT_LOG, store: 'if-configured' });
  assert.equal(app.hasStore, false);
  assert.throws(() => app.context.store.countReports(), isKind('unavailable'));
  assert.equal(app.hasStore, false);
  await app.close();
});

test('openApp: a store that cannot be opened is unavailable and names it without its password; bad DNS servers (at load) and network databases are invalid', async () => {
  const unreachable = resolveConfig(undefined, {}, { db: 'postgres://dmarc:s3cret@127.0.0.1:9/none' });
  const down = (caught: unknown): boolean => {
    assert.ok(isKind('unavailable')(caught));
    assert.match((caught as Error).message, /cannot open PostgreSQL postgres:\/\/dmarc:\*\*\*@127\.0\.0\.1:9\/none/);
    assert.doesNotMatch((caught as Error).message, /s3cret/);
    return true;
  };
  await assert.rejects(openApp(unreachable, { log: SILENT_LOG, openStore: 'start' }), down, 'serve finds out at start');
  const lazy = await openApp(unreachable, { log: SILENT_LOG });
  await assert.rejects(storeStatus(lazy.context), down, 'a command finds out at first use');
  await lazy.close();
  assert.throws(() => resolveConfig(undefined, {}, { dnsServers: ['dns.example'] }), isKind('invalid', '--resolver'));
  assert.throws(() => resolveConfig({ path: 'c.json', text: '{"dns": {"servers": ["192.0.2.53", "ns.example"]}}' }, {}), isKind('invalid', 'dns.servers'));
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

test('openApp create false: a missing store is store-not-found naming it, and nothing is created; the default creates it and says so once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-nocreate-'));
  try {
    const path = join(dir, 'data', 'store.sqlite');
    const reader = await openApp(resolveConfig(undefined, {}, { db: path }), { log: SILENT_LOG, create: false });
    await assert.rejects(storeStatus(reader.context), (caught: unknown) => {
      assert.ok(caught instanceof AppError);
      assert.equal(caught.kind, 'not-found');
      assert.equal(caught.code, 'store-not-found');
      assert.equal(caught.field, 'db');
      assert.equal(caught.message, `db: no store at SQLite ${path} (the file does not exist)`);
      return true;
    });
    await reader.close();
    assert.equal(existsSync(join(dir, 'data')), false, 'neither the file nor its folder was created');

    const notices: string[] = [];
    const log = { info: (message: string) => notices.push(message), warn: () => undefined };
    const writer = await openApp(resolveConfig(undefined, {}, { db: path }), { log });
    await storeStatus(writer.context);
    await storeStatus(writer.context);
    await writer.close();
    assert.deepEqual(notices, [`created a new store: SQLite ${path}`]);
    const again = await openApp(resolveConfig(undefined, {}, { db: path }), { log, create: false });
    assert.equal((await storeStatus(again.context)).aggregate, 0, 'an existing store opens without create');
    await again.close();
    assert.equal(notices.length, 1, 'said once: opening an existing store says nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
