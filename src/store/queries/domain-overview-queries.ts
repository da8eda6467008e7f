/**
 * What a portfolio shows of many domains at once (store.ts, domainOverviews), for both dialects,
 * in three grouped queries whatever the number of domains: the window's volume and DMARC passes
 * from the daily rollup (brought up to date by the store first), the policy of each domain's
 * newest report, and its last saved DNS check. A page of a hundred domains costs three queries,
 * not three hundred.
 */
import type { DomainOverviewRow } from '../store.js';
import type { Dialect } from '../sql/dialect.js';
import type { SqlProgram } from '../sql/sql-program.js';
import { rowsOf } from '../sql/sql-program.js';

const DAY = 86_400;

/** The domains of `domains` with reports not yet in the daily rollup (each dialect then rolls those up). */
export function* domainsPendingRollup(_d: Dialect, domains: readonly string[]): SqlProgram<string[]> {
  if (domains.length === 0) return [];
  const rows = yield* rowsOf<{ policy_domain: string }>(
    `SELECT DISTINCT p.policy_domain FROM aggregate_reports p WHERE p.policy_domain IN (${domains.map(() => '?').join(', ')}) AND p.record_count IS NOT NULL ` +
      'AND NOT EXISTS (SELECT 1 FROM daily_rollup_reports m WHERE m.report = p.id)',
    domains,
  );
  return rows.map((row) => row.policy_domain);
}

export function* readDomainOverviews(d: Dialect, domains: readonly string[], since: Date, until: Date): SqlProgram<DomainOverviewRow[]> {
  if (domains.length === 0) return [];
  const list = domains.map(() => '?').join(', ');
  const from = Math.floor(since.getTime() / 1000 / DAY) * DAY;
  const to = Math.ceil(until.getTime() / 1000);
  const volumes = yield* rowsOf<{ policy_domain: string; messages: unknown; passing: unknown; last_day: unknown }>(
    `SELECT policy_domain, SUM(messages) AS messages, SUM(CASE WHEN dkim_pass = 1 OR spf_pass = 1 THEN messages ELSE 0 END) AS passing, MAX(day) AS last_day ` +
      `FROM daily_rollup WHERE policy_domain IN (${list}) AND day >= ? AND day < ? AND messages > 0 GROUP BY policy_domain`,
    [...domains, from, to],
  );
  const policies = yield* rowsOf<{ policy_domain: string; p: string | null; sp: string | null; np: string | null; pct: unknown; testing: string | null; end_ts: unknown; id: unknown }>(
    `SELECT a.policy_domain, a.p, a.sp, a.np, a.pct, a.testing, a.end_ts, a.id FROM aggregate_reports a ` +
      `WHERE a.policy_domain IN (${list}) AND a.end_ts = (SELECT MAX(b.end_ts) FROM aggregate_reports b WHERE b.policy_domain = a.policy_domain)`,
    domains,
  );
  const checks = yield* rowsOf<{ domain: string; checked_at: unknown; errors: unknown; warnings: unknown; id: unknown }>(
    `SELECT c.domain, c.checked_at, c.errors, c.warnings, c.id FROM domain_checks c ` +
      `WHERE c.domain IN (${list}) AND c.checked_at = (SELECT MAX(e.checked_at) FROM domain_checks e WHERE e.domain = c.domain)`,
    domains,
  );
  const volumeOf = new Map(volumes.map((row) => [row.policy_domain, row]));
  // Of several reports ending at the same second, the one stored last; of several checks at the same time, likewise.
  const policyOf = new Map<string, (typeof policies)[number]>();
  for (const row of policies) {
    const seen = policyOf.get(row.policy_domain);
    if (seen === undefined || d.readInt(row.id) > d.readInt(seen.id)) policyOf.set(row.policy_domain, row);
  }
  const checkOf = new Map<string, (typeof checks)[number]>();
  for (const row of checks) {
    const seen = checkOf.get(row.domain);
    if (seen === undefined || d.readInt(row.id) > d.readInt(seen.id)) checkOf.set(row.domain, row);
  }
  return domains.map((domain) => {
    const volume = volumeOf.get(domain);
    const policy = policyOf.get(domain);
    const check = checkOf.get(domain);
    return {
      domain,
      messages: volume === undefined ? 0 : d.readInt(volume.messages),
      dmarcPass: volume === undefined ? 0 : d.readInt(volume.passing),
      lastDay: volume === undefined ? null : new Date(d.readInt(volume.last_day) * 1000).toISOString().slice(0, 10),
      policy:
        policy === undefined
          ? null
          : { p: policy.p, sp: policy.sp, np: policy.np, pct: policy.pct === null || policy.pct === undefined ? null : d.readInt(policy.pct), testing: policy.testing, lastSeen: new Date(d.readInt(policy.end_ts) * 1000) },
      check: check === undefined ? null : { checkedAt: d.readTime(check.checked_at), errors: d.readInt(check.errors), warnings: d.readInt(check.warnings) },
    };
  });
}
