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
import type { DomainOverviewRow, Page, PageRequest } from '../store/store.js';
import { notFound, withAppErrors } from './problems.js';

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

/** The window a portfolio line covers: the last 30 UTC days, today included. */
function window30(now: Date): { since: Date; until: Date } {
  const until = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
  return { since: new Date(until.getTime() - 30 * DAY_MS), until };
}

function overviewFrom(row: DomainOverviewRow): DomainOverview {
  const policy = row.policy === null ? null : { ...row.policy, lastSeen: row.policy.lastSeen.toISOString() };
  return {
    domain: row.domain,
    phase: phaseOf(policy),
    policy,
    messages30d: row.messages,
    passRate30d: row.messages === 0 ? null : row.dmarcPass / row.messages,
    lastReportDay: row.lastDay,
    findings: row.check === null ? null : { errors: row.check.errors, warnings: row.check.warnings, checkedAt: row.check.checkedAt.toISOString() },
  };
}

/** The portfolio lines of many domains at once (three queries, however many: store.domainOverviews), in the order given; domains the context cannot see are left out. */
export async function domainOverviews(ctx: AppContext, domainTexts: readonly string[]): Promise<DomainOverview[]> {
  const domains = domainTexts.map((text) => requireDomain(text));
  const { since, until } = window30(ctx.now());
  return withAppErrors(async () => (await ctx.store.domainOverviews(domains, since, until)).map(overviewFrom));
}

/** One domain's portfolio line; `not-found` for a domain the context cannot see. */
export async function domainOverview(ctx: AppContext, domainText: string): Promise<DomainOverview> {
  const domain = requireDomain(domainText);
  const [line] = await domainOverviews(ctx, [domain]);
  if (line === undefined) throw notFound('out-of-scope', undefined, `The domain ${domain} is not one of the organisation's.`);
  return line;
}

/** The domains with stored reports that the context sees, by name (the instance's organisation lists its domains so). */
export function listReportedDomains(ctx: AppContext, page: PageRequest = {}): Promise<Page<string>> {
  return withAppErrors(() => ctx.store.listReportedDomains({}, page));
}
