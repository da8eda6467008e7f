/**
 * Summaries of stored mail: per policy domain over a window of whole UTC days (messages, DMARC
 * pass share, dispositions, top sources and reporters; analysis/summarize-domains.ts), and the
 * daily series of one domain by result and disposition, read from the store's rollup (never by
 * streaming every record), which charts and the portfolio use.
 */
import type { DomainSummary } from '../analysis/summarize-domains.js';
import { summarizeDomains as summarize } from '../analysis/summarize-domains.js';
import type { DailyVolume } from '../store/store.js';
import type { AppContext } from './context.js';
import { requireDomain } from './domains.js';
import { withAppErrors } from './problems.js';
import { requireWindow } from './time-window.js';

export type { DomainSummary, Ranked } from '../analysis/summarize-domains.js';
export type { DailyVolume } from '../store/store.js';

const DAY = 86_400;

export interface SummaryRequest {
  /** Start of the window, rounded down to its UTC day. */
  readonly since: Date;
  /** Only this policy domain. */
  readonly domain?: string;
  /** Top sources and reporters listed per domain. Default 5. */
  readonly top?: number;
}

export interface DomainsSummary {
  /** The first day counted, `YYYY-MM-DD`. */
  readonly since: string;
  readonly domains: readonly DomainSummary[];
}

/** Per policy domain from the start of `since`'s UTC day on; reports spanning several days count only their days inside. */
export async function summarizeDomains(ctx: AppContext, request: SummaryRequest): Promise<DomainsSummary> {
  requireWindow(request.since, ctx.now());
  const fromDay = Math.floor(request.since.getTime() / 1000 / DAY) * DAY;
  const domain = request.domain === undefined ? undefined : requireDomain(request.domain);
  return withAppErrors(async () => {
    const records = ctx.store.streamRecords({ since: new Date(fromDay * 1000), ...(domain !== undefined ? { domain } : {}) });
    const domains = await summarize(records, { fromDay, toDay: Number.MAX_SAFE_INTEGER }, request.top ?? 5);
    return { since: new Date(fromDay * 1000).toISOString().slice(0, 10), domains };
  });
}

/** The domain's mail per UTC day in [since, until) (default until now), days with mail only, oldest first. */
export async function domainSeries(ctx: AppContext, domainText: string, window: { readonly since: Date; readonly until?: Date }): Promise<DailyVolume[]> {
  const domain = requireDomain(domainText);
  const until = window.until ?? ctx.now();
  requireWindow(window.since, until);
  return withAppErrors(() => ctx.store.dailySeries(domain, { since: window.since, until }));
}
