import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIGRATIONS, migrateSqlite } from './migrations.js';
import type { Migration } from './migrations.js';
import { openSqliteDatabase } from './sqlite-driver.js';
import { authComboKey } from './auth-combo-key.js';
import type { SqliteDatabase } from './sqlite-driver.js';
import { createSqliteStore } from './sqlite-store.js';

const day = (d: number): Date => new Date(Date.UTC(2026, 10, d));

async function withMemoryDb(body: (db: SqliteDatabase) => void): Promise<void> {
  const db = await openSqliteDatabase(':memory:');
  try {
    body(db);
  } finally {
    db.close();
  }
}

const versions = (db: SqliteDatabase): unknown[] => db.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all();
const tables = (db: SqliteDatabase): unknown[] =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((row) => (row as { name: string }).name);

const first: Migration = { version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER)' };
const second: Migration = { version: 2, name: 'b', sql: 'CREATE TABLE b (y INTEGER)' };

test('migrations: numbered 1, 2, 3, ... without gaps, each with SQL', () => {
  assert.deepEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
  for (const m of MIGRATIONS) assert.ok(m.sql.trim().length > 0, `migration ${m.version} has SQL`);
});

test('migrations: the schema migrations create every table', async () => {
  await withMemoryDb((db) => {
    assert.deepEqual(migrateSqlite(db, day(1)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    assert.deepEqual(tables(db), [
      'aggregate_records', 'aggregate_reports', 'api_tokens', 'audit_log', 'auth_combos', 'daily_rollup', 'daily_rollup_reports', 'domain_checks', 'domain_claims',
      'failure_reports', 'header_from_rollup', 'ingest_log', 'invitations', 'memberships', 'organization_domains', 'organizations', 'quarantine', 'raw_inputs', 'schema_migrations',
      'sender_decision_history', 'sender_decisions', 'sender_rollup', 'sender_rollup_reports', 'sessions', 'source_enrichments', 'tls_report_domains', 'tls_reports', 'users',
    ]);
  });
});

test('migrations: a second run applies nothing and leaves the version table as it was', async () => {
  await withMemoryDb((db) => {
    assert.deepEqual(migrateSqlite(db, day(1), [first]), [1]);
    assert.deepEqual(migrateSqlite(db, day(2), [first]), []);
    assert.deepEqual(versions(db), [{ version: 1, applied_at: '2026-11-01T00:00:00.000Z' }]);
  });
});

test('migrations: a new migration is applied alone on the next open, recorded with its time', async () => {
  await withMemoryDb((db) => {
    migrateSqlite(db, day(1), [first]);
    assert.deepEqual(migrateSqlite(db, day(2), [second, first]), [2]);
    assert.deepEqual(versions(db), [
      { version: 1, applied_at: '2026-11-01T00:00:00.000Z' },
      { version: 2, applied_at: '2026-11-02T00:00:00.000Z' },
    ]);
  });
});

test('migrations: a failing migration applies none of the pending ones (one transaction)', async () => {
  await withMemoryDb((db) => {
    const broken: Migration = { version: 3, name: 'broken', sql: 'CREATE TABLE c (z INTEGER); NOT SQL' };
    assert.throws(() => migrateSqlite(db, day(1), [first, second, broken]), /syntax error/);
    assert.equal(db.inTransaction, false);
    assert.deepEqual(tables(db), []);
    assert.deepEqual(migrateSqlite(db, day(2), [first, second]), [1, 2]);
  });
});

test('migrations: a database from a newer dmarcpilot is refused, not downgraded', async () => {
  await withMemoryDb((db) => {
    migrateSqlite(db, day(1), [first, second]);
    assert.throws(() => migrateSqlite(db, day(2), [first]), /schema version 2, newer than this dmarcpilot knows \(1\)/);
    assert.deepEqual(tables(db), ['a', 'b', 'schema_migrations']);
  });
});

test('migrations: 004 fills the auth combination of each record and first/last seen of records stored before it', async () => {
  await withMemoryDb((db) => {
    migrateSqlite(db, day(1), MIGRATIONS.slice(0, 3));
    db.prepare("INSERT INTO raw_inputs (sha256, size, compressed, created_at) VALUES ('r', 1, x'00', 'now')").run();
    const report = db.prepare(
      "INSERT INTO aggregate_reports (org_name, report_id, policy_domain, begin_ts, end_ts, schema, errors_json, adkim, aspf, raw_sha256, source, received_at, record_count) " +
        "VALUES ('o', ?, 'example.com', ?, ?, 'rfc7489', '[]', 'r', 'r', 'r', 's', 'now', ?)",
    );
    const record = db.prepare("INSERT INTO aggregate_records (report, source_ip, count, reasons_json, auth_dkim_json, auth_spf_json) VALUES (?, ?, 1, '[]', ?, '[]')");
    const a = Number(report.run('a', 100, 199, 1).lastInsertRowid);
    const b = Number(report.run('b', 200, 299, 2).lastInsertRowid);
    const open = Number(report.run('open', 50, 999, null).lastInsertRowid);
    record.run(a, '192.0.2.1', '[1]');
    record.run(b, '192.0.2.1', '[2]');
    record.run(b, '192.0.2.2', '[1]');
    record.run(open, '192.0.2.1', '[1]');
    assert.deepEqual(migrateSqlite(db, day(2), MIGRATIONS.slice(0, 4)), [4]);
    const rows = db.prepare('SELECT c.auth_dkim_json FROM aggregate_records r JOIN auth_combos c ON c.id = r.auth_combo ORDER BY r.id').all() as { auth_dkim_json: string }[];
    assert.deepEqual(rows.map((r) => r.auth_dkim_json), ['[1]', '[2]', '[1]', '[1]']);
    assert.deepEqual(db.prepare('SELECT source_ip, first_ts, last_ts FROM source_seen ORDER BY source_ip').all(), [
      { source_ip: '192.0.2.1', first_ts: 100, last_ts: 299 },
      { source_ip: '192.0.2.2', first_ts: 200, last_ts: 299 },
    ], 'an uncommitted report does not count');
  });
});

test('migrations: 006 keys every record by its auth combination, keeps combination ids and rollups, and drops source_seen', async () => {
  await withMemoryDb((db) => {
    migrateSqlite(db, day(1), MIGRATIONS.slice(0, 5));
    db.prepare("INSERT INTO raw_inputs (sha256, size, compressed, created_at) VALUES ('r', 1, x'00', 'now')").run();
    const report = Number(
      db.prepare(
        "INSERT INTO aggregate_reports (org_name, report_id, policy_domain, begin_ts, end_ts, schema, errors_json, adkim, aspf, raw_sha256, source, received_at, record_count) " +
          "VALUES ('o', 'a', 'example.com', 100, 199, 'rfc7489', '[]', 'r', 'r', 'r', 's', 'now', 3)",
      ).run().lastInsertRowid,
    );
    const pass = ['[{"domain":"example.com"}]', '[]', '[]'] as const;
    const fail = ['[]', '[{"domain":"example.net"}]', '[{"type":"forwarded"}]'] as const;
    const combo = db.prepare('INSERT INTO auth_combos (auth_dkim_json, auth_spf_json, reasons_json) VALUES (?, ?, ?)');
    const passId = Number(combo.run(...pass).lastInsertRowid);
    const failId = Number(combo.run(...fail).lastInsertRowid);
    const record = db.prepare(
      'INSERT INTO aggregate_records (id, report, source_ip, count, header_from, reasons_json, auth_dkim_json, auth_spf_json, extensions_json, auth_combo) ' +
        'SELECT ?, ?, ?, ?, ?, reasons_json, auth_dkim_json, auth_spf_json, ?, id FROM auth_combos WHERE id = ?',
    );
    record.run(7, report, '192.0.2.1', 5, 'example.com', null, passId);
    record.run(9, report, '192.0.2.2', 2, 'example.com', '{"x":1}', failId);
    record.run(12, report, '2001:db8::1', 1, null, null, passId);
    db.prepare('INSERT INTO sender_rollup_reports (report) VALUES (?)').run(report);

    assert.deepEqual(migrateSqlite(db, day(2), MIGRATIONS.slice(0, 6)), [6]);
    const columns = (db.prepare("SELECT name FROM pragma_table_info('aggregate_records') ORDER BY cid").all() as { name: string }[]).map((c) => c.name);
    assert.deepEqual(columns, [
      'id', 'report', 'source_ip', 'count', 'disposition', 'dkim', 'spf', 'header_from', 'envelope_from', 'envelope_to',
      'reasons_json', 'auth_dkim_json', 'auth_spf_json', 'extensions_json', 'auth_key',
    ]);
    const records = db.prepare('SELECT id, source_ip, count, header_from, extensions_json, auth_dkim_json, auth_spf_json, reasons_json, auth_key FROM aggregate_records ORDER BY id').all();
    assert.deepEqual(records, [
      { id: 7, source_ip: '192.0.2.1', count: 5, header_from: 'example.com', extensions_json: null, auth_dkim_json: pass[0], auth_spf_json: pass[1], reasons_json: pass[2], auth_key: authComboKey(...pass) },
      { id: 9, source_ip: '192.0.2.2', count: 2, header_from: 'example.com', extensions_json: '{"x":1}', auth_dkim_json: fail[0], auth_spf_json: fail[1], reasons_json: fail[2], auth_key: authComboKey(...fail) },
      { id: 12, source_ip: '2001:db8::1', count: 1, header_from: null, extensions_json: null, auth_dkim_json: pass[0], auth_spf_json: pass[1], reasons_json: pass[2], auth_key: authComboKey(...pass) },
    ]);
    assert.deepEqual(db.prepare('SELECT id, combo_key FROM auth_combos ORDER BY id').all(), [
      { id: passId, combo_key: authComboKey(...pass) },
      { id: failId, combo_key: authComboKey(...fail) },
    ], 'combination ids are kept, so rolled-up rows still name the right ones');
    assert.throws(() => db.prepare('INSERT INTO auth_combos (combo_key, auth_dkim_json, auth_spf_json, reasons_json) VALUES (?, ?, ?, ?)').run(authComboKey(...pass), ...pass), /UNIQUE/);
    assert.deepEqual(db.prepare('SELECT report FROM sender_rollup_reports').all(), [{ report }], 'the rollup bookkeeping is untouched');
    assert.deepEqual(tables(db).filter((name) => name === 'source_seen'), []);
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'aggregate_records_report'").get() as { n: number }).n, 1);
  });
});

test('migrations: a pending migration that rewrites records is announced before it runs, only when the store holds records', async () => {
  await withMemoryDb((db) => {
    const heard: string[] = [];
    const hear = (message: string): void => void heard.push(message);
    migrateSqlite(db, day(1), MIGRATIONS.slice(0, 5), hear);
    assert.deepEqual(heard, [], 'a new store: nothing to announce');
    assert.deepEqual(migrateSqlite(db, day(2), MIGRATIONS.slice(0, 6), hear), [6]);
    assert.deepEqual(heard, [], 'a store without records: nothing to announce');
  });
  await withMemoryDb((db) => {
    const heard: string[] = [];
    const hear = (message: string): void => void heard.push(message);
    migrateSqlite(db, day(1), MIGRATIONS.slice(0, 5));
    db.prepare("INSERT INTO raw_inputs (sha256, size, compressed, created_at) VALUES ('r', 1, x'00', 'now')").run();
    const report = db.prepare(
      "INSERT INTO aggregate_reports (org_name, report_id, policy_domain, begin_ts, end_ts, schema, errors_json, adkim, aspf, raw_sha256, source, received_at, record_count) " +
        "VALUES ('o', 'a', 'example.com', 100, 199, 'rfc7489', '[]', 'r', 'r', 'r', 's', 'now', 2)",
    ).run().lastInsertRowid;
    const combo = db.prepare("INSERT INTO auth_combos (auth_dkim_json, auth_spf_json, reasons_json) VALUES ('[]', '[]', '[]')").run().lastInsertRowid;
    const record = db.prepare("INSERT INTO aggregate_records (id, report, source_ip, count, reasons_json, auth_dkim_json, auth_spf_json, auth_combo) VALUES (?, ?, '192.0.2.1', 1, '[]', '[]', '[]', ?)");
    record.run(1, report, combo);
    record.run(1500, report, combo);
    assert.deepEqual(migrateSqlite(db, day(2), MIGRATIONS.slice(0, 6), hear), [6]);
    assert.equal(heard.length, 1);
    assert.match(heard[0] ?? '', /^upgrading the store from schema 5 to 6: migration 6 copies every stored aggregate record once .*, here about 1,500; in one transaction/);
    assert.deepEqual(migrateSqlite(db, day(3), MIGRATIONS.slice(0, 6), hear), []);
    assert.equal(heard.length, 1, 'once upgraded, nothing more is said');
  });
});

/** A store at schema 6 (before tenancy, decision history, readable failure/TLS reports and the daily rollup), with a little of everything in it. */
function seedSchema6(db: SqliteDatabase): void {
  migrateSqlite(db, day(1), MIGRATIONS.slice(0, 6));
  db.prepare("INSERT INTO raw_inputs (sha256, size, compressed, created_at) VALUES ('r', 1, x'00', 'now')").run();
  const report = db.prepare(
    "INSERT INTO aggregate_reports (org_name, report_id, policy_domain, begin_ts, end_ts, schema, errors_json, adkim, aspf, raw_sha256, source, received_at, record_count) " +
      "VALUES ('o', ?, 'example.com', ?, ?, 'rfc7489', '[]', 'r', 'r', 'r', 's', 'now', 1)",
  );
  const record = db.prepare("INSERT INTO aggregate_records (report, source_ip, count, dkim, spf, disposition, reasons_json, auth_dkim_json, auth_spf_json, auth_key) VALUES (?, '192.0.2.1', ?, 'pass', 'fail', 'none', '[]', '[]', '[]', x'00')");
  record.run(report.run('one-day', Date.UTC(2026, 10, 10) / 1000, Date.UTC(2026, 10, 11) / 1000 - 1).lastInsertRowid, 6);
  record.run(report.run('two-days', Date.UTC(2026, 10, 11) / 1000, Date.UTC(2026, 10, 13) / 1000 - 1).lastInsertRowid, 5);
  const decision = db.prepare('INSERT INTO sender_decisions (domain, sender_key, decision, note, decided_at) VALUES (?, ?, ?, ?, ?)');
  decision.run('example.com', 'service:mailchimp', 'approved', 'newsletter', '2026-11-02T00:00:00.000Z');
  decision.run('example.com', 'net:192.0.2.0/24', 'rejected', null, '2026-11-01T00:00:00.000Z');
  const failure = db.prepare(
    "INSERT INTO failure_reports (dedupe_key, format, feedback_type, reported_domain, source_ip, arrival_date, auth_failure_json, raw_sha256, source, received_at) " +
      "VALUES (?, 'arf', 'auth-failure', 'example.com', ?, ?, '[\"dmarc\"]', 'r', 'a.eml', '2026-11-20T10:00:00.123Z')",
  );
  failure.run('k1', '192.0.2.1', '2026-11-20T09:00:00Z');
  failure.run('k2', '192.0.2.2', null);
  failure.run('k3', '192.0.2.3', 'not a date');
  const tls = db.prepare(
    "INSERT INTO tls_reports (organization_name, report_id, begin_ts, end_ts, report_json, raw_sha256, source, received_at) VALUES ('s', ?, '2026-11-19T00:00:00Z', '2026-11-19T23:59:59Z', ?, 'r', 't.json', 'now')",
  );
  const policies = (...domains: unknown[]): string => JSON.stringify({ policies: domains.map((policyDomain) => ({ policyDomain })) });
  tls.run('t1', policies('example.com', 'Example.NET', 'example.com', null, ''));
  tls.run('t2', JSON.stringify({ policies: [{}, 'not an object', { policyDomain: 7 }, { policyDomain: 'mail.example.com' }] }));
  tls.run('t3', '{ hand-edited, not JSON');
}

test('migrations: 007 to 012 upgrade a schema 6 store in place: the default organisation, decision history, readable failure/TLS reports, the daily rollup', async () => {
  await withMemoryDb((db) => {
    seedSchema6(db);
    assert.deepEqual(migrateSqlite(db, day(2)), [7, 8, 9, 10, 11, 12, 13]);
    assert.deepEqual(db.prepare('SELECT id, slug, all_domains FROM organizations').all(), [{ id: 1, slug: 'default', all_domains: 1 }]);
    assert.match((db.prepare('SELECT created_at FROM organizations').get() as { created_at: string }).created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(db.prepare('SELECT domain, sender_key, decision, previous, note, actor, at FROM sender_decision_history ORDER BY id').all(), [
      { domain: 'example.com', sender_key: 'net:192.0.2.0/24', decision: 'rejected', previous: null, note: null, actor: null, at: '2026-11-01T00:00:00.000Z' },
      { domain: 'example.com', sender_key: 'service:mailchimp', decision: 'approved', previous: null, note: 'newsletter', actor: null, at: '2026-11-02T00:00:00.000Z' },
    ], 'each current decision seeds the history, oldest first');
    assert.deepEqual(db.prepare('SELECT actor FROM sender_decisions').all(), [{ actor: null }, { actor: null }]);
    assert.deepEqual(db.prepare('SELECT dedupe_key, occurred_at, warnings_json FROM failure_reports ORDER BY id').all(), [
      { dedupe_key: 'k1', occurred_at: '2026-11-20T09:00:00.000Z', warnings_json: null },
      { dedupe_key: 'k2', occurred_at: '2026-11-20T10:00:00.123Z', warnings_json: null },
      { dedupe_key: 'k3', occurred_at: '2026-11-20T10:00:00.123Z', warnings_json: null },
    ], 'the arrival, written as times are; else (or when unreadable) the receipt');
    assert.deepEqual(db.prepare('SELECT t.report_id, d.domain FROM tls_report_domains d JOIN tls_reports t ON t.id = d.report ORDER BY t.id, d.domain').all(), [
      { report_id: 't1', domain: 'example.com' },
      { report_id: 't1', domain: 'example.net' },
      { report_id: 't2', domain: 'mail.example.com' },
    ], 'policy domains from the JSON, lower case, each once; what is not one is skipped');
    assert.deepEqual(db.prepare('SELECT COUNT(*) AS n FROM daily_rollup').get(), { n: 0 }, 'the daily rollup is filled at query time, not by the migration');
  });
});

test('migrations: 012 keeps every raw input with its bytes and marks those holding failure-report data (a failure report, or a refused one)', async () => {
  await withMemoryDb((db) => {
    seedSchema6(db);
    migrateSqlite(db, day(2), MIGRATIONS.slice(0, 11));
    const raw = db.prepare("INSERT INTO raw_inputs (sha256, size, compressed, created_at) VALUES (?, 1, x'00', 'now')");
    raw.run('refused-ruf');
    raw.run('junk');
    const quarantine = db.prepare("INSERT INTO quarantine (raw_sha256, source, code, message, received_at) VALUES (?, 'x.eml', ?, 'm', 'now')");
    quarantine.run('refused-ruf', 'arf-invalid');
    quarantine.run('junk', 'no-report-found');
    db.prepare("UPDATE failure_reports SET original_mail_from = 'first@odd\"@mail.example.com' WHERE dedupe_key = 'k1'").run();
    db.prepare("UPDATE failure_reports SET original_mail_from = 'kept@example.com', headers = 'From: x' WHERE dedupe_key = 'k2'").run();
    assert.deepEqual(migrateSqlite(db, day(3)), [12, 13]);
    assert.deepEqual(db.prepare('SELECT dedupe_key, original_mail_from FROM failure_reports ORDER BY id').all(), [
      { dedupe_key: 'k1', original_mail_from: '*@mail.example.com' },
      { dedupe_key: 'k2', original_mail_from: 'kept@example.com' },
      { dedupe_key: 'k3', original_mail_from: null },
    ], 'the local part hidden where headers were not kept');
    assert.deepEqual(db.prepare('SELECT sha256, bytes_kept, failure_data FROM raw_inputs ORDER BY sha256').all(), [
      { sha256: 'junk', bytes_kept: 1, failure_data: 0 },
      { sha256: 'r', bytes_kept: 1, failure_data: 1 },
      { sha256: 'refused-ruf', bytes_kept: 1, failure_data: 1 },
    ]);
  });
});

test('migrations: a schema 6 store opened by this version reads what it held: decisions with history, failure and TLS reports, daily series of old reports', async () => {
  const db = await openSqliteDatabase(':memory:');
  seedSchema6(db);
  const store = createSqliteStore(db);
  try {
    assert.deepEqual((await store.listSenderDecisions('example.com')).items.map((d) => [d.key, d.actor]), [['net:192.0.2.0/24', null], ['service:mailchimp', null]]);
    const change = await store.setSenderDecision('example.com', 'service:mailchimp', { decision: 'rejected', at: day(3), actor: 'cli:alice' });
    assert.equal(change.previous, 'approved');
    assert.equal((await store.listSenderDecisionHistory('example.com', {})).items.length, 3);
    const failures = (await store.listFailureReports({ since: new Date('2026-11-20T09:30:00Z') })).items;
    assert.deepEqual(failures.map((f) => [f.sourceIp, f.arrivalDate, f.warnings]), [['192.0.2.3', 'not a date', []], ['192.0.2.2', null, []]], 'by occurred_at; an unreadable arrival date is shown as stored');
    assert.deepEqual((await store.listTlsReports({ domain: 'example.net' })).items.map((t) => t.policyDomains), [['example.com', 'example.net']]);
    assert.deepEqual((await store.listTlsReports({ domains: ['example.com'] })).items.map((t) => t.policyDomains), [['mail.example.com'], ['example.com', 'example.net']]);
    const unreadable = (await store.listTlsReports({})).items[0];
    assert.deepEqual([unreadable?.report.reportId, unreadable?.report.policies, unreadable?.policyDomains], ['t3', [], []], 'a row whose JSON is unreadable is listed from its columns');
    const series = await store.dailySeries('example.com', { since: day(1), until: day(30) });
    assert.deepEqual(series.map((d) => [d.day, d.messages, d.dkimOnly]), [['2026-11-10', 6, 6], ['2026-11-11', 3, 3], ['2026-11-12', 2, 2]]);
  } finally {
    await store.close();
  }
});
