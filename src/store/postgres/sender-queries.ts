/**
 * The PostgreSQL side of sender intelligence (store.ts: sourceStats, reportingStats,
 * listPublishedPolicies, dkimSelectors and the enrichment cache). The SQL shared with SQLite is
 * in ../sender-rows.ts, the sender decisions in ../queries/decision-queries.ts.
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
import type { PgQueryable } from './pg-driver.js';

const PLACEHOLDERS: Record<SourceStatsParameter, string> = { domain: '$1::text', since: '$2::bigint', until: '$3::bigint', recent: '$4::bigint', headerFrom: '$5::text', ips: '$6::text[]' };
const SOURCE_STATS_SQL = postgresSourceStatsSql((name) => PLACEHOLDERS[name]);
const HEADER_FROM_STATS_SQL = postgresSourceStatsSql((name) => PLACEHOLDERS[name], true);
const HEADER_FROM_SEEN_SQL = sourceSeenByHeaderFromSql((name) => ({ domain: '$1::text', headerFrom: '$2::text' })[name as 'domain' | 'headerFrom']);
const DAY_PLACEHOLDERS = (name: SourceStatsParameter): string => ({ domain: '$1::text', since: '$2::bigint', until: '$3::bigint', headerFrom: '$4::text', ips: '$5::text[]' })[name as 'domain'] ?? '';
const SOURCE_DAYS_SQL = sourceDaysSql(DAY_PLACEHOLDERS);
const HEADER_FROM_DAYS_SQL = sourceDaysSql(DAY_PLACEHOLDERS, true);
/** With the sources as `$5` (and `$4`, the header_from, ignored when null). */
const SOURCE_DAYS_OF_IPS_SQL = sourceDaysSql(DAY_PLACEHOLDERS, false, true).replace('WHERE ', 'WHERE ($4::text IS NULL OR r.header_from = $4::text) AND ');
const SOURCE_SEEN_SQL =
  'SELECT r.source_ip AS ip, MIN(p.begin_ts) AS first_ts, MAX(p.end_ts) AS last_ts FROM aggregate_records r JOIN aggregate_reports p ON p.id = r.report ' +
  'WHERE p.policy_domain = $1 AND p.record_count IS NOT NULL GROUP BY r.source_ip';

export async function querySourceStats(db: PgQueryable, domain: string, since: Date, until: Date, recentSince?: Date, filter?: SourceFilter): Promise<SourceStats[]> {
  const recent = recentSince === undefined ? Number.MAX_SAFE_INTEGER : epochSeconds(recentSince);
  if (filter?.headerFrom !== undefined) {
    const headerFrom = filter.headerFrom.toLowerCase();
    const [stats, seen] = await Promise.all([
      db.query<SourceStatsRow>({ name: 'dmarcpilot-source-stats-from', text: HEADER_FROM_STATS_SQL, values: [domain, epochSeconds(since), epochSeconds(until), recent, headerFrom] }),
      db.query<SourceSeenRow>({ name: 'dmarcpilot-source-seen-from', text: HEADER_FROM_SEEN_SQL, values: [domain, headerFrom] }),
    ]);
    return foldSourceStats(stats.rows, seen.rows);
  }
  const [stats, seen] = await Promise.all([
    db.query<SourceStatsRow>({ name: 'dmarcpilot-source-stats', text: SOURCE_STATS_SQL, values: [domain, epochSeconds(since), epochSeconds(until), recent] }),
    db.query<SourceSeenRow>({ name: 'dmarcpilot-source-seen', text: SOURCE_SEEN_SQL, values: [domain] }),
  ]);
  return foldSourceStats(stats.rows, seen.rows);
}

const REPORTING_WINDOW = 'p.policy_domain = $1 AND p.record_count IS NOT NULL AND p.end_ts >= $2::bigint AND p.begin_ts < $3::bigint';

/** PostgreSQL groups the window's records with a hash aggregate: no rollup needed (docs/benchmarks.md). */
const REPORTERS_SQL =
  'SELECT p.org_name AS org_name, p.schema AS schema, SUM(r.count) AS messages FROM aggregate_reports p JOIN aggregate_records r ON r.report = p.id ' +
  `WHERE ${REPORTING_WINDOW} GROUP BY p.org_name, p.schema ORDER BY MIN(p.id)`;

const HEADER_FROM_SQL =
  "SELECT r.header_from AS header_from, SUM(r.count) AS messages, SUM(CASE WHEN r.dkim = 'pass' OR r.spf = 'pass' THEN r.count ELSE 0 END) AS dmarc_pass " +
  `FROM aggregate_reports p JOIN aggregate_records r ON r.report = p.id WHERE ${REPORTING_WINDOW} GROUP BY r.header_from ORDER BY MIN(p.id)`;

export async function queryReportingStats(db: PgQueryable, domain: string, since: Date, until: Date): Promise<ReportingStats> {
  const values = [domain, epochSeconds(since), epochSeconds(until)];
  const [reporters, headerFrom] = await Promise.all([
    db.query<{ org_name: string; schema: string; messages: string }>({ name: 'dmarcpilot-reporters', text: REPORTERS_SQL, values }),
    db.query<{ header_from: string | null; messages: string; dmarc_pass: string }>({ name: 'dmarcpilot-header-from', text: HEADER_FROM_SQL, values }),
  ]);
  return {
    reporters: reporters.rows.map((r) => ({ orgName: r.org_name, schema: r.schema, messages: Number(r.messages) })),
    headerFrom: headerFrom.rows.map((h) => ({ headerFrom: h.header_from, messages: Number(h.messages), dmarcPass: Number(h.dmarc_pass) })),
  };
}

/** The distinct auth_results/dkim lists of the window with their messages, grouped by a hash aggregate like the other sender queries. */
const DKIM_LISTS_SQL =
  'SELECT r.auth_dkim_json AS dkim_json, SUM(r.count) AS messages FROM aggregate_records r JOIN aggregate_reports p ON p.id = r.report ' +
  'WHERE p.policy_domain = $1 AND p.record_count IS NOT NULL AND p.end_ts >= $2::bigint GROUP BY r.auth_dkim_json';

export async function queryDkimSelectors(db: PgQueryable, domain: string, since: Date, max: number): Promise<string[]> {
  const { rows } = await db.query<{ dkim_json: string; messages: string }>({ name: 'dmarcpilot-dkim-lists', text: DKIM_LISTS_SQL, values: [domain, epochSeconds(since)] });
  return foldDkimSelectors(rows, domain, max);
}

export async function querySourceDays(db: PgQueryable, domain: string, since: Date, until: Date, filter?: SourceFilter & { readonly ips?: readonly string[] }): Promise<SourceDay[]> {
  const window = [domain, epochSeconds(since), epochSeconds(until)];
  if (filter?.ips !== undefined) {
    const { rows } = await db.query<SourceDayRow>({ name: 'dmarcpilot-source-days-ips', text: SOURCE_DAYS_OF_IPS_SQL, values: [...window, filter.headerFrom?.toLowerCase() ?? null, [...new Set(filter.ips)]] });
    return rows.map(sourceDayFromRow);
  }
  const { rows } =
    filter?.headerFrom !== undefined
      ? await db.query<SourceDayRow>({ name: 'dmarcpilot-source-days-from', text: HEADER_FROM_DAYS_SQL, values: [...window, filter.headerFrom.toLowerCase()] })
      : await db.query<SourceDayRow>({ name: 'dmarcpilot-source-days', text: SOURCE_DAYS_SQL, values: window });
  return rows.map(sourceDayFromRow);
}

export async function queryPublishedPolicyDays(db: PgQueryable, domain: string): Promise<PublishedPolicyDay[]> {
  const { rows } = await db.query<PublishedPolicyDayRow>({ text: publishedPolicyDaysSql('$1'), values: [domain] });
  return rows.map(publishedPolicyDayFromRow);
}

export async function queryPublishedPolicies(db: PgQueryable, domain: string): Promise<PublishedPolicyPeriod[]> {
  const { rows } = await db.query<PublishedPolicyRow>({ text: publishedPoliciesSql('$1'), values: [domain] });
  return rows.map(publishedPolicyFromRow);
}

export async function readSourceEnrichments(db: PgQueryable, ips: readonly string[]): Promise<Map<string, SourceEnrichment>> {
  const found = new Map<string, SourceEnrichment>();
  if (ips.length === 0) return found;
  const { rows } = await db.query<{ ip: string; enrichment_json: string }>({
    text: 'SELECT ip, enrichment_json FROM source_enrichments WHERE ip = ANY($1::text[])',
    values: [[...new Set(ips)]],
  });
  for (const row of rows) {
    const enrichment = enrichmentFromJson(row.enrichment_json);
    if (enrichment !== undefined) found.set(row.ip, enrichment);
  }
  return found;
}

/** One statement for the whole batch (unnest), so it is atomic without a transaction. */
export async function writeSourceEnrichments(db: PgQueryable, entries: readonly SourceEnrichment[]): Promise<void> {
  if (entries.length === 0) return;
  // The last entry for an IP wins, as it would one upsert at a time (ON CONFLICT refuses duplicates within one statement).
  const byIp = new Map(entries.map((entry) => [entry.ip, entry]));
  await db.query({
    text:
      'INSERT INTO source_enrichments (ip, enrichment_json, resolved_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ' +
      'ON CONFLICT (ip) DO UPDATE SET enrichment_json = excluded.enrichment_json, resolved_at = excluded.resolved_at',
    values: [[...byIp.keys()], [...byIp.values()].map((e) => JSON.stringify(e)), [...byIp.values()].map((e) => e.resolvedAt)],
  });
}
