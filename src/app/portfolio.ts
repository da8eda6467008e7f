/**
 * One line per domain for a portfolio (the API's domain list, the dashboard's first page): its
 * phase, the policy reporters last saw, the last 30 days' volume and DMARC pass share, the open
 * findings of its last saved check, and when reports last covered it. Read from the rollups and
 * the check history, never by streaming records, so a list of many domains stays cheap.
 *
 * Phases follow the tracker the Canadian government uses (assess → deploy → enforce → maintain):
 * `assess` while no report shows a policy, `deploy` at p=none (or in test mode), `enforce` at
 * quarantine or reject applied to part of the mail (pct below 100, or t=y), `maintain` at
 * quarantine or reject for all of it.
 */
import type { AppContext } from './context.js';
import { requireDomain } from './domains.js';
import { withAppErrors } from './problems.js';

export type Phase = 'assess' | 'deploy' | 'enforce' | 'maintain';

export interface DomainOverview {
  readonly domain: string;
  readonly phase: Phase;
  /** The policy reporters saw most recently; null before any report. */
  readonly policy: { readonly p: string | null; readonly sp: string | null; readonly np: string | null; readonly pct: number | null; readonly testing: string | null; readonly lastSeen: string } | null;
  /** Messages reported over the last 30 days (UTC days, today included). */
  readonly messages30d: number;
  /** Share of them passing DMARC, 0..1; null without mail. */
  readonly passRate30d: number | null;
  /** The last UTC day with reported mail, `YYYY-MM-DD`; null when none in 30 days. */
  readonly lastReportDay: string | null;
  /** The last saved DNS check's counts; null when the domain was never checked. */
  readonly findings: { readonly errors: number; readonly warnings: number; readonly checkedAt: string } | null;
}

const DAY_MS = 86_400_000;

export function phaseOf(policy: { readonly p: string | null; readonly pct: number | null; readonly testing: string | null } | null): Phase {
  if (policy === null || policy.p === null) return 'assess';
  if (policy.p === 'none') return 'deploy';
  const partial = (policy.pct !== null && policy.pct < 100) || policy.testing === 'y';
  return partial ? 'enforce' : 'maintain';
}

export async function domainOverview(ctx: AppContext, domainText: string): Promise<DomainOverview> {
  const domain = requireDomain(domainText);
  return withAppErrors(async () => {
    const now = ctx.now();
    const until = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
    const since = new Date(until.getTime() - 30 * DAY_MS);
    const [series, policies, checks] = await Promise.all([ctx.store.dailySeries(domain, { since, until }), ctx.store.listPublishedPolicies(domain), ctx.store.listDomainChecks(domain, { limit: 1 })]);
    const messages = series.reduce((sum, d) => sum + d.messages, 0);
    const passing = series.reduce((sum, d) => sum + d.dmarcPass, 0);
    const last = policies.length === 0 ? undefined : policies.reduce((a, b) => (b.lastSeen.getTime() >= a.lastSeen.getTime() ? b : a));
    const check = checks.items[0];
    const policy = last === undefined ? null : { p: last.p, sp: last.sp, np: last.np, pct: last.pct, testing: last.testing, lastSeen: last.lastSeen.toISOString() };
    return {
      domain,
      phase: phaseOf(policy),
      policy,
      messages30d: messages,
      passRate30d: messages === 0 ? null : passing / messages,
      lastReportDay: series.length === 0 ? null : (series[series.length - 1]?.day ?? null),
      findings: check === undefined ? null : { errors: check.errors, warnings: check.warnings, checkedAt: check.checkedAt.toISOString() },
    };
  });
}
