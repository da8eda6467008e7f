/**
 * DNS posture checks of many domains (DMARC, SPF, DKIM, MX, MTA-STS, TLS-RPT, BIMI): a bounded
 * number at once, each result handed out as soon as it is ready (in the order they finish), so
 * ten thousand domains stream with flat memory. With a store, the DKIM selectors receivers saw in
 * the last 90 days of reports are looked up too, and each result is saved for history; a domain
 * whose check throws is reported as `failed` and the others go on.
 */
import type { DomainCheckResult } from '../evaluate/check-domain.js';
import { checkDomain } from '../evaluate/check-domain.js';
import type { DkimSelectorInput } from '../evaluate/check-dkim.js';
import { collectDkimSelectors } from '../analysis/dkim-selectors-seen.js';
import { canonicalizeIp } from '../core/ip.js';
import { runBounded } from '../core/run-bounded.js';
import type { DomainCheckEntry, Page, PageRequest } from '../store/store.js';
import type { AppContext } from './context.js';
import { requireDomain, requireDomains } from './domains.js';
import { invalid, withAppErrors } from './problems.js';

export type { DomainCheckResult } from '../evaluate/check-domain.js';
export type { DomainDnsStatus, RecordArea, RecordState } from '../evaluate/dns-diagnosis.js';
export type { Finding, FindingSeverity } from '../evaluate/finding.js';
export type { DomainCheckEntry } from '../store/store.js';

/** Days of reports whose DKIM selectors are looked up besides the given ones and the provider defaults. */
export const REPORT_SELECTOR_DAYS = 90;
const REPORT_SELECTORS_AT_MOST = 20;
export const DEFAULT_CHECK_CONCURRENCY = 8;

export interface CheckDomainsOptions {
  /** DKIM selectors to look up for every domain. */
  readonly selectors?: readonly string[];
  /** Probe the common provider default selectors (docs/findings.md). Default true. */
  readonly probeDefaultSelectors?: boolean;
  /** Also evaluate SPF for mail from this address. */
  readonly ip?: string;
  /** Domains checked at once. Default 8. */
  readonly concurrency?: number;
  /** Use the context's store: selectors seen in reports, and each result saved. Default false. */
  readonly useStore?: boolean;
  /** With useStore: save each result (default true). */
  readonly save?: boolean;
}

export type DomainCheckOutcome =
  | { readonly domain: string; readonly status: 'checked'; readonly result: DomainCheckResult }
  /** The check itself failed (a bug or the store failing): the message says why. */
  | { readonly domain: string; readonly status: 'failed'; readonly message: string };

export interface DomainCheckRun {
  /** The domains to be checked: normalised, each once, in the order given. */
  readonly domains: readonly string[];
  /** Each domain's outcome when it is ready (in the order they finish). */
  readonly outcomes: AsyncIterable<DomainCheckOutcome>;
}

/**
 * Checks the domains (validated and de-duplicated first: an `invalid` AppError is thrown at once,
 * before anything is looked up); the outcomes come as each is ready.
 */
export function checkDomains(ctx: AppContext, domains: readonly string[], options: CheckDomainsOptions = {}): DomainCheckRun {
  if (domains.length === 0) throw invalid('domains-missing', 'domains', 'give at least one domain');
  const names = requireDomains(domains);
  if (options.ip !== undefined && canonicalizeIp(options.ip) === undefined) throw invalid('not-an-ip', 'ip', `"${options.ip}" is not an IP address`);
  const concurrency = options.concurrency ?? DEFAULT_CHECK_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw invalid('value-out-of-range', 'concurrency', `concurrency must be a whole number of at least 1, not ${concurrency}`);
  const given = (options.selectors ?? []).map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  return { domains: names, outcomes: streamOutcomes(names, concurrency, (domain) => checkOne(ctx, domain, given, options)) };
}

/** The saved checks of one domain, newest first. */
export async function listDomainChecks(ctx: AppContext, domain: string, page: PageRequest = {}): Promise<Page<DomainCheckEntry>> {
  const name = requireDomain(domain);
  return withAppErrors(() => ctx.store.listDomainChecks(name, page));
}

async function checkOne(ctx: AppContext, domain: string, given: readonly string[], options: CheckDomainsOptions): Promise<DomainCheckOutcome> {
  try {
    const selectors: DkimSelectorInput[] = given.map((selector) => ({ selector, origin: 'given' }));
    if (options.useStore) {
      const since = new Date(ctx.now().getTime() - REPORT_SELECTOR_DAYS * 86_400_000);
      for (const selector of await collectDkimSelectors(ctx.store, domain, since, REPORT_SELECTORS_AT_MOST)) selectors.push({ selector, origin: 'reports' });
    }
    const result = await checkDomain(domain, {
      resolver: ctx.resolver,
      fetchText: ctx.fetchText,
      selectors,
      probeDefaultSelectors: options.probeDefaultSelectors !== false,
      ...(options.ip !== undefined ? { ip: options.ip } : {}),
      now: ctx.now,
    });
    if (options.useStore && options.save !== false) {
      await ctx.store.saveDomainCheck({ domain: result.domain, checkedAt: new Date(result.checkedAt), errors: result.summary.error, warnings: result.summary.warning, result });
    }
    return { domain, status: 'checked', result };
  } catch (caught) {
    return { domain, status: 'failed', message: caught instanceof Error ? caught.message : String(caught) };
  }
}

/** Runs `work` over the items `concurrency` at a time and yields each result as it settles. */
async function* streamOutcomes<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): AsyncGenerator<R> {
  const ready: R[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: unknown;
  const signal = (): void => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  const all = runBounded(items, concurrency, async (item) => {
    ready.push(await work(item));
    signal();
  }).then(
    () => {
      finished = true;
      signal();
    },
    (caught: unknown) => {
      failure = caught;
      finished = true;
      signal();
    },
  );
  for (;;) {
    if (ready.length > 0) {
      yield ready.shift() as R;
      continue;
    }
    if (finished) break;
    await new Promise<void>((resolve) => (wake = resolve));
  }
  await all;
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error('the checks failed', { cause: failure });
}
