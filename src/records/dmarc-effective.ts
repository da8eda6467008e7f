/**
 * What a receiver of each generation actually applies for a parsed record: the defaults, the
 * fallback for an invalid or missing policy (RFC 7489 §6.6.3 step 6, RFC 9989 §4.7 and §4.10.1),
 * `pct` (RFC 7489 only) and `t=y` (RFC 9989 only: one level below). Owners read their record as
 * written; receivers read it like this, and the two generations differ.
 */
import type { DmarcPolicy, DmarcRecord } from './dmarc-record.js';

export type DmarcGeneration = 'rfc7489' | 'rfc9989';

export interface DmarcEffectivePolicy {
  readonly generation: DmarcGeneration;
  /** False when the receiver applies no DMARC at all (no valid policy and no valid rua). */
  readonly applied: boolean;
  /** True when the receiver falls back to p=none because p, sp or np is missing or invalid (with a valid rua). */
  readonly fellBackToNone: boolean;
  /** Policy for the domain that published the record, as stated (after defaults and fallback). */
  readonly policy: DmarcPolicy;
  /** Policy for existing subdomains (sp, else p). */
  readonly subdomainPolicy: DmarcPolicy;
  /** Policy for non-existent subdomains (RFC 9989: np, else sp, else p; RFC 7489 has no np: sp, else p). */
  readonly nonexistentSubdomainPolicy: DmarcPolicy;
  /** Share of failing mail the policy is applied to (RFC 7489 pct; always 100 under RFC 9989). */
  readonly percentage: number;
  /** RFC 9989 t=y: the receiver applies one level below each policy. */
  readonly testing: boolean;
  /** The policies after t=y's step-down (equal to the stated ones when not testing). */
  readonly applies: { readonly policy: DmarcPolicy; readonly subdomainPolicy: DmarcPolicy; readonly nonexistentSubdomainPolicy: DmarcPolicy };
}

/** One level below, as RFC 9989 §4.7 defines t=y: reject → quarantine, quarantine → none. */
export function stepDownPolicy(policy: DmarcPolicy): DmarcPolicy {
  return policy === 'reject' ? 'quarantine' : 'none';
}

/** The policy a receiver of `generation` applies for `record`. */
export function computeEffectivePolicy(record: DmarcRecord, generation: DmarcGeneration): DmarcEffectivePolicy {
  const hasRua = record.aggregateUris.length > 0;
  const policyMissing = record.policy === undefined && !record.policyInvalid;
  const sp = record.subdomainPolicy;
  const np = generation === 'rfc9989' ? record.nonexistentSubdomainPolicy : undefined;
  // RFC 7489 ignores np (an unknown tag there), so an invalid np does not trigger its fallback.
  const spInvalid = record.subdomainPolicyInvalid && (generation === 'rfc9989' || (record.tags.some((t) => t.name.toLowerCase() === 'sp') && sp === undefined));
  const broken = record.policyInvalid || spInvalid || (generation === 'rfc7489' && policyMissing);
  if (broken) {
    const none = { policy: 'none', subdomainPolicy: 'none', nonexistentSubdomainPolicy: 'none' } as const;
    return { generation, applied: hasRua, fellBackToNone: hasRua, ...none, percentage: 100, testing: false, applies: none };
  }
  const policy = record.policy ?? 'none';
  const subdomainPolicy = sp ?? policy;
  const nonexistentSubdomainPolicy = np ?? subdomainPolicy;
  const testing = generation === 'rfc9989' && record.testing === 'y';
  const percentage = generation === 'rfc7489' ? (record.percentage ?? 100) : 100;
  const step = (value: DmarcPolicy): DmarcPolicy => (testing ? stepDownPolicy(value) : value);
  return {
    generation,
    applied: true,
    fellBackToNone: false,
    policy,
    subdomainPolicy,
    nonexistentSubdomainPolicy,
    percentage,
    testing,
    applies: { policy: step(policy), subdomainPolicy: step(subdomainPolicy), nonexistentSubdomainPolicy: step(nonexistentSubdomainPolicy) },
  };
}
