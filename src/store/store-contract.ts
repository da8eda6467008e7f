/**
 * The behaviour every Store implementation must have (store.ts), as one suite that each
 * implementation's test file runs against itself: `runStoreContract('sqlite', open)`.
 * Not a test file itself (no `.test.ts`): it is imported by them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AggregateHeader, AggregateRecord, AggregateTrailer } from '../reports/aggregate/aggregate-report.js';
import type { FailureReport } from '../reports/failure/failure-report.js';
import type { TlsReport } from '../reports/tlsrpt/tls-report.js';
import type { Provenance, Store, StoredRecord } from './store.js';

export type OpenStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

const header = (reportId: string, overrides: Partial<AggregateHeader['metadata']> = {}, domain = 'example.com'): AggregateHeader => ({
  kind: 'aggregate',
  schema: 'rfc9990',
  version: '1.0',
  namespace: 'urn:ietf:params:xml:ns:dmarc-2.0',
  metadata: { orgName: 'receiver.example', email: 'dmarc@receiver.example', extraContactInfo: null, reportId, begin: 1700000000, end: 1700086399, errors: [], generator: 'Example 1.0', ...overrides },
  policy: { domain, adkim: 'r', aspf: 's', p: 'quarantine', sp: null, np: 'reject', pct: null, fo: '1', testing: 'y', discoveryMethod: 'treewalk' },
});

const record = (n: number, overrides: Partial<AggregateRecord> = {}): AggregateRecord => ({
  sourceIp: n % 2 ? `192.0.2.${n % 250}` : `2001:db8::${n.toString(16)}`,
  count: n + 1,
  disposition: 'none',
  dkim: 'pass',
  spf: n % 3 ? 'pass' : 'fail',
  reasons: n % 5 ? [] : [{ type: 'local_policy', comment: 'arc=pass as[1].d=list.example' }],
  headerFrom: 'example.com',
  envelopeFrom: n % 4 ? `bounce${n}.example.com` : null,
  envelopeTo: null,
  authDkim: [{ domain: 'example.com', selector: `s${n}`, result: 'pass', humanResult: null }],
  authSpf: [{ domain: `bounce${n}.example.com`, scope: 'mfrom', result: 'pass', humanResult: 'ok' }],
  ...overrides,
});

const trailerFor = (records: readonly AggregateRecord[]): AggregateTrailer => ({
  recordCount: records.length,
  messageCount: records.reduce((n, r) => n + r.count, 0),
  extensions: [],
  warnings: [{ code: 'value-case', severity: 'warning', message: 'The value "Pass" ...', count: 3 }],
  recordErrors: [],
});

async function provenance(store: Store, text: string, source = 'in.xml'): Promise<Provenance> {
  return { raw: await store.saveRawInput(new TextEncoder().encode(text)), source, receivedAt: new Date('2026-11-20T10:00:00Z') };
}

async function saveAggregate(store: Store, h: AggregateHeader, records: AggregateRecord[], source = 'in.xml') {
  const writer = await store.beginAggregateReport(h, await provenance(store, `${h.metadata.reportId}-${source}`, source));
  for (let i = 0; i < records.length; i += 100) await writer.addRecords(records.slice(i, i + 100));
  return writer.commit(trailerFor(records));
}

async function collect(iterable: AsyncIterable<StoredRecord>): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const failure = (overrides: Partial<FailureReport> = {}): FailureReport => ({
  kind: 'failure', format: 'arf', feedbackType: 'auth-failure', userAgent: 'Example/1.0', version: '1', authFailure: ['dmarc'],
  identityAlignment: ['none'], identityAlignmentRaw: 'none', identityAlignmentMeaning: 'unknown', spfAligned: null, dkimAligned: null,
  deliveryResult: 'reject', reportedDomain: 'example.com', sourceIp: '192.0.2.9', arrivalDate: '2026-11-20T09:00:00Z',
  dkimDomain: 'example.com', dkimSelector: 's1', dkimIdentity: null, spfDomain: 'bounce.example.com', originalMailFrom: 'a@bounce.example.com',
  originalRcptTo: ['b@example.net'], authenticationResults: ['mx.example.net; dmarc=fail header.from=example.com'], reportingMta: 'mx.example.net',
  incidents: 1, originalEnvelopeId: null, reportedUris: [], otherFields: [],
  original: { from: 'a@example.com', to: 'b@example.net', subject: 'Private subject', messageId: '<m1@example.com>', date: '2026-11-20T08:59:00Z', headers: 'From: a@example.com\nSubject: Private subject\n' },
  originalBodyIncluded: false,
  ...overrides,
});

const tls = (reportId: string): TlsReport => ({
  kind: 'tlsrpt', organizationName: 'Sender Example', dateRange: { start: '2026-11-19T00:00:00Z', end: '2026-11-19T23:59:59Z' },
  contactInfo: 'tls@sender.example', reportId,
  policies: [{ policyType: 'sts', policyStrings: ['version: STSv1'], policyDomain: 'example.com', mxHosts: ['mx.example.com'],
    successfulSessionCount: 10, failedSessionCount: 1,
    failureDetails: [{ resultType: 'certificate-expired', sendingMtaIp: '192.0.2.5', receivingMxHostname: 'mx.example.com', receivingMxHelo: null,
      receivingIp: '198.51.100.1', failedSessionCount: 1, additionalInformation: null, failureReasonCode: null }] }],
} as unknown as TlsReport);

export function runStoreContract(name: string, open: OpenStore): void {
  const withStore = (title: string, body: (store: Store) => Promise<void>): void => {
    test(`${name} store: ${title}`, async () => {
      const { store, cleanup } = await open();
      try {
        await body(store);
      } finally {
        await store.close();
        await cleanup();
      }
    });
  };

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
    const first = await store.saveFailureReport(failure(), prov, { keepFullHeaders: false });
    const again = await store.saveFailureReport(failure(), { ...prov, source: 'other.eml' }, { keepFullHeaders: false });
    assert.equal(first.status, 'new');
    assert.deepEqual(again, { status: 'duplicate', id: first.id });
    const other = await store.saveFailureReport(failure({ sourceIp: '192.0.2.10' }), prov, { keepFullHeaders: true });
    assert.equal(other.status, 'new');
    assert.equal((await store.countReports()).failure, 2);
  });

  withStore('TLS reports: stored once per (organisation, report ID)', async (store) => {
    const prov = await provenance(store, 'tls');
    assert.equal((await store.saveTlsReport(tls('t-1'), prov)).status, 'new');
    assert.equal((await store.saveTlsReport(tls('t-1'), prov)).status, 'duplicate');
    assert.equal((await store.saveTlsReport(tls('t-2'), prov)).status, 'new');
    assert.equal((await store.countReports()).tls, 2);
  });

  withStore('quarantine: kept with the reason, listed, inspected, resolved', async (store) => {
    const prov = await provenance(store, '<feedback>', 'bad.xml');
    const id = await store.quarantine({ code: 'xml-malformed', message: 'truncated' }, prov);
    const listed = await store.listQuarantine('open');
    assert.equal(listed.length, 1);
    assert.deepEqual({ ...listed[0], receivedAt: undefined }, { id, raw: prov.raw, source: 'bad.xml', code: 'xml-malformed', message: 'truncated', receivedAt: undefined, state: 'open' });
    assert.equal(listed[0]?.receivedAt.toISOString(), '2026-11-20T10:00:00.000Z');
    assert.deepEqual(await store.readRawInput(prov.raw.sha256), new TextEncoder().encode('<feedback>'));
    assert.equal(await store.quarantine({ code: 'xml-malformed', message: 'truncated' }, prov), id, 'the same refusal again is the same entry');
    assert.equal((await store.countReports()).quarantine, 1);
    await store.setQuarantineState(id, 'resolved');
    assert.deepEqual(await store.listQuarantine('open'), []);
    assert.equal((await store.getQuarantine(id))?.state, 'resolved');
    assert.equal(await store.getQuarantine(id + 1000), undefined);
  });

  withStore('the ingest log keeps entries, newest first', async (store) => {
    for (let i = 0; i < 3; i++) {
      await store.logIngest({ at: new Date(Date.UTC(2026, 10, 20, 10, i)), input: `f${i}.xml`, raw: null, newReports: i, duplicateReports: 0, rejected: 0, records: i * 10 });
    }
    const log = await store.listIngestLog(2);
    assert.deepEqual(log.map((e) => e.input), ['f2.xml', 'f1.xml']);
    assert.equal(log[0]?.records, 20);
    assert.equal(log[0]?.at.toISOString(), '2026-11-20T10:02:00.000Z');
  });

  withStore('DNS checks are kept per domain, newest first, with their whole result', async (store) => {
    for (let i = 0; i < 3; i++) {
      await store.saveDomainCheck({ domain: 'example.com', checkedAt: new Date(Date.UTC(2026, 11, 1, 9, i)), errors: i, warnings: 1, result: { run: i, findings: [{ code: 'dmarc-ok' }] } });
    }
    await store.saveDomainCheck({ domain: 'example.org', checkedAt: new Date(Date.UTC(2026, 11, 1, 10)), errors: 0, warnings: 0, result: {} });
    const checks = await store.listDomainChecks('example.com', 2);
    assert.deepEqual(checks.map((c) => c.errors), [2, 1]);
    assert.equal(checks[0]?.checkedAt.toISOString(), '2026-12-01T09:02:00.000Z');
    assert.deepEqual(checks[0]?.result, { run: 2, findings: [{ code: 'dmarc-ok' }] });
    assert.deepEqual(await store.listDomainChecks('example.net', 5), []);
  });

  withStore('large counts and many records survive (bigint counts, batches)', async (store) => {
    const records = Array.from({ length: 2_500 }, (_, i) => record(i, { count: i === 0 ? 4_000_000_000 : 1 }));
    await saveAggregate(store, header('big'), records);
    const stored = await collect(store.streamRecords({ domain: 'example.com' }));
    assert.equal(stored.length, 2_500);
    assert.equal(stored[0]?.record.count, 4_000_000_000);
  });
}
