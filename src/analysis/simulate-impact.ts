/**
 * What a record would have done to the last days of mail, sender by sender: a message fails DMARC
 * when the receiver evaluated neither an aligned DKIM nor an aligned SPF pass; RFC 7489 receivers
 * apply the policy to pct% of it (expected value; for reject the rest is quarantined, §6.6.4),
 * RFC 9989 receivers to all of it, one level below with t=y (§4.7). The two generations are
 * weighted by their share of the reported volume. Failing mail a receiver already let through by
 * a forwarding or local-policy override is counted as exempt: it would be again.
 */
import type { DmarcRecord } from '../records/dmarc-record.js';
import { EXEMPT_OVERRIDES, countFailing, isLegitimate } from './readiness-gates.js';
import type { PolicyEffect } from '../evaluate/dmarc-ladder.js';
import { computePolicyEffect } from '../evaluate/dmarc-ladder.js';
import type { SenderSummary } from './sender-model.js';

/** Expected messages quarantined and rejected. */
export interface ImpactCount {
  readonly quarantined: number;
  readonly rejected: number;
}

export interface SenderImpact {
  readonly sender: string;
  readonly label: string;
  readonly class: SenderSummary['class'];
  readonly decision: SenderSummary['decision'];
  /** Aligned, known service, forwarded or approved (and not rejected by the owner). */
  readonly legitimate: boolean;
  readonly messages: number;
  readonly failing: number;
  /** Failing messages receivers let through by a forwarded/mailing_list/trusted_forwarder/local_policy override. */
  readonly exempt: number;
  /** If every receiver were RFC 7489 / RFC 9989. */
  readonly rfc7489: ImpactCount;
  readonly rfc9989: ImpactCount;
  /** Weighted by the reported mix of receivers. */
  readonly expected: ImpactCount;
}

export interface ImpactTotals {
  readonly senders: number;
  readonly messages: number;
  readonly failing: number;
  readonly rfc7489: ImpactCount;
  readonly rfc9989: ImpactCount;
  readonly expected: ImpactCount;
}

export interface ImpactSimulation {
  /** The record simulated. */
  readonly record: string;
  /** Days of mail simulated. */
  readonly days: number;
  /** Share (0–1) of the volume reported by RFC 9989 receivers, used for `expected`. */
  readonly rfc9989Share: number;
  readonly effect: { readonly rfc7489: PolicyEffect; readonly rfc9989: PolicyEffect };
  /** Senders with failing mail, most affected first. */
  readonly senders: readonly SenderImpact[];
  readonly legitimate: ImpactTotals;
  /** Suspicious, unknown and owner-rejected senders. */
  readonly suspicious: ImpactTotals;
}


/** Rounds away float noise (expected values are fractional). */
const round = (n: number): number => Math.round(n * 100) / 100;

function apply(messages: number, effect: PolicyEffect): ImpactCount {
  return { quarantined: round(messages * effect.quarantine), rejected: round(messages * effect.reject) };
}

function mix(seven: ImpactCount, nine: ImpactCount, share: number): ImpactCount {
  return { quarantined: round(seven.quarantined * (1 - share) + nine.quarantined * share), rejected: round(seven.rejected * (1 - share) + nine.rejected * share) };
}

/** Simulates `record` (the domain's own policy, p) on the senders' mail. */
export function simulateImpact(senders: readonly SenderSummary[], record: DmarcRecord, options: { readonly rfc9989Share: number; readonly days: number }): ImpactSimulation {
  const effect = { rfc7489: computePolicyEffect(record, 'rfc7489'), rfc9989: computePolicyEffect(record, 'rfc9989') };
  const share = Math.min(1, Math.max(0, options.rfc9989Share));
  const impacts: SenderImpact[] = [];
  for (const sender of senders) {
    const failing = countFailing(sender);
    if (failing === 0) continue;
    const overridden = sender.overrides.filter((o) => EXEMPT_OVERRIDES.has(o.type)).reduce((n, o) => n + o.messages, 0);
    const exempt = Math.min(failing, overridden);
    const atRisk = failing - exempt;
    const seven = apply(atRisk, effect.rfc7489);
    const nine = apply(atRisk, effect.rfc9989);
    impacts.push({
      sender: sender.key,
      label: sender.label,
      class: sender.class,
      decision: sender.decision,
      legitimate: isLegitimate(sender),
      messages: sender.messages,
      failing,
      exempt,
      rfc7489: seven,
      rfc9989: nine,
      expected: mix(seven, nine, share),
    });
  }
  const affected = (i: SenderImpact): number => i.expected.quarantined + i.expected.rejected;
  impacts.sort((a, b) => affected(b) - affected(a) || b.failing - a.failing || (a.sender < b.sender ? -1 : 1));
  const totals = (legitimate: boolean): ImpactTotals => {
    const group = senders.filter((s) => isLegitimate(s) === legitimate);
    const rows = impacts.filter((i) => i.legitimate === legitimate);
    const sum = (pick: (i: SenderImpact) => ImpactCount): ImpactCount => ({
      quarantined: round(rows.reduce((n, i) => n + pick(i).quarantined, 0)),
      rejected: round(rows.reduce((n, i) => n + pick(i).rejected, 0)),
    });
    return {
      senders: group.length,
      messages: group.reduce((n, s) => n + s.messages, 0),
      failing: rows.reduce((n, i) => n + i.failing, 0),
      rfc7489: sum((i) => i.rfc7489),
      rfc9989: sum((i) => i.rfc9989),
      expected: sum((i) => i.expected),
    };
  };
  return { record: record.text, days: options.days, rfc9989Share: round(share * 10000) / 10000, effect, senders: impacts, legitimate: totals(true), suspicious: totals(false) };
}
