/**
 * The behaviour every Store implementation must have (store.ts), as one suite that each
 * implementation's test file runs against itself: `runStoreContract('sqlite', open)`. This file
 * holds writing, reading back and the sender queries; paging, tenancy, failure and TLS reads,
 * the daily series and DKIM selectors, and what is kept for how long (retention) are in
 * contract/. Not a test file itself (no `.test.ts`): it is imported by them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AggregateHeader } from '../reports/aggregate/aggregate-report.js';
import type { Store } from './store.js';
import type { SourceEnrichment } from '../core/source-facts.js';
import type { OpenStore } from './contract/contract-fixtures.test-helper.js';
import { collect, failure, header, provenance, record, saveAggregate, storeTest, tls, trailerFor } from './contract/contract-fixtures.test-helper.js';
import { runAccountsContract } from './contract/accounts-contract.js';
import { runDailySeriesContract } from './contract/daily-series-contract.js';
import { runPagingContract } from './contract/paging-contract.js';
import { runReportReadContract } from './contract/report-read-contract.js';
import { runRetentionContract } from './contract/retention-contract.js';
import { runTenancyContract } from './contract/tenancy-contract.js';

export type { OpenStore } from './contract/contract-fixtures.test-helper.js';

export function runStoreContract(name: string, open: OpenStore): void {
  const withStore = storeTest(name, open);
  runPagingContract(withStore);
  runTenancyContract(withStore);
  runReportReadContract(withStore);
  runDailySeriesContract(withStore);
  runRetentionContract(withStore);
  runAccountsContract(withStore);

  withStore('an aggregate report and its records round-trip exactly', async (store) => {
    const h = header('r-1');
    const records = Array.from({ length: 250 }, (_, i) => record(i));
    records[7] = record(7, { extensions: [{ name: 'category', namespace: 'urn:example', text: 'bulk' }] });
    const saved = await saveAggregate(store, h, records);
    assert.equal(saved.status, 'new');
    const stored = await collect(store.streamRecords({}));
    assert.equal(stored.length, 250);
    assert.deepEqual(stored.map((s) => s.record), records);
    assert.deepEqual(stored[0]?.header, h);
    assert.equal(stored[0]?.source, 'in.xml');
    assert.deepEqual(await store.countReports(), { aggregate: 1, records: 250, failure: 0, tls: 0, raw: 1, quarantine: 0 });
  });

  withStore('dedup: the same (org, report ID, policy domain) is stored once, whatever the container or time', async (store) => {
    const records = [record(1), record(2)];
    const first = await saveAggregate(store, header('r-2'), records, 'a.xml.gz');
    const again = await saveAggregate(store, header('r-2'), records, 'b.eml > a.zip > a.xml');
    assert.equal(first.status, 'new');
    assert.deepEqual(again, { status: 'duplicate', id: first.id });
    const otherDomain = await saveAggregate(store, header('r-2', {}, 'example.org'), records);
    const otherOrg = await saveAggregate(store, header('r-2', { orgName: 'other.example' }), records);
    assert.equal(otherDomain.status, 'new');
    assert.equal(otherOrg.status, 'new');
    assert.equal((await store.countReports()).records, 6);
  });

  withStore('a duplicate writer says so at once and ignores its records', async (store) => {
    await saveAggregate(store, header('r-3'), [record(1)]);
    const writer = await store.beginAggregateReport(header('r-3'), await provenance(store, 'again'));
    assert.equal(writer.outcome.status, 'duplicate');
    await writer.addRecords([record(2), record(3)]);
    assert.equal((await writer.commit(trailerFor([record(2)]))).status, 'duplicate');
    assert.equal((await store.countReports()).records, 1);
  });

  withStore('an aborted report leaves nothing, and can be stored later', async (store) => {
    const writer = await store.beginAggregateReport(header('r-4'), await provenance(store, 'x'));
    await writer.addRecords([record(1), record(2)]);
    await writer.abort();
    assert.deepEqual((await store.countReports()).aggregate, 0);
    assert.equal((await saveAggregate(store, header('r-4'), [record(1)])).status, 'new');
  });

  withStore('a write group: what is written in it, reports, duplicates, aborts, quarantine and log lines, is all there once it commits', async (store) => {
    const group = await store.beginWriteGroup();
    const records = Array.from({ length: 150 }, (_, i) => record(i));
    assert.equal((await saveAggregate(store, header('g-1'), records)).status, 'new');
    assert.equal((await saveAggregate(store, header('g-1'), records, 'again.xml')).status, 'duplicate', 'a duplicate within the group is recognised');
    const aborted = await store.beginAggregateReport(header('g-2'), await provenance(store, 'aborted'));
    await aborted.addRecords([record(1)]);
    await aborted.abort();
    assert.equal((await saveAggregate(store, header('g-3'), [record(3)])).status, 'new', 'the group goes on after an aborted report');
    const bad = await provenance(store, 'not a report', 'bad.bin');
    await store.quarantine({ code: 'unknown-format', message: 'Not a report.' }, bad);
    await store.logIngest({ at: new Date('2026-11-20T10:00:00Z'), input: 'bad.bin', raw: bad.raw, newReports: 0, duplicateReports: 0, rejected: 1, records: 0 });
    await group.commit();
    await group.commit();
    await group.rollback();
    const stored = await collect(store.streamRecords({}));
    assert.deepEqual(stored.map((s) => s.header.metadata.reportId), [...records.map(() => 'g-1'), 'g-3']);
    assert.deepEqual(stored.slice(0, 150).map((s) => s.record), records);
    assert.deepEqual(await store.countReports(), { aggregate: 2, records: 151, failure: 0, tls: 0, raw: 5, quarantine: 1 });
    assert.deepEqual((await store.listIngestLog({ limit: 10 })).items.map((entry) => entry.input), ['bad.bin']);
    const next = await store.beginWriteGroup();
    assert.equal((await saveAggregate(store, header('g-4'), [record(4)])).status, 'new', 'a new group may begin after the last one committed');
    await next.commit();
    assert.equal((await store.countReports()).aggregate, 3);
  });

  withStore('raw inputs are content-addressed and read back byte for byte', async (store) => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256);
    const ref = await store.saveRawInput(bytes);
    assert.equal(ref.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(ref.size, bytes.length);
    assert.deepEqual(await store.saveRawInput(bytes), ref, 'saving again is harmless');
    assert.deepEqual(await store.readRawInput(ref.sha256), bytes);
    assert.equal(await store.readRawInput('0'.repeat(64)), undefined);
    assert.equal((await store.countReports()).raw, 1);
  });

  withStore('streamRecords filters by policy domain and period', async (store) => {
    await saveAggregate(store, header('a', { begin: 1700000000, end: 1700086399 }), [record(1)]);
    await saveAggregate(store, header('b', { begin: 1700086400, end: 1700172799 }), [record(2), record(3)]);
    await saveAggregate(store, header('c', {}, 'example.org'), [record(4)]);
    const ids = async (filter: Parameters<Store['streamRecords']>[0]) => (await collect(store.streamRecords(filter))).map((s) => s.header.metadata.reportId);
    assert.deepEqual(await ids({ domain: 'example.com' }), ['a', 'b', 'b']);
    assert.deepEqual(await ids({ domain: 'example.com', since: new Date(1700086400 * 1000) }), ['b', 'b']);
    assert.deepEqual(await ids({ until: new Date(1700086400 * 1000) }), ['a', 'c']);
  });

  withStore('failure reports: stored once, without the subject or headers unless asked', async (store) => {
    const prov = await provenance(store, 'ruf');
    const first = await store.saveFailureReport(failure(), prov, { keepFullHeaders: false }, []);
    const again = await store.saveFailureReport(failure(), { ...prov, source: 'other.eml' }, { keepFullHeaders: false }, []);
    assert.equal(first.status, 'new');
    assert.deepEqual(again, { status: 'duplicate', id: first.id });
    const other = await store.saveFailureReport(failure({ sourceIp: '192.0.2.10' }), prov, { keepFullHeaders: true }, []);
    assert.equal(other.status, 'new');
    assert.equal((await store.countReports()).failure, 2);
  });

  withStore('TLS reports: stored once per (organisation, report ID)', async (store) => {
    const prov = await provenance(store, 'tls');
    assert.equal((await store.saveTlsReport(tls('t-1'), prov, [])).status, 'new');
    assert.equal((await store.saveTlsReport(tls('t-1'), prov, [])).status, 'duplicate');
    assert.equal((await store.saveTlsReport(tls('t-2'), prov, [])).status, 'new');
    assert.equal((await store.countReports()).tls, 2);
  });

  withStore('quarantine: kept with the reason, listed, inspected, resolved', async (store) => {
    const prov = await provenance(store, '<feedback>', 'bad.xml');
    const id = await store.quarantine({ code: 'xml-malformed', message: 'truncated' }, prov);
    const listed = (await store.listQuarantine({ state: 'open' })).items;
    assert.equal(listed.length, 1);
    assert.deepEqual({ ...listed[0], receivedAt: undefined }, { id, raw: prov.raw, source: 'bad.xml', code: 'xml-malformed', message: 'truncated', receivedAt: undefined, state: 'open' });
    assert.equal(listed[0]?.receivedAt.toISOString(), '2026-11-20T10:00:00.000Z');
    assert.deepEqual(await store.readRawInput(prov.raw.sha256), new TextEncoder().encode('<feedback>'));
    assert.equal(await store.quarantine({ code: 'xml-malformed', message: 'truncated' }, prov), id, 'the same refusal again is the same entry');
    assert.equal((await store.countReports()).quarantine, 1);
    await store.setQuarantineState(id, 'resolved');
    assert.deepEqual(await store.listQuarantine({ state: 'open' }), { items: [], next: null });
    assert.equal((await store.getQuarantine(id))?.state, 'resolved');
    assert.equal(await store.getQuarantine(id + 1000), undefined);
  });

  withStore('quarantine: an input too large to keep is an entry with its first bytes (or none) and the size of the whole', async (store) => {
    const head = await provenance(store, 'Subject: big', 'huge.eml');
    const id = await store.quarantine({ code: 'input-too-large', message: 'too large' }, head, 300_000_000);
    const entry = await store.getQuarantine(id);
    assert.deepEqual({ ...entry, receivedAt: undefined }, { id, raw: head.raw, source: 'huge.eml', code: 'input-too-large', message: 'too large', receivedAt: undefined, state: 'open', truncated: { inputSize: 300_000_000 } });
    const none = await provenance(store, '', 'imap message');
    const bodiless = await store.quarantine({ code: 'input-too-large', message: 'not downloaded' }, none, 5_000_000_000);
    assert.deepEqual((await store.getQuarantine(bodiless))?.truncated, { inputSize: 5_000_000_000 });
    assert.equal((await store.getQuarantine(bodiless))?.raw.size, 0);
    assert.deepEqual(await store.readRawInput(none.raw.sha256), new Uint8Array(0));
    assert.deepEqual((await store.listQuarantine({ state: 'open' })).items.map((e) => e.truncated?.inputSize), [300_000_000, 5_000_000_000]);
  });

  withStore('the ingest log keeps entries, newest first', async (store) => {
    for (let i = 0; i < 3; i++) {
      await store.logIngest({ at: new Date(Date.UTC(2026, 10, 20, 10, i)), input: `f${i}.xml`, raw: null, newReports: i, duplicateReports: 0, rejected: 0, records: i * 10 });
    }
    const log = (await store.listIngestLog({ limit: 2 })).items;
    assert.deepEqual(log.map((e) => e.input), ['f2.xml', 'f1.xml']);
    assert.equal(log[0]?.records, 20);
    assert.equal(log[0]?.at.toISOString(), '2026-11-20T10:02:00.000Z');
  });

  withStore('DNS checks are kept per domain, newest first, with their whole result', async (store) => {
    for (let i = 0; i < 3; i++) {
      await store.saveDomainCheck({ domain: 'example.com', checkedAt: new Date(Date.UTC(2026, 11, 1, 9, i)), errors: i, warnings: 1, result: { run: i, findings: [{ code: 'dmarc-ok' }] } });
    }
    await store.saveDomainCheck({ domain: 'example.org', checkedAt: new Date(Date.UTC(2026, 11, 1, 10)), errors: 0, warnings: 0, result: {} });
    const checks = (await store.listDomainChecks('example.com', { limit: 2 })).items;
    assert.deepEqual(checks.map((c) => c.errors), [2, 1]);
    assert.equal(checks[0]?.checkedAt.toISOString(), '2026-12-01T09:02:00.000Z');
    assert.deepEqual(checks[0]?.result, { run: 2, findings: [{ code: 'dmarc-ok' }] });
    assert.deepEqual(await store.listDomainChecks('example.net', { limit: 5 }), { items: [], next: null });
  });

  withStore('sourceStats: per source IP over the window, grouped in SQL, first and last seen over all history', async (store) => {
    const day = (d: number): number => Date.UTC(2026, 10, d) / 1000;
    const window = { since: new Date(day(10) * 1000), until: new Date(day(20) * 1000) };
    const dkimOwn = [{ domain: 'example.com', selector: 's1', result: 'pass', humanResult: null }];
    const dkimEsp = [{ domain: 'esp.example', selector: 'k1', result: 'pass', humanResult: null }];
    const spfEsp = [{ domain: 'bounces.esp.example', scope: 'mfrom', result: 'pass', humanResult: null }];
    const forwarded = [{ type: 'forwarded', comment: null }];
    const at = (d: number) => ({ begin: day(d), end: day(d) + 86399 });
    // Before the window: counts only for first seen.
    await saveAggregate(store, header('old', at(2)), [record(0, { sourceIp: '192.0.2.1', count: 7 })]);
    // Inside: two combinations for 192.0.2.1, one for 2001:db8::5.
    await saveAggregate(store, header('in-1', at(12)), [
      record(0, { sourceIp: '192.0.2.1', count: 10, dkim: 'pass', spf: 'pass', disposition: 'none', authDkim: dkimOwn, reasons: [] }),
      record(0, { sourceIp: '192.0.2.1', count: 5, dkim: 'fail', spf: 'fail', disposition: 'quarantine', authDkim: dkimEsp, authSpf: spfEsp, reasons: [] }),
      record(0, { sourceIp: '2001:db8::5', count: 3, dkim: 'pass', spf: 'fail', disposition: null, authDkim: dkimOwn, reasons: forwarded }),
      record(0, { sourceIp: '2001:db8::6', count: 6, dkim: 'fail', spf: 'fail', disposition: 'none', reasons: [{ type: 'local_policy', comment: 'arc=pass as[1].d=list.example' }] }),
    ]);
    await saveAggregate(store, header('in-2', at(18)), [
      record(0, { sourceIp: '192.0.2.1', count: 4, dkim: 'fail', spf: 'fail', disposition: 'reject', authDkim: dkimEsp, authSpf: spfEsp, reasons: [] }),
    ]);
    // Spans the window's start: overlaps, so it counts whole.
    await saveAggregate(store, header('span', { begin: day(9), end: day(11) - 1 }), [record(0, { sourceIp: '198.51.100.9', count: 2, dkim: 'fail', spf: 'pass', disposition: 'none', reasons: [] })]);
    // After the window and for another domain: not counted, but the later report moves last seen.
    await saveAggregate(store, header('late', at(25)), [record(0, { sourceIp: '192.0.2.1', count: 100 })]);
    await saveAggregate(store, header('other', at(12), 'example.org'), [record(0, { sourceIp: '203.0.113.1', count: 50 })]);
    // An uncommitted report is never seen.
    const open = await store.beginAggregateReport(header('open', at(13)), await provenance(store, 'open'));
    await open.addRecords([record(0, { sourceIp: '192.0.2.1', count: 1000 })]);

    const stats = await store.sourceStats('example.com', window.since, window.until, new Date(day(15) * 1000));
    await open.abort();
    const byIp = new Map(stats.map((s) => [s.ip, s]));
    assert.deepEqual([...byIp.keys()].sort(), ['192.0.2.1', '198.51.100.9', '2001:db8::5', '2001:db8::6']);
    assert.equal(byIp.get('2001:db8::6')?.arcPass, 6, 'an ARC pass in a reason comment is counted');
    const a = byIp.get('192.0.2.1');
    assert.ok(a);
    assert.deepEqual(
      { messages: a.messages, dmarcPass: a.dmarcPass, dkim: a.dkimAlignedPass, spf: a.spfAlignedPass, recent: a.recentMessages, recentPass: a.recentDmarcPass },
      { messages: 19, dmarcPass: 10, dkim: 10, spf: 10, recent: 4, recentPass: 0 },
    );
    assert.deepEqual(a.dispositions, { none: 10, quarantine: 5, reject: 4 });
    assert.equal(a.firstSeen.toISOString(), '2026-11-02T00:00:00.000Z');
    assert.equal(a.lastSeen.toISOString(), '2026-11-25T23:59:59.000Z');
    assert.deepEqual(a.dkim, [
      { domain: 'example.com', selector: 's1', result: 'pass', messages: 10 },
      { domain: 'esp.example', selector: 'k1', result: 'pass', messages: 9 },
    ]);
    assert.deepEqual(a.spf[0], { domain: 'bounce0.example.com', scope: 'mfrom', result: 'pass', messages: 10 });
    assert.deepEqual(a.spf.find((s) => s.domain === 'bounces.esp.example'), { domain: 'bounces.esp.example', scope: 'mfrom', result: 'pass', messages: 9 });
    assert.deepEqual(a.reasons, []);
    assert.equal(a.arcPass, 0);
    const v6 = byIp.get('2001:db8::5');
    assert.deepEqual(v6?.reasons, [{ type: 'forwarded', comment: null, messages: 3 }]);
    assert.deepEqual(v6?.dispositions, { unknown: 3 });
    assert.equal(v6?.dmarcPass, 3);
    assert.equal(byIp.get('198.51.100.9')?.messages, 2, 'a report overlapping the window counts');
    assert.deepEqual(await store.sourceStats('example.net', window.since, window.until), []);
    const noRecent = await store.sourceStats('example.com', window.since, window.until);
    assert.equal(noRecent.find((s) => s.ip === '192.0.2.1')?.recentMessages, 0, 'without recentSince nothing is recent');
  });

  withStore('sourceStats: auth results first written by an aborted report are still right when stored again', async (store) => {
    const authDkim = [{ domain: 'once.example', selector: 'a1', result: 'pass', humanResult: null }];
    const reasons = [{ type: 'mailing_list', comment: 'list' }];
    const aborted = await store.beginAggregateReport(header('ab-1'), await provenance(store, 'ab-1'));
    await aborted.addRecords([record(1, { sourceIp: '192.0.2.77', authDkim, reasons })]);
    await aborted.abort();
    await saveAggregate(store, header('ab-2'), [record(1, { sourceIp: '192.0.2.77', authDkim, reasons, count: 4 })]);
    const stats = await store.sourceStats('example.com', new Date(1699000000 * 1000), new Date(1701000000 * 1000));
    assert.deepEqual(stats.map((s) => [s.ip, s.messages, s.dkim, s.reasons]), [
      ['192.0.2.77', 4, [{ domain: 'once.example', selector: 'a1', result: 'pass', messages: 4 }], [{ type: 'mailing_list', comment: 'list', messages: 4 }]],
    ]);
  });

  withStore('sourceStats: a report stored after a query is counted by the next one, and only once (rollup kept at query time)', async (store) => {
    const window = { since: new Date(1699000000 * 1000), until: new Date(1701000000 * 1000) };
    const messagesOf = async (ip: string): Promise<number | undefined> => (await store.sourceStats('example.com', window.since, window.until)).find((s) => s.ip === ip)?.messages;
    const one = (count: number) => [record(1, { sourceIp: '192.0.2.10', count })];
    assert.equal(await messagesOf('192.0.2.10'), undefined, 'nothing stored yet');
    await saveAggregate(store, header('r-1'), one(3));
    assert.equal(await messagesOf('192.0.2.10'), 3);
    assert.equal(await messagesOf('192.0.2.10'), 3, 'asking again adds nothing');
    await saveAggregate(store, header('r-2', { orgName: 'other.example' }), one(4));
    assert.equal(await messagesOf('192.0.2.10'), 7, 'the report stored after the query is counted');
    assert.equal((await saveAggregate(store, header('r-2', { orgName: 'other.example' }), one(4), 'again.xml')).status, 'duplicate');
    assert.equal(await messagesOf('192.0.2.10'), 7, 'a duplicate report is never counted twice');
    const aborted = await store.beginAggregateReport(header('r-3'), await provenance(store, 'r-3'));
    await aborted.addRecords(one(100));
    await aborted.abort();
    assert.equal(await messagesOf('192.0.2.10'), 7, 'an aborted report is not counted');
    await saveAggregate(store, header('r-3'), one(5));
    assert.equal(await messagesOf('192.0.2.10'), 12, 'the report stored after its abort is');
    const stats = await store.reportingStats('example.com', window.since, window.until);
    assert.deepEqual(stats.reporters.map((r) => [r.orgName, r.messages]), [['receiver.example', 8], ['other.example', 4]]);
  });

  withStore('reportingStats: reporters with their schema and header_from domains over the window, grouped by the store', async (store) => {
    const day = (d: number): number => Date.UTC(2026, 10, d) / 1000;
    const at = (d: number, orgName = 'receiver.example') => ({ begin: day(d), end: day(d) + 86399, orgName });
    const window = { since: new Date(day(10) * 1000), until: new Date(day(20) * 1000) };
    const rfc7489 = (h: AggregateHeader): AggregateHeader => ({ ...h, schema: 'rfc7489' });
    await saveAggregate(store, header('before', at(2)), [record(0, { count: 1000 })]);
    await saveAggregate(store, rfc7489(header('a', at(12, 'old.example'))), [
      record(0, { count: 10, headerFrom: 'example.com', dkim: 'pass', spf: 'fail' }),
      record(0, { count: 4, headerFrom: 'news.example.com', dkim: 'fail', spf: 'pass' }),
      record(0, { count: 3, headerFrom: 'news.example.com', dkim: 'fail', spf: 'fail' }),
      record(0, { count: 2, headerFrom: null, dkim: null, spf: null }),
    ]);
    await saveAggregate(store, header('b', at(15)), [record(0, { count: 6, headerFrom: 'news.example.com', dkim: null, spf: 'pass' })]);
    await saveAggregate(store, header('span', { begin: day(9), end: day(11) - 1, orgName: 'old.example' }), [record(0, { count: 1, headerFrom: 'example.com', dkim: 'fail', spf: 'fail' })]);
    await saveAggregate(store, header('later', at(25)), [record(0, { count: 500 })]);
    await saveAggregate(store, header('other', at(12), 'example.org'), [record(0, { count: 50, headerFrom: 'example.org' })]);
    const open = await store.beginAggregateReport(header('open', at(13)), await provenance(store, 'open'));
    await open.addRecords([record(0, { count: 70 })]);
    const stats = await store.reportingStats('example.com', window.since, window.until);
    await open.abort();
    const reporters = [...stats.reporters].sort((x, y) => (x.orgName + x.schema < y.orgName + y.schema ? -1 : 1));
    assert.deepEqual(reporters, [
      { orgName: 'old.example', schema: 'rfc7489', messages: 19 },
      { orgName: 'old.example', schema: 'rfc9990', messages: 1 },
      { orgName: 'receiver.example', schema: 'rfc9990', messages: 6 },
    ]);
    const froms = [...stats.headerFrom].sort((x, y) => String(x.headerFrom) < String(y.headerFrom) ? -1 : 1);
    assert.deepEqual(froms, [
      { headerFrom: 'example.com', messages: 11, dmarcPass: 10 },
      { headerFrom: 'news.example.com', messages: 13, dmarcPass: 10 },
      { headerFrom: null, messages: 2, dmarcPass: 0 },
    ]);
    assert.deepEqual(await store.reportingStats('example.net', window.since, window.until), { reporters: [], headerFrom: [] });
  });

  withStore('listPublishedPolicies: each published policy with the period reporters saw it, oldest first', async (store) => {
    const policy = (p: AggregateHeader['policy']['p'], pct: number | null): Partial<AggregateHeader['policy']> => ({ p, pct, testing: null, sp: null, np: null });
    const h = (id: string, begin: number, p: Partial<AggregateHeader['policy']>): AggregateHeader => {
      const base = header(id, { begin, end: begin + 86399 });
      return { ...base, policy: { ...base.policy, ...p } };
    };
    await saveAggregate(store, h('a', 1700000000, policy('none', null)), [record(1)]);
    await saveAggregate(store, h('b', 1700086400, policy('none', null)), [record(1)]);
    await saveAggregate(store, h('c', 1700172800, policy('quarantine', 10)), [record(1), record(2)]);
    const periods = await store.listPublishedPolicies('example.com');
    assert.deepEqual(periods.map((x) => [x.p, x.pct, x.reports, x.messages]), [['none', null, 2, 4], ['quarantine', 10, 1, 5]]);
    assert.equal(periods[1]?.firstSeen.toISOString(), new Date(1700172800 * 1000).toISOString());
    assert.equal(periods[0]?.lastSeen.toISOString(), new Date((1700086400 + 86399) * 1000).toISOString());
    assert.deepEqual(await store.listPublishedPolicies('example.org'), []);
  });

  withStore('listPublishedPolicyDays: per UTC day of the reports, each policy with its reports, reporters and messages', async (store) => {
    const h = (id: string, begin: number, p: AggregateHeader['policy']['p'], org = 'Reporter A'): AggregateHeader => {
      const base = header(id, { begin, end: begin + 86399, orgName: org });
      return { ...base, policy: { ...base.policy, p, pct: null, testing: null, sp: null, np: null } };
    };
    const day = (d: number): number => Date.UTC(2026, 10, d) / 1000;
    await saveAggregate(store, h('a', day(1), 'none'), [record(1)]);
    await saveAggregate(store, h('b', day(2), 'quarantine'), [record(1), record(2)]);
    await saveAggregate(store, h('c', day(2), 'quarantine', 'Reporter B'), [record(1)]);
    // A receiver still caching the old record on day 2.
    await saveAggregate(store, h('d', day(2) + 3600, 'none', 'Reporter C'), [record(1)]);
    const days = await store.listPublishedPolicyDays('example.com');
    assert.deepEqual(
      days.map((x) => [x.day, x.p, x.reports, x.reporters, x.messages]),
      [['2026-11-01', 'none', 1, 1, 2], ['2026-11-02', 'quarantine', 2, 2, 7], ['2026-11-02', 'none', 1, 1, 2]],
    );
    assert.deepEqual(await store.listPublishedPolicyDays('example.org'), []);
  });

  withStore('sourceDays and a header_from filter: per source and day; the mail of one subdomain alone', async (store) => {
    const day = (d: number): number => Date.UTC(2026, 10, d) / 1000;
    const at = (d: number) => ({ begin: day(d), end: day(d) + 86399 });
    await saveAggregate(store, header('d1', at(10)), [
      record(0, { sourceIp: '192.0.2.1', count: 10, dkim: 'pass', spf: 'fail', headerFrom: 'example.com' }),
      record(0, { sourceIp: '192.0.2.1', count: 4, dkim: 'fail', spf: 'fail', headerFrom: 'planning.example.com', disposition: 'quarantine' }),
    ]);
    await saveAggregate(store, header('d2', at(11)), [
      record(0, { sourceIp: '192.0.2.1', count: 6, dkim: 'fail', spf: 'pass', headerFrom: 'planning.example.com' }),
      record(0, { sourceIp: '198.51.100.2', count: 3, dkim: 'fail', spf: 'fail', headerFrom: 'example.com', disposition: 'reject' }),
    ]);
    const window = { since: new Date(day(1) * 1000), until: new Date(day(30) * 1000) };
    const sorted = (rows: readonly { ip: string; day: string }[]) => [...rows].sort((a, b) => (a.day + a.ip < b.day + b.ip ? -1 : 1));
    assert.deepEqual(sorted(await store.sourceDays('example.com', window.since, window.until)), [
      { ip: '192.0.2.1', day: '2026-11-10', messages: 14, dmarcPass: 10, quarantined: 4, rejected: 0 },
      { ip: '192.0.2.1', day: '2026-11-11', messages: 6, dmarcPass: 6, quarantined: 0, rejected: 0 },
      { ip: '198.51.100.2', day: '2026-11-11', messages: 3, dmarcPass: 0, quarantined: 0, rejected: 3 },
    ]);
    const planning = { headerFrom: 'Planning.Example.com' };
    assert.deepEqual(sorted(await store.sourceDays('example.com', window.since, window.until, planning)), [
      { ip: '192.0.2.1', day: '2026-11-10', messages: 4, dmarcPass: 0, quarantined: 4, rejected: 0 },
      { ip: '192.0.2.1', day: '2026-11-11', messages: 6, dmarcPass: 6, quarantined: 0, rejected: 0 },
    ]);
    assert.deepEqual(sorted(await store.sourceDays('example.com', window.since, window.until, { ips: ['198.51.100.2'] })), [
      { ip: '198.51.100.2', day: '2026-11-11', messages: 3, dmarcPass: 0, quarantined: 0, rejected: 3 },
    ]);
    assert.deepEqual(await store.sourceDays('example.com', window.since, window.until, { ips: [] }), []);
    assert.deepEqual(await store.sourceDays('example.com', window.since, window.until, { ...planning, ips: ['198.51.100.2'] }), [], 'both filters apply');
    const stats = await store.sourceStats('example.com', window.since, window.until, undefined, planning);
    assert.deepEqual(stats.map((s) => [s.ip, s.messages, s.dmarcPass, s.firstSeen.toISOString()]), [['192.0.2.1', 10, 6, '2026-11-10T00:00:00.000Z']]);
    assert.equal((await store.sourceStats('example.com', window.since, window.until)).reduce((n, s) => n + s.messages, 0), 23, 'without a filter every header_from counts');
    assert.deepEqual(await store.sourceStats('example.com', window.since, window.until, undefined, { headerFrom: 'other.example.com' }), []);
  });

  withStore('source enrichments: kept per IP, replaced on refresh, absent ones left out', async (store) => {
    const enrichment = (ip: string, name: string | null, at: string): SourceEnrichment => ({
      ip, ptrNames: name ? [name] : [], confirmedName: name, fcrdns: name ? 'confirmed' : 'none',
      organizationalDomain: name ? 'esp.example' : null, resolvedAt: at,
      ...(name ? { network: { asn: 64500, organization: 'ESP Example', country: 'GB' } } : {}),
    });
    assert.equal((await store.getSourceEnrichments([])).size, 0);
    await store.putSourceEnrichments([enrichment('192.0.2.1', 'o1.esp.example', '2026-11-01T00:00:00.000Z'), enrichment('2001:db8::1', null, '2026-11-01T00:00:00.000Z')]);
    await store.putSourceEnrichments([enrichment('192.0.2.1', 'o2.esp.example', '2026-11-02T00:00:00.000Z')]);
    const found = await store.getSourceEnrichments(['192.0.2.1', '2001:db8::1', '198.51.100.1', '192.0.2.1']);
    assert.deepEqual([...found.keys()].sort(), ['192.0.2.1', '2001:db8::1']);
    assert.deepEqual(found.get('192.0.2.1'), enrichment('192.0.2.1', 'o2.esp.example', '2026-11-02T00:00:00.000Z'));
    assert.deepEqual(found.get('2001:db8::1'), enrichment('2001:db8::1', null, '2026-11-01T00:00:00.000Z'));
    const many = Array.from({ length: 1200 }, (_, i) => enrichment(`10.0.${Math.floor(i / 250)}.${i % 250}`, null, '2026-11-03T00:00:00.000Z'));
    await store.putSourceEnrichments(many);
    assert.equal((await store.getSourceEnrichments(many.map((e) => e.ip))).size, 1200, 'lookups of many IPs are chunked');
  });

  withStore('sender decisions: set, replaced, removed with null, kept per domain', async (store) => {
    const at = new Date('2026-11-20T10:00:00Z');
    await store.setSenderDecision('example.com', 'service:mailchimp', { decision: 'approved', at, note: 'newsletter' });
    await store.setSenderDecision('example.com', 'net:192.0.2.0/24', { decision: 'rejected', at });
    await store.setSenderDecision('example.org', 'service:mailchimp', { decision: 'rejected', at });
    await store.setSenderDecision('example.com', 'service:mailchimp', { decision: 'rejected', at: new Date('2026-11-21T10:00:00Z'), actor: 'cli:alice' });
    assert.deepEqual(await store.listSenderDecisions('example.com'), {
      items: [
        { key: 'net:192.0.2.0/24', decision: 'rejected', note: null, decidedAt: at, actor: null },
        { key: 'service:mailchimp', decision: 'rejected', note: null, decidedAt: new Date('2026-11-21T10:00:00Z'), actor: 'cli:alice' },
      ],
      next: null,
    });
    await store.setSenderDecision('example.com', 'net:192.0.2.0/24', { decision: null, at });
    await store.setSenderDecision('example.com', 'domain:never.example', { decision: null, at });
    assert.deepEqual((await store.listSenderDecisions('example.com')).items.map((d) => d.key), ['service:mailchimp']);
    assert.deepEqual((await store.listSenderDecisions('example.org')).items.map((d) => [d.key, d.decision]), [['service:mailchimp', 'rejected']]);
  });

  withStore('sender decision history: every change with what it was, who, when and why, newest first; a removal of nothing records nothing', async (store) => {
    const day = (d: number): Date => new Date(Date.UTC(2026, 10, d, 9));
    const first = await store.setSenderDecision('example.com', 'service:mailchimp', { decision: 'approved', at: day(1), actor: 'cli:alice', note: 'newsletter' });
    assert.deepEqual({ ...first, id: undefined }, { id: undefined, domain: 'example.com', key: 'service:mailchimp', decision: 'approved', previous: null, note: 'newsletter', actor: 'cli:alice', at: day(1) });
    assert.ok(first.id > 0);
    const second = await store.setSenderDecision('example.com', 'service:mailchimp', { decision: 'rejected', at: day(2), actor: 'cli:bob' });
    assert.equal(second.previous, 'approved');
    assert.ok(second.id > first.id);
    await store.setSenderDecision('example.com', 'net:192.0.2.0/24', { decision: 'rejected', at: day(3) });
    const removed = await store.setSenderDecision('example.com', 'service:mailchimp', { decision: null, at: day(4), actor: 'cli:alice', note: 'undo' });
    assert.deepEqual([removed.decision, removed.previous, removed.note], [null, 'rejected', 'undo']);
    const nothing = await store.setSenderDecision('example.com', 'domain:never.example', { decision: null, at: day(5) });
    assert.deepEqual(nothing, { id: 0, domain: 'example.com', key: 'domain:never.example', decision: null, previous: null, note: null, actor: null, at: day(5) });
    await store.setSenderDecision('example.org', 'service:mailchimp', { decision: 'approved', at: day(6) });

    const history = (await store.listSenderDecisionHistory('example.com', {})).items;
    assert.deepEqual(history.map((c) => [c.key, c.decision, c.previous, c.actor, c.at.toISOString()]), [
      ['service:mailchimp', null, 'rejected', 'cli:alice', day(4).toISOString()],
      ['net:192.0.2.0/24', 'rejected', null, null, day(3).toISOString()],
      ['service:mailchimp', 'rejected', 'approved', 'cli:bob', day(2).toISOString()],
      ['service:mailchimp', 'approved', null, 'cli:alice', day(1).toISOString()],
    ]);
    assert.deepEqual(history[3], first, 'the history holds the change as returned');
    const ofOne = (await store.listSenderDecisionHistory('example.com', { key: 'service:mailchimp' })).items;
    assert.deepEqual(ofOne.map((c) => c.id), [removed.id, second.id, first.id]);
    assert.deepEqual((await store.listSenderDecisionHistory('example.org', {})).items.map((c) => c.domain), ['example.org']);
    assert.deepEqual((await store.listSenderDecisions('example.com')).items.map((d) => d.key), ['net:192.0.2.0/24']);
  });

  withStore('large counts and many records survive (bigint counts, batches)', async (store) => {
    const records = Array.from({ length: 2_500 }, (_, i) => record(i, { count: i === 0 ? 4_000_000_000 : 1 }));
    await saveAggregate(store, header('big'), records);
    const stored = await collect(store.streamRecords({ domain: 'example.com' }));
    assert.equal(stored.length, 2_500);
    assert.equal(stored[0]?.record.count, 4_000_000_000);
  });
}
