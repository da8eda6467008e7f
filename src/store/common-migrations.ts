/** Migration SQL that is the same in every dialect; each store lists it under its own number. */

/** 003: saved DNS posture checks (dates as each dialect stores them, so only the shape is shared). */
export function domainChecksTable(types: { id: string; time: string }): string {
  return `
CREATE TABLE domain_checks (
  id ${types.id},
  domain TEXT NOT NULL,
  checked_at ${types.time} NOT NULL,
  errors INTEGER NOT NULL,
  warnings INTEGER NOT NULL,
  result_json TEXT NOT NULL
);
CREATE INDEX domain_checks_domain ON domain_checks (domain, checked_at);
`;
}

/** 002: a refused input is quarantined once per (raw input, path into it, code), so ingesting it again changes nothing. */
/**
 * Quarantine entries of inputs too large to keep: `input_size` is the whole input's size when
 * the raw input kept is only its first bytes (NULL: the raw input is all of it).
 */
export function quarantineInputSize(types: { bigint: string }): string {
  return `ALTER TABLE quarantine ADD COLUMN input_size ${types.bigint};`;
}

export const QUARANTINE_ONCE = `
DELETE FROM quarantine WHERE id NOT IN (SELECT MIN(id) FROM quarantine GROUP BY raw_sha256, source, code);
CREATE UNIQUE INDEX quarantine_once ON quarantine (raw_sha256, source, code);
`;

/**
 * 004: sender intelligence. `source_enrichments` caches what DNS said about a source IP (one JSON
 * document per IP, replaced on refresh; resolved_at as ISO text in both dialects, so expiry is
 * compared as the analysis sees it). `sender_decisions` keeps the owner's approve/reject per
 * (policy domain, sender key).
 */
export function senderTables(types: { time: string }): string {
  return `
CREATE TABLE source_enrichments (
  ip TEXT PRIMARY KEY NOT NULL,
  enrichment_json TEXT NOT NULL,
  resolved_at TEXT NOT NULL
);
CREATE TABLE sender_decisions (
  domain TEXT NOT NULL,
  sender_key TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
  note TEXT,
  decided_at ${types.time} NOT NULL,
  PRIMARY KEY (domain, sender_key)
);
`;
}

/** The column types a shared migration is written with, as each dialect spells them. */
export interface DialectTypes {
  /** An id column that numbers itself (`INTEGER PRIMARY KEY`, `bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`). */
  readonly id: string;
  /** A column naming another table's id (`INTEGER`, `bigint`). */
  readonly ref: string;
  /** A count that may pass 2^31 (`INTEGER` is 64-bit in SQLite; `bigint`). */
  readonly bigint: string;
  /** A time (`TEXT`: ISO 8601 UTC; `timestamptz`). */
  readonly time: string;
  /** A boolean (`INTEGER` 0/1, `boolean`) and its values (`1`, `true`; `0`, `false`). */
  readonly bool: string;
  readonly true: string;
  readonly false: string;
  /** The current time as a column value (SQLite: ISO text as toISOString() writes it). */
  readonly now: string;
  /** After CREATE TABLE of a table keyed by its primary key alone: ` WITHOUT ROWID` in SQLite. */
  readonly withoutRowid: string;
}

/**
 * SQLite 007 / PostgreSQL 005: tenancy. Organisations, and the domains each owns (a domain has at
 * most one owner: the primary key). Row 1 is the default organisation, which sees every domain
 * (all_domains) and owns none; it is what there is until accounts exist. It is inserted without an
 * explicit id into the new, empty table, so it gets id 1 in both dialects and the identity goes on
 * from there.
 */
export function organizationTables(t: DialectTypes): string {
  return `
CREATE TABLE organizations (
  id ${t.id},
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  all_domains ${t.bool} NOT NULL,
  created_at ${t.time} NOT NULL
);
INSERT INTO organizations (slug, name, all_domains, created_at) VALUES ('default', 'Default organisation', ${t.true}, ${t.now});
CREATE TABLE organization_domains (
  domain TEXT PRIMARY KEY NOT NULL,
  organization_id ${t.ref} NOT NULL REFERENCES organizations (id)
);
CREATE INDEX organization_domains_organization ON organization_domains (organization_id, domain);
`;
}

/**
 * SQLite 008 / PostgreSQL 006: sender decisions keep their history. Each change (what it
 * became, null for a removal; what it was; note, actor, time) is appended to
 * sender_decision_history in the transaction that changes sender_decisions. The decisions there
 * are now seed the history, one change each from "no decision" as far as anyone knows (previous
 * null) at the time it was made, with no actor (who decided was not recorded before).
 */
export function senderDecisionHistory(t: DialectTypes): string {
  return `
ALTER TABLE sender_decisions ADD COLUMN actor TEXT;
CREATE TABLE sender_decision_history (
  id ${t.id},
  domain TEXT NOT NULL,
  sender_key TEXT NOT NULL,
  decision TEXT CHECK (decision IN ('approved', 'rejected')),
  previous TEXT CHECK (previous IN ('approved', 'rejected')),
  note TEXT,
  actor TEXT,
  at ${t.time} NOT NULL
);
INSERT INTO sender_decision_history (domain, sender_key, decision, previous, note, actor, at)
  SELECT domain, sender_key, decision, NULL, note, NULL, decided_at FROM sender_decisions ORDER BY decided_at, domain, sender_key;
CREATE INDEX sender_decision_history_domain ON sender_decision_history (domain, id);
CREATE INDEX sender_decision_history_key ON sender_decision_history (domain, sender_key, id);
`;
}

/**
 * SQLite 009 / PostgreSQL 007, the shared part: failure and TLS reports become readable. Both
 * keep the warnings their parse gave (null for reports stored before). A failure report gets
 * `occurred_at`, the time lists filter on (arrival, else receipt), and an index for "a domain's
 * reports, newest first". A TLS report's policy domains go to tls_report_domains, so lists can
 * filter on them in SQL. Each dialect then fills the new columns and table for the reports it
 * holds (it needs its own date and JSON functions for that).
 */
export function reportReadColumns(t: DialectTypes): string {
  return `
ALTER TABLE failure_reports ADD COLUMN warnings_json TEXT;
ALTER TABLE failure_reports ADD COLUMN occurred_at ${t.time};
CREATE INDEX failure_reports_domain_id ON failure_reports (reported_domain, id);
ALTER TABLE tls_reports ADD COLUMN warnings_json TEXT;
CREATE TABLE tls_report_domains (
  report ${t.ref} NOT NULL REFERENCES tls_reports (id) ON DELETE CASCADE,
  domain TEXT NOT NULL,
  PRIMARY KEY (report, domain)
)${t.withoutRowid};
CREATE INDEX tls_report_domains_domain ON tls_report_domains (domain, report);
`;
}

/**
 * SQLite 010 / PostgreSQL 008: the daily rollup behind dailySeries, filled lazily by the first
 * query for a domain after ingest (sqlite/daily-rollup.ts, postgres/daily-rollup.ts), so ingest
 * does no work for it. Messages per (policy domain, UTC day, evaluated DKIM pass, evaluated SPF
 * pass, disposition), a report covering several days spread over them as core/spread-over-days.ts
 * spreads it. `day` is the epoch second of the day's 00:00 UTC; `disposition` is `unknown` for a
 * record without one. daily_rollup_reports names each report already added, so none is counted
 * twice. Stores upgraded with reports in them need no back-fill: the first query adds them all.
 */
export function dailyRollupTables(t: DialectTypes): string {
  return `
CREATE TABLE daily_rollup (
  policy_domain TEXT NOT NULL,
  day ${t.bigint} NOT NULL,
  dkim_pass INTEGER NOT NULL,
  spf_pass INTEGER NOT NULL,
  disposition TEXT NOT NULL,
  messages ${t.bigint} NOT NULL,
  PRIMARY KEY (policy_domain, day, dkim_pass, spf_pass, disposition)
)${t.withoutRowid};
CREATE TABLE daily_rollup_reports (
  report ${t.ref} PRIMARY KEY REFERENCES aggregate_reports (id) ON DELETE CASCADE
);
`;
}

/**
 * SQLite 011 / PostgreSQL 009: raw inputs may be kept without their bytes, and failure-report data
 * has a retention (queries/raw-input-queries.ts, queries/retention-queries.ts). `bytes_kept` false:
 * only the hash and size are kept (`compressed` is then empty); the inputs a failure report came
 * in, and those of refused failure reports (`arf-invalid`), are marked `failure_data`. The indexes
 * let a purge or the retention find what still refers to an input, and the failure-report data
 * by age, without scanning. Each dialect then hides the local part of the envelope senders kept
 * without headers (failure-rows.ts), as they are now stored.
 */
export function rawInputRetention(t: DialectTypes): string {
  return `
ALTER TABLE raw_inputs ADD COLUMN bytes_kept ${t.bool} NOT NULL DEFAULT ${t.true};
ALTER TABLE raw_inputs ADD COLUMN failure_data ${t.bool} NOT NULL DEFAULT ${t.false};
UPDATE raw_inputs SET failure_data = ${t.true}
  WHERE sha256 IN (SELECT raw_sha256 FROM failure_reports) OR sha256 IN (SELECT raw_sha256 FROM quarantine WHERE code = 'arf-invalid');
CREATE INDEX raw_inputs_failure ON raw_inputs (created_at) WHERE failure_data;
CREATE INDEX aggregate_reports_raw ON aggregate_reports (raw_sha256);
CREATE INDEX failure_reports_raw ON failure_reports (raw_sha256);
CREATE INDEX failure_reports_received ON failure_reports (received_at);
CREATE INDEX tls_reports_raw ON tls_reports (raw_sha256);
`;
}

/**
 * SQLite 013 / PostgreSQL 011: accounts. Users (e-mail lower-cased and unique; a password hash
 * only for local sign-in; `operator` for the instance's central team), their memberships of
 * organisations with a role, server-side sessions and API tokens (only hashes of their secrets),
 * the audit log of every write, claims of domains waiting for proof of ownership, and each
 * invitations to join an organisation (only the hash of their one-time token kept), and each
 * organisation's secret rua token (`rua+TOKEN@…` in a domain's DMARC record proves it; the
 * reports one message held are found by aggregate_reports_raw, made by the retention migration).
 */
export function accountTables(t: DialectTypes): string {
  return `
CREATE TABLE users (
  id ${t.id},
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  password_hash TEXT,
  operator ${t.bool} NOT NULL,
  disabled ${t.bool} NOT NULL,
  created_at ${t.time} NOT NULL
);
CREATE TABLE memberships (
  organization_id ${t.ref} NOT NULL REFERENCES organizations (id),
  user_id ${t.ref} NOT NULL REFERENCES users (id),
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'analyst', 'viewer')),
  created_at ${t.time} NOT NULL,
  PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY NOT NULL,
  user_id ${t.ref} NOT NULL REFERENCES users (id),
  created_at ${t.time} NOT NULL,
  last_seen_at ${t.time} NOT NULL,
  expires_at ${t.time} NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY NOT NULL,
  secret_hash TEXT NOT NULL,
  organization_id ${t.ref} NOT NULL REFERENCES organizations (id),
  name TEXT NOT NULL,
  access TEXT NOT NULL CHECK (access IN ('read', 'write')),
  created_by ${t.ref} REFERENCES users (id),
  created_at ${t.time} NOT NULL,
  expires_at ${t.time},
  last_used_at ${t.time},
  revoked_at ${t.time}
);
CREATE INDEX api_tokens_organization ON api_tokens (organization_id, created_at);
CREATE TABLE audit_log (
  id ${t.id},
  at ${t.time} NOT NULL,
  organization_id ${t.ref},
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  before_json TEXT,
  after_json TEXT
);
CREATE INDEX audit_log_organization ON audit_log (organization_id, id);
CREATE TABLE domain_claims (
  organization_id ${t.ref} NOT NULL REFERENCES organizations (id),
  domain TEXT NOT NULL,
  token TEXT NOT NULL,
  created_at ${t.time} NOT NULL,
  verified_at ${t.time},
  method TEXT,
  checked_at ${t.time},
  check_error TEXT,
  PRIMARY KEY (organization_id, domain)
);
CREATE INDEX domain_claims_domain ON domain_claims (domain);
ALTER TABLE organizations ADD COLUMN rua_token TEXT;
CREATE UNIQUE INDEX organizations_rua_token ON organizations (rua_token);
CREATE TABLE invitations (
  id TEXT PRIMARY KEY NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  organization_id ${t.ref} NOT NULL REFERENCES organizations (id),
  email TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'analyst', 'viewer')),
  created_by ${t.ref} REFERENCES users (id),
  created_at ${t.time} NOT NULL,
  expires_at ${t.time} NOT NULL,
  accepted_at ${t.time},
  revoked_at ${t.time}
);
CREATE INDEX invitations_organization ON invitations (organization_id, created_at);
`;
}
