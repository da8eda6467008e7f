/**
 * The SQLite sender rollups (migration 005), kept up to date lazily: the writer only appends, and
 * the first sender query for a domain after ingest adds the domain's new reports to the rollups,
 * in one transaction with the marks naming them (sender_rollup_reports). The auth combinations
 * the new records carry (by key: auth-combo-key.ts) are added to auth_combos in the same
 * transaction, and the rollup rows name them by id (migration 006). The pending reports are
 * chosen inside that transaction, so two processes querying at once cannot both add the same
 * report: the second waits for the first's write lock, then finds nothing pending. A report whose
 * writer has not committed has no record_count yet and waits for a later query.
 *
 * Queries then read the rollups: sourceStats from sender_rollup in primary-key order (a grouped
 * scan with no sort), dkimSelectors from its messages per auth combination, reportingStats from
 * the per-report header_from_rollup joined with the report rows.
 */
import type { ReportingStats } from '../store.js';
import type { AuthTexts, SourceSeenRow, SourceStatsRow } from '../sender-rows.js';
import { epochSeconds } from '../sender-rows.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js';

/** The domain's committed reports not yet in the rollups (`?` is the domain). */
const PENDING = 'aggregate_reports p WHERE p.policy_domain = ? AND p.record_count IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sender_rollup_reports m WHERE m.report = p.id)';

const HAS_PENDING_SQL = `SELECT 1 AS pending FROM ${PENDING} LIMIT 1`;

/** The pending reports' records. */
const PENDING_RECORDS = PENDING.replace('aggregate_reports p WHERE', 'aggregate_reports p JOIN aggregate_records r ON r.report = p.id WHERE');

/** The combinations of the pending records that auth_combos lacks (the WHERE of PENDING keeps the upsert unambiguous). */
const ADD_AUTH_COMBOS_SQL =
  'INSERT INTO auth_combos (combo_key, auth_dkim_json, auth_spf_json, reasons_json) ' +
  `SELECT r.auth_key, r.auth_dkim_json, r.auth_spf_json, r.reasons_json FROM ${PENDING_RECORDS} ON CONFLICT (combo_key) DO NOTHING`;

const ROLL_UP_SENDERS_SQL =
  'INSERT INTO sender_rollup (policy_domain, source_ip, auth_combo, dkim, spf, disposition, begin_ts, end_ts, messages) ' +
  "SELECT p.policy_domain, r.source_ip, c.id, COALESCE(r.dkim, ''), COALESCE(r.spf, ''), COALESCE(r.disposition, ''), p.begin_ts, p.end_ts, SUM(r.count) " +
  `FROM ${PENDING_RECORDS.replace('ON r.report = p.id', 'ON r.report = p.id JOIN auth_combos c ON c.combo_key = r.auth_key')} ` +
  'GROUP BY r.source_ip, c.id, r.dkim, r.spf, r.disposition, p.begin_ts, p.end_ts ' +
  'ON CONFLICT DO UPDATE SET messages = messages + excluded.messages';

/** DMARC passes when either evaluated result is pass (`IS` treats NULL as not pass). */
const ROLL_UP_HEADER_FROM_SQL =
  'INSERT INTO header_from_rollup (report, header_from, dmarc_pass, messages) ' +
  "SELECT r.report, COALESCE(r.header_from, ''), (r.dkim IS 'pass' OR r.spf IS 'pass'), SUM(r.count) " +
  `FROM ${PENDING_RECORDS} ` +
  "GROUP BY r.report, COALESCE(r.header_from, ''), (r.dkim IS 'pass' OR r.spf IS 'pass')";

const MARK_SQL = `INSERT INTO sender_rollup_reports (report) SELECT p.id FROM ${PENDING}`;

/**
 * Adds the domain's pending reports to the rollups. A read first: when nothing is pending (the
 * steady state) no write lock is taken, so a query never waits for another process's ingest.
 * Inside an open writer's transaction (same connection) the work joins it and shares its fate.
 * Returns the number of reports added.
 */
export function rollUpSenders(db: SqliteDatabase, prepare: (sql: string) => SqliteStatement, domain: string): number {
  if (prepare(HAS_PENDING_SQL).get(domain) === undefined) return 0;
  const own = !db.inTransaction;
  if (own) db.exec('BEGIN IMMEDIATE');
  try {
    prepare(ADD_AUTH_COMBOS_SQL).run(domain);
    prepare(ROLL_UP_SENDERS_SQL).run(domain);
    prepare(ROLL_UP_HEADER_FROM_SQL).run(domain);
    const added = prepare(MARK_SQL).run(domain).changes;
    if (own) db.exec('COMMIT');
    return added;
  } catch (err) {
    if (own && db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

/**
 * The grouped source-stats rows from the rollup: the GROUP BY follows the primary key after the
 * domain, so SQLite aggregates while scanning, with no sort. Rows carry the auth combination's id;
 * its texts are read once per combination (readAuthCombos).
 */
const SOURCE_STATS_SQL =
  "SELECT source_ip AS ip, auth_combo AS combo, NULLIF(dkim, '') AS dkim, NULLIF(spf, '') AS spf, NULLIF(disposition, '') AS disposition, " +
  'SUM(messages) AS messages, SUM(messages * (end_ts >= @recent)) AS recent ' +
  'FROM sender_rollup WHERE policy_domain = @domain AND end_ts >= @since AND begin_ts < @until ' +
  'GROUP BY source_ip, auth_combo, dkim, spf, disposition';

export function readRolledUpSourceStats(prepare: (sql: string) => SqliteStatement, domain: string, since: Date, until: Date, recentSince?: Date): SourceStatsRow[] {
  return prepare(SOURCE_STATS_SQL).all({
    domain,
    since: epochSeconds(since),
    until: epochSeconds(until),
    recent: recentSince === undefined ? Number.MAX_SAFE_INTEGER : epochSeconds(recentSince),
  }) as SourceStatsRow[];
}

/**
 * Each source's first and last report period over all history, from the rollup (every committed
 * report of the domain is in it once the rollup is brought up to date); in key order, no sort.
 */
const SOURCE_SEEN_SQL = 'SELECT source_ip AS ip, MIN(begin_ts) AS first_ts, MAX(end_ts) AS last_ts FROM sender_rollup WHERE policy_domain = ? GROUP BY source_ip';

export function readRolledUpSourceSeen(prepare: (sql: string) => SqliteStatement, domain: string): SourceSeenRow[] {
  return prepare(SOURCE_SEEN_SQL).all(domain) as SourceSeenRow[];
}

/** The messages per auth combination of reports ending at or after `since` (for dkimSelectors), from the rollup. */
const COMBO_MESSAGES_SQL = 'SELECT auth_combo AS combo, SUM(messages) AS messages FROM sender_rollup WHERE policy_domain = ? AND end_ts >= ? GROUP BY auth_combo';

export function readRolledUpComboMessages(prepare: (sql: string) => SqliteStatement, domain: string, since: Date): { combo: number; messages: number }[] {
  return prepare(COMBO_MESSAGES_SQL).all(domain, epochSeconds(since)) as { combo: number; messages: number }[];
}

/** Ids per `IN (...)` query, well under SQLite's parameter limit. */
const IDS_PER_QUERY = 500;

/** The texts of the auth combinations `rows` name (a domain has a few hundred; the table is shared by every domain). */
export function readAuthCombos(prepare: (sql: string) => SqliteStatement, rows: readonly { readonly combo?: number }[]): Map<number, AuthTexts> {
  const ids = [...new Set(rows.map((row) => row.combo))].filter((id): id is number => id !== undefined);
  const combos = new Map<number, AuthTexts>();
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const chunk = ids.slice(i, i + IDS_PER_QUERY);
    const found = prepare(`SELECT id, auth_dkim_json, auth_spf_json, reasons_json FROM auth_combos WHERE id IN (${chunk.map(() => '?').join(', ')})`).all(...chunk) as {
      id: number;
      auth_dkim_json: string;
      auth_spf_json: string;
      reasons_json: string;
    }[];
    for (const c of found) combos.set(c.id, { dkim_json: c.auth_dkim_json, spf_json: c.auth_spf_json, reasons_json: c.reasons_json });
  }
  return combos;
}

const WINDOW = 'p.policy_domain = @domain AND p.record_count IS NOT NULL AND p.end_ts >= @since AND p.begin_ts < @until';

const REPORTERS_SQL =
  'SELECT p.org_name AS org_name, p.schema AS schema, SUM(h.messages) AS messages FROM aggregate_reports p JOIN header_from_rollup h ON h.report = p.id ' +
  `WHERE ${WINDOW} GROUP BY p.org_name, p.schema ORDER BY MIN(p.id)`;

const HEADER_FROM_SQL =
  "SELECT NULLIF(h.header_from, '') AS header_from, SUM(h.messages) AS messages, SUM(h.messages * h.dmarc_pass) AS dmarc_pass " +
  `FROM aggregate_reports p JOIN header_from_rollup h ON h.report = p.id WHERE ${WINDOW} GROUP BY h.header_from ORDER BY MIN(p.id)`;

export function readRolledUpReportingStats(prepare: (sql: string) => SqliteStatement, domain: string, since: Date, until: Date): ReportingStats {
  const params = { domain, since: epochSeconds(since), until: epochSeconds(until) };
  const reporters = prepare(REPORTERS_SQL).all(params) as { org_name: string; schema: string; messages: number }[];
  const headerFrom = prepare(HEADER_FROM_SQL).all(params) as { header_from: string | null; messages: number; dmarc_pass: number }[];
  return {
    reporters: reporters.map((r) => ({ orgName: r.org_name, schema: r.schema, messages: Number(r.messages) })),
    headerFrom: headerFrom.map((h) => ({ headerFrom: h.header_from, messages: Number(h.messages), dmarcPass: Number(h.dmarc_pass) })),
  };
}
