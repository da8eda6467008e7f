import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { postgresForTests } from '../../../test/helpers/postgres.js';
import type { AggregateHeader, AggregateRecord, AggregateTrailer } from '../../reports/aggregate/aggregate-report.js';
import type { FailureReport } from '../../reports/failure/failure-report.js';
import type { TlsReport } from '../../reports/tlsrpt/tls-report.js';
import { runStoreContract } from '../store-contract.js';
import type { Provenance, Store, StoredRecord } from '../store.js';
import { RECORDS_PER_INSERT } from './aggregate-writer.js';
import type { PgPool } from './pg-driver.js';
import { createPgPool } from './pg-driver.js';
import type { PostgresStoreOptions } from './postgres-store.js';
import { openPostgresStore } from './postgres-store.js';

// One probe decides whether the whole file runs; every test then gets a database of its own.
const probe = await postgresForTests();
const skip = 'skip' in probe ? probe.skip : false;
if (!('skip' in probe)) await probe.drop();

/** A fresh database for `body`, dropped afterwards whatever happens. */
async function withDatabase(body: (url: string) => Promise<void>): Promise<void> {
  const db = await postgresForTests();
  if ('skip' in db) throw new Error(db.skip);
  try {
    await body(db.url);
  } finally {
    await db.drop();
  }
}

/** `count` stores on one fresh database (as if `count` processes), plus a pool for direct SQL. */
async function withStores(count: number, body: (stores: Store[], sql: PgPool) => Promise<void>, options: PostgresStoreOptions = {}): Promise<void> {
  await withDatabase(async (url) => {
    const stores: Store[] = [];
    const sql = await createPgPool(url, { max: 1 });
    try {
      for (let i = 0; i < count; i++) stores.push(await openPostgresStore(url, options));
      await body(stores, sql);
    } finally {
      for (const store of stores) await store.close();
      await sql.end();
    }
  });
}

if (skip) {
  test('postgres store', { skip }, () => undefined);
} else {
  runStoreContract('postgres', async () => {
    const db = await postgresForTests();
    if ('skip' in db) throw new Error(db.skip);
    return { store: await openPostgresStore(db.url), cleanup: db.drop };
  });
}

const header = (reportId: string, domain = 'example.com', begin = 1700000000): AggregateHeader => ({
  kind: 'aggregate',
  schema: 'rfc7489',
  version: null,
  namespace: null,
  metadata: { orgName: 'receiver.example', email: null, extraContactInfo: 'https://receiver.example/dmarc', reportId, begin, end: begin + 86399, errors: ['e1'], generator: null },
  policy: { domain, adkim: 's', aspf: 'r', p: 'none', sp: 'reject', np: null, pct: 100, fo: null, testing: null, discoveryMethod: null },
});

const record = (n: number, count = 1): AggregateRecord => ({
  sourceIp: `198.51.100.${n % 256}`,
  count,
  disposition: n % 2 ? 'none' : null,
  dkim: null,
  spf: 'fail',
  reasons: [],
  headerFrom: null,
  envelopeFrom: null,
  envelopeTo: 'example.net',
  authDkim: [],
  authSpf: [{ domain: '', scope: 'helo', result: 'none', humanResult: null }],
});

const trailer = (records: readonly AggregateRecord[]): AggregateTrailer => ({
  recordCount: records.length,
  messageCount: records.reduce((n, r) => n + r.count, 0),
  extensions: [],
  warnings: [],
  recordErrors: [],
});

async function provenance(store: Store, text: string): Promise<Provenance> {
  return { raw: await store.saveRawInput(new TextEncoder().encode(text)), source: `${text}.xml`, receivedAt: new Date('2026-11-20T10:00:00.123Z') };
}

async function save(store: Store, h: AggregateHeader, records: AggregateRecord[]) {
  const writer = await store.beginAggregateReport(h, await provenance(store, h.metadata.reportId));
  await writer.addRecords(records);
  return writer.commit(trailer(records));
}

async function collect(iterable: AsyncIterable<StoredRecord>): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const failure = (): FailureReport => ({
  kind: 'failure', format: 'arf', feedbackType: 'auth-failure', userAgent: null, version: '1', authFailure: ['dmarc'],
  identityAlignment: null, identityAlignmentRaw: null, identityAlignmentMeaning: 'unknown', spfAligned: null, dkimAligned: null,
  deliveryResult: null, reportedDomain: 'example.com', sourceIp: '203.0.113.7', arrivalDate: '2026-11-20T09:00:00Z',
  dkimDomain: null, dkimSelector: null, dkimIdentity: null, spfDomain: null, originalMailFrom: null, originalRcptTo: [],
  authenticationResults: [], reportingMta: null, incidents: null, originalEnvelopeId: null, reportedUris: [], otherFields: [],
  original: { from: null, to: null, subject: 'Secret plans', messageId: '<m@example.com>', date: null, headers: 'Subject: Secret plans\n' },
  originalBodyIncluded: false,
});

const tls = (reportId: string): TlsReport => ({
  kind: 'tlsrpt', organizationName: 'Sender Example', dateRange: { start: '2026-11-19T00:00:00Z', end: '2026-11-19T23:59:59Z' },
  contactInfo: null, reportId, policies: [],
});

const opts = { skip };

test('postgres: concurrent saves of one aggregate report from two stores store it once (UNIQUE + ON CONFLICT)', opts, async () => {
  await withStores(2, async ([a, b]) => {
    const records = [record(1), record(2), record(3)];
    const outcomes = await Promise.all([a!, b!, a!, b!].map((store) => save(store, header('same'), records)));
    assert.deepEqual(outcomes.map((o) => o.status).sort(), ['duplicate', 'duplicate', 'duplicate', 'new']);
    assert.equal(new Set(outcomes.map((o) => o.id)).size, 1, 'every outcome names the one stored report');
    assert.deepEqual(await a!.countReports(), { aggregate: 1, records: 3, failure: 0, tls: 0, raw: 1, quarantine: 0 });
  });
});

test('postgres: a writer beginning while another holds the same report waits, then is a duplicate (or new if it aborts)', opts, async () => {
  await withStores(2, async ([a, b]) => {
    const first = await a!.beginAggregateReport(header('held'), await provenance(a!, 'held'));
    let settled = false;
    const second = b!.beginAggregateReport(header('held'), await provenance(b!, 'held')).finally(() => (settled = true));
    await first.addRecords([record(1)]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(settled, false, 'the second begin waits for the first transaction');
    await first.commit(trailer([record(1)]));
    assert.deepEqual((await second).outcome, { status: 'duplicate', id: first.outcome.id });

    const aborted = await a!.beginAggregateReport(header('dropped'), await provenance(a!, 'dropped'));
    const after = b!.beginAggregateReport(header('dropped'), await provenance(b!, 'dropped'));
    await aborted.abort();
    const writer = await after;
    assert.equal(writer.outcome.status, 'new');
    await writer.commit(trailer([]));
    assert.equal((await a!.countReports()).aggregate, 2);
  });
});

test('postgres: concurrent failure, TLS and raw saves are each stored once', opts, async () => {
  await withStores(2, async ([a, b], sql) => {
    const prov = await provenance(a!, 'concurrent');
    const stores = [a!, b!, a!, b!, a!];
    const failures = await Promise.all(stores.map((s) => s.saveFailureReport(failure(), prov, { keepFullHeaders: false }, [])));
    const tlsOutcomes = await Promise.all(stores.map((s) => s.saveTlsReport(tls('t'), prov, [])));
    const raws = await Promise.all(stores.map((s) => s.saveRawInput(new TextEncoder().encode('same bytes'))));
    for (const outcomes of [failures, tlsOutcomes]) {
      assert.equal(outcomes.filter((o) => o.status === 'new').length, 1);
      assert.equal(new Set(outcomes.map((o) => o.id)).size, 1);
    }
    assert.equal(new Set(raws.map((r) => r.sha256)).size, 1);
    assert.deepEqual(await a!.countReports(), { aggregate: 0, records: 0, failure: 1, tls: 1, raw: 2, quarantine: 0 });
    const { rows } = await sql.query<{ n: string }>({ text: 'SELECT count(*) AS n FROM raw_inputs' });
    assert.equal(rows[0]?.n, '2');
  });
});

test('postgres: failure reports keep a hash of the subject, never the subject; headers only with keepFullHeaders', opts, async () => {
  await withStores(1, async ([store], sql) => {
    const prov = await provenance(store!, 'ruf');
    await store!.saveFailureReport(failure(), prov, { keepFullHeaders: false }, []);
    await store!.saveFailureReport({ ...failure(), sourceIp: '203.0.113.8' }, prov, { keepFullHeaders: true }, []);
    const { rows } = await sql.query<{ subject_sha256: string; headers: string | null; arrival_date: Date; row: string }>({
      text: 'SELECT subject_sha256, headers, arrival_date, f::text AS row FROM failure_reports f ORDER BY id',
    });
    assert.equal(rows[0]?.subject_sha256, createHash('sha256').update('Secret plans').digest('hex'));
    assert.equal(rows[0]?.headers, null);
    assert.doesNotMatch(rows[0]?.row ?? '', /Secret plans/);
    assert.equal(rows[1]?.headers, 'Subject: Secret plans\n');
    assert.equal(rows[0]?.arrival_date.toISOString(), '2026-11-20T09:00:00.000Z');
  });
});

test('postgres: every writer gives its connection back (abort, duplicate, failed batch), even with a pool of 2', opts, async () => {
  await withStores(1, async ([store]) => {
    await save(store!, header('kept'), [record(1)]);
    for (let i = 0; i < 12; i++) {
      await (await store!.beginAggregateReport(header(`aborted-${i}`), await provenance(store!, 'x'))).abort();
      const duplicate = await store!.beginAggregateReport(header('kept'), await provenance(store!, 'y'));
      assert.equal(duplicate.outcome.status, 'duplicate');
    }
    // A count PostgreSQL refuses (not a whole number) fails the batch: the whole report is rolled back.
    const bad = Array.from({ length: RECORDS_PER_INSERT + 5 }, (_, i) => record(i, i === 3 ? 1.5 : 1));
    for (let i = 0; i < 3; i++) {
      const writer = await store!.beginAggregateReport(header('bad'), await provenance(store!, 'bad'));
      await assert.rejects(writer.addRecords(bad), /bigint/);
      await assert.rejects(writer.commit(trailer(bad)), /already committed, aborted or failed/);
      await writer.abort();
    }
    assert.deepEqual(await store!.countReports(), { aggregate: 1, records: 1, failure: 0, tls: 0, raw: 4, quarantine: 0 });
  }, { max: 2 });
});

test('postgres: streamRecords pages through reports and records in insertion order, and stopping early holds nothing', opts, async () => {
  await withStores(1, async ([store]) => {
    const sizes = [0, 1, 5, 7, 2, 3, 4];
    const expected: { reportId: string; record: AggregateRecord }[] = [];
    for (const [i, size] of sizes.entries()) {
      const records = Array.from({ length: size }, (_, n) => record(i * 10 + n, n + 1));
      await save(store!, header(`p${i}`, i % 2 ? 'example.org' : 'example.com', 1700000000 + i * 86400), records);
      for (const r of records) expected.push({ reportId: `p${i}`, record: r });
    }
    const all = await collect(store!.streamRecords({}));
    assert.deepEqual(all.map((s) => ({ reportId: s.header.metadata.reportId, record: s.record })), expected);
    assert.deepEqual(all[0]?.header, header('p1', 'example.org', 1700086400));
    // since/until in milliseconds not on a second boundary: ends at or after, begins before.
    const since = new Date((1700000000 + 3 * 86400 + 86399) * 1000 + 1);
    const until = new Date((1700000000 + 5 * 86400) * 1000 + 1);
    const window = await collect(store!.streamRecords({ since, until }));
    assert.deepEqual([...new Set(window.map((s) => s.header.metadata.reportId))], ['p4', 'p5']);
    let seen = 0;
    for await (const _ of store!.streamRecords({ domain: 'example.org' })) if (++seen === 4) break;
    assert.equal(seen, 4);
  }, { pageSizes: { reports: 2, records: 3 }, max: 1 });
});

test('postgres: large counts, dates and the quarantine raw size come back exactly', opts, async () => {
  await withStores(1, async ([store]) => {
    const big = [record(1, 2 ** 53 - 1), record(2, 4_000_000_000)];
    await save(store!, header('big'), big);
    assert.deepEqual((await collect(store!.streamRecords({}))).map((s) => s.record.count), [2 ** 53 - 1, 4_000_000_000]);
    const prov = await provenance(store!, 'quarantined');
    const id = await store!.quarantine({ code: 'xml-malformed', message: 'bad' }, prov);
    const entry = await store!.getQuarantine(id);
    assert.deepEqual(entry?.raw, prov.raw);
    assert.equal(entry?.receivedAt.toISOString(), '2026-11-20T10:00:00.123Z');
    await store!.logIngest({ at: new Date('2026-11-20T10:00:00.456Z'), input: 'a', raw: prov.raw, newReports: 1, duplicateReports: 2, rejected: 3, records: 5_000_000_000 });
    assert.deepEqual((await store!.listIngestLog({ limit: 5 })).items, [
      { at: new Date('2026-11-20T10:00:00.456Z'), input: 'a', raw: prov.raw, newReports: 1, duplicateReports: 2, rejected: 3, records: 5_000_000_000 },
    ]);
  });
});

test('postgres: readRawInput returns a plain Uint8Array; close is idempotent', opts, async () => {
  await withStores(1, async ([store]) => {
    const ref = await store!.saveRawInput(new Uint8Array([1, 2, 3]));
    const bytes = await store!.readRawInput(ref.sha256);
    assert.equal(Object.getPrototypeOf(bytes), Uint8Array.prototype);
    assert.deepEqual(bytes, new Uint8Array([1, 2, 3]));
    await store!.close();
    await store!.close();
  });
});

test('postgres: stores asking for the daily series at once after ingest add each report once (advisory lock, claimed marks)', opts, async () => {
  await withStores(4, async (stores, sql) => {
    const [first] = stores;
    let total = 0;
    for (let n = 0; n < 30; n++) {
      const records = Array.from({ length: 50 }, (_, i) => record(i + n, ((i + n) % 7) + 1));
      total += records.reduce((sum, r) => sum + r.count, 0);
      // Reports of one day and of three, alternately.
      const h = header(`d${n}`, 'example.com', 1700006400 + n * 86400);
      await save(first!, n % 2 ? { ...h, metadata: { ...h.metadata, end: h.metadata.begin + 3 * 86400 - 1 } } : h, records);
    }
    const window = { since: new Date(0), until: new Date(4e12) };
    const series = await Promise.all([...stores, ...stores].map((store) => store.dailySeries('example.com', window)));
    for (const days of series) assert.equal(days.reduce((n, d) => n + d.messages, 0), total);
    assert.deepEqual(series[7], series[0]);
    const { rows } = await sql.query<{ messages: string; marked: string }>({
      text: 'SELECT (SELECT SUM(messages) FROM daily_rollup) AS messages, (SELECT count(*) FROM daily_rollup_reports) AS marked',
    });
    assert.deepEqual(rows[0], { messages: String(total), marked: '30' });
  }, { max: 3 });
});
