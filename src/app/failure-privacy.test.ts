/**
 * What the store keeps of failure reports (docs/data-retention.md), through the one ingest path:
 * by default the redacted report and nothing of the e-mail it came in but its hash and size; the
 * raw e-mail only when configured, and then only for the retention; a refused failure report in
 * the quarantine, under the same retention.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingestInput } from './ingest.js';
import { applyRetention } from './maintenance.js';
import { AppError } from './problems.js';
import { listQuarantine, purgeQuarantine, readQuarantinedInput, retryQuarantine } from './quarantine.js';
import { fixture, withTestApp } from './app-fixtures.test-helper.js';

const RUF = 'failure/arf-dmarc-message-rfc822.eml';
const DAY = 86_400_000;
const now = new Date('2026-11-20T12:00:00Z');

/** Every text the database file holds (uncompressed columns; kept raw inputs are gzip, checked through readRawInput). */
function storeText(dir: string): string {
  return readFileSync(join(dir, 'store.sqlite'), 'latin1');
}

test('failure report, by default: the redacted report is stored, the e-mail is not (hash and size only), and nothing names the people in it', () =>
  withTestApp({ now }, async ({ ctx, root, dir }) => {
    const bytes = fixture(RUF);
    const counts = await ingestInput(ctx, { bytes, name: 'ruf.eml' });
    assert.equal(counts.newReports, 1);
    const [report] = (await ctx.store.listFailureReports({})).items;
    assert.ok(report);
    assert.equal(report.raw.size, bytes.length, 'the report still names its input by hash and size');
    assert.equal(await ctx.store.readRawInput(report.raw.sha256), undefined, 'the bytes were never kept');
    assert.equal((await ctx.store.countReports()).raw, 0);
    assert.equal(report.originalMailFrom, '*@mail.example.com', 'the envelope sender without its local part');
    assert.equal(report.headers, null);
    const [logged] = (await ctx.store.listIngestLog()).items;
    assert.deepEqual(logged?.raw, report.raw, 'the ingest log names it too');
    await root.close();
    const text = storeText(dir);
    for (const personal of ['juergen@example.com', 'alice@receiver.example.net', 'bob@receiver.example.net', 'bounce@mail.example.com', 'Rechnung', 'UmVjaG51bmcgZsO8cg']) {
      assert.ok(!text.includes(personal), `the store holds "${personal}"`);
    }
  }));

test('an aggregate report e-mail still keeps its bytes; the same failure report e-mail again changes nothing', () =>
  withTestApp({ now }, async ({ ctx }) => {
    const aggregate = fixture('email/google-zip-attachment.eml');
    await ingestInput(ctx, { bytes: aggregate, name: 'rua.eml' });
    await ingestInput(ctx, { bytes: fixture(RUF), name: 'ruf.eml' });
    const again = await ingestInput(ctx, { bytes: fixture(RUF), name: 'ruf-again.eml' });
    assert.equal(again.duplicateReports, 1);
    assert.equal((await ctx.store.countReports()).raw, 1, 'only the aggregate report e-mail');
    assert.ok((await ctx.store.countReports()).records > 0);
  }));

test('keepFailureRaw: the e-mail is kept while its report is, and both go after the retention; ingest and db prune apply it', () =>
  withTestApp({ now, overrides: { keepFailureRaw: true } }, async ({ ctx }) => {
    const bytes = fixture(RUF);
    await ingestInput(ctx, { bytes, name: 'ruf.eml' });
    const [report] = (await ctx.store.listFailureReports({})).items;
    assert.ok(report);
    assert.deepEqual(await ctx.store.readRawInput(report.raw.sha256), bytes);
    const within = await applyRetention(ctx);
    assert.deepEqual([within.failureReports, within.rawInputsEmptied], [0, 0]);
    assert.deepEqual(within.rules.failureDataBefore, new Date(now.getTime() - 90 * DAY), 'the default: 90 days');

    const later = { ...ctx, now: () => new Date(now.getTime() + 91 * DAY) };
    const after = await applyRetention(later);
    assert.deepEqual([after.failureReports, after.quarantineEntries, after.rawInputsEmptied], [1, 0, 1]);
    assert.deepEqual((await ctx.store.listFailureReports({})).items, []);
    assert.equal(await ctx.store.readRawInput(report.raw.sha256), undefined);
  }));

test('a store that kept failure e-mails (an older dmarcpilot, or keepFailureRaw then) loses them at the next retention once it is off', () =>
  withTestApp({ now, overrides: { keepFailureRaw: true } }, async ({ ctx }) => {
    await ingestInput(ctx, { bytes: fixture(RUF), name: 'ruf.eml' });
    assert.equal((await ctx.store.countReports()).raw, 1);
    const off = { ...ctx, keepFailureRaw: false };
    assert.equal((await applyRetention(off)).rawInputsEmptied, 1);
    assert.equal((await ctx.store.countReports()).raw, 0);
    assert.equal((await ctx.store.countReports()).failure, 1, 'the redacted report stays for its retention');
  }));

test('a refused failure report is kept in the quarantine with its bytes, for retry, and goes after the same retention', () =>
  withTestApp({ now }, async ({ ctx }) => {
    const bytes = fixture('failure/arf-invalid-feedback-part.eml');
    const counts = await ingestInput(ctx, { bytes, name: 'broken-ruf.eml' });
    assert.equal(counts.rejected, 1);
    const [entry] = (await listQuarantine(ctx)).items;
    assert.equal(entry?.code, 'arf-invalid');
    assert.deepEqual((await readQuarantinedInput(ctx, entry.id)).bytes, bytes, 'kept: its retry needs them');
    assert.equal((await applyRetention(ctx)).rawInputsEmptied, 0, 'an open entry keeps its bytes');
    const after = await applyRetention({ ...ctx, now: () => new Date(now.getTime() + 91 * DAY) });
    assert.deepEqual([after.quarantineEntries, after.rawInputsEmptied], [1, 1]);
    assert.deepEqual((await listQuarantine(ctx, { state: 'all' })).items, []);
    assert.equal(await ctx.store.readRawInput(entry.raw.sha256), undefined);
  }));

test('retention.failureReportDays and closedQuarantineDays are applied as configured', () =>
  withTestApp({ now, overrides: { retention: { failureReportDays: 7, closedQuarantineDays: 30 } } }, async ({ ctx }) => {
    await ingestInput(ctx, { bytes: fixture(RUF), name: 'ruf.eml' });
    await ingestInput(ctx, { bytes: new TextEncoder().encode('root:x:0:0:root:/root:/bin/bash\n'), name: '/etc/passwd' });
    const [junk] = (await listQuarantine(ctx)).items;
    assert.ok(junk);
    await ctx.store.setQuarantineState(junk.id, 'dismissed');
    const week = await applyRetention({ ...ctx, now: () => new Date(now.getTime() + 8 * DAY) });
    assert.deepEqual([week.failureReports, week.quarantineEntries], [1, 0], 'the failure report after 7 days; the dismissed entry stays');
    const month = await applyRetention({ ...ctx, now: () => new Date(now.getTime() + 31 * DAY) });
    assert.deepEqual([month.quarantineEntries, month.rawInputsEmptied], [1, 1], 'the dismissed entry after 30 days, with its bytes');
  }));

test('purge: an input that must not be kept (a mistaken ingest of /etc/passwd) goes for good, bytes and all; unknown ids are not-found, and nothing is purged', () =>
  withTestApp({ now }, async ({ ctx }) => {
    await ingestInput(ctx, { bytes: new TextEncoder().encode('root:x:0:0:root:/root:/bin/bash\n'), name: '/etc/passwd' });
    const [entry] = (await listQuarantine(ctx)).items;
    assert.ok(entry);
    await assert.rejects(purgeQuarantine(ctx, [entry.id, 999]), (caught: unknown) => caught instanceof AppError && caught.kind === 'not-found' && caught.code === 'quarantine-entry-not-found');
    assert.equal((await listQuarantine(ctx)).items.length, 1, 'nothing purged');
    await assert.rejects(purgeQuarantine(ctx, []), (caught: unknown) => caught instanceof AppError && caught.kind === 'invalid' && caught.field === 'ids');
    assert.deepEqual(await purgeQuarantine(ctx, [entry.id, entry.id]), [{ id: entry.id, rawBytesDropped: true }]);
    assert.deepEqual((await listQuarantine(ctx, { state: 'all' })).items, []);
    assert.equal(await ctx.store.readRawInput(entry.raw.sha256), undefined);
    await assert.rejects(readQuarantinedInput(ctx, entry.id), (caught: unknown) => caught instanceof AppError && caught.code === 'quarantine-entry-not-found');
    await assert.rejects(retryQuarantine(ctx, { ids: [entry.id] }), (caught: unknown) => caught instanceof AppError && caught.kind === 'not-found');
  }));
