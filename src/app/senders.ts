/**
 * The senders of a domain and the owner's decisions about them (docs/senders.md): every system
 * that sent as the domain over a window, grouped, classified, with its state, diagnosis and fix
 * (analysis/summarize-senders.ts) and its failure reports; approving or rejecting one, which wins
 * over the automatic class and is kept in a history (who, when, why, what it was before), one at
 * a time (a key no sender can have, or one never seen, is refused: sender-keys.ts) or every
 * undecided sender of a class at once, with a dry run first.
 */
import type { SenderClass, SenderState, SenderSummary } from '../analysis/sender-model.js';
import { summarizeSenders } from '../analysis/summarize-senders.js';
import { findOrganizationalDomain } from '../evaluate/dmarc-discovery.js';
import type { Problem } from '../core/problem.js';
import { problem } from '../core/problem.js';
import type { SenderDecision } from '../core/source-facts.js';
import type { Page, PageRequest, SenderDecisionChange, SenderDecisionEntry, SourceReporter } from '../store/store.js';
import type { AppContext } from './context.js';
import { OFFLINE_RESOLVER } from './context.js';
import { requireDomain } from './domains.js';
import { AppError, invalid, throwIfInvalid, withAppErrors } from './problems.js';
import type { FailureReportCounts } from './reports.js';
import { countFailureReportsBySender } from './reports.js';
import { checkSenderKey, requireSenderKey, senderNotSeen } from './sender-keys.js';

export type { SenderSummary, SenderSource, SenderClass, SenderState, SenderDecisionRecord } from '../analysis/sender-model.js';
export { checkSenderKey, nearestServiceIds, requirePossibleSenderKey, requireSenderKey } from './sender-keys.js';
export type { SenderDecision } from '../core/source-facts.js';
export type { SenderDecisionChange, SenderDecisionEntry, SourceReporter } from '../store/store.js';

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
  /** Most messages first, each with its `failureReports`. */
  readonly senders: readonly SenderSummary[];
  /**
   * Set when the domain has no reports of its own and its mail is reported under the policy
   * domain above it (a subdomain inheriting its record): the senders are that domain's mail
   * with this header_from.
   */
  readonly reportedUnder?: string;
  /** Subdomains seen in header_from under this policy domain, with their messages and DMARC passes, most messages first. */
  readonly subdomains: readonly { readonly domain: string; readonly messages: number; readonly dmarcPass: number }[];
  /** The failure reports of the window, per sender (also those of senders the list leaves out, with `onlyNew` or with no aggregate report in the window). */
  readonly failureReports: FailureReportCounts;
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
    const failureReports = await countFailureReportsBySender(ctx, domain, { since: options.since, until }, all);
    const counts = new Map(failureReports.senders.map((c) => [c.key, c.reports]));
    const senders = all.map((s) => ({ ...s, failureReports: counts.get(s.key) ?? 0 }));
    return {
      domain,
      since: options.since,
      until,
      senders: options.onlyNew ? senders.filter((s) => s.state === 'new') : senders,
      ...(reportedUnder !== undefined ? { reportedUnder } : {}),
      subdomains,
      failureReports,
    };
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

export interface DecideSenderInput {
  /** null removes the decision. */
  readonly decision: SenderDecision | null;
  /** Who decides: `cli:<user>`, later `user:<id>`. */
  readonly actor: string;
  readonly note?: string | undefined;
  /**
   * Record it even when no such sender has been seen in the domain's stored reports (a
   * pre-approval, or a pre-emptive rejection); the problem is then returned as a warning.
   */
  readonly unseen?: boolean | undefined;
  /** Whether the sender has been seen is answered from the store alone: no reverse DNS is looked up. */
  readonly offline?: boolean | undefined;
}

/** A recorded change, with what the caller should know about it. */
export interface SenderDecisionOutcome extends SenderDecisionChange {
  /** `sender-not-seen` when the decision was recorded for a sender not seen yet (DecideSenderInput.unseen). */
  readonly warnings: readonly Problem[];
}

/** Longest note kept with a decision. */
export const MAX_NOTE_LENGTH = 1000;

/** The note trimmed (undefined when empty), or the problem with it: one line of at most MAX_NOTE_LENGTH characters, no control characters. */
function checkNote(text: string | undefined): { note: string | undefined } | { problem: Problem } {
  const note = text?.trim();
  if (note === undefined || note === '') return { note: undefined };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(note)) return { problem: problem('note-invalid', 'note', 'a note is one line of text: it may not hold line breaks, tabs or other control characters') };
  if ([...note].length > MAX_NOTE_LENGTH) return { problem: problem('note-invalid', 'note', `a note is at most ${MAX_NOTE_LENGTH} characters, not ${[...note].length}`) };
  return { note };
}

/**
 * Records the owner's decision about a sender (or removes it); the change is kept in the
 * history. A key no sender can ever have is refused with the key probably meant
 * (sender-keys.ts); so is a sender not seen in the domain's stored reports, unless `unseen`
 * asks for it. Removing a decision checks only the key's form, so a decision recorded with a
 * key refused today can still be removed.
 */
export async function decideSender(ctx: AppContext, domainText: string, senderKey: string, input: DecideSenderInput): Promise<SenderDecisionOutcome> {
  const domain = requireDomain(domainText);
  const checkedNote = checkNote(input.note);
  const checkedKey: { key: string } | { problem: Problem } = input.decision === null ? { key: keyAsListed(ctx, senderKey) } : checkSenderKey(senderKey, ctx.catalogue);
  throwIfInvalid([checkedKey, checkedNote].flatMap((c) => ('problem' in c ? [c.problem] : [])));
  const key = (checkedKey as { key: string }).key;
  const note = (checkedNote as { note: string | undefined }).note;
  return withAppErrors(async () => {
    const notSeen = input.decision === null ? null : await senderNotSeen(ctx, domain, key, { offline: input.offline === true });
    if (notSeen !== null && input.unseen !== true) throw new AppError('invalid', [notSeen]);
    const change = await ctx.store.setSenderDecision(domain, key, { decision: input.decision, at: ctx.now(), actor: input.actor, ...(note !== undefined ? { note } : {}) });
    return { ...change, warnings: notSeen === null ? [] : [notSeen] };
  });
}

/** A key in the form the senders list writes it when it is a possible one, else only checked for its form (to find or remove what was recorded with it). */
function keyAsListed(ctx: AppContext, text: string): string {
  const checked = checkSenderKey(text, ctx.catalogue);
  return 'key' in checked ? checked.key : requireSenderKey(text);
}

/** Which senders a bulk decision takes: the undecided senders of these classes over the window. */
export interface BulkDecisionInput extends Omit<ListSendersOptions, 'onlyNew'> {
  readonly decision: SenderDecision;
  /** At least one; senders that already have a decision are left as they are. */
  readonly classes: readonly SenderClass[];
  readonly actor: string;
  readonly note?: string | undefined;
  /** false (a dry run): say which senders would be decided and record nothing. */
  readonly apply: boolean;
}

/** One sender a bulk decision takes. */
export interface BulkDecisionTarget {
  readonly key: string;
  readonly label: string;
  readonly class: SenderClass;
  readonly state: SenderState;
  readonly messages: number;
  /** Messages failing DMARC. */
  readonly failing: number;
  readonly sourceIps: number;
}

export interface BulkDecisionResult {
  readonly domain: string;
  readonly since: Date;
  readonly until: Date;
  readonly decision: SenderDecision;
  readonly classes: readonly SenderClass[];
  /** Whether the decisions were recorded (false: a dry run). */
  readonly applied: boolean;
  /** Most messages first. */
  readonly senders: readonly BulkDecisionTarget[];
  readonly messages: number;
  readonly failing: number;
  /** One per sender when applied, each an individual decision with the same actor, note and time; [] for a dry run. */
  readonly changes: readonly SenderDecisionChange[];
}

export const SENDER_CLASSES: readonly SenderClass[] = ['aligned', 'legitimate-unaligned', 'forwarded', 'suspicious', 'unknown'];

/**
 * Decides every undecided sender of the given classes over the window at once (e.g. reject every
 * suspicious network a spoofing campaign uses), or with `apply: false` only says which senders
 * and how much mail that would be. Each sender's decision is recorded on its own, as
 * decideSender records one, with the same actor, note and time.
 */
export async function decideSendersInBulk(ctx: AppContext, domainText: string, input: BulkDecisionInput): Promise<BulkDecisionResult> {
  const problems: Problem[] = [];
  if (input.classes.length === 0) problems.push(problem('sender-classes-missing', 'classes', `name at least one class of senders (${SENDER_CLASSES.join(', ')})`));
  const unknownClasses = input.classes.filter((c) => !SENDER_CLASSES.includes(c));
  if (unknownClasses.length > 0) problems.push(problem('not-a-sender-class', 'classes', `not a class of senders: ${unknownClasses.join(', ')} (the classes are ${SENDER_CLASSES.join(', ')})`));
  const checkedNote = checkNote(input.note);
  if ('problem' in checkedNote) problems.push(checkedNote.problem);
  requireDomain(domainText);
  throwIfInvalid(problems);
  const note = (checkedNote as { note: string | undefined }).note;
  const list = await listSenders(ctx, domainText, input);
  const wanted = new Set(input.classes);
  const targets = list.senders
    .filter((s) => s.decision === null && wanted.has(s.class))
    .map((s): BulkDecisionTarget => ({ key: s.key, label: s.label, class: s.class, state: s.state, messages: s.messages, failing: s.messages - s.dmarcPass, sourceIps: s.sourceIps.length }));
  const changes: SenderDecisionChange[] = [];
  if (input.apply) {
    const at = ctx.now();
    await withAppErrors(async () => {
      for (const target of targets) {
        changes.push(await ctx.store.setSenderDecision(list.domain, target.key, { decision: input.decision, at, actor: input.actor, ...(note !== undefined ? { note } : {}) }));
      }
    });
  }
  return {
    domain: list.domain,
    since: list.since,
    until: list.until,
    decision: input.decision,
    classes: [...wanted],
    applied: input.apply,
    senders: targets,
    messages: targets.reduce((n, t) => n + t.messages, 0),
    failing: targets.reduce((n, t) => n + t.failing, 0),
    changes,
  };
}

/** The domain's current decisions, by key. */
export async function listSenderDecisions(ctx: AppContext, domainText: string, page: PageRequest = {}): Promise<Page<SenderDecisionEntry>> {
  const domain = requireDomain(domainText);
  return withAppErrors(() => ctx.store.listSenderDecisions(domain, page));
}

/** Every change of the domain's decisions (of one sender when `sender` is given), newest first. */
export async function senderDecisionHistory(ctx: AppContext, domainText: string, filter: { readonly sender?: string } = {}, page: PageRequest = {}): Promise<Page<SenderDecisionChange>> {
  const domain = requireDomain(domainText);
  const key = filter.sender === undefined ? undefined : keyAsListed(ctx, filter.sender);
  return withAppErrors(() => ctx.store.listSenderDecisionHistory(domain, key === undefined ? {} : { key }, page));
}

/** The reporting organisations that saw a sender's source IPs for the domain over the window, most messages first. */
export async function senderReporters(ctx: AppContext, domainText: string, ips: readonly string[], window: { readonly since: Date; readonly until: Date }): Promise<SourceReporter[]> {
  const domain = requireDomain(domainText);
  return withAppErrors(() => ctx.store.sourceReporters(domain, ips, window.since, window.until));
}
