import { test } from 'node:test';
import assert from 'node:assert/strict';
import { senderHistory, NOW, zone, DOMAIN } from '../../test/helpers/sender-history.js';
import { ingestInput } from './ingest.js';
import { getFailureReport, getTlsReport, listFailureReports, listTlsReports, streamRecords } from './reports.js';
import { domainSeries, summarizeDomains } from './summaries.js';
import { AppError } from './problems.js';
import { fixture, ingestReports, withTestApp } from './app-fixtures.test-helper.js';

const DAY_MS = 86_400_000;

test('failure and TLS reports read back as stored: redacted, with the warnings their parse gave; unknown ids are not-found', () =>
  withTestApp({}, async ({ ctx }) => {
    await ingestInput(ctx, { bytes: fixture('failure/arf-dmarc-message-rfc822.eml'), name: 'ruf.eml' });
    await ingestInput(ctx, { bytes: fixture('tlsrpt/receiver-example-no-contact-info.json'), name: 'tls.json' });
    const failures = await listFailureReports(ctx);
    assert.equal(failures.items.length, 1);
    const failure = failures.items[0];
    assert.ok(failure);
    assert.equal(failure.headers, null, 'headers are not kept unless the operator asks');
    assert.match(failure.subjectSha256 ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(await getFailureReport(ctx, failure.id), failure);
    assert.equal((await listFailureReports(ctx, { domain: 'nobody.example' })).items.length, 0);

    const tls = await listTlsReports(ctx, { domain: 'example.net' });
    assert.equal(tls.items.length, 1);
    const stored = tls.items[0];
    assert.ok(stored);
    assert.deepEqual(stored.policyDomains, ['example.net']);
    assert.ok(stored.warnings.some((w) => w.code === 'tlsrpt-missing-field'), JSON.stringify(stored.warnings));
    assert.deepEqual(await getTlsReport(ctx, stored.id), stored);
    await assert.rejects(getFailureReport(ctx, 999), (caught: unknown) => caught instanceof AppError && caught.kind === 'not-found');
    await assert.rejects(getTlsReport(ctx, 999), (caught: unknown) => caught instanceof AppError && caught.code === 'tls-report-not-found');
  }));

test('summary and daily series agree: the series sums to the summary over whole days, and each day splits exactly into its results', () =>
  withTestApp({ now: NOW, zone }, async ({ ctx }) => {
    await ingestReports(ctx, senderHistory());
    const since = new Date(NOW.getTime() - 20 * DAY_MS);
    const summary = await summarizeDomains(ctx, { since, domain: DOMAIN });
    assert.equal(summary.since, '2026-11-11');
    const [domain] = summary.domains;
    assert.ok(domain);
    const series = await domainSeries(ctx, DOMAIN, { since: new Date(`${summary.since}T00:00:00Z`) });
    assert.equal(series[0]?.day, '2026-11-11');
    assert.equal(series.at(-1)?.day, '2026-11-30');
    const total = (pick: (d: (typeof series)[number]) => number): number => series.reduce((n, d) => n + pick(d), 0);
    assert.equal(total((d) => d.messages), domain.messages);
    assert.equal(total((d) => d.dmarcPass), domain.dmarcPass);
    for (const day of series) {
      assert.equal(day.both + day.dkimOnly + day.spfOnly + day.neither, day.messages, day.day);
      assert.equal(day.both + day.dkimOnly + day.spfOnly, day.dmarcPass, day.day);
      assert.equal(Object.values(day.dispositions).reduce((n, v) => n + v, 0), day.messages, day.day);
    }
    const quarantined = series.filter((d) => (d.dispositions['quarantine'] ?? 0) > 0).map((d) => d.day);
    assert.equal(quarantined[0], '2026-11-20', 'the policy change shows in the dispositions');
    await assert.rejects(domainSeries(ctx, DOMAIN, { since: NOW, until: since }), (caught: unknown) => caught instanceof AppError && caught.field === 'since');
  }));

test('streamRecords: filtered by domain and window, domain names normalised', () =>
  withTestApp({ now: NOW, zone }, async ({ ctx }) => {
    await ingestReports(ctx, senderHistory());
    let records = 0;
    for await (const stored of streamRecords(ctx, { domain: 'EXAMPLE.COM', since: new Date('2026-11-29T00:00:00Z') })) {
      assert.equal(stored.header.policy.domain, DOMAIN);
      records++;
    }
    assert.ok(records > 0);
    assert.throws(() => streamRecords(ctx, { domain: 'no such thing' }), (caught: unknown) => caught instanceof AppError && caught.code === 'not-a-domain');
  }));

test('a window whose start is not before its end is refused (window-empty, field since) by every read that takes one', () =>
  withTestApp({ now: new Date('2026-11-30T12:00:00Z') }, async ({ ctx }) => {
    const since = new Date('2026-11-20T00:00:00Z');
    const until = new Date('2026-11-10T00:00:00Z');
    const refused = (caught: unknown): boolean => caught instanceof AppError && caught.code === 'window-empty' && caught.field === 'since' && /2026-11-20T00:00:00\.000Z is not before 2026-11-10T00:00:00\.000Z/.test(caught.message);
    assert.throws(() => streamRecords(ctx, { since, until }), refused);
    await assert.rejects(listFailureReports(ctx, { since, until }), refused);
    await assert.rejects(listTlsReports(ctx, { since, until }), refused);
    await assert.rejects(domainSeries(ctx, 'example.com', { since, until }), refused);
    await assert.rejects(summarizeDomains(ctx, { since: new Date('2026-12-01T00:00:00Z') }), (caught: unknown) => caught instanceof AppError && caught.code === 'window-empty');
    // The same instant twice is empty too; either end alone is fine.
    await assert.rejects(listTlsReports(ctx, { since, until: since }), AppError);
    assert.equal((await listTlsReports(ctx, { since })).items.length, 0);
    assert.equal((await listFailureReports(ctx, { until })).items.length, 0);
  }));
