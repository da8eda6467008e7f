import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postgresForTests } from '../../../test/helpers/postgres.js';
import { MIGRATIONS, migratePostgres } from './migrations.js';
import type { PgPool } from './pg-driver.js';
import { createPgPool } from './pg-driver.js';
import { openPostgresStore } from './postgres-store.js';

const probe = await postgresForTests();
const skip = 'skip' in probe ? probe.skip : false;
if (!('skip' in probe)) await probe.drop();

/** A fresh database and `pools` separate pools on it (as if separate processes). */
async function withPools(pools: number, body: (pools: PgPool[], url: string) => Promise<void>): Promise<void> {
  const db = await postgresForTests();
  if ('skip' in db) throw new Error(db.skip);
  const opened: PgPool[] = [];
  try {
    for (let i = 0; i < pools; i++) opened.push(await createPgPool(db.url, { max: 2 }));
    await body(opened, db.url);
  } finally {
    for (const pool of opened) await pool.end();
    await db.drop();
  }
}

async function versions(pool: PgPool): Promise<number[]> {
  const { rows } = await pool.query<{ version: number }>({ text: 'SELECT version FROM schema_migrations ORDER BY version' });
  return rows.map((row) => row.version);
}

const all = MIGRATIONS.map((m) => m.version);

test('postgres migrations: the first open applies every migration, the second applies nothing', { skip }, async () => {
  await withPools(1, async ([pool], url) => {
    assert.deepEqual(await migratePostgres(pool!), all);
    const { rows } = await pool!.query<{ applied_at: Date }>({ text: 'SELECT applied_at FROM schema_migrations' });
    assert.deepEqual(await migratePostgres(pool!), []);
    assert.deepEqual(await versions(pool!), all);
    const again = await pool!.query<{ applied_at: Date }>({ text: 'SELECT applied_at FROM schema_migrations' });
    assert.deepEqual(again.rows, rows, 'applied_at is not rewritten');
    // Through the store: opening an up-to-date database twice works and keeps its data.
    const first = await openPostgresStore(url);
    await first.saveRawInput(new Uint8Array([1]));
    await first.close();
    const second = await openPostgresStore(url);
    assert.equal((await second.countReports()).raw, 1);
    await second.close();
  });
});

test('postgres migrations: two processes opening a new database at once apply each migration once (advisory lock)', { skip }, async () => {
  await withPools(4, async (pools, url) => {
    const results = await Promise.all(pools.map((pool) => migratePostgres(pool)));
    assert.deepEqual(results.flat().sort((a, b) => a - b), all, 'every version applied by exactly one of them');
    assert.deepEqual(await versions(pools[0]!), all);
    const stores = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
    for (const store of stores) await store.close();
  });
});

test('postgres migrations: a failing migration applies nothing, not even the ones before it', { skip }, async () => {
  await withPools(1, async ([pool]) => {
    const broken = [...MIGRATIONS, { version: 99, name: 'broken', sql: 'CREATE TABLE half_done (a integer); SELECT no_such_function()' }];
    await assert.rejects(migratePostgres(pool!, broken), /no_such_function/);
    const { rows } = await pool!.query<{ raw: string | null; half: string | null; versions: string | null }>({
      text: "SELECT to_regclass('raw_inputs') AS raw, to_regclass('half_done') AS half, to_regclass('schema_migrations') AS versions",
    });
    assert.deepEqual(rows[0], { raw: null, half: null, versions: null });
  });
});

test('postgres migrations: a database from a newer dmarcpilot is refused, and the pool is closed', { skip }, async () => {
  await withPools(1, async ([pool], url) => {
    await migratePostgres(pool!);
    await pool!.query({ text: 'INSERT INTO schema_migrations (version) VALUES (1000)' });
    await assert.rejects(openPostgresStore(url), /schema version 1000, newer than this dmarcpilot knows/);
  });
});

test('postgres migrations: 5 to 10 upgrade a schema 4 database in place: the default organisation, decision history, readable failure/TLS reports, the daily rollup, raw inputs marked', { skip }, async () => {
  await withPools(1, async ([pool], url) => {
    const sql = pool!;
    assert.deepEqual(await migratePostgres(sql, MIGRATIONS.slice(0, 4)), [1, 2, 3, 4]);
    await sql.query({ text: "INSERT INTO raw_inputs (sha256, size, compressed) VALUES ('r', 1, '\\x00')" });
    const report = async (id: string, begin: number, end: number, count: number): Promise<void> => {
      const { rows } = await sql.query<{ id: string }>({
        text:
          "INSERT INTO aggregate_reports (org_name, report_id, policy_domain, begin_ts, end_ts, schema, errors_json, adkim, aspf, raw_sha256, source, received_at, record_count) " +
          "VALUES ('o', $1, 'example.com', $2, $3, 'rfc7489', '[]', 'r', 'r', 'r', 's', now(), 1) RETURNING id",
        values: [id, begin, end],
      });
      await sql.query({
        text: "INSERT INTO aggregate_records (report, source_ip, count, dkim, spf, disposition, reasons_json, auth_dkim_json, auth_spf_json) VALUES ($1, '192.0.2.1', $2, 'pass', 'fail', 'none', '[]', '[]', '[]')",
        values: [rows[0]?.id, count],
      });
    };
    await report('one-day', Date.UTC(2026, 10, 10) / 1000, Date.UTC(2026, 10, 11) / 1000 - 1, 6);
    await report('two-days', Date.UTC(2026, 10, 11) / 1000, Date.UTC(2026, 10, 13) / 1000 - 1, 5);
    await sql.query({
      text: "INSERT INTO sender_decisions (domain, sender_key, decision, note, decided_at) VALUES ('example.com', 'service:mailchimp', 'approved', 'newsletter', '2026-11-02T00:00:00Z'), ('example.com', 'net:192.0.2.0/24', 'rejected', NULL, '2026-11-01T00:00:00Z')",
    });
    const failure = "INSERT INTO failure_reports (dedupe_key, format, feedback_type, reported_domain, source_ip, arrival_date, auth_failure_json, raw_sha256, source, received_at) VALUES ($1, 'arf', 'auth-failure', 'example.com', $2, $3, '[\"dmarc\"]', 'r', 'a.eml', '2026-11-20T10:00:00.123Z')";
    await sql.query({ text: failure, values: ['k1', '192.0.2.1', '2026-11-20T09:00:00Z'] });
    await sql.query({ text: failure, values: ['k2', '192.0.2.2', null] });
    await sql.query({ text: "UPDATE failure_reports SET original_mail_from = 'first@odd\"@mail.example.com' WHERE dedupe_key = 'k1'" });
    await sql.query({ text: "UPDATE failure_reports SET original_mail_from = 'kept@example.com', headers = 'From: x' WHERE dedupe_key = 'k2'" });
    await sql.query({ text: "INSERT INTO raw_inputs (sha256, size, compressed) VALUES ('refused-ruf', 1, '\\x00'), ('junk', 1, '\\x00')" });
    await sql.query({ text: "INSERT INTO quarantine (raw_sha256, source, code, message, received_at) VALUES ('refused-ruf', 'x.eml', 'arf-invalid', 'm', now()), ('junk', 'y.eml', 'no-report-found', 'm', now())" });
    const tls = "INSERT INTO tls_reports (organization_name, report_id, begin_ts, end_ts, report_json, raw_sha256, source, received_at) VALUES ('s', $1, '2026-11-19T00:00:00Z', '2026-11-19T23:59:59Z', $2, 'r', 't.json', now())";
    const policies = (...domains: unknown[]): string => JSON.stringify({ policies: domains.map((policyDomain) => ({ policyDomain })) });
    await sql.query({ text: tls, values: ['t1', policies('example.com', 'Example.NET', 'example.com', null, '')] });
    await sql.query({ text: tls, values: ['t2', JSON.stringify({ policies: [{}, 'not an object', { policyDomain: 7 }, { policyDomain: 'mail.example.com' }] })] });
    await sql.query({ text: tls, values: ['t3', JSON.stringify({ policies: [{ policyDomain: 'nul.example', note: 'a \u0000 in the text' }] })] });

    assert.deepEqual(await migratePostgres(sql), [5, 6, 7, 8, 9, 10, 11]);
    assert.deepEqual((await sql.query({ text: 'SELECT sha256, bytes_kept, failure_data FROM raw_inputs ORDER BY sha256' })).rows, [
      { sha256: 'junk', bytes_kept: true, failure_data: false },
      { sha256: 'r', bytes_kept: true, failure_data: true },
      { sha256: 'refused-ruf', bytes_kept: true, failure_data: true },
    ], 'every input keeps its bytes; those a failure report came in, or refused as one, are marked');
    assert.deepEqual((await sql.query({ text: 'SELECT dedupe_key, original_mail_from FROM failure_reports ORDER BY id' })).rows, [
      { dedupe_key: 'k1', original_mail_from: '*@mail.example.com' },
      { dedupe_key: 'k2', original_mail_from: 'kept@example.com' },
    ], 'the local part hidden where headers were not kept');
    assert.deepEqual((await sql.query({ text: 'SELECT id::int AS id, slug, all_domains FROM organizations' })).rows, [{ id: 1, slug: 'default', all_domains: true }]);
    assert.deepEqual((await sql.query({ text: 'SELECT sender_key, decision, previous, actor FROM sender_decision_history ORDER BY id' })).rows, [
      { sender_key: 'net:192.0.2.0/24', decision: 'rejected', previous: null, actor: null },
      { sender_key: 'service:mailchimp', decision: 'approved', previous: null, actor: null },
    ]);
    const occurred = (await sql.query<{ occurred_at: Date }>({ text: 'SELECT occurred_at FROM failure_reports ORDER BY id' })).rows.map((r) => r.occurred_at.toISOString());
    assert.deepEqual(occurred, ['2026-11-20T09:00:00.000Z', '2026-11-20T10:00:00.123Z']);
    assert.deepEqual((await sql.query({ text: 'SELECT t.report_id, d.domain FROM tls_report_domains d JOIN tls_reports t ON t.id = d.report ORDER BY t.id, d.domain' })).rows, [
      { report_id: 't1', domain: 'example.com' },
      { report_id: 't1', domain: 'example.net' },
      { report_id: 't2', domain: 'mail.example.com' },
    ], 'policy domains from the JSON, lower case, each once; a report holding \\u0000 is skipped rather than failing the upgrade');

    const store = await openPostgresStore(url);
    try {
      assert.equal((await store.setSenderDecision('example.com', 'service:mailchimp', { decision: 'rejected', at: new Date('2026-11-03T00:00:00Z') })).previous, 'approved');
      assert.equal((await store.listSenderDecisionHistory('example.com', {})).items.length, 3);
      assert.deepEqual((await store.listFailureReports({ since: new Date('2026-11-20T09:30:00Z') })).items.map((f) => [f.sourceIp, f.arrivalDate, f.warnings]), [['192.0.2.2', null, []]]);
      assert.deepEqual((await store.listTlsReports({ domain: 'example.net' })).items.map((t) => t.policyDomains), [['example.com', 'example.net']]);
      const series = await store.dailySeries('example.com', { since: new Date('2026-11-01T00:00:00Z'), until: new Date('2026-12-01T00:00:00Z') });
      assert.deepEqual(series.map((d) => [d.day, d.messages, d.dkimOnly]), [['2026-11-10', 6, 6], ['2026-11-11', 3, 3], ['2026-11-12', 2, 2]]);
    } finally {
      await store.close();
    }
  });
});
