/**
 * The senders of a domain and the owner's decisions about them (docs/senders.md): every system
 * that sent as the domain over a window, grouped, classified, with its state, diagnosis and fix
 * (analysis/summarize-senders.ts); approving or rejecting one, which wins over the automatic
 * class and is kept in a history (who, when, why, what it was before).
 */
import type { SenderSummary } from '../analysis/sender-model.js';
import { summarizeSenders } from '../analysis/summarize-senders.js';
import { findOrganizationalDomain } from '../evaluate/dmarc-discovery.js';
import type { SenderDecision } from '../core/source-facts.js';
import type { Page, PageRequest, SenderDecisionChange, SenderDecisionEntry } from '../store/store.js';
import type { AppContext } from './context.js';
import { OFFLINE_RESOLVER } from './context.js';
import { requireDomain } from './domains.js';
import { invalid, withAppErrors } from './problems.js';

export type { SenderSummary, SenderSource, SenderClass, SenderState } from '../analysis/sender-model.js';
export type { SenderDecision } from '../core/source-facts.js';
export type { SenderDecisionChange, SenderDecisionEntry } from '../store/store.js';

export const DEFAULT_SENDER_CONCURRENCY = 16;

export interface ListSendersOptions {
  /** Start of the window. */
  readonly since: Date;
  /** End of the window; default now. */
  readonly until?: Date;
  /** Only cached reverse DNS: other sources are grouped by network and marked unresolved. */
  readonly offline?: boolean;
  /** Only `new` senders (first seen in the last 7 days or since the last policy change). */
  readonly onlyNew?: boolean;
  /** Reverse DNS lookups at once. Default 16. */
  readonly concurrency?: number;
}

export interface SenderList {
  /** The domain as it was looked up (A-label, lower case). */
  readonly domain: string;
  readonly since: Date;
  readonly until: Date;
  /** Most messages first. */
  readonly senders: readonly SenderSummary[];
  /**
   * Set when the domain has no reports of its own and its mail is reported under the policy
   * domain above it (a subdomain inheriting its record): the senders are that domain's mail
   * with this header_from.
   */
  readonly reportedUnder?: string;
  /** Subdomains seen in header_from under this policy domain, with their messages and DMARC passes, most messages first. */
  readonly subdomains: readonly { readonly domain: string; readonly messages: number; readonly dmarcPass: number }[];
}

/** The domain's senders over the window, most messages first. */
export async function listSenders(ctx: AppContext, domainText: string, options: ListSendersOptions): Promise<SenderList> {
  const domain = requireDomain(domainText);
  const until = options.until ?? ctx.now();
  if (!(options.since.getTime() < until.getTime())) throw invalid('window-empty', 'since', `the window is empty: ${options.since.toISOString()} is not before ${until.toISOString()}`);
  return withAppErrors(async () => {
    const summarize = (policyDomain: string, headerFrom?: string) =>
      summarizeSenders(ctx.store, policyDomain, {
        since: options.since,
        until,
        resolver: options.offline ? OFFLINE_RESOLVER : ctx.resolver,
        now: () => until,
        catalogue: ctx.catalogue,
        concurrency: options.concurrency ?? DEFAULT_SENDER_CONCURRENCY,
        ...(options.offline ? { offline: true } : {}),
        ...(ctx.networkLookup ? { networkLookup: ctx.networkLookup } : {}),
        ...(headerFrom !== undefined ? { headerFrom } : {}),
      });
    let all = await summarize(domain);
    let reportedUnder: string | undefined;
    const parent = findOrganizationalDomain(domain);
    if (all.length === 0 && parent !== domain) {
      // A subdomain without a record of its own: its mail is reported under the policy domain above it.
      const under = await summarize(parent, domain);
      if (under.length > 0) {
        all = under;
        reportedUnder = parent;
      }
    }
    const subdomains = reportedUnder !== undefined ? [] : await listSubdomains(ctx, domain, options.since, until);
    return { domain, since: options.since, until, senders: options.onlyNew ? all.filter((s) => s.state === 'new') : all, ...(reportedUnder !== undefined ? { reportedUnder } : {}), subdomains };
  });
}

/** The header_from domains below `domain` in its reports over the window. */
async function listSubdomains(ctx: AppContext, domain: string, since: Date, until: Date): Promise<SenderList['subdomains']> {
  const stats = await ctx.store.reportingStats(domain, since, until);
  const suffix = `.${domain}`;
  return stats.headerFrom
    .filter((h): h is { headerFrom: string; messages: number; dmarcPass: number } => h.headerFrom !== null && h.headerFrom.endsWith(suffix))
    .map((h) => ({ domain: h.headerFrom, messages: h.messages, dmarcPass: h.dmarcPass }))
    .sort((a, b) => b.messages - a.messages || (a.domain < b.domain ? -1 : 1));
}

/** What a sender key looks like: the three kinds `listSenders` makes. */
const SENDER_KEY = /^(service|domain|net):\S+$/;

/** A sender key as given (any case, spaces around), normalised; `invalid` when it is not one. */
export function requireSenderKey(text: string, field = 'sender'): string {
  const key = text.trim().toLowerCase();
  if (!SENDER_KEY.test(key)) throw invalid('not-a-sender-key', field, `"${text}" is not a sender key (service:…, domain:… or net:…, as the senders list shows them)`);
  return key;
}

export interface DecideSenderInput {
  /** null removes the decision. */
  readonly decision: SenderDecision | null;
  /** Who decides: `cli:<user>`, later `user:<id>`. */
  readonly actor: string;
  readonly note?: string | undefined;
}

/** Records the owner's decision about a sender (or removes it); the change is kept in the history. */
export async function decideSender(ctx: AppContext, domainText: string, senderKey: string, input: DecideSenderInput): Promise<SenderDecisionChange> {
  const domain = requireDomain(domainText);
  const key = requireSenderKey(senderKey);
  const note = input.note?.trim();
  return withAppErrors(() =>
    ctx.store.setSenderDecision(domain, key, { decision: input.decision, at: ctx.now(), actor: input.actor, ...(note !== undefined && note !== '' ? { note } : {}) }),
  );
}

/** The domain's current decisions, by key. */
export async function listSenderDecisions(ctx: AppContext, domainText: string, page: PageRequest = {}): Promise<Page<SenderDecisionEntry>> {
  const domain = requireDomain(domainText);
  return withAppErrors(() => ctx.store.listSenderDecisions(domain, page));
}

/** Every change of the domain's decisions (of one sender when `sender` is given), newest first. */
export async function senderDecisionHistory(ctx: AppContext, domainText: string, filter: { readonly sender?: string } = {}, page: PageRequest = {}): Promise<Page<SenderDecisionChange>> {
  const domain = requireDomain(domainText);
  const key = filter.sender === undefined ? undefined : requireSenderKey(filter.sender);
  return withAppErrors(() => ctx.store.listSenderDecisionHistory(domain, key === undefined ? {} : { key }, page));
}
