/**
 * The PostgreSQL schema as numbered migrations, applied in order on open, each recorded in
 * `schema_migrations`. A migration, once released, is never edited: changes go in a new one.
 * Same tables and columns as the SQLite store (sqlite/migrations.ts), with PostgreSQL types:
 * ids are bigint identities, counts bigint, dates timestamptz, report periods epoch seconds
 * (bigint). JSON columns are text, not jsonb: they are written far more than queried, text keeps
 * them as given, and jsonb refuses the escape \u0000 that a hostile report can carry.
 */
import type { PgPool } from './pg-driver.js';
import { rollbackAndRelease } from './pg-driver.js';
import type { DialectTypes } from '../common-migrations.js';
import { QUARANTINE_ONCE, accountTables, dailyRollupTables, domainChecksTable, organizationTables, quarantineInputSize, rawInputRetention, reportReadColumns, senderDecisionHistory, senderTables } from '../common-migrations.js';

export interface Migration {
  /** 1, 2, 3, ... in the order they are applied. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const INITIAL_SCHEMA = `
CREATE TABLE raw_inputs (
  sha256 text PRIMARY KEY,
  size bigint NOT NULL,
  compressed bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE aggregate_reports (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_name text NOT NULL,
  report_id text NOT NULL,
  policy_domain text NOT NULL,
  begin_ts bigint NOT NULL,
  end_ts bigint NOT NULL,
  schema text NOT NULL,
  version text,
  namespace text,
  email text,
  extra_contact_info text,
  errors_json text NOT NULL,
  generator text,
  adkim text NOT NULL,
  aspf text NOT NULL,
  p text,
  sp text,
  np text,
  pct integer,
  fo text,
  testing text,
  discovery_method text,
  record_count bigint,
  message_count bigint,
  warnings_json text,
  record_errors_json text,
  extensions_json text,
  raw_sha256 text NOT NULL REFERENCES raw_inputs (sha256),
  source text NOT NULL,
  received_at timestamptz NOT NULL,
  UNIQUE (org_name, report_id, policy_domain)
);
CREATE INDEX aggregate_reports_domain_period ON aggregate_reports (policy_domain, end_ts, begin_ts);
CREATE INDEX aggregate_reports_period ON aggregate_reports (end_ts, begin_ts);

CREATE TABLE aggregate_records (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  report bigint NOT NULL REFERENCES aggregate_reports (id) ON DELETE CASCADE,
  source_ip text NOT NULL,
  count bigint NOT NULL,
  disposition text,
  dkim text,
  spf text,
  header_from text,
  envelope_from text,
  envelope_to text,
  reasons_json text NOT NULL,
  auth_dkim_json text NOT NULL,
  auth_spf_json text NOT NULL,
  extensions_json text
);
CREATE INDEX aggregate_records_report ON aggregate_records (report, id);

CREATE TABLE failure_reports (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dedupe_key text NOT NULL UNIQUE,
  format text NOT NULL,
  feedback_type text NOT NULL,
  reported_domain text,
  source_ip text,
  arrival_date timestamptz,
  auth_failure_json text NOT NULL,
  identity_alignment_json text,
  delivery_result text,
  dkim_domain text,
  dkim_selector text,
  spf_domain text,
  original_mail_from text,
  subject_sha256 text,
  message_id text,
  headers text,
  raw_sha256 text NOT NULL REFERENCES raw_inputs (sha256),
  source text NOT NULL,
  received_at timestamptz NOT NULL
);
CREATE INDEX failure_reports_domain_arrival ON failure_reports (reported_domain, arrival_date);

CREATE TABLE tls_reports (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_name text NOT NULL,
  report_id text NOT NULL,
  begin_ts text NOT NULL,
  end_ts text NOT NULL,
  report_json text NOT NULL,
  raw_sha256 text NOT NULL REFERENCES raw_inputs (sha256),
  source text NOT NULL,
  received_at timestamptz NOT NULL,
  UNIQUE (organization_name, report_id)
);

CREATE TABLE quarantine (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  raw_sha256 text NOT NULL REFERENCES raw_inputs (sha256),
  source text NOT NULL,
  code text NOT NULL,
  message text NOT NULL,
  received_at timestamptz NOT NULL,
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved', 'dismissed'))
);
CREATE INDEX quarantine_state ON quarantine (state, id);

CREATE TABLE ingest_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL,
  input text NOT NULL,
  raw_sha256 text REFERENCES raw_inputs (sha256),
  new_reports integer NOT NULL,
  duplicate_reports integer NOT NULL,
  rejected integer NOT NULL,
  records bigint NOT NULL
);
CREATE INDEX ingest_log_at ON ingest_log (at, id);
`;

/** How the shared migrations (../common-migrations.ts) are spelt in PostgreSQL. */
const TYPES: DialectTypes = {
  id: 'bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
  ref: 'bigint',
  bigint: 'bigint',
  time: 'timestamptz',
  bool: 'boolean',
  true: 'true',
  false: 'false',
  now: 'now()',
  withoutRowid: '',
};

/**
 * 007, after the shared columns: fills them for the reports stored before. A failure report's
 * occurred_at is its arrival date (timestamptz already), else its receipt. A TLS report's policy
 * domains are read from its JSON as tls-queries.ts reads them at save time (lower case,
 * non-empty). The JSON is cast to json, not jsonb (which refuses \u0000); a report whose text
 * holds that escape anywhere is skipped, since ->> would fail on it, and its domains stay
 * unqueryable (a policy domain with a NUL is no domain anyway).
 */
const REPORT_READ_BACKFILL = `
UPDATE failure_reports SET occurred_at = COALESCE(arrival_date, received_at);
INSERT INTO tls_report_domains (report, domain)
  SELECT DISTINCT id, lower(policy ->> 'policyDomain') FROM (
    SELECT t.id, json_array_elements(CASE WHEN json_typeof(t.doc -> 'policies') = 'array' THEN t.doc -> 'policies' ELSE '[]'::json END) AS policy
    FROM (SELECT id, report_json::json AS doc FROM tls_reports WHERE strpos(report_json, '\\u0000') = 0) t
  ) p
  WHERE json_typeof(policy) = 'object' AND json_typeof(policy -> 'policyDomain') = 'string' AND policy ->> 'policyDomain' <> ''
ON CONFLICT DO NOTHING;
`;

/** 009, after the shared part: the envelope sender of a failure report kept without headers, as `*@` and the domain after its last `@`. */
const HIDE_LOCAL_PARTS = `
UPDATE failure_reports SET original_mail_from = '*@' || substring(original_mail_from from '[^@]*$')
  WHERE headers IS NULL AND strpos(original_mail_from, '@') > 0;
`;

/** Every migration, oldest first. */

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', sql: INITIAL_SCHEMA },
  { version: 2, name: 'quarantine each refusal once', sql: QUARANTINE_ONCE },
  { version: 3, name: 'saved DNS checks', sql: domainChecksTable({ id: 'bigserial PRIMARY KEY', time: 'timestamptz' }) },
  { version: 4, name: 'sender enrichment cache and decisions', sql: senderTables({ time: 'timestamptz' }) },
  { version: 5, name: 'organisations and the domains they own', sql: organizationTables(TYPES) },
  { version: 6, name: 'sender decision history and actors', sql: senderDecisionHistory(TYPES) },
  { version: 7, name: 'failure and TLS reports readable: warnings, occurred_at, TLS policy domains', sql: reportReadColumns(TYPES) + REPORT_READ_BACKFILL },
  { version: 8, name: 'daily rollup filled at query time', sql: dailyRollupTables(TYPES) },
  { version: 9, name: 'quarantine entries of inputs too large to keep whole', sql: quarantineInputSize(TYPES) },
  { version: 10, name: 'raw inputs kept without their bytes; failure-report data marked for its retention', sql: rawInputRetention(TYPES) + HIDE_LOCAL_PARTS },
  { version: 11, name: 'accounts: users, memberships, sessions, API tokens, the audit log, domain claims', sql: accountTables(TYPES) },
];

/**
 * Key of the transaction-level advisory lock that serialises migrations. Advisory locks are per
 * database, so stores of different databases on one server never wait for each other.
 */
export const MIGRATION_LOCK_KEY = 0x646d_6172_6370; // "dmarcp"

const CREATE_VERSION_TABLE =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())';

/**
 * Applies the migrations the database does not have yet, all in one transaction that first takes
 * an advisory lock: a second process opening the same database at once waits, then finds them
 * applied. A failure applies none. Refuses a database written by a newer dmarcpilot. Returns the
 * versions applied (empty when up to date).
 */
export async function migratePostgres(pool: PgPool, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query({ text: 'BEGIN' });
    await client.query({ text: 'SELECT pg_advisory_xact_lock($1)', values: [MIGRATION_LOCK_KEY] });
    await client.query({ text: CREATE_VERSION_TABLE });
    const { rows } = await client.query<{ version: number | null }>({ text: 'SELECT MAX(version) AS version FROM schema_migrations' });
    const current = rows[0]?.version ?? 0;
    const newest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
    if (current > newest) {
      throw new Error(`The database is at schema version ${current}, newer than this dmarcpilot knows (${newest}); upgrade dmarcpilot.`);
    }
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (migration.version <= current) continue;
      await client.query({ text: migration.sql });
      await client.query({ text: 'INSERT INTO schema_migrations (version) VALUES ($1)', values: [migration.version] });
      applied.push(migration.version);
    }
    await client.query({ text: 'COMMIT' });
    client.release();
    return applied;
  } catch (err) {
    await rollbackAndRelease(client);
    throw err;
  }
}
