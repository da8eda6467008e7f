/**
 * The SQLite schema as numbered migrations, applied in order on open, each recorded in
 * `schema_migrations`. A migration, once released, is never edited: changes go in a new one.
 * The PostgreSQL store keeps the same tables and columns with its own column types.
 *
 * Dates are ISO 8601 UTC text (`toISOString()`), which sorts as time; report periods are epoch
 * seconds (INTEGER is 64-bit in SQLite, so counts above 2^31 are safe).
 */
import type { SqliteDatabase } from './sqlite-driver.js';
import type { DialectTypes } from '../common-migrations.js';
import { QUARANTINE_ONCE, accountTables, dailyRollupTables, domainChecksTable, organizationTables, quarantineInputSize, rawInputRetention, reportReadColumns, senderDecisionHistory, senderTables } from '../common-migrations.js';
import { AUTH_COMBO_KEY_FUNCTION, registerAuthComboKey } from './auth-combo-key.js';

export interface Migration {
  /** 1, 2, 3, ... in the order they are applied. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** What the migration copies, when it rewrites stored reports: said before it runs on a store that holds some. */
  readonly rewrites?: string;
}

const INITIAL_SCHEMA = `
CREATE TABLE raw_inputs (
  sha256 TEXT PRIMARY KEY NOT NULL,
  size INTEGER NOT NULL,
  compressed BLOB NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE aggregate_reports (
  id INTEGER PRIMARY KEY,
  org_name TEXT NOT NULL,
  report_id TEXT NOT NULL,
  policy_domain TEXT NOT NULL,
  begin_ts INTEGER NOT NULL,
  end_ts INTEGER NOT NULL,
  schema TEXT NOT NULL,
  version TEXT,
  namespace TEXT,
  email TEXT,
  extra_contact_info TEXT,
  errors_json TEXT NOT NULL,
  generator TEXT,
  adkim TEXT NOT NULL,
  aspf TEXT NOT NULL,
  p TEXT,
  sp TEXT,
  np TEXT,
  pct INTEGER,
  fo TEXT,
  testing TEXT,
  discovery_method TEXT,
  record_count INTEGER,
  message_count INTEGER,
  warnings_json TEXT,
  record_errors_json TEXT,
  extensions_json TEXT,
  raw_sha256 TEXT NOT NULL REFERENCES raw_inputs (sha256),
  source TEXT NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (org_name, report_id, policy_domain)
);
-- streamRecords pages by (policy_domain = ? AND id > ?): this index is (policy_domain, rowid).
CREATE INDEX aggregate_reports_domain ON aggregate_reports (policy_domain);
CREATE INDEX aggregate_reports_period ON aggregate_reports (end_ts, begin_ts);

CREATE TABLE aggregate_records (
  id INTEGER PRIMARY KEY,
  report INTEGER NOT NULL REFERENCES aggregate_reports (id) ON DELETE CASCADE,
  source_ip TEXT NOT NULL,
  count INTEGER NOT NULL,
  disposition TEXT,
  dkim TEXT,
  spf TEXT,
  header_from TEXT,
  envelope_from TEXT,
  envelope_to TEXT,
  reasons_json TEXT NOT NULL,
  auth_dkim_json TEXT NOT NULL,
  auth_spf_json TEXT NOT NULL,
  extensions_json TEXT
);
CREATE INDEX aggregate_records_report ON aggregate_records (report);

CREATE TABLE failure_reports (
  id INTEGER PRIMARY KEY,
  dedupe_key TEXT NOT NULL UNIQUE,
  format TEXT NOT NULL,
  feedback_type TEXT NOT NULL,
  reported_domain TEXT,
  source_ip TEXT,
  arrival_date TEXT,
  auth_failure_json TEXT NOT NULL,
  identity_alignment_json TEXT,
  delivery_result TEXT,
  dkim_domain TEXT,
  dkim_selector TEXT,
  spf_domain TEXT,
  original_mail_from TEXT,
  subject_sha256 TEXT,
  message_id TEXT,
  headers TEXT,
  raw_sha256 TEXT NOT NULL REFERENCES raw_inputs (sha256),
  source TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE INDEX failure_reports_domain_arrival ON failure_reports (reported_domain, arrival_date);

CREATE TABLE tls_reports (
  id INTEGER PRIMARY KEY,
  organization_name TEXT NOT NULL,
  report_id TEXT NOT NULL,
  begin_ts TEXT NOT NULL,
  end_ts TEXT NOT NULL,
  report_json TEXT NOT NULL,
  raw_sha256 TEXT NOT NULL REFERENCES raw_inputs (sha256),
  source TEXT NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (organization_name, report_id)
);

CREATE TABLE quarantine (
  id INTEGER PRIMARY KEY,
  raw_sha256 TEXT NOT NULL REFERENCES raw_inputs (sha256),
  source TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  received_at TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved', 'dismissed'))
);
CREATE INDEX quarantine_state ON quarantine (state, id);

CREATE TABLE ingest_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  input TEXT NOT NULL,
  raw_sha256 TEXT REFERENCES raw_inputs (sha256),
  new_reports INTEGER NOT NULL,
  duplicate_reports INTEGER NOT NULL,
  rejected INTEGER NOT NULL,
  records INTEGER NOT NULL
);
CREATE INDEX ingest_log_at ON ingest_log (at, id);
`;

/**
 * 004, SQLite only (on top of the shared sender tables): what makes `sourceStats` cheaper. SQLite
 * sorts for GROUP BY, and the sort is most of the query: each record gets the id of its distinct
 * (auth_dkim_json, auth_spf_json, reasons_json) combination, so the sort carries an integer
 * instead of three JSON texts. `source_seen` keeps each source's first and last report per domain,
 * updated by the writer at commit, so first/last seen over all history costs no scan. Existing
 * records are filled in here. (A covering index in grouping order made the query 2-4x faster but
 * ingest 3.5x slower, so it is not created: docs/benchmarks.md.)
 */
const SENDER_INDEX = `
CREATE TABLE auth_combos (
  id INTEGER PRIMARY KEY,
  auth_dkim_json TEXT NOT NULL,
  auth_spf_json TEXT NOT NULL,
  reasons_json TEXT NOT NULL,
  UNIQUE (auth_dkim_json, auth_spf_json, reasons_json)
);
ALTER TABLE aggregate_records ADD COLUMN auth_combo INTEGER;
INSERT OR IGNORE INTO auth_combos (auth_dkim_json, auth_spf_json, reasons_json)
  SELECT DISTINCT auth_dkim_json, auth_spf_json, reasons_json FROM aggregate_records;
UPDATE aggregate_records SET auth_combo = (SELECT c.id FROM auth_combos c WHERE c.auth_dkim_json = aggregate_records.auth_dkim_json
  AND c.auth_spf_json = aggregate_records.auth_spf_json AND c.reasons_json = aggregate_records.reasons_json);
CREATE TABLE source_seen (
  policy_domain TEXT NOT NULL,
  source_ip TEXT NOT NULL,
  first_ts INTEGER NOT NULL,
  last_ts INTEGER NOT NULL,
  PRIMARY KEY (policy_domain, source_ip)
) WITHOUT ROWID;
INSERT INTO source_seen (policy_domain, source_ip, first_ts, last_ts)
  SELECT p.policy_domain, r.source_ip, MIN(p.begin_ts), MAX(p.end_ts)
  FROM aggregate_records r JOIN aggregate_reports p ON p.id = r.report
  WHERE p.record_count IS NOT NULL GROUP BY p.policy_domain, r.source_ip;
`;

/**
 * 005, SQLite only: the sender rollups behind `sourceStats` and `reportingStats`, filled lazily by
 * the first query after ingest (sender-rollup.ts), so the writer stays append-only. Grouping a
 * million records costs SQLite a sort of all of them on every query; the rollup keeps the same
 * groups already summed per report period, in primary-key order, so a query reads them in
 * grouping order without a sort. Counting per period (begin_ts, end_ts), not per day, keeps the
 * window rule exact: a record counts when its report's period overlaps the window. Reports of
 * many receivers over the same UTC day share a period, which is where the rows collapse.
 * `sender_rollup_reports` names each report already added, so no report is counted twice; the
 * empty text stands for NULL in the key columns (WITHOUT ROWID keys are NOT NULL).
 */
const SENDER_ROLLUP = `
CREATE TABLE sender_rollup (
  policy_domain TEXT NOT NULL,
  source_ip TEXT NOT NULL,
  auth_combo INTEGER NOT NULL,
  dkim TEXT NOT NULL,
  spf TEXT NOT NULL,
  disposition TEXT NOT NULL,
  begin_ts INTEGER NOT NULL,
  end_ts INTEGER NOT NULL,
  messages INTEGER NOT NULL,
  PRIMARY KEY (policy_domain, source_ip, auth_combo, dkim, spf, disposition, begin_ts, end_ts)
) WITHOUT ROWID;
CREATE TABLE header_from_rollup (
  report INTEGER NOT NULL REFERENCES aggregate_reports (id) ON DELETE CASCADE,
  header_from TEXT NOT NULL,
  dmarc_pass INTEGER NOT NULL,
  messages INTEGER NOT NULL,
  PRIMARY KEY (report, header_from, dmarc_pass)
) WITHOUT ROWID;
CREATE TABLE sender_rollup_reports (
  report INTEGER PRIMARY KEY REFERENCES aggregate_reports (id) ON DELETE CASCADE
);
`;

/**
 * 006, SQLite only: ingest resolves no auth combination per record any more. Each record keeps
 * the 16-byte key of its combination (auth-combo-key.ts) instead of its id, and the sender rollup
 * adds the combinations it meets to auth_combos (now unique on the key) when it rolls the record's
 * report up. Resolving ids at ingest (a cache lookup, then an insert into an index over the three
 * texts, a random write each, for every new combination) and keeping source_seen up to date at
 * each commit (random writes again) held the SQLite back-fill near 30,000 records/s against a
 * goal of 50,000 (docs/benchmarks.md). First and last seen now come from the rollup, whose rows
 * carry their report periods. Combination ids are kept, so rows already rolled up stay valid. On
 * a large existing database this copies every record once, inside the migration's transaction.
 */
const AUTH_KEYS_AT_INGEST = `
CREATE TABLE auth_combos_keyed (
  id INTEGER PRIMARY KEY,
  combo_key BLOB NOT NULL UNIQUE,
  auth_dkim_json TEXT NOT NULL,
  auth_spf_json TEXT NOT NULL,
  reasons_json TEXT NOT NULL
);
INSERT INTO auth_combos_keyed (id, combo_key, auth_dkim_json, auth_spf_json, reasons_json)
  SELECT id, ${AUTH_COMBO_KEY_FUNCTION}(auth_dkim_json, auth_spf_json, reasons_json), auth_dkim_json, auth_spf_json, reasons_json
  FROM auth_combos ORDER BY id;
DROP TABLE auth_combos;
ALTER TABLE auth_combos_keyed RENAME TO auth_combos;
CREATE TABLE aggregate_records_keyed (
  id INTEGER PRIMARY KEY,
  report INTEGER NOT NULL REFERENCES aggregate_reports (id) ON DELETE CASCADE,
  source_ip TEXT NOT NULL,
  count INTEGER NOT NULL,
  disposition TEXT,
  dkim TEXT,
  spf TEXT,
  header_from TEXT,
  envelope_from TEXT,
  envelope_to TEXT,
  reasons_json TEXT NOT NULL,
  auth_dkim_json TEXT NOT NULL,
  auth_spf_json TEXT NOT NULL,
  extensions_json TEXT,
  auth_key BLOB NOT NULL
);
INSERT INTO aggregate_records_keyed (id, report, source_ip, count, disposition, dkim, spf, header_from, envelope_from, envelope_to,
    reasons_json, auth_dkim_json, auth_spf_json, extensions_json, auth_key)
  SELECT id, report, source_ip, count, disposition, dkim, spf, header_from, envelope_from, envelope_to,
    reasons_json, auth_dkim_json, auth_spf_json, extensions_json, ${AUTH_COMBO_KEY_FUNCTION}(auth_dkim_json, auth_spf_json, reasons_json)
  FROM aggregate_records ORDER BY id;
DROP TABLE aggregate_records;
ALTER TABLE aggregate_records_keyed RENAME TO aggregate_records;
CREATE INDEX aggregate_records_report ON aggregate_records (report);
DROP TABLE source_seen;
`;

/** How the shared migrations (../common-migrations.ts) are spelt in SQLite. */
const TYPES: DialectTypes = {
  id: 'INTEGER PRIMARY KEY',
  ref: 'INTEGER',
  bigint: 'INTEGER',
  time: 'TEXT',
  bool: 'INTEGER',
  true: '1',
  false: '0',
  now: "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
  withoutRowid: ' WITHOUT ROWID',
};

/**
 * 009, after the shared columns: fills them for the reports stored before. A failure report's
 * occurred_at is its arrival date written as toISOString() writes times (strftime gives NULL for
 * one it cannot read), else its receipt. A TLS report's policy domains are read from its JSON
 * (kept as sent to JSON.stringify, so valid; the CASE guards against a hand-edited row), as
 * tls-queries.ts reads them at save time: lower case, non-empty, without NUL.
 */
const REPORT_READ_BACKFILL = `
UPDATE failure_reports SET occurred_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', arrival_date), received_at);
INSERT OR IGNORE INTO tls_report_domains (report, domain)
  SELECT id, lower(domain) FROM (
    SELECT t.id AS id, CASE WHEN p.type = 'object' THEN json_extract(p.value, '$.policyDomain') END AS domain
    FROM tls_reports t, json_each(CASE WHEN json_valid(t.report_json) THEN t.report_json ELSE '{}' END, '$.policies') p
  ) WHERE typeof(domain) = 'text' AND domain <> '' AND instr(domain, char(0)) = 0;
`;

/** 011, after the shared part: the envelope sender of a failure report kept without headers, as `*@` and the domain after its last `@`. */
const HIDE_LOCAL_PARTS = `
UPDATE failure_reports SET original_mail_from = '*@' || replace(original_mail_from, rtrim(original_mail_from, replace(original_mail_from, '@', '')), '')
  WHERE headers IS NULL AND instr(original_mail_from, '@') > 0;
`;

/** Every migration, oldest first. */

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', sql: INITIAL_SCHEMA },
  { version: 2, name: 'quarantine each refusal once', sql: QUARANTINE_ONCE },
  { version: 3, name: 'saved DNS checks', sql: domainChecksTable({ id: 'INTEGER PRIMARY KEY', time: 'TEXT' }) },
  { version: 4, name: 'sender enrichment cache, decisions, auth combinations and first/last seen', sql: senderTables({ time: 'TEXT' }) + SENDER_INDEX },
  { version: 5, name: 'sender rollups filled at query time', sql: SENDER_ROLLUP },
  {
    version: 6,
    name: 'auth combination keys written at ingest, combinations and first/last seen from the rollup',
    sql: AUTH_KEYS_AT_INGEST,
    rewrites: 'copies every stored aggregate record once (about 15 s per million records on 2 cores)',
  },
  { version: 7, name: 'organisations and the domains they own', sql: organizationTables(TYPES) },
  { version: 8, name: 'sender decision history and actors', sql: senderDecisionHistory(TYPES) },
  { version: 9, name: 'failure and TLS reports readable: warnings, occurred_at, TLS policy domains', sql: reportReadColumns(TYPES) + REPORT_READ_BACKFILL },
  { version: 10, name: 'daily rollup filled at query time', sql: dailyRollupTables(TYPES) },
  { version: 11, name: 'quarantine entries of inputs too large to keep whole', sql: quarantineInputSize(TYPES) },
  { version: 12, name: 'raw inputs kept without their bytes; failure-report data marked for its retention', sql: rawInputRetention(TYPES) + HIDE_LOCAL_PARTS },
  { version: 13, name: 'accounts: users, memberships, sessions, API tokens, the audit log, domain claims', sql: accountTables(TYPES) },
];

const CREATE_VERSION_TABLE = 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL)';

/**
 * Applies the migrations the database does not have yet, all in one IMMEDIATE transaction (two
 * processes opening a new file at once cannot both apply them; a failure applies none). Refuses a
 * database written by a newer dmarcpilot. Returns the versions applied (empty when up to date).
 * `notice` hears, before they run, of pending migrations that rewrite the records a store holds
 * (they can take minutes on a large store, and an interrupted one is simply run again).
 */
export function migrateSqlite(db: SqliteDatabase, now: Date, migrations: readonly Migration[] = MIGRATIONS, notice?: (message: string) => void): number[] {
  registerAuthComboKey(db);
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(CREATE_VERSION_TABLE);
    const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null };
    const current = row.version ?? 0;
    const newest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
    if (current > newest) {
      throw new Error(`The database is at schema version ${current}, newer than this dmarcpilot knows (${newest}); upgrade dmarcpilot.`);
    }
    const pending = [...migrations].filter((m) => m.version > current).sort((a, b) => a.version - b.version);
    const slow = pending.filter((m) => m.rewrites !== undefined);
    const records = notice && slow.length > 0 ? storedRecords(db) : 0;
    if (notice && records > 0) {
      notice(
        `upgrading the store from schema ${current} to ${newest}: ${slow.map((m) => `migration ${m.version} ${m.rewrites}`).join('; ')}, ` +
          `here about ${records.toLocaleString('en-GB')}; in one transaction, so if it is interrupted nothing changes and the next start does it again`,
      );
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)');
    const applied: number[] = [];
    for (const migration of pending) {
      db.exec(migration.sql);
      record.run(migration.version, now.toISOString());
      applied.push(migration.version);
    }
    db.exec('COMMIT');
    return applied;
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

/**
 * For a store opened read-only, which cannot be migrated: throws unless its schema is the one this
 * dmarcpilot writes (an older one must first be opened once with write access, which upgrades it).
 */
export function checkSqliteSchema(db: SqliteDatabase, migrations: readonly Migration[] = MIGRATIONS): void {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (table === undefined) throw new Error('the file is not a dmarcpilot store (it has no schema_migrations table), and it is read-only, so it cannot become one');
  const current = (db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null }).version ?? 0;
  const newest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  if (current > newest) throw new Error(`The database is at schema version ${current}, newer than this dmarcpilot knows (${newest}); upgrade dmarcpilot.`);
  if (current < newest) {
    throw new Error(`the store is at schema version ${current} and this dmarcpilot reads ${newest}; it is read-only, so it cannot be upgraded here: open it once with write access (any command, e.g. db status, as a user who may write it)`);
  }
}

/** About how many aggregate records the store holds (the largest id: no scan), 0 before they have a table. */
function storedRecords(db: SqliteDatabase): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'aggregate_records'").get();
  if (table === undefined) return 0;
  return (db.prepare('SELECT MAX(id) AS n FROM aggregate_records').get() as { n: number | null }).n ?? 0;
}
