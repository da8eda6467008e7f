/**
 * The contract of reading failure and TLS reports back (store.ts, ReportReader): as stored, with
 * the warnings their parse gave and their provenance, redacted (a failure report's subject only
 * as its hash, its headers only when the operator kept them), and filtered in SQL by domain,
 * time and source IP.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Diagnostic } from '../../core/diagnostic.js';
import type { StoredFailureReport } from '../store.js';
import type { StoreTest } from './contract-fixtures.test-helper.js';
import { failure, header, provenance, record, saveAggregate, tls } from './contract-fixtures.test-helper.js';

const warnings: Diagnostic[] = [
  { code: 'date-assumed-utc', severity: 'warning', message: 'Arrival-Date has no zone; UTC assumed.', location: 'Arrival-Date' },
  { code: 'value-case', severity: 'warning', message: 'The value "Pass" ...', count: 2 },
];

export function runReportReadContract(withStore: StoreTest): void {
  withStore('sourceReporters: who reported these IPs for the domain in the window, most messages first', async (store) => {
    const day = 86_400;
    const at = (i: number) => ({ begin: 1_700_000_000 + i * day, end: 1_700_000_000 + (i + 1) * day - 1 });
    await saveAggregate(store, header('g-1', { orgName: 'google.com', ...at(0) }), [record(1, { sourceIp: '192.0.2.1', count: 10 }), record(2, { sourceIp: '192.0.2.2', count: 5 })]);
    await saveAggregate(store, header('g-2', { orgName: 'google.com', ...at(1) }), [record(1, { sourceIp: '192.0.2.1', count: 3 })]);
    await saveAggregate(store, header('m-1', { orgName: 'microsoft.com', ...at(1) }), [record(1, { sourceIp: '192.0.2.1', count: 4 }), record(3, { sourceIp: '192.0.2.9', count: 99 })]);
    await saveAggregate(store, header('o-1', { orgName: 'other.example', ...at(1) }, 'example.org'), [record(1, { sourceIp: '192.0.2.1', count: 50 })]);
    const window = { since: new Date(1_700_000_000_000), until: new Date((1_700_000_000 + 2 * day) * 1000) };
    const reporters = await store.sourceReporters('example.com', ['192.0.2.1', '192.0.2.2', '192.0.2.1'], window.since, window.until);
    assert.deepEqual(reporters, [
      { orgName: 'google.com', messages: 18, reports: 2, lastSeen: new Date(at(1).end * 1000) },
      { orgName: 'microsoft.com', messages: 4, reports: 1, lastSeen: new Date(at(1).end * 1000) },
    ]);
    assert.deepEqual((await store.sourceReporters('example.com', ['192.0.2.1'], new Date((1_700_000_000 + day) * 1000), window.until)).map((r) => [r.orgName, r.messages]), [['microsoft.com', 4], ['google.com', 3]]);
    assert.deepEqual(await store.sourceReporters('example.com', [], window.since, window.until), []);
  });

  withStore('aggregate reports are listed one line each, newest first, filtered by domain, scope and period, and paged', async (store) => {
    const day = 86_400;
    for (let i = 0; i < 5; i++) {
      const domain = i % 2 === 0 ? 'example.com' : 'mail.example.org';
      await saveAggregate(store, header(`list-${i}`, { begin: 1_700_000_000 + i * day, end: 1_700_000_000 + (i + 1) * day - 1 }, domain), [record(i), record(i + 10)]);
    }
    const all = await store.listAggregateReports({});
    assert.deepEqual(all.items.map((r) => r.reportId), ['list-4', 'list-3', 'list-2', 'list-1', 'list-0']);
    const first = all.items[4];
    assert.deepEqual(
      { ...first, id: 0, receivedAt: undefined },
      { id: 0, orgName: 'receiver.example', reportId: 'list-0', policyDomain: 'example.com', begin: new Date(1_700_000_000_000), end: new Date((1_700_000_000 + day - 1) * 1000), schema: 'rfc9990', p: 'quarantine', sp: null, pct: null, records: 2, messages: first?.messages ?? -1, receivedAt: undefined, source: 'in.xml' },
    );
    assert.ok((first?.messages ?? 0) > 0);
    assert.deepEqual((await store.listAggregateReports({ domain: 'example.com' })).items.map((r) => r.reportId), ['list-4', 'list-2', 'list-0']);
    assert.deepEqual((await store.listAggregateReports({ domains: ['example.org'] })).items.map((r) => r.reportId), ['list-3', 'list-1'], 'a subdomain is in the scope of its parent');
    assert.deepEqual((await store.listAggregateReports({ domains: [] })).items, []);
    const since = new Date((1_700_000_000 + 3 * day) * 1000);
    assert.deepEqual((await store.listAggregateReports({ since })).items.map((r) => r.reportId), ['list-4', 'list-3']);
    assert.deepEqual((await store.listAggregateReports({ until: new Date((1_700_000_000 + day) * 1000) })).items.map((r) => r.reportId), ['list-0']);
    assert.deepEqual((await store.listReportedDomains({})).items, ['example.com', 'mail.example.org']);
    assert.deepEqual((await store.listReportedDomains({ domains: ['example.org'] })).items, ['mail.example.org']);
    const firstDomain = await store.listReportedDomains({}, { limit: 1 });
    assert.deepEqual([firstDomain.items, (await store.listReportedDomains({}, { limit: 1, after: firstDomain.next ?? '' })).items], [['example.com'], ['mail.example.org']]);
    const page1 = await store.listAggregateReports({}, { limit: 2 });
    const page2 = await store.listAggregateReports({}, { limit: 2, after: page1.next ?? '' });
    assert.deepEqual([...page1.items, ...page2.items].map((r) => r.reportId), ['list-4', 'list-3', 'list-2', 'list-1']);
  });

  withStore('failure reports read back redacted, with their warnings and provenance', async (store) => {
    const prov = await provenance(store, 'ruf', 'a.eml');
    const saved = await store.saveFailureReport(failure(), prov, { keepFullHeaders: false }, warnings);
    const kept = await store.saveFailureReport(failure({ sourceIp: '192.0.2.10' }), prov, { keepFullHeaders: true }, []);
    const read = await store.getFailureReport(saved.id);
    const expected: StoredFailureReport = {
      id: saved.id, format: 'arf', feedbackType: 'auth-failure', reportedDomain: 'example.com', sourceIp: '192.0.2.9', arrivalDate: '2026-11-20T09:00:00Z',
      authFailure: ['dmarc'], identityAlignment: ['none'], deliveryResult: 'reject', dkimDomain: 'example.com', dkimSelector: 's1',
      spfDomain: 'bounce.example.com', originalMailFrom: '*@bounce.example.com', subjectSha256: createHash('sha256').update('Private subject').digest('hex'),
      messageId: '<m1@example.com>', headers: null, warnings, raw: prov.raw, source: 'a.eml', receivedAt: prov.receivedAt,
    };
    assert.deepEqual(read, expected);
    assert.doesNotMatch(JSON.stringify(read), /Private subject/);
    const withHeaders = await store.getFailureReport(kept.id);
    assert.equal(withHeaders?.headers, 'From: a@example.com\nSubject: Private subject\n');
    assert.equal(withHeaders?.originalMailFrom, 'a@bounce.example.com', 'the whole envelope sender only when headers are kept');
    assert.deepEqual(withHeaders?.warnings, []);
    assert.equal(await store.getFailureReport(kept.id + 100), undefined);
    assert.deepEqual((await store.listFailureReports({})).items, [withHeaders, read]);
  });

  withStore('failure reports: listed by reported domain, time (arrival, else receipt) and source IP', async (store) => {
    const at = (hour: number): string => `2026-11-20T${String(hour).padStart(2, '0')}:00:00Z`;
    const save = async (n: number, fields: Parameters<typeof failure>[0], receivedAt = new Date(at(23))) => {
      const prov = { ...(await provenance(store, `ruf-${n}`)), receivedAt };
      return (await store.saveFailureReport(failure({ sourceIp: `192.0.2.${n}`, ...fields }), prov, { keepFullHeaders: false }, [])).id;
    };
    const a = await save(1, { arrivalDate: at(8) });
    const b = await save(2, { arrivalDate: at(9) });
    const c = await save(3, { arrivalDate: null }, new Date('2026-11-20T10:30:00.500Z'));
    const d = await save(4, { arrivalDate: at(11), reportedDomain: 'mail.example.com' });
    const e = await save(5, { arrivalDate: at(12), reportedDomain: null });
    const ids = async (filter: Parameters<typeof store.listFailureReports>[0]) => (await store.listFailureReports(filter)).items.map((f) => f.id);
    assert.deepEqual(await ids({}), [e, d, c, b, a]);
    assert.deepEqual(await ids({ domain: 'example.com' }), [c, b, a]);
    assert.deepEqual(await ids({ domains: ['example.com'] }), [d, c, b, a]);
    assert.deepEqual(await ids({ since: new Date(at(9)), until: new Date(at(11)) }), [c, b], 'arrival at or after since, before until; receipt when no arrival');
    assert.deepEqual(await ids({ since: new Date('2026-11-20T10:30:00.500Z') }), [e, d, c]);
    assert.deepEqual(await ids({ until: new Date('2026-11-20T10:30:00.500Z') }), [b, a], 'to the millisecond');
    assert.deepEqual(await ids({ sourceIp: '192.0.2.2' }), [b]);
    assert.deepEqual(await ids({ domain: 'example.com', sourceIp: '192.0.2.4' }), []);
  });

  withStore('failure reports: counted per source IP, DKIM and SPF domain in one grouped query, with the filter of the list', async (store) => {
    const save = async (n: number, fields: Parameters<typeof failure>[0]) => {
      const prov = await provenance(store, `ruf-count-${n}`);
      await store.saveFailureReport(failure({ original: null, arrivalDate: `2026-11-20T0${n}:00:00Z`, ...fields }), prov, { keepFullHeaders: false }, []);
    };
    await save(1, { sourceIp: '192.0.2.1', dkimDomain: 'mcsv.net', spfDomain: null });
    await save(2, { sourceIp: '192.0.2.1', dkimDomain: 'mcsv.net', spfDomain: null });
    await save(3, { sourceIp: '192.0.2.1', dkimDomain: null, spfDomain: 'example.com' });
    await save(4, { sourceIp: null, dkimDomain: null, spfDomain: null });
    await save(5, { sourceIp: '192.0.2.5', reportedDomain: 'mail.example.com', dkimDomain: null, spfDomain: null });
    await save(6, { sourceIp: '192.0.2.6', reportedDomain: 'example.org', dkimDomain: null, spfDomain: null });
    const counts = async (filter: Parameters<typeof store.countFailureReportSources>[0]): Promise<string[]> =>
      (await store.countFailureReportSources(filter)).map((c) => `${c.sourceIp ?? '-'} ${c.dkimDomain ?? '-'} ${c.spfDomain ?? '-'} ${c.reports}`).sort();
    assert.deepEqual(await counts({ domain: 'example.com' }), ['- - - 1', '192.0.2.1 - example.com 1', '192.0.2.1 mcsv.net - 2']);
    assert.deepEqual(await counts({ domains: ['example.com'] }), ['- - - 1', '192.0.2.1 - example.com 1', '192.0.2.1 mcsv.net - 2', '192.0.2.5 - - 1']);
    assert.deepEqual(await counts({ domains: ['example.com'], since: new Date('2026-11-20T03:00:00Z'), until: new Date('2026-11-20T05:00:00Z') }), ['- - - 1', '192.0.2.1 - example.com 1']);
    assert.deepEqual(await counts({ sourceIp: '192.0.2.6' }), ['192.0.2.6 - - 1']);
    assert.deepEqual(await counts({ domain: 'nobody.example' }), []);
  });

  withStore('TLS reports read back as stored, with their policy domains and warnings, listed by domain and period', async (store) => {
    const prov = await provenance(store, 'tls', 'tls.json');
    const day = (d: number) => ({ start: `2026-11-${d}T00:00:00Z`, end: `2026-11-${d}T23:59:59Z` });
    const first = await store.saveTlsReport(tls('t-1', ['example.com', 'example.net', 'example.com'], day(17)), prov, warnings);
    const second = await store.saveTlsReport(tls('t-2', ['mail.example.com'], day(18)), prov, []);
    const third = await store.saveTlsReport(tls('t-3', ['example.org'], day(19)), prov, []);
    assert.deepEqual(await store.saveTlsReport(tls('t-1', ['example.com'], day(17)), prov, []), { status: 'duplicate', id: first.id });
    const read = await store.getTlsReport(first.id);
    assert.deepEqual(read, {
      id: first.id, report: tls('t-1', ['example.com', 'example.net', 'example.com'], day(17)), policyDomains: ['example.com', 'example.net'], warnings,
      raw: prov.raw, source: 'tls.json', receivedAt: prov.receivedAt,
    });
    assert.equal(await store.getTlsReport(third.id + 100), undefined);
    const ids = async (filter: Parameters<typeof store.listTlsReports>[0]) => (await store.listTlsReports(filter)).items.map((t) => t.id);
    assert.deepEqual(await ids({}), [third.id, second.id, first.id]);
    assert.deepEqual(await ids({ domain: 'example.net' }), [first.id]);
    assert.deepEqual(await ids({ domain: 'example.com' }), [first.id]);
    assert.deepEqual(await ids({ domains: ['example.com'] }), [second.id, first.id]);
    assert.deepEqual(await ids({ domains: ['example'] }), [], 'a label is not a suffix of a name');
    assert.deepEqual(await ids({ since: new Date('2026-11-18T23:59:59Z') }), [third.id, second.id], 'periods ending at or after since');
    assert.deepEqual(await ids({ since: new Date('2026-11-18T23:59:59.001Z') }), [third.id]);
    assert.deepEqual(await ids({ until: new Date('2026-11-18T00:00:00Z') }), [first.id], 'periods beginning before until');
    assert.deepEqual(await ids({ until: new Date('2026-11-18T00:00:00.001Z') }), [second.id, first.id]);
  });
}
