/**
 * A sender's class and state from its evidence; the owner's decision always wins. The thresholds
 * are documented in docs/senders.md ("Senders: classes, diagnosis and fixes"):
 *
 * - `aligned`: at least 98% of its messages pass DMARC.
 * - `forwarded`: a forwarder or mailing-list service, or at least half of its messages carry a
 *   receiver override (forwarded, trusted_forwarder, mailing_list) or a passing ARC chain, or the
 *   mailing-list pattern (the domain's own DKIM signature broken, another domain's identity passing,
 *   from a host with confirmed reverse DNS).
 * - `legitimate-unaligned`: a known catalogue service (or an approved sender) that fails.
 * - `suspicious`: mostly failing (under 50% pass), no passing DKIM signature for the domain, and
 *   either no trustworthy reverse DNS (none, unconfirmed, or a residential-looking name) or SPF
 *   failing for the domain itself on most messages (an IP the owner's SPF does not authorise).
 * - `unknown`: anything else (not enough evidence either way).
 */
import { findOrganizationalDomain } from '../evaluate/dmarc-discovery.js';
import type { SenderGroup, SenderTotals } from './group-senders.js';
import type { SenderClass, SenderState } from './sender-model.js';
import type { SenderDecision, SourceEnrichment } from '../core/source-facts.js';

/** Share of messages passing DMARC from which a sender is `aligned` (and an approved one `verified`). */
export const ALIGNED_SHARE = 0.98;
/** Share of messages with forwarding evidence from which a sender is `forwarded`. */
export const FORWARDED_SHARE = 0.5;
/** Below this share passing, an unknown sender with the other signs is `suspicious`. */
export const SUSPICIOUS_PASS_SHARE = 0.5;
/** How much better the recent days must pass than the rest of the window for `fixed` (0.2 = 20 points). */
export const FIXED_IMPROVEMENT = 0.2;
/** Override reasons that mean "a forwarder or list handled it" (RFC 7489 §6.6.3 PolicyOverrideType, RFC 9990). */
export const FORWARDING_REASONS: ReadonlySet<string> = new Set(['forwarded', 'trusted_forwarder', 'mailing_list']);

/** Reverse DNS names that say "a consumer line", not a mail server. */
const RESIDENTIAL_NAME = /(^|[.-])(dyn|dynamic|dhcp|dsl|adsl|vdsl|cable|pool|ppp|pppoe|dialup|dial|broadband|customer|cust|client|home|residential|static-ip|ip\d+|\d+-\d+-\d+-\d+)([.-]|\d|$)/i;

const organisations = new Map<string, string>();

/** Relaxed alignment (RFC 7489 §3.1): the organisational domains are equal. */
export function isAlignedDomain(domain: string, policyDomain: string): boolean {
  if (domain === '') return false;
  const org = (name: string): string => {
    const key = name.toLowerCase();
    let value = organisations.get(key);
    if (value === undefined) {
      value = findOrganizationalDomain(key);
      organisations.set(key, value);
    }
    return value;
  };
  return org(domain) === org(policyDomain);
}

/** The measures the class, the state and the diagnosis share. */
export interface SenderEvidenceMeasures {
  readonly passShare: number;
  /** Messages with a verified DKIM signature whose d= aligns with the domain (auth_results). */
  readonly dkimDomainPass: number;
  /** Messages with a DKIM signature for the domain that failed. */
  readonly dkimDomainFail: number;
  /** Messages with SPF fail or softfail for the domain itself (or a subdomain): an IP its SPF does not authorise. */
  readonly spfDomainFail: number;
  /** Messages with a forwarding override or a passing ARC chain. */
  readonly forwarding: number;
  /** Messages showing the mailing-list pattern: own DKIM broken, another identity passing. */
  readonly listPattern: number;
  /** True when every resolved IP lacks trustworthy reverse DNS (and at least one IP was resolved). */
  readonly untrustedReverseDns: boolean;
}

export function measureSender(totals: SenderTotals, enrichments: readonly SourceEnrichment[], domain: string): SenderEvidenceMeasures {
  const sumOf = <T extends { messages: number }>(list: readonly T[], keep: (entry: T) => boolean): number =>
    Math.min(totals.messages, list.filter(keep).reduce((n, e) => n + e.messages, 0));
  const dkimDomainPass = sumOf(totals.dkim, (d) => d.result === 'pass' && isAlignedDomain(d.domain, domain));
  const dkimDomainFail = sumOf(totals.dkim, (d) => d.result !== 'pass' && isAlignedDomain(d.domain, domain));
  const otherIdentityPass =
    sumOf(totals.dkim, (d) => d.result === 'pass' && !isAlignedDomain(d.domain, domain)) +
    sumOf(totals.spf, (s) => s.result === 'pass' && s.scope !== 'helo' && !isAlignedDomain(s.domain, domain));
  const forwardingReasons = sumOf(totals.reasons, (r) => FORWARDING_REASONS.has(r.type));
  const resolved = enrichments.filter((e) => e.fcrdns !== 'unresolved');
  return {
    passShare: totals.messages === 0 ? 0 : totals.dmarcPass / totals.messages,
    dkimDomainPass,
    dkimDomainFail,
    spfDomainFail: sumOf(totals.spf, (s) => (s.result === 'fail' || s.result === 'softfail') && s.scope !== 'helo' && isAlignedDomain(s.domain, domain)),
    forwarding: Math.min(totals.messages, forwardingReasons + totals.arcPass),
    listPattern: Math.min(dkimDomainFail, otherIdentityPass),
    untrustedReverseDns: resolved.length > 0 && resolved.every((e) => !isTrustworthyReverseDns(e)),
  };
}

/** A confirmed name that does not look like a consumer line. */
export function isTrustworthyReverseDns(enrichment: SourceEnrichment): boolean {
  return enrichment.fcrdns === 'confirmed' && enrichment.confirmedName !== null && !RESIDENTIAL_NAME.test(enrichment.confirmedName);
}

/** The class of a sender; `decision` (the owner's) wins over the evidence. */
export function classifySender(group: SenderGroup, domain: string, decision: SenderDecision | null): SenderClass {
  const { totals } = group;
  if (decision === 'rejected') return 'suspicious';
  if (totals.messages === 0) return decision === 'approved' ? 'legitimate-unaligned' : 'unknown';
  const m = measureSender(totals, group.enrichments, domain);
  const forwarderService = group.service?.category === 'forwarder' || group.service?.category === 'mailing-list';
  if (forwarderService || m.forwarding >= FORWARDED_SHARE * totals.messages) return 'forwarded';
  if (m.passShare >= ALIGNED_SHARE) return 'aligned';
  const listLike = m.listPattern >= FORWARDED_SHARE * totals.messages && group.enrichments.some(isTrustworthyReverseDns) && group.service === null;
  if (listLike) return 'forwarded';
  if (decision === 'approved' || group.service !== null) return 'legitimate-unaligned';
  const failing = m.passShare < SUSPICIOUS_PASS_SHARE && m.dkimDomainPass === 0;
  if (failing && (m.untrustedReverseDns || m.spfDomainFail >= 0.5 * totals.messages)) return 'suspicious';
  return 'unknown';
}

export interface StateContext {
  readonly decision: SenderDecision | null;
  readonly senderClass: SenderClass;
  /** Known to the catalogue. */
  readonly known: boolean;
  /** When analysis runs. */
  readonly now: Date;
  /** A sender first seen at or after this is `new` (the later of now − newDays and history's first day, or the last policy change). */
  readonly newSince: Date;
  /** Start of the domain's stored history: a sender there from the start is not new. */
  readonly historyStart: Date | null;
}

/**
 * Where the sender is in its life: rejected and approved come from the decision; an approved (or
 * known, or aligned) sender passing over the window is `verified`; one passing clearly better in
 * the recent days than before (by FIXED_IMPROVEMENT) is `fixed`; a sender first seen recently or since the last policy change,
 * and not decided on, is `new`; the rest `unknown`.
 */
export function senderState(totals: SenderTotals, context: StateContext): SenderState {
  if (context.decision === 'rejected') return 'rejected';
  const share = totals.messages === 0 ? 0 : totals.dmarcPass / totals.messages;
  const earlier = totals.messages - totals.recentMessages;
  const earlierShare = earlier === 0 ? 1 : (totals.dmarcPass - totals.recentDmarcPass) / earlier;
  const recentShare = totals.recentMessages === 0 ? 0 : totals.recentDmarcPass / totals.recentMessages;
  const fixed = totals.recentMessages > 0 && earlier > 0 && earlierShare < ALIGNED_SHARE && recentShare - earlierShare >= FIXED_IMPROVEMENT;
  if (context.decision === 'approved') {
    if (share >= ALIGNED_SHARE) return 'verified';
    return fixed ? 'fixed' : 'approved';
  }
  const startedLater = context.historyStart === null || dayOf(totals.firstSeen) > dayOf(context.historyStart);
  if (startedLater && totals.firstSeen.getTime() >= context.newSince.getTime()) return 'new';
  const trusted = context.known || context.senderClass === 'aligned';
  if (trusted && share >= ALIGNED_SHARE) return 'verified';
  if (context.known && fixed) return 'fixed';
  return 'unknown';
}

const dayOf = (date: Date): number => Math.floor(date.getTime() / 86_400_000);
