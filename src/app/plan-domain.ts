/**
 * The rollout plan of one domain (docs/senders.md, "The rollout planner"): collects what the pure
 * planner (analysis/plan-rollout.ts) needs (the published record from DNS, or offline from the
 * newest reports' policy_published; the senders over the window; the policy history) and returns
 * the plan with the notices a person should read beside it, as data. Gate settings come in layers
 * (the configuration file's `gates`, a settings file, single values), each checked, every mistake
 * reported at once.
 */
import { collectRolloutHistory, findNewestPublishedRecord } from '../analysis/collect-rollout-history.js';
import type { RolloutPlan } from '../analysis/plan-rollout.js';
import { planRollout } from '../analysis/plan-rollout.js';
import { resolveGateSettings } from '../analysis/readiness-gates.js';
import { summarizeSenders } from '../analysis/summarize-senders.js';
import type { Advice } from '../core/advice.js';
import { advice } from '../core/advice.js';
import { checkDmarc } from '../evaluate/check-dmarc.js';
import type { DmarcRecord } from '../records/dmarc-record.js';
import type { AppContext } from './context.js';
import { OFFLINE_RESOLVER } from './context.js';
import { requireDomain } from './domains.js';
import { invalid, throwIfInvalid, withAppErrors } from './problems.js';

export type { RolloutPlan } from '../analysis/plan-rollout.js';
export type { GateResult, GateSettings } from '../analysis/readiness-gates.js';
export type { ImpactCount, ImpactTotals } from '../analysis/simulate-impact.js';

export const DEFAULT_PLAN_DAYS = 30;
const DAY_MS = 86_400_000;

export interface PlanDomainOptions {
  /** Days of reports to judge and simulate on. Default 30. */
  readonly days?: number;
  /** No DNS: the published policy from the newest reports, sources left unresolved. */
  readonly offline?: boolean;
  /**
   * Gate settings, in layers applied in order over the configured ones (ctx.gates), each an
   * object such as `{"minDaysAtStage": 21}`; undefined layers are skipped.
   */
  readonly gates?: readonly unknown[];
  /** Include the `reject-test` stage (default true). */
  readonly rejectTest?: boolean;
  /** Add np=reject for non-existent subdomains (default true). */
  readonly npReject?: boolean;
  /** Reverse DNS lookups at once. */
  readonly concurrency?: number;
}

export interface PlanDomainResult {
  readonly plan: RolloutPlan;
  /** What a person should know about how the plan was made (DNS did not answer, the record is inherited). */
  readonly notices: readonly Advice[];
}

export async function planDomain(ctx: AppContext, domainText: string, options: PlanDomainOptions = {}): Promise<PlanDomainResult> {
  const domain = requireDomain(domainText);
  const days = options.days ?? DEFAULT_PLAN_DAYS;
  if (!Number.isInteger(days) || days < 1) throw invalid('value-out-of-range', 'days', `days must be a whole number of at least 1, not ${days}`);
  const { settings, problems } = resolveGateSettings(ctx.gates, ...(options.gates ?? []));
  throwIfInvalid(problems);
  return withAppErrors(async () => {
    const now = ctx.now();
    const since = new Date(now.getTime() - days * DAY_MS);
    const resolver = options.offline ? OFFLINE_RESOLVER : ctx.resolver;
    const notices: Advice[] = [];
    const { history, periods } = await collectRolloutHistory(ctx.store, domain, { since, until: now });
    let published: DmarcRecord | undefined;
    let publishedFrom: 'dns' | 'reports' = 'dns';
    if (options.offline) {
      published = findNewestPublishedRecord(periods);
      publishedFrom = 'reports';
    } else {
      const checked = await checkDmarc(domain, { resolver });
      published = checked.records.applied?.record;
      if (published === undefined && checked.findings.some((f) => f.code === 'dmarc-dns-error')) {
        notices.push(
          advice('plan-dns-unanswered', { domain, name: `_dmarc.${domain}` }, `DNS did not answer for _dmarc.${domain}; planning from the newest reports' policy_published instead.`),
        );
        published = findNewestPublishedRecord(periods);
        publishedFrom = 'reports';
      } else if (checked.records.applied?.inherited) {
        const from = checked.records.applied.name;
        notices.push(advice('plan-record-inherited', { domain, inheritedFrom: from }, `${domain} has no DMARC record of its own and inherits ${from}; the next record would give it one.`));
      }
    }
    const senders = await summarizeSenders(ctx.store, domain, {
      since,
      until: now,
      resolver,
      now: () => now,
      catalogue: ctx.catalogue,
      ...(options.offline ? { offline: true } : {}),
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      ...(ctx.networkLookup ? { networkLookup: ctx.networkLookup } : {}),
    });
    const plan = planRollout({
      domain,
      published,
      publishedFrom,
      senders,
      history,
      gates: settings,
      options: { rejectTest: options.rejectTest !== false, npReject: options.npReject !== false },
      now,
      days,
    });
    return { plan, notices };
  });
}
