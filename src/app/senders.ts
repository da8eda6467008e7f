/**
 * The senders of a domain and the owner's decisions about them (docs/senders.md): every system
 * that sent as the domain over a window, grouped, classified, with its state, diagnosis and fix
 * (analysis/summarize-senders.ts); approving or rejecting one, which wins over the automatic
 * class and is kept in a history (who, when, why, what it was before).
 */
import type { SenderSummary } from '../analysis/sender-model.js';
import { summarizeSenders } from '../analysis/summarize-senders.js';
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
}

/** The domain's senders over the window, most messages first. */
export async function listSenders(ctx: AppContext, domainText: string, options: ListSendersOptions): Promise<SenderList> {
  const domain = requireDomain(domainText);
  const until = options.until ?? ctx.now();
  if (!(options.since.getTime() < until.getTime())) throw invalid('window-empty', 'since', `the window is empty: ${options.since.toISOString()} is not before ${until.toISOString()}`);
  return withAppErrors(async () => {
    const all = await summarizeSenders(ctx.store, domain, {
      since: options.since,
      until,
      resolver: options.offline ? OFFLINE_RESOLVER : ctx.resolver,
      now: () => until,
      catalogue: ctx.catalogue,
      concurrency: options.concurrency ?? DEFAULT_SENDER_CONCURRENCY,
      ...(options.offline ? { offline: true } : {}),
      ...(ctx.networkLookup ? { networkLookup: ctx.networkLookup } : {}),
    });
    return { domain, since: options.since, until, senders: options.onlyNew ? all.filter((s) => s.state === 'new') : all };
  });
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
