import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { rejection } from '../core/diagnostic.js';
import { eachItem } from './paging.js';
import { createIngestPort, ingestInput, ingestPaths, isStoreConnectionLost } from './ingest.js';
import { isAppError } from './problems.js';
import { FIXTURES, fixture, withTestApp } from './app-fixtures.test-helper.js';

test('ingestInput: a report e-mail is stored once; the same bytes again are a duplicate; each input has its log line', () =>
  withTestApp({}, async ({ ctx }) => {
    const bytes = fixture('email/google-multipart-gzip.eml');
    const first = await ingestInput(ctx, { bytes, name: 'smtp:1 from a@b to dmarc@reports.example via 127.0.0.1' });
    assert.deepEqual(first, { newReports: 1, duplicateReports: 0, rejected: 0, records: 3 });
    const again = await ingestInput(ctx, { bytes, name: 'upload:2' });
    assert.deepEqual(again, { newReports: 0, duplicateReports: 1, rejected: 0, records: 0 });
    const log = await ctx.store.listIngestLog();
    assert.deepEqual(
      log.items.map((entry) => [entry.input, entry.newReports, entry.duplicateReports]),
      [
        ['upload:2', 0, 1],
        ['smtp:1 from a@b to dmarc@reports.example via 127.0.0.1', 1, 0],
      ],
    );
  }));

test('ingestInput: a message holding no report is refused, reported once and quarantined with its raw bytes', () =>
  withTestApp({}, async ({ ctx }) => {
    const heard: string[] = [];
    const counts = await ingestInput(ctx, { bytes: fixture('email/bounce-no-report.eml'), name: 'bounce.eml' }, { onRejected: (r, source) => heard.push(`${source}: ${r.code}`) });
    assert.equal(counts.rejected, 1);
    assert.deepEqual(heard, ['bounce.eml: no-report-found']);
    const open = await ctx.store.listQuarantine({ state: 'open' });
    assert.equal(open.items.length, 1);
    assert.equal(open.items[0]?.code, 'no-report-found');
    const raw = await ctx.store.readRawInput(open.items[0]?.raw.sha256 ?? '');
    assert.deepEqual(raw, fixture('email/bounce-no-report.eml'));
  }));

test('the ingest port: sources store through the same queue; an input too large to download is quarantined with its first bytes, flagged as truncated', () =>
  withTestApp({}, async ({ ctx }) => {
    const refused: string[] = [];
    const port = createIngestPort(ctx, { onRejected: (r, source) => refused.push(`${source}: ${r.code}`) });
    assert.equal(port.limits, ctx.limits);
    const name = 'imaps://dmarc@mail.example/INBOX;UIDVALIDITY=1/;UID=9';
    const head = new TextEncoder().encode('Subject: huge\r\n');
    const counts = await port.refuse(name, rejection('input-too-large', 'The message is 900 MB.'), { size: 900_000_000, head });
    assert.deepEqual(counts, { newReports: 0, duplicateReports: 0, rejected: 1, records: 0 });
    assert.deepEqual(refused, [`${name}: input-too-large`]);
    const [logged] = (await ctx.store.listIngestLog({ limit: 1 })).items;
    assert.equal(logged?.input, name);
    assert.equal(logged?.raw?.size, head.length);
    const [entry] = (await ctx.store.listQuarantine({ state: 'open' })).items;
    assert.deepEqual([entry?.source, entry?.code, entry?.raw.size, entry?.truncated], [name, 'input-too-large', head.length, { inputSize: 900_000_000 }]);
    assert.deepEqual(await ctx.store.readRawInput(entry?.raw.sha256 ?? ''), head);
    // Without any bytes (none could be downloaded) the entry exists all the same.
    await port.refuse(`${name}0`, rejection('input-too-large', 'The message is 900 MB.'), { size: 900_000_000 });
    assert.equal((await ctx.store.listQuarantine({ state: 'open' })).items[1]?.raw.size, 0);
    // Many inputs at once from two "sources" through one queue: all stored, none twice, no writer conflict.
    const xml = new TextDecoder().decode(fixture('aggregate/google-relaxed-dkim-pass.xml'));
    const many = Array.from({ length: 12 }, (_, i) => {
      const bytes = new TextEncoder().encode(xml.replace('<report_id>5820347716593021448</report_id>', `<report_id>port-${i}</report_id>`));
      return i % 2 === 0 ? port.ingest({ bytes, name: `smtp:${i}` }) : ingestInput(ctx, { bytes, name: `imap:${i}` });
    });
    assert.deepEqual((await Promise.all(many)).map((c) => c.newReports), Array.from({ length: 12 }, () => 1));
    assert.equal((await ctx.store.countReports()).aggregate, 12);
  }));

// Worker threads load the built dist/ files: the parallel path is tested end to end with the CLI (test/ingest-parallel.test.ts).
test('ingestPaths: files, directories and an mbox are stored in order; the text file is refused; unreadable paths are reported', () =>
  withTestApp({}, async ({ ctx, dir }) => {
    const reports = join(dir, 'in');
    mkdirSync(join(reports, 'nested'), { recursive: true });
    copyFileSync(join(FIXTURES, 'aggregate/google-relaxed-dkim-pass.xml'), join(reports, 'a.xml'));
    copyFileSync(join(FIXTURES, 'email/google-zip-attachment.eml'), join(reports, 'nested/b.eml'));
    copyFileSync(join(FIXTURES, 'email/three-messages.mbox'), join(reports, 'c.mbox'));
    writeFileSync(join(reports, 'nested/not-a-report.txt'), 'hello\n');
    const unreadable: string[] = [];
    let listed = -1;
    const result = await ingestPaths(ctx, [reports, join(dir, 'missing.xml')], {
      threads: 1,
      onListed: (files) => (listed = files),
      onUnreadable: (path, message) => unreadable.push(`${path}: ${message}`),
    });
    assert.equal(listed, 4);
    assert.equal(result.files, 4);
    assert.equal(result.unreadable, 1);
    assert.deepEqual(unreadable, [`${join(dir, 'missing.xml')}: no such file or directory`]);
    assert.equal(result.interrupted, false);
    assert.equal(result.summary.rejected, 1, 'the text file holds no report');
    const inputs: string[] = [];
    for await (const entry of eachItem((page) => ctx.store.listIngestLog(page))) inputs.push(`${entry.input.slice(reports.length)} ${entry.newReports} new, ${entry.duplicateReports} stored already`);
    // b.eml carries the report of a.xml again, zipped: recognised, not stored twice.
    assert.deepEqual(inputs.sort(), [
      '/a.xml 1 new, 0 stored already',
      '/c.mbox > message 1 1 new, 0 stored already',
      '/c.mbox > message 2 1 new, 0 stored already',
      '/c.mbox > message 3 1 new, 0 stored already',
      '/nested/b.eml 0 new, 1 stored already',
      '/nested/not-a-report.txt 0 new, 0 stored already',
    ]);
  }));

test('ingestPaths: an aborted signal stops before the next input with what was stored committed', () =>
  withTestApp({}, async ({ ctx, dir }) => {
    const reports = join(dir, 'in');
    mkdirSync(reports);
    const xml = new TextDecoder().decode(fixture('aggregate/google-relaxed-dkim-pass.xml'));
    for (let i = 0; i < 5; i++) writeFileSync(join(reports, `r${i}.xml`), xml.replace('<report_id>5820347716593021448</report_id>', `<report_id>stop-${i}</report_id>`));
    const stop = new AbortController();
    const result = await ingestPaths(ctx, [reports], { threads: 1, signal: stop.signal, onProgress: (done) => (done === 2 ? stop.abort() : undefined) });
    assert.equal(result.interrupted, true);
    assert.equal(result.summary.inputs, 2);
    assert.equal((await ctx.store.countReports()).aggregate, 2);
  }));

test('ingestPaths holds the one queue for the whole back-fill: an input from another source waits until the back-fill is committed', () =>
  withTestApp({}, async ({ ctx, dir }) => {
    const reports = join(dir, 'in');
    mkdirSync(reports);
    const xml = new TextDecoder().decode(fixture('aggregate/google-relaxed-dkim-pass.xml'));
    for (let i = 0; i < 4; i++) writeFileSync(join(reports, `r${i}.xml`), xml.replace('<report_id>5820347716593021448</report_id>', `<report_id>fill-${i}</report_id>`));
    const order: string[] = [];
    let other: Promise<unknown> | undefined;
    const backfill = ingestPaths(ctx, [reports], {
      threads: 1,
      onProgress: (done) => {
        if (done === 1) other = ingestInput(ctx, { bytes: fixture('email/google-zip-attachment.eml'), name: 'upload.eml' }).then(() => order.push('upload stored'));
      },
    }).then(() => order.push('back-fill committed'));
    await backfill;
    await other;
    assert.deepEqual(order, ['back-fill committed', 'upload stored']);
  }));

test('a lost store connection is told apart from other store errors (PostgreSQL SQLSTATEs, system errors, the driver\'s words)', () => {
  const lost = [
    Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    Object.assign(new Error('terminating connection because of crash of another server process'), { code: '57P02' }),
    Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    new Error('Connection terminated unexpectedly'),
    new Error('Client has encountered a connection error and is not queryable'),
    new Error('timeout exceeded when trying to connect'),
    // A refused connection to each address of "localhost".
    new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })], ''),
    new Error('writer failed', { cause: Object.assign(new Error('x'), { code: '57P01' }) }),
  ];
  for (const error of lost) assert.equal(isStoreConnectionLost(error), true, error.message);
  const notLost = [
    Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }),
    Object.assign(new Error('value out of range'), { code: '22003' }),
    Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
    new Error('saveRawInput: disk full (test)'),
    'Connection terminated',
  ];
  for (const error of notLost) assert.equal(isStoreConnectionLost(error), false, String(error));
});

test('a lost connection while storing is the unavailable AppError store-connection-lost; the port tries again after its delays, and gives up after the last', () =>
  withTestApp({}, async ({ ctx }) => {
    const bytes = fixture('email/google-multipart-gzip.eml');
    let failures = 2;
    const flaky = new Proxy(ctx.store, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        const bound = (value as (...args: unknown[]) => unknown).bind(target);
        if (prop !== 'saveRawInput') return bound;
        return (...args: unknown[]) => (failures-- > 0 ? Promise.reject(new Error('Connection terminated unexpectedly')) : bound(...args));
      },
    });
    const flakyCtx = { ...ctx, store: flaky };
    await assert.rejects(ingestInput(flakyCtx, { bytes, name: 'once' }), (err: unknown) => {
      assert.ok(isAppError(err));
      assert.equal(err.kind, 'unavailable');
      assert.equal(err.code, 'store-connection-lost');
      assert.match(err.message, /^the store stopped answering \(Connection terminated unexpectedly\): what was stored before is kept/);
      return true;
    });
    const retries: string[] = [];
    const port = createIngestPort(flakyCtx, { onRetry: (source, error, delay) => retries.push(`${source} ${delay} ${error instanceof Error ? error.message : ''}`) }, { retryDelaysMs: [10, 20] });
    assert.deepEqual(await port.ingest({ bytes, name: 'retried' }), { newReports: 1, duplicateReports: 0, rejected: 0, records: 3 });
    assert.deepEqual(retries, ['retried 10 Connection terminated unexpectedly']);
    failures = 5;
    await assert.rejects(port.ingest({ bytes, name: 'given up' }), /store stopped answering/);
    assert.equal(failures, 2, 'tried three times: once, then after each delay');
    await port.close();
  }));

test('the port of serve parses on worker threads and stores exactly what the main thread would; a report it cannot read is quarantined', () =>
  withTestApp({}, async ({ ctx }) => {
    const port = createIngestPort(ctx, {}, { parseThreads: 2 });
    try {
      // The same report e-mail twice, a bounce, a failure and a TLS report, all at once.
      const inputs = ['email/google-multipart-gzip.eml', 'email/google-multipart-gzip.eml', 'email/bounce-no-report.eml', 'failure/arf-dmarc-message-rfc822.eml', 'tlsrpt/receiver-example-no-contact-info.json'];
      const counts = await Promise.all(inputs.map((name, i) => port.ingest({ bytes: fixture(name), name: `${i}:${name}` })));
      const total = counts.reduce((sum, c) => ({ n: sum.n + c.newReports, d: sum.d + c.duplicateReports, r: sum.r + c.rejected }), { n: 0, d: 0, r: 0 });
      assert.deepEqual(total, { n: 3, d: 1, r: 1 });
      assert.equal(counts[2]?.rejected, 1);
      const stored = await ctx.store.countReports();
      // The failure report e-mail's bytes are not kept (docs/data-retention.md): 3 raw inputs for 4 inputs.
      assert.deepEqual({ ...stored }, { aggregate: 1, records: 3, failure: 1, tls: 1, raw: 3, quarantine: 1 });
      const [entry] = (await ctx.store.listQuarantine({ state: 'open' })).items;
      assert.equal(entry?.code, 'no-report-found');
      assert.deepEqual(await ctx.store.readRawInput(entry?.raw.sha256 ?? ''), fixture('email/bounce-no-report.eml'));
    } finally {
      await port.close();
    }
  }));

test('a store that fails while a worker parses: 451-worthy error, the worker is not left waiting, the next input is stored', () =>
  withTestApp({}, async ({ ctx }) => {
    let fail = true;
    const failing = new Proxy(ctx.store, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        const bound = (value as (...args: unknown[]) => unknown).bind(target);
        if (prop !== 'beginAggregateReport') return bound;
        return (...args: unknown[]) => (fail ? Promise.reject(new Error('disk full (test)')) : bound(...args));
      },
    });
    const port = createIngestPort({ ...ctx, store: failing }, {}, { parseThreads: 1 });
    try {
      const xml = new TextDecoder().decode(fixture('aggregate/google-relaxed-dkim-pass.xml'));
      const many = (prefix: string, n: number): Uint8Array =>
        new TextEncoder().encode(xml.replace(/<record>[\s\S]*<\/record>/, (records) => records.repeat(n)).replace('<report_id>5820347716593021448</report_id>', `<report_id>${prefix}</report_id>`));
      // Big enough for many batches: the worker must be acknowledged for all of them though none is stored.
      await assert.rejects(port.ingest({ bytes: many('fails', 6_000), name: 'fails' }), /disk full/);
      fail = false;
      const counts = await port.ingest({ bytes: many('works', 2_000), name: 'works' });
      assert.equal(counts.newReports, 1);
      assert.equal(counts.records, 2_000 * (xml.split('<record>').length - 1));
    } finally {
      await port.close();
    }
  }));

test('ingestPaths: a back-fill of at least refreshStatisticsAfter new reports refreshes the store statistics once; a smaller one does not; a failure of it is only told', () =>
  withTestApp({}, async ({ ctx, dir }) => {
    const reports = join(dir, 'stats');
    mkdirSync(reports, { recursive: true });
    copyFileSync(join(FIXTURES, 'email/three-messages.mbox'), join(reports, 'c.mbox'));
    let refreshed = 0;
    const warned: string[] = [];
    const counting = { ...ctx, store: new Proxy(ctx.store, { get: (target, prop) => (prop === 'refreshStatistics' ? () => (refreshed++, Promise.reject(new Error('no ANALYZE today'))) : Reflect.get(target, prop, target) as unknown) }), log: { info: () => undefined, warn: (m: string) => warned.push(m) } };
    const few = await ingestPaths(counting, [reports], { threads: 1, refreshStatisticsAfter: 4 });
    assert.equal(few.summary.newReports, 3);
    assert.equal(refreshed, 0, 'three new reports are fewer than four');
    copyFileSync(join(FIXTURES, 'aggregate/google-relaxed-dkim-pass.xml'), join(reports, 'a.xml'));
    const more = await ingestPaths(counting, [join(reports, 'a.xml')], { threads: 1, refreshStatisticsAfter: 1 });
    assert.equal(more.summary.newReports, 1);
    assert.equal(refreshed, 1);
    assert.match(warned.join('\n'), /could not refresh the store's statistics after the back-fill .*no ANALYZE today/);
  }));
