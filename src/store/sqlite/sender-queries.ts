/**
 * The SQLite side of sender intelligence (store.ts: sourceStats, reportingStats,
 * listPublishedPolicies, dkimSelectors and the enrichment cache). The grouped counts come from
 * the rollups of sender-rollup.ts; the SQL shared with PostgreSQL is in ../sender-rows.ts, the
 * sender decisions in ../queries/decision-queries.ts.
 */
import type { SourceEnrichment } from '../../core/source-facts.js';
import type { PublishedPolicyDay, PublishedPolicyPeriod, ReportingStats, SourceDay, SourceFilter, SourceStats } from '../store.js';
import { foldDkimSelectors } from '../dkim-selector-rows.js';
import type { PublishedPolicyDayRow, PublishedPolicyRow, SourceDayRow, SourceSeenRow, SourceStatsParameter, SourceStatsRow } from '../sender-rows.js';
import {
  enrichmentFromJson,
  epochSeconds,
  foldSourceStats,
  postgresSourceStatsSql,
  publishedPoliciesSql,
  publishedPolicyDayFromRow,
  publishedPolicyDaysSql,
  publishedPolicyFromRow,
  sourceDayFromRow,
  sourceDaysSql,
  sourceSeenByHeaderFromSql,
} from '../sender-rows.js';
import { readAuthCombos, readRolledUpComboMessages, readRolledUpReportingStats, readRolledUpSourceSeen, readRolledUpSourceStats, rollUpSenders } from './sender-rollup.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js';

/** IPs per `IN (...)` query, well under SQLite's parameter limit. */
const IPS_PER_QUERY = 500;

/** Brings the rollups up to date for the domain (sender-rollup.ts), then reads the grouped rows from them. */
const named = (name: SourceStatsParameter): string => `@${name}`;
/** One header_from's mail is read from the records (the rollups do not keep header_from): a subdomain's mail is a small part of a domain's. */
const HEADER_FROM_STATS_SQL = postgresSourceStatsSql(named, true);
const HEADER_FROM_SEEN_SQL = sourceSeenByHeaderFromSql(named);
const HEADER_FROM_DAYS_SQL = sourceDaysSql(named, true);
/** Per source and day from the sender rollup, which keeps each report's begin. */
const ROLLED_UP_DAYS_SQL =
  "SELECT source_ip AS ip, begin_ts / 86400 AS day, SUM(messages) AS messages, SUM(CASE WHEN dkim = 'pass' OR spf = 'pass' THEN messages ELSE 0 END) AS dmarc_pass, " +
  "SUM(CASE WHEN disposition = 'quarantine' THEN messages ELSE 0 END) AS quarantined, SUM(CASE WHEN disposition = 'reject' THEN messages ELSE 0 END) AS rejected " +
  'FROM sender_rollup WHERE policy_domain = @domain AND end_ts >= @since AND begin_ts < @until GROUP BY source_ip, begin_ts / 86400';

export function querySourceStats(db: SqliteDatabase, prepare: (sql: string) => SqliteStatement, domain: string, since: Date, until: Date, recentSince?: Date, filter?: SourceFilter): SourceStats[] {
  if (filter?.headerFrom !== undefined) {
    const recent = recentSince === undefined ? Number.MAX_SAFE_INTEGER : epochSeconds(recentSince);
    const headerFrom = filter.headerFrom.toLowerCase();
    const rows = prepare(HEADER_FROM_STATS_SQL).all({ domain, since: epochSeconds(since), until: epochSeconds(until), recent, headerFrom }) as SourceStatsRow[];
    return foldSourceStats(rows, prepare(HEADER_FROM_SEEN_SQL).all({ domain, headerFrom }) as SourceSeenRow[]);
  }
  rollUpSenders(db, prepare, domain);
  const rows = readRolledUpSourceStats(prepare, domain, since, until, recentSince);
  const combos = readAuthCombos(prepare, rows);
  // As a join with auth_combos would: a row whose combination is missing is left out.
  const known = rows.filter((row) => row.combo !== undefined && combos.has(row.combo));
  return foldSourceStats(known, readRolledUpSourceSeen(prepare, domain), combos);
}

/** Reporters and header_from domains over the window, from the same rollups. */
export function queryReportingStats(db: SqliteDatabase, prepare: (sql: string) => SqliteStatement, domain: string, since: Date, until: Date): ReportingStats {
  rollUpSenders(db, prepare, domain);
  return readRolledUpReportingStats(prepare, domain, since, until);
}

/** The selectors signing for the domain since `since`, from the sender rollup's messages per auth combination. */
export function queryDkimSelectors(db: SqliteDatabase, prepare: (sql: string) => SqliteStatement, domain: string, since: Date, max: number): string[] {
  rollUpSenders(db, prepare, domain);
  const rows = readRolledUpComboMessages(prepare, domain, since);
  const combos = readAuthCombos(prepare, rows);
  return foldDkimSelectors(rows.map((row) => ({ dkim_json: combos.get(row.combo)?.dkim_json ?? '[]', messages: row.messages })), domain, max);
}

export function querySourceDays(
  db: SqliteDatabase,
  prepare: (sql: string) => SqliteStatement,
  domain: string,
  since: Date,
  until: Date,
  filter?: SourceFilter & { readonly ips?: readonly string[] },
): SourceDay[] {
  const window = { domain, since: epochSeconds(since), until: epochSeconds(until) };
  const ips = filter?.ips === undefined ? undefined : [...new Set(filter.ips)];
  if (filter?.headerFrom !== undefined) {
    // One subdomain's mail is small: the sources are kept after the query.
    const rows = (prepare(HEADER_FROM_DAYS_SQL).all({ ...window, headerFrom: filter.headerFrom.toLowerCase() }) as SourceDayRow[]).map(sourceDayFromRow);
    const keep = ips === undefined ? undefined : new Set(ips);
    return keep === undefined ? rows : rows.filter((r) => keep.has(r.ip));
  }
  rollUpSenders(db, prepare, domain);
  if (ips === undefined) return (prepare(ROLLED_UP_DAYS_SQL).all(window) as SourceDayRow[]).map(sourceDayFromRow);
  // A few sources: each is a range of the rollup's primary key (policy_domain, source_ip, …).
  const out: SourceDay[] = [];
  for (let i = 0; i < ips.length; i += IPS_PER_QUERY) {
    const chunk = ips.slice(i, i + IPS_PER_QUERY);
    const names = chunk.map((_, j) => `@ip${j}`);
    const sql = ROLLED_UP_DAYS_SQL.replace(' GROUP BY', ` AND source_ip IN (${names.join(', ')}) GROUP BY`);
    const params: Record<string, string | number> = { ...window };
    chunk.forEach((ip, j) => (params[`ip${j}`] = ip));
    out.push(...(prepare(sql).all(params) as SourceDayRow[]).map(sourceDayFromRow));
  }
  return out;
}

export function queryPublishedPolicyDays(prepare: (sql: string) => SqliteStatement, domain: string): PublishedPolicyDay[] {
  return (prepare(publishedPolicyDaysSql('?')).all(domain) as PublishedPolicyDayRow[]).map(publishedPolicyDayFromRow);
}

export function queryPublishedPolicies(prepare: (sql: string) => SqliteStatement, domain: string): PublishedPolicyPeriod[] {
  return (prepare(publishedPoliciesSql('?')).all(domain) as PublishedPolicyRow[]).map(publishedPolicyFromRow);
}

export function readSourceEnrichments(prepare: (sql: string) => SqliteStatement, ips: readonly string[]): Map<string, SourceEnrichment> {
  const found = new Map<string, SourceEnrichment>();
  const unique = [...new Set(ips)];
  for (let i = 0; i < unique.length; i += IPS_PER_QUERY) {
    const chunk = unique.slice(i, i + IPS_PER_QUERY);
    const rows = prepare(`SELECT ip, enrichment_json FROM source_enrichments WHERE ip IN (${chunk.map(() => '?').join(', ')})`).all(...chunk) as {
      ip: string;
      enrichment_json: string;
    }[];
    for (const row of rows) {
      const enrichment = enrichmentFromJson(row.enrichment_json);
      if (enrichment !== undefined) found.set(row.ip, enrichment);
    }
  }
  return found;
}

/** Upserts in one transaction (or inside the open writer's, which then owns the commit). */
export function writeSourceEnrichments(db: SqliteDatabase, prepare: (sql: string) => SqliteStatement, entries: readonly SourceEnrichment[]): void {
  const upsert = prepare(
    'INSERT INTO source_enrichments (ip, enrichment_json, resolved_at) VALUES (?, ?, ?) ' +
      'ON CONFLICT (ip) DO UPDATE SET enrichment_json = excluded.enrichment_json, resolved_at = excluded.resolved_at',
  );
  const own = !db.inTransaction;
  if (own) db.exec('BEGIN');
  try {
    for (const entry of entries) upsert.run(entry.ip, JSON.stringify(entry), entry.resolvedAt);
    if (own) db.exec('COMMIT');
  } catch (err) {
    if (own && db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}
