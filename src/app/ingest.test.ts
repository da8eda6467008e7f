import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { rejection } from '../core/diagnostic.js';
import { eachItem } from './paging.js';
import { createIngestPort, ingestInput, ingestPaths } from './ingest.js';
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
