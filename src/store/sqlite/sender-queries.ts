/**
 * The SQLite side of sender intelligence (store.ts: sourceStats, reportingStats,
 * listPublishedPolicies, the enrichment cache and sender decisions). The grouped counts come from
 * the rollups of sender-rollup.ts; the SQL shared with PostgreSQL is in ../sender-rows.ts.
 */
import type { SenderDecision, SourceEnrichment } from '../../core/source-facts.js';
import type { PublishedPolicyPeriod, ReportingStats, SenderDecisionEntry, SourceStats } from '../store.js';
import type { PublishedPolicyRow } from '../sender-rows.js';
import { enrichmentFromJson, foldSourceStats, publishedPoliciesSql, publishedPolicyFromRow } from '../sender-rows.js';
import { readAuthCombos, readRolledUpReportingStats, readRolledUpSourceSeen, readRolledUpSourceStats, rollUpSenders } from './sender-rollup.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js';

/** IPs per `IN (...)` query, well under SQLite's parameter limit. */
const IPS_PER_QUERY = 500;

/** Brings the rollups up to date for the domain (sender-rollup.ts), then reads the grouped rows from them. */
export function querySourceStats(db: SqliteDatabase, prepare: (sql: string) => SqliteStatement, domain: string, since: Date, until: Date, recentSince?: Date): SourceStats[] {
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
