import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { defaultLimits } from '../core/limits.js';
import { rejection } from '../core/diagnostic.js';
import { createIngestPort, ingestInput } from './ingest.js';
import { AppError } from './problems.js';
import { dismissQuarantine, getQuarantineEntry, listQuarantine, readQuarantinedInput, retryQuarantine } from './quarantine.js';
import { fixture, withTestApp } from './app-fixtures.test-helper.js';

/** A gzipped report: refused when at most 512 bytes may be decompressed, accepted with the default limits. */
function gzippedReport(): Uint8Array {
  return new Uint8Array(gzipSync(fixture('aggregate/google-relaxed-dkim-pass.xml')));
}

test('quarantine: a refused input is listed, shown, its bytes read back; retried under other limits it resolves and its report is stored', () =>
  withTestApp({ overrides: { limits: { ...defaultLimits, maxDecompressedBytes: 512 } } }, async ({ ctx }) => {
    const bytes = gzippedReport();
    const counts = await ingestInput(ctx, { bytes, name: 'dense.xml.gz' });
    assert.equal(counts.rejected, 1);
    const open = await listQuarantine(ctx);
    assert.equal(open.items.length, 1);
    const entry = open.items[0];
    assert.ok(entry);
    assert.equal(entry.source, 'dense.xml.gz');
    assert.deepEqual(await getQuarantineEntry(ctx, entry.id), entry);
    assert.deepEqual((await readQuarantinedInput(ctx, entry.id)).bytes, bytes);

    const still = await retryQuarantine(ctx);
    assert.equal(still[0]?.status, 'still-refused');
    assert.equal((await ctx.store.countReports()).aggregate, 0);

    const heard: string[] = [];
    const outcomes = await retryQuarantine(ctx, { limits: defaultLimits, onOutcome: (o) => heard.push(`${o.id} ${o.status}`) });
    assert.deepEqual(outcomes, [{ id: entry.id, status: 'resolved' }]);
    assert.deepEqual(heard, [`${entry.id} resolved`]);
    assert.equal((await ctx.store.countReports()).aggregate, 1);
    assert.equal((await listQuarantine(ctx)).items.length, 0);
    assert.equal((await listQuarantine(ctx, { state: 'resolved' })).items.length, 1);
    assert.equal((await ctx.store.countReports()).quarantine, 1, 'the retry quarantined nothing again');
  }));

test('quarantine: retrying an id with no entry is not-found, and retries nothing; one that is not open says so; dismissing takes entries off the open list; unknown ids are not-found', () =>
  withTestApp({}, async ({ ctx }) => {
    await ingestInput(ctx, { bytes: fixture('email/bounce-no-report.eml'), name: 'bounce.eml' });
    const [entry] = (await listQuarantine(ctx)).items;
    assert.ok(entry);
    const heard: string[] = [];
    await assert.rejects(
      retryQuarantine(ctx, { ids: [entry.id, entry.id + 100], onOutcome: (o) => heard.push(o.status) }),
      (caught: unknown) => caught instanceof AppError && caught.kind === 'not-found' && caught.code === 'quarantine-entry-not-found' && caught.message.includes(`${entry.id + 100}`),
    );
    assert.deepEqual(heard, [], 'nothing was retried');
    const dismissed = await dismissQuarantine(ctx, [entry.id, entry.id]);
    assert.deepEqual(dismissed.map((e) => [e.id, e.state]), [[entry.id, 'dismissed']]);
    assert.deepEqual((await listQuarantine(ctx)).items, []);
    assert.deepEqual((await listQuarantine(ctx, { state: 'all' })).items.map((e) => e.state), ['dismissed']);
    assert.deepEqual(await retryQuarantine(ctx, { ids: [entry.id] }), [{ id: entry.id, status: 'not-open' }]);
    await assert.rejects(dismissQuarantine(ctx, [entry.id]), (caught: unknown) => caught instanceof AppError && caught.kind === 'conflict' && caught.code === 'quarantine-entry-not-open');
    await assert.rejects(getQuarantineEntry(ctx, 999), (caught: unknown) => caught instanceof AppError && caught.kind === 'not-found' && caught.code === 'quarantine-entry-not-found');
    await assert.rejects(dismissQuarantine(ctx, [999]), (caught: unknown) => caught instanceof AppError && caught.kind === 'not-found');
    await assert.rejects(dismissQuarantine(ctx, []), (caught: unknown) => caught instanceof AppError && caught.kind === 'invalid' && caught.field === 'ids');
  }));

test('quarantine: the list is paged, oldest first, and a cursor the store did not make is an invalid request naming `after`', () =>
  withTestApp({}, async ({ ctx }) => {
    for (let i = 0; i < 5; i++) await ingestInput(ctx, { bytes: new TextEncoder().encode(`not a report ${i}\n`), name: `junk-${i}.txt` });
    const first = await listQuarantine(ctx, {}, { limit: 2 });
    assert.deepEqual(first.items.map((e) => e.source), ['junk-0.txt', 'junk-1.txt']);
    assert.ok(first.next);
    const second = await listQuarantine(ctx, {}, { limit: 2, after: first.next });
    assert.deepEqual(second.items.map((e) => e.source), ['junk-2.txt', 'junk-3.txt']);
    await assert.rejects(listQuarantine(ctx, {}, { after: 'not-a-cursor' }), (caught: unknown) => caught instanceof AppError && caught.kind === 'invalid' && caught.field === 'after');
  }));

test('quarantine: an input too large to keep is an entry; retry says it cannot be read again, reading a bodiless one is raw-input-not-kept', () =>
  withTestApp({}, async ({ ctx }) => {
    const port = createIngestPort(ctx);
    const head = new TextEncoder().encode('Subject: huge\r\n');
    await port.refuse('imap:1', rejection('input-too-large', 'The message is 900000000 bytes.'), { size: 900_000_000, head });
    await port.refuse('imap:2', rejection('input-too-large', 'The message is 900000000 bytes.'), { size: 900_000_000 });
    const [withHead, bodiless] = (await listQuarantine(ctx)).items;
    assert.ok(withHead && bodiless);
    assert.deepEqual(withHead.truncated, { inputSize: 900_000_000 });
    assert.deepEqual((await readQuarantinedInput(ctx, withHead.id)).bytes, head);
    await assert.rejects(readQuarantinedInput(ctx, bodiless.id), (error: unknown) => error instanceof AppError && error.problems[0]?.code === 'raw-input-not-kept');
    assert.deepEqual(await retryQuarantine(ctx), [
      { id: withHead.id, status: 'not-kept', keptBytes: head.length, inputSize: 900_000_000 },
      { id: bodiless.id, status: 'not-kept', keptBytes: 0, inputSize: 900_000_000 },
    ]);
    assert.equal((await listQuarantine(ctx)).items.length, 2, 'they stay open');
    assert.deepEqual((await dismissQuarantine(ctx, [withHead.id, bodiless.id])).map((e) => e.state), ['dismissed', 'dismissed']);
  }));
