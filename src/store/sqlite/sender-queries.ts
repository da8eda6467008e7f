/**
 * The SQLite side of sender intelligence (store.ts: sourceStats, listPublishedPolicies, the
 * enrichment cache and sender decisions). The SQL shared with PostgreSQL is in ../sender-rows.ts.
 */
import type { SenderDecision, SourceEnrichment } from '../../analysis/sender-model.js';
import type { PublishedPolicyPeriod, SenderDecisionEntry, SourceStats } from '../store.js';
import type { PublishedPolicyRow, SourceSeenRow, SourceStatsRow } from '../sender-rows.js';
import { enrichmentFromJson, epochSeconds, foldSourceStats, publishedPoliciesSql, publishedPolicyFromRow } from '../sender-rows.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js';

/** IPs per `IN (...)` query, well under SQLite's parameter limit. */
const IPS_PER_QUERY = 500;

/**
 * Grouped by (source IP, auth combination id, evaluated dkim, spf, disposition): the sort SQLite
 * does for GROUP BY carries integers and short texts, not JSON, and each row adds to one SUM
 * besides the recent share. The auth JSON of each group comes from auth_combos (migration 004).
 */
const SOURCE_STATS_SQL =
  'SELECT g.ip AS ip, c.auth_dkim_json AS dkim_json, c.auth_spf_json AS spf_json, c.reasons_json AS reasons_json, ' +
  'g.dkim AS dkim, g.spf AS spf, g.disposition AS disposition, g.messages AS messages, g.recent AS recent FROM (' +
  'SELECT r.source_ip AS ip, r.auth_combo AS combo, r.dkim AS dkim, r.spf AS spf, r.disposition AS disposition, ' +
  'SUM(r.count) AS messages, SUM(r.count * (p.end_ts >= @recent)) AS recent ' +
  'FROM aggregate_records r JOIN aggregate_reports p ON p.id = r.report ' +
  'WHERE p.policy_domain = @domain AND p.record_count IS NOT NULL AND p.end_ts >= @since AND p.begin_ts < @until ' +
  'GROUP BY r.source_ip, r.auth_combo, r.dkim, r.spf, r.disposition) g JOIN auth_combos c ON c.id = g.combo';

const SOURCE_SEEN_SQL = 'SELECT source_ip AS ip, first_ts, last_ts FROM source_seen WHERE policy_domain = ?';

export function querySourceStats(prepare: (sql: string) => SqliteStatement, domain: string, since: Date, until: Date, recentSince?: Date): SourceStats[] {
  const rows = prepare(SOURCE_STATS_SQL).all({
    domain,
    since: epochSeconds(since),
    until: epochSeconds(until),
    recent: recentSince === undefined ? Number.MAX_SAFE_INTEGER : epochSeconds(recentSince),
  }) as SourceStatsRow[];
  return foldSourceStats(rows, prepare(SOURCE_SEEN_SQL).all(domain) as SourceSeenRow[]);
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

export function writeSenderDecision(
  prepare: (sql: string) => SqliteStatement,
  domain: string,
  key: string,
  decision: SenderDecision | null,
  at: Date,
  note?: string,
): void {
  if (decision === null) {
    prepare('DELETE FROM sender_decisions WHERE domain = ? AND sender_key = ?').run(domain, key);
    return;
  }
  prepare(
    'INSERT INTO sender_decisions (domain, sender_key, decision, note, decided_at) VALUES (?, ?, ?, ?, ?) ' +
      'ON CONFLICT (domain, sender_key) DO UPDATE SET decision = excluded.decision, note = excluded.note, decided_at = excluded.decided_at',
  ).run(domain, key, decision, note ?? null, at.toISOString());
}

export function readSenderDecisions(prepare: (sql: string) => SqliteStatement, domain: string): SenderDecisionEntry[] {
  const rows = prepare('SELECT sender_key, decision, note, decided_at FROM sender_decisions WHERE domain = ? ORDER BY sender_key').all(domain) as {
    sender_key: string;
    decision: SenderDecision;
    note: string | null;
    decided_at: string;
  }[];
  return rows.map((row) => ({ key: row.sender_key, decision: row.decision, note: row.note, decidedAt: new Date(row.decided_at) }));
}
