/**
 * The sender-intelligence queries shared by every Store: the row shapes, the PostgreSQL text, and
 * the folding of the rows into SourceStats. The heavy part runs in SQL: grouping by (source IP,
 * auth results, reasons, evaluated results) collapses a million records to the few thousand
 * distinct combinations a domain really has; only those few JSON texts are parsed here, each
 * distinct combination once. SQLite reads the groups from its rollups (sqlite/sender-rollup.ts).
 */
import type { AggregateRecord } from '../reports/aggregate/aggregate-report.js';
import type { SourceEnrichment } from '../core/source-facts.js';
import type { PublishedPolicyDay, PublishedPolicyPeriod, SourceDay, SourceStats } from './store.js';

/** Named parameters of the source-stats queries: each dialect maps a name to its placeholder (`@since`, `$2`). */
export type SourceStatsParameter = 'domain' | 'since' | 'until' | 'recent' | 'headerFrom' | 'ips';

/** Epoch seconds for a report-period comparison: `end_ts >= since` holds for whole seconds as for the Date. */
export const epochSeconds = (date: Date): number => Math.ceil(date.getTime() / 1000);

/** The auth results and overrides of a record as stored: three JSON texts. */
export interface AuthTexts {
  readonly dkim_json: string;
  readonly spf_json: string;
  readonly reasons_json: string;
}

/**
 * One row of a dialect's grouped source-stats query: the window's messages of one (source IP,
 * auth combination, evaluated dkim, spf, disposition), and how many of them are recent. Keeping
 * the evaluated results in the key leaves one SUM per row to compute, which is what makes the
 * query fast; drivers return sums as numbers (SQLite) or strings (PostgreSQL numeric). The auth
 * combination is either the texts themselves (PostgreSQL) or the id of an auth_combos row
 * (SQLite), whose texts come separately, once per combination.
 */
export interface SourceStatsRow extends Partial<AuthTexts> {
  readonly ip: string;
  readonly combo?: number;
  readonly dkim: string | null;
  readonly spf: string | null;
  readonly disposition: string | null;
  readonly messages: number | string;
  readonly recent: number | string;
}

/** First and last report naming a source, over all history (epoch seconds). */
export interface SourceSeenRow {
  readonly ip: string;
  readonly first_ts: number | string;
  readonly last_ts: number | string;
}

/**
 * PostgreSQL (and SQLite for one header_from): grouped with a hash aggregate, the JSON texts as
 * they are. `byHeaderFrom` adds the header_from condition (parameter `headerFrom`).
 */
export function postgresSourceStatsSql(placeholder: (name: SourceStatsParameter) => string, byHeaderFrom = false): string {
  return (
    'SELECT r.source_ip AS ip, r.auth_dkim_json AS dkim_json, r.auth_spf_json AS spf_json, r.reasons_json AS reasons_json, ' +
    'r.dkim AS dkim, r.spf AS spf, r.disposition AS disposition, SUM(r.count) AS messages, ' +
    `SUM(CASE WHEN p.end_ts >= ${placeholder('recent')} THEN r.count ELSE 0 END) AS recent ` +
    'FROM aggregate_records r JOIN aggregate_reports p ON p.id = r.report ' +
    `WHERE p.policy_domain = ${placeholder('domain')} AND p.record_count IS NOT NULL ` +
    `AND p.end_ts >= ${placeholder('since')} AND p.begin_ts < ${placeholder('until')} ` +
    (byHeaderFrom ? `AND r.header_from = ${placeholder('headerFrom')} ` : '') +
    'GROUP BY r.source_ip, r.auth_dkim_json, r.auth_spf_json, r.reasons_json, r.dkim, r.spf, r.disposition'
  );
}

/** First and last report period of each source over all history, for one header_from (both dialects). */
export function sourceSeenByHeaderFromSql(placeholder: (name: SourceStatsParameter) => string): string {
  return (
    'SELECT r.source_ip AS ip, MIN(p.begin_ts) AS first_ts, MAX(p.end_ts) AS last_ts FROM aggregate_records r JOIN aggregate_reports p ON p.id = r.report ' +
    `WHERE p.policy_domain = ${placeholder('domain')} AND p.record_count IS NOT NULL AND r.header_from = ${placeholder('headerFrom')} GROUP BY r.source_ip`
  );
}

/**
 * Messages, DMARC passes and dispositions per source and UTC day (of the report's begin) from the
 * records; `byHeaderFrom` as in postgresSourceStatsSql; `byIps` (PostgreSQL) keeps the sources of
 * the array parameter `ips`.
 */
export function sourceDaysSql(placeholder: (name: SourceStatsParameter) => string, byHeaderFrom = false, byIps = false): string {
  return (
    "SELECT r.source_ip AS ip, p.begin_ts / 86400 AS day, SUM(r.count) AS messages, SUM(CASE WHEN r.dkim = 'pass' OR r.spf = 'pass' THEN r.count ELSE 0 END) AS dmarc_pass, " +
    "SUM(CASE WHEN r.disposition = 'quarantine' THEN r.count ELSE 0 END) AS quarantined, SUM(CASE WHEN r.disposition = 'reject' THEN r.count ELSE 0 END) AS rejected " +
    'FROM aggregate_records r JOIN aggregate_reports p ON p.id = r.report ' +
    `WHERE p.policy_domain = ${placeholder('domain')} AND p.record_count IS NOT NULL ` +
    `AND p.end_ts >= ${placeholder('since')} AND p.begin_ts < ${placeholder('until')} ` +
    (byHeaderFrom ? `AND r.header_from = ${placeholder('headerFrom')} ` : '') +
    (byIps ? `AND r.source_ip = ANY(${placeholder('ips')}) ` : '') +
    'GROUP BY r.source_ip, p.begin_ts / 86400'
  );
}

export interface SourceDayRow {
  readonly ip: string;
  readonly day: number | string;
  readonly messages: number | string;
  readonly dmarc_pass: number | string;
  readonly quarantined: number | string;
  readonly rejected: number | string;
}

export function sourceDayFromRow(row: SourceDayRow): SourceDay {
  return {
    ip: row.ip,
    day: new Date(Number(row.day) * 86_400_000).toISOString().slice(0, 10),
    messages: Number(row.messages),
    dmarcPass: Number(row.dmarc_pass),
    quarantined: Number(row.quarantined),
    rejected: Number(row.rejected),
  };
}

/** The published policies per UTC day of the reports' begin; `$1`/`?` is the domain. */
export function publishedPolicyDaysSql(placeholder: string): string {
  return (
    'SELECT begin_ts / 86400 AS day, p, sp, np, pct, testing, COUNT(*) AS reports, COUNT(DISTINCT org_name) AS reporters, SUM(message_count) AS messages ' +
    `FROM aggregate_reports WHERE policy_domain = ${placeholder} AND record_count IS NOT NULL ` +
    'GROUP BY begin_ts / 86400, p, sp, np, pct, testing ORDER BY begin_ts / 86400, COUNT(*) DESC'
  );
}

export interface PublishedPolicyDayRow {
  readonly day: number | string;
  readonly p: string | null;
  readonly sp: string | null;
  readonly np: string | null;
  readonly pct: number | string | null;
  readonly testing: string | null;
  readonly reports: number | string;
  readonly reporters: number | string;
  readonly messages: number | string | null;
}

export function publishedPolicyDayFromRow(row: PublishedPolicyDayRow): PublishedPolicyDay {
  return {
    day: new Date(Number(row.day) * 86_400_000).toISOString().slice(0, 10),
    p: row.p,
    sp: row.sp,
    np: row.np,
    pct: row.pct === null ? null : Number(row.pct),
    testing: row.testing,
    reports: Number(row.reports),
    reporters: Number(row.reporters),
    messages: Number(row.messages ?? 0),
  };
}

/** One auth combination parsed once, with the map keys of its entries made once. */
interface ParsedAuth {
  readonly dkim: readonly { readonly key: string; readonly domain: string; readonly selector: string | null; readonly result: string }[];
  readonly spf: readonly { readonly key: string; readonly domain: string; readonly scope: string; readonly result: string }[];
  readonly reasons: readonly { readonly key: string; readonly type: string; readonly comment: string | null }[];
  /** A passing ARC chain in a reason comment or auth human_result (RFC 8617 §7.2.2: `arc=pass as[1].d=...`). */
  readonly arcPass: boolean;
}

interface Tally {
  messages: number;
  dmarcPass: number;
  dkimAlignedPass: number;
  spfAlignedPass: number;
  dispositions: Map<string, number>;
  recentMessages: number;
  recentDmarcPass: number;
  firstTs: number;
  lastTs: number;
  /** Messages per auth combination; expanded into dkim/spf/reasons once per IP at the end. */
  auths: Map<ParsedAuth, number>;
}

function parseArray<T>(text: string): T[] {
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) ? (value as T[]) : [];
  } catch {
    return [];
  }
}

/** An ARC verdict as receivers write it in a reason comment or human_result (RFC 8617 §7.2.2: `arc=pass as[1].d=...`). */
const ARC_PASS = /\barc=pass\b/i;

function parseAuth(texts: AuthTexts): ParsedAuth {
  return {
    dkim: parseArray<AggregateRecord['authDkim'][number]>(texts.dkim_json).map((d) => ({
      key: `${d.domain}\u0000${d.selector ?? ''}\u0000${d.result}`, domain: d.domain, selector: d.selector, result: d.result,
    })),
    spf: parseArray<AggregateRecord['authSpf'][number]>(texts.spf_json).map((x) => ({ key: `${x.domain}\u0000${x.scope}\u0000${x.result}`, domain: x.domain, scope: x.scope, result: x.result })),
    reasons: parseArray<AggregateRecord['reasons'][number]>(texts.reasons_json).map((r) => ({ key: `${r.type}\u0000${r.comment ?? ''}`, type: r.type, comment: r.comment })),
    arcPass: ARC_PASS.test(texts.reasons_json) || ARC_PASS.test(texts.dkim_json) || ARC_PASS.test(texts.spf_json),
  };
}

const NO_AUTH: AuthTexts = { dkim_json: '[]', spf_json: '[]', reasons_json: '[]' };

const byMessages = <T extends { messages: number }>(map: Map<string, T>): T[] => [...map.values()].sort((a, b) => b.messages - a.messages);

/**
 * Folds grouped rows into one SourceStats per IP that has messages in the window. Each distinct
 * auth combination is parsed once (by id, or by its texts); per IP, messages are summed per
 * combination first and spread over its DKIM, SPF and reason entries only at the end.
 */
export function foldSourceStats(rows: Iterable<SourceStatsRow>, seen: Iterable<SourceSeenRow>, combos: ReadonlyMap<number, AuthTexts> = new Map()): SourceStats[] {
  const tallies = new Map<string, Tally>();
  const byId = new Map<number, ParsedAuth>();
  const byText = new Map<string, ParsedAuth>();
  const authOf = (row: SourceStatsRow): ParsedAuth => {
    if (row.combo !== undefined) {
      let auth = byId.get(row.combo);
      if (auth === undefined) {
        auth = parseAuth(combos.get(row.combo) ?? NO_AUTH);
        byId.set(row.combo, auth);
      }
      return auth;
    }
    const texts = { dkim_json: row.dkim_json ?? '[]', spf_json: row.spf_json ?? '[]', reasons_json: row.reasons_json ?? '[]' };
    const key = `${texts.dkim_json}\u0000${texts.spf_json}\u0000${texts.reasons_json}`;
    let auth = byText.get(key);
    if (auth === undefined) {
      auth = parseAuth(texts);
      byText.set(key, auth);
    }
    return auth;
  };
  for (const row of rows) {
    const messages = Number(row.messages);
    if (messages === 0) continue;
    let t = tallies.get(row.ip);
    if (t === undefined) {
      t = {
        messages: 0, dmarcPass: 0, dkimAlignedPass: 0, spfAlignedPass: 0, dispositions: new Map(), recentMessages: 0, recentDmarcPass: 0,
        firstTs: Number.POSITIVE_INFINITY, lastTs: Number.NEGATIVE_INFINITY, auths: new Map(),
      };
      tallies.set(row.ip, t);
    }
    const recent = Number(row.recent);
    const pass = row.dkim === 'pass' || row.spf === 'pass';
    t.messages += messages;
    t.recentMessages += recent;
    if (pass) {
      t.dmarcPass += messages;
      t.recentDmarcPass += recent;
    }
    if (row.dkim === 'pass') t.dkimAlignedPass += messages;
    if (row.spf === 'pass') t.spfAlignedPass += messages;
    const disposition = row.disposition !== null && KNOWN_DISPOSITIONS.has(row.disposition) ? row.disposition : 'unknown';
    t.dispositions.set(disposition, (t.dispositions.get(disposition) ?? 0) + messages);
    const auth = authOf(row);
    t.auths.set(auth, (t.auths.get(auth) ?? 0) + messages);
  }
  for (const row of seen) {
    const t = tallies.get(row.ip);
    if (t === undefined) continue;
    t.firstTs = Math.min(t.firstTs, Number(row.first_ts));
    t.lastTs = Math.max(t.lastTs, Number(row.last_ts));
  }
  const out: SourceStats[] = [];
  for (const [ip, t] of tallies) {
    const dkim = new Map<string, { domain: string; selector: string | null; result: string; messages: number }>();
    const spf = new Map<string, { domain: string; scope: string; result: string; messages: number }>();
    const reasons = new Map<string, { type: string; comment: string | null; messages: number }>();
    let arcPass = 0;
    for (const [auth, messages] of t.auths) {
      if (auth.arcPass) arcPass += messages;
      for (const d of auth.dkim) {
        const entry = dkim.get(d.key);
        if (entry === undefined) dkim.set(d.key, { domain: d.domain, selector: d.selector, result: d.result, messages });
        else entry.messages += messages;
      }
      for (const x of auth.spf) {
        const entry = spf.get(x.key);
        if (entry === undefined) spf.set(x.key, { domain: x.domain, scope: x.scope, result: x.result, messages });
        else entry.messages += messages;
      }
      for (const r of auth.reasons) {
        const entry = reasons.get(r.key);
        if (entry === undefined) reasons.set(r.key, { type: r.type, comment: r.comment, messages });
        else entry.messages += messages;
      }
    }
    out.push({
      ip,
      messages: t.messages,
      dmarcPass: t.dmarcPass,
      dkimAlignedPass: t.dkimAlignedPass,
      spfAlignedPass: t.spfAlignedPass,
      dispositions: Object.fromEntries([...t.dispositions].sort()),
      recentMessages: t.recentMessages,
      recentDmarcPass: t.recentDmarcPass,
      arcPass,
      firstSeen: new Date((Number.isFinite(t.firstTs) ? t.firstTs : 0) * 1000),
      lastSeen: new Date((Number.isFinite(t.lastTs) ? t.lastTs : 0) * 1000),
      dkim: byMessages(dkim),
      spf: byMessages(spf),
      reasons: byMessages(reasons),
    });
  }
  return out;
}

const KNOWN_DISPOSITIONS: ReadonlySet<string> = new Set(['none', 'quarantine', 'reject', 'pass']);

/** The published policies of a domain's stored reports, grouped; `$1`/`?` is the domain. */
export function publishedPoliciesSql(placeholder: string): string {
  return (
    'SELECT p, sp, np, pct, testing, adkim, aspf, MIN(begin_ts) AS first_ts, MAX(end_ts) AS last_ts, COUNT(*) AS reports, ' +
    'SUM(message_count) AS messages FROM aggregate_reports ' +
    `WHERE policy_domain = ${placeholder} AND record_count IS NOT NULL ` +
    'GROUP BY p, sp, np, pct, testing, adkim, aspf ORDER BY MIN(begin_ts), MAX(end_ts)'
  );
}

export interface PublishedPolicyRow {
  readonly p: string | null;
  readonly sp: string | null;
  readonly np: string | null;
  readonly pct: number | null;
  readonly testing: string | null;
  readonly adkim: string;
  readonly aspf: string;
  readonly first_ts: number | string;
  readonly last_ts: number | string;
  readonly reports: number | string;
  readonly messages: number | string | null;
}

export function publishedPolicyFromRow(row: PublishedPolicyRow): PublishedPolicyPeriod {
  return {
    p: row.p,
    sp: row.sp,
    np: row.np,
    pct: row.pct === null ? null : Number(row.pct),
    testing: row.testing,
    adkim: row.adkim,
    aspf: row.aspf,
    firstSeen: new Date(Number(row.first_ts) * 1000),
    lastSeen: new Date(Number(row.last_ts) * 1000),
    reports: Number(row.reports),
    messages: Number(row.messages ?? 0),
  };
}

/** A cached enrichment read back; undefined when the JSON is not one (a hand-edited row). */
export function enrichmentFromJson(text: string): SourceEnrichment | undefined {
  try {
    const value = JSON.parse(text) as Partial<SourceEnrichment> | null;
    return value !== null && typeof value === 'object' && typeof value.ip === 'string' && typeof value.resolvedAt === 'string'
      ? (value as SourceEnrichment)
      : undefined;
  } catch {
    return undefined;
  }
}
