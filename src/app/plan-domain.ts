/**
 * The rollout plan of one domain (docs/senders.md, "The rollout planner"): collects what the pure
 * planner (analysis/plan-rollout.ts) needs (the published record from DNS, or offline from the
 * newest reports' policy_published; the senders over the window; the policy history) and returns
 * the plan with the notices a person should read beside it, as data. Gate settings come in layers
 * (the configuration file's `gates`, a settings file, single values), each checked, every mistake
 * reported at once.
 */
import { collectRolloutHistory, findNewestPublishedRecord } from '../analysis/collect-rollout-history.js';
import type { RolloutPlan, SenderDay } from '../analysis/plan-rollout.js';
import { planRollout } from '../analysis/plan-rollout.js';
import type { PublishedSource } from '../analysis/readiness-gates.js';
import { isLegitimate, resolveGateSettings } from '../analysis/readiness-gates.js';
import type { SenderSummary } from '../analysis/sender-model.js';
import { summarizeSenders } from '../analysis/summarize-senders.js';
import type { Advice } from '../core/advice.js';
import { advice } from '../core/advice.js';
import { checkDmarc } from '../evaluate/check-dmarc.js';
import { identifyStage } from '../evaluate/dmarc-ladder.js';
import type { DmarcRecord } from '../records/dmarc-record.js';
import type { AppContext } from './context.js';
import { OFFLINE_RESOLVER } from './context.js';
import { requireDomain } from './domains.js';
import { eachItem } from './paging.js';
import { countFailureReportsBySender } from './reports.js';
import { invalid, throwIfInvalid, unavailable, withAppErrors } from './problems.js';

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

/** Reports this recent (before the newest data or now) show a record that is live. */
const LIVE_REPORT_MS = 7 * DAY_MS;

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
    const resolverName = options.offline ? 'none (offline)' : (ctx.resolverName ?? 'the system resolver');
    const notices: Advice[] = [];
    const { history, periods } = await collectRolloutHistory(ctx.store, domain, { since, until: now });
    const fromReports = findNewestPublishedRecord(periods);
    const newest = periods.reduce<Date | undefined>((max, p) => (max === undefined || p.lastSeen > max ? p.lastSeen : max), undefined);
    const reportsLive = newest !== undefined && now.getTime() - newest.getTime() <= LIVE_REPORT_MS;
    let published: DmarcRecord | undefined;
    let publishedFrom: 'dns' | 'reports' = 'dns';
    let publishedSource: PublishedSource = 'dns';
    let noData = false;
    if (options.offline) {
      published = fromReports;
      publishedFrom = 'reports';
      publishedSource = fromReports === undefined ? 'none' : 'reports-offline';
      if (fromReports === undefined) {
        // Without DNS and without a report, nothing says whether a record is published.
        noData = true;
        notices.push(advice('plan-offline-no-reports', { domain }, `No stored report names ${domain}, and offline DNS is not asked: nothing shows whether it publishes a DMARC record.`));
      }
    } else {
      const checked = await checkDmarc(domain, { resolver });
      const dnsError = checked.findings.find((f) => f.code === 'dmarc-dns-error');
      const applied = checked.records.applied;
      if (applied?.inherited) {
        // A subdomain without a record of its own is planned under the record it inherits.
        const parent = applied.name.replace(/^_dmarc\./, '');
        if (parent !== domain) {
          const planned = await planDomain(ctx, parent, options);
          const inherited = advice(
            'plan-subdomain-under-parent',
            { domain, inheritedFrom: applied.name, parent },
            `${domain} has no DMARC record of its own and inherits ${applied.name} (its sp, and np for names that do not exist): it is planned with ${parent}, whose next record stages sp for it; a record of its own would replace the policy it inherits.`,
          );
          return { plan: planned.plan, notices: [inherited, ...planned.notices] };
        }
      }
      if (applied !== undefined) {
        published = applied.record;
        const disagreement = describeDisagreement(domain, applied.record, fromReports, newest, resolverName);
        if (disagreement !== undefined && reportsLive) notices.push(disagreement);
      } else if (dnsError !== undefined) {
        if (fromReports === undefined) {
          throw unavailable(
            'dns-unanswered',
            `DNS did not answer for _dmarc.${domain} through ${resolverName} (${dnsError.message}), and no report shows the published policy: what is published is unknown, so there is nothing to plan. Try again, or use another resolver.`,
          );
        }
        notices.push(
          advice(
            'plan-dns-unanswered',
            { domain, name: `_dmarc.${domain}`, resolver: resolverName, error: dnsError.message, reportsUntil: newest?.toISOString() ?? null },
            `DNS did not answer for _dmarc.${domain} through ${resolverName} (${dnsError.message}): the published record is unknown, not absent. Planning from the newest reports' policy_published (up to ${newest?.toISOString().slice(0, 10) ?? '?'}); not ready until DNS answers.`,
          ),
        );
        published = fromReports;
        publishedFrom = 'reports';
        publishedSource = 'reports-dns-unknown';
      } else if (fromReports !== undefined && reportsLive) {
        const reporters = history.reporters.length;
        notices.push(
          advice(
            'plan-sources-disagree',
            { domain, name: `_dmarc.${domain}`, resolver: resolverName, dns: 'absent', reports: fromReports.text, reportsUntil: newest?.toISOString() ?? null, reporters },
            `DNS through ${resolverName} shows no DMARC record at _dmarc.${domain}, yet reports from ${reporters} reporter${reporters === 1 ? '' : 's'} up to ${newest?.toISOString().slice(0, 10) ?? '?'} show one published (${fromReports.text}): receivers still read a record. Check which name servers answer for the domain (a split view, a lost zone edit); planning from the reports, and not ready until DNS and the reports agree.`,
          ),
        );
        published = fromReports;
        publishedFrom = 'reports';
        publishedSource = 'reports-dns-absent';
      } else {
        publishedSource = 'none';
        if (fromReports === undefined && (await resolver.txt(domain)).status === 'nxdomain') {
          noData = true;
          notices.push(advice('plan-domain-not-found', { domain, resolver: resolverName }, `${domain} does not exist in DNS (NXDOMAIN through ${resolverName}) and no report names it: check the spelling.`));
        }
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
      publishedSource,
      senders,
      history,
      gates: settings,
      options: { rejectTest: options.rejectTest !== false, npReject: options.npReject !== false },
      now,
      days,
      senderDays: await senderDaysOf(ctx, domain, senders, since, now),
      domainDays: (await ctx.store.dailySeries(domain, { since, until: now })).map((d) => ({
        day: d.day,
        messages: d.messages,
        dmarcPass: d.dmarcPass,
        quarantined: d.dispositions.quarantine ?? 0,
        rejected: d.dispositions.reject ?? 0,
      })),
      decidedAt: await decisionTimes(ctx, domain),
      noData,
      failureReports: new Map((await countFailureReportsBySender(ctx, domain, { since, until: now }, senders)).senders.map((c) => [c.key, c.reports])),
    });
    return { plan, notices };
  });
}

/** DNS and the newest reports showing different stages: both, loudly, with when and through which resolver. */
function describeDisagreement(domain: string, dns: DmarcRecord, reports: DmarcRecord | undefined, newest: Date | undefined, resolverName: string): Advice | undefined {
  if (reports === undefined) return undefined;
  const dnsStage = identifyStage(dns).stage;
  const reportStage = identifyStage(reports).stage;
  if (dnsStage === reportStage) return undefined;
  return advice(
    'plan-sources-disagree',
    { domain, name: `_dmarc.${domain}`, resolver: resolverName, dns: dns.text, reports: reports.text, reportsUntil: newest?.toISOString() ?? null },
    `DNS through ${resolverName} shows ${dns.text} (stage ${dnsStage}) at _dmarc.${domain}, but the newest reports (up to ${newest?.toISOString().slice(0, 10) ?? '?'}) show ${reports.text} (stage ${reportStage}). Expected for a day or two after a change; otherwise receivers read another record than the one you see (a split view, another name server). The stage counts from the first reports showing the DNS record.`,
  );
}

/**
 * The legitimate senders' mail per UTC day over the window, from the store's per-source days:
 * only their addresses are asked for (a botnet's thousands are judged on the window).
 */
async function senderDaysOf(ctx: AppContext, domain: string, senders: readonly SenderSummary[], since: Date, until: Date): Promise<Map<string, SenderDay[]>> {
  const keyOf = new Map<string, string>();
  for (const s of senders.filter(isLegitimate)) for (const ip of s.sourceIps) keyOf.set(ip, s.key);
  const days = new Map<string, Map<string, SenderDay>>();
  if (keyOf.size === 0) return new Map();
  for (const row of await ctx.store.sourceDays(domain, since, until, { ips: [...keyOf.keys()] })) {
    const key = keyOf.get(row.ip);
    if (key === undefined) continue;
    const perDay = days.get(key) ?? new Map<string, SenderDay>();
    const day = perDay.get(row.day) ?? { day: row.day, messages: 0, dmarcPass: 0 };
    perDay.set(row.day, {
      day: row.day,
      messages: day.messages + row.messages,
      dmarcPass: day.dmarcPass + row.dmarcPass,
      quarantined: (day.quarantined ?? 0) + row.quarantined,
      rejected: (day.rejected ?? 0) + row.rejected,
    });
    days.set(key, perDay);
  }
  return new Map([...days].map(([key, perDay]) => [key, [...perDay.values()]]));
}

/** When each current decision of the domain was made. */
async function decisionTimes(ctx: AppContext, domain: string): Promise<Map<string, string>> {
  const times = new Map<string, string>();
  for await (const d of eachItem((page) => ctx.store.listSenderDecisions(domain, page))) times.set(d.key, d.decidedAt.toISOString());
  return times;
}
