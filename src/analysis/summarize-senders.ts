/**
 * Every sender of a domain over a window, as `dmarcpilot senders` shows it and the rollout planner
 * reads it: stats grouped in SQL per source IP, enriched with reverse DNS (cached; offline still
 * works), grouped into senders, classified (the owner's decision wins), placed in their life
 * (new → unknown → approved → fixed → verified), diagnosed, and given the exact fix.
 */
import type { Resolver } from '../core/dns-resolver.js';
import type { PublishedPolicyPeriod, Store } from '../store/store.js';
import { classifySender, senderState } from './classify-sender.js';
import { collectSenderStats } from './collect-sender-stats.js';
import type { SenderEvidence } from './collect-sender-stats.js';
import type { EnrichmentCache } from './enrich-sources.js';
import { diagnoseSender } from './diagnose-sender.js';
import { groupSenders } from './group-senders.js';
import type { SenderSummary, SendingService } from './sender-model.js';
import type { SourceEnrichment } from '../core/source-facts.js';
import { loadServiceCatalogue } from './service-catalogue.js';

const DAY_MS = 86_400_000;
/** Days at the end of the window compared with the rest for the `fixed` state. */
export const DEFAULT_RECENT_DAYS = 7;
/** A sender first seen within this many days is `new`. */
export const DEFAULT_NEW_DAYS = 7;

export interface SummarizeSendersOptions {
  readonly since: Date;
  readonly until: Date;
  readonly resolver: Resolver;
  readonly now: () => Date;
  /** Defaults to the shipped catalogue (data/sending-services.json). */
  readonly catalogue?: readonly SendingService[];
  /** Use only cached reverse DNS; uncached sources are `unresolved` but still grouped and classified. */
  readonly offline?: boolean;
  /** Defaults to the store's own cache. */
  readonly cache?: EnrichmentCache;
  readonly recentDays?: number;
  readonly newDays?: number;
  /** Reverse DNS lookups at a time. */
  readonly concurrency?: number;
  /** An offline IP-to-network database (`--asn-db`): names the network of each source. */
  readonly networkLookup?: (ip: string) => SourceEnrichment['network'] | undefined;
  /** Only the mail of this header_from below the policy domain (a subdomain without a record of its own). */
  readonly headerFrom?: string;
}

const isoDay = (date: Date): string => date.toISOString().slice(0, 10);

/**
 * When the policy reporters see now was first seen, if an earlier, different policy was seen
 * before it: the last policy change as the reports show it.
 */
export function findLastPolicyChange(policies: readonly PublishedPolicyPeriod[]): Date | null {
  if (policies.length < 2) return null;
  const current = [...policies].sort((a, b) => b.lastSeen.getTime() - a.lastSeen.getTime())[0];
  if (!current) return null;
  const earlier = policies.some((p) => p !== current && p.firstSeen.getTime() < current.firstSeen.getTime());
  return earlier ? current.firstSeen : null;
}

/** The senders of `domain` in [since, until), most messages first. */
export async function summarizeSenders(store: Store, domain: string, options: SummarizeSendersOptions): Promise<SenderSummary[]> {
  const policyDomain = domain.toLowerCase();
  const recentDays = options.recentDays ?? DEFAULT_RECENT_DAYS;
  const recentSince = new Date(Math.max(options.since.getTime(), options.until.getTime() - recentDays * DAY_MS));
  const evidence = await collectSenderStats(store, policyDomain, {
    since: options.since,
    until: options.until,
    recentSince,
    resolver: options.resolver,
    now: options.now,
    ...(options.offline ? { offline: true } : {}),
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.networkLookup ? { networkLookup: options.networkLookup } : {}),
    ...(options.headerFrom !== undefined ? { headerFrom: options.headerFrom } : {}),
  });
  return summarizeEvidence(policyDomain, evidence, {
    catalogue: options.catalogue ?? loadServiceCatalogue(),
    now: options.now(),
    since: options.since,
    recentDays,
    newDays: options.newDays ?? DEFAULT_NEW_DAYS,
  });
}

/** The pure part of summarizeSenders, from collected evidence (tests and benchmarks call it directly). */
export function summarizeEvidence(
  domain: string,
  evidence: SenderEvidence,
  settings: { readonly catalogue: readonly SendingService[]; readonly now: Date; readonly since: Date; readonly recentDays: number; readonly newDays: number },
): SenderSummary[] {
  const decisions = new Map(evidence.decisions.map((d) => [d.key, d]));
  const change = findLastPolicyChange(evidence.policies);
  const recentNew = settings.now.getTime() - settings.newDays * DAY_MS;
  const newSince = new Date(change !== null && change.getTime() >= settings.since.getTime() ? Math.min(recentNew, change.getTime()) : recentNew);
  const historyStart = evidence.policies.reduce<Date | null>((min, p) => (min === null || p.firstSeen < min ? p.firstSeen : min), null);

  const summaries = groupSenders(evidence.stats, evidence.enrichments, settings.catalogue).map((group): SenderSummary => {
    const recorded = decisions.get(group.key);
    const decision = recorded?.decision ?? null;
    const senderClass = classifySender(group, domain, decision);
    const state = senderState(group.totals, { decision, senderClass, known: group.service !== null, now: settings.now, newSince, historyStart });
    const advice = diagnoseSender(group, { domain, senderClass, state, recentDays: settings.recentDays });
    const t = group.totals;
    const spf = t.spf.filter((s) => s.scope !== 'helo');
    return {
      key: group.key,
      label: group.label,
      serviceId: group.service?.id ?? null,
      matches: group.matches,
      sourceIps: group.sources.map((s) => s.ip),
      messages: t.messages,
      dmarcPass: t.dmarcPass,
      dkimAlignedPass: t.dkimAlignedPass,
      spfAlignedPass: t.spfAlignedPass,
      dkimDomains: t.dkim.map((d) => ({ domain: d.domain, selector: d.selector, result: d.result, messages: d.messages })),
      spfDomains: mergeSpf(spf.length > 0 ? spf : t.spf),
      dispositions: t.dispositions,
      overrides: mergeOverrides(t.reasons),
      firstSeen: isoDay(t.firstSeen),
      lastSeen: isoDay(t.lastSeen),
      class: senderClass,
      decision,
      decisionRecord: recorded ? { decision: recorded.decision, actor: recorded.actor, at: recorded.decidedAt.toISOString(), note: recorded.note } : null,
      state,
      diagnosis: advice.diagnosis,
      fix: advice.fix,
      sources: group.sources.map((source, i) => {
        const enrichment = group.enrichments[i];
        return {
          ip: source.ip,
          messages: source.messages,
          dmarcPass: source.dmarcPass,
          fcrdns: enrichment?.fcrdns ?? 'unresolved',
          name: enrichment?.confirmedName ?? enrichment?.ptrNames[0] ?? null,
          ...(enrichment?.network ? { network: enrichment.network } : {}),
        };
      }),
    };
  });
  return summaries.sort((a, b) => b.messages - a.messages || (a.key < b.key ? -1 : 1));
}

function mergeSpf(list: readonly { domain: string; result: string; messages: number }[]): SenderSummary['spfDomains'] {
  const merged = new Map<string, { domain: string; result: string; messages: number }>();
  for (const s of list) {
    const key = `${s.domain}\u0000${s.result}`;
    const entry = merged.get(key) ?? { domain: s.domain, result: s.result, messages: 0 };
    entry.messages += s.messages;
    merged.set(key, entry);
  }
  return [...merged.values()].sort((a, b) => b.messages - a.messages);
}

function mergeOverrides(list: readonly { type: string; messages: number }[]): SenderSummary['overrides'] {
  const merged = new Map<string, number>();
  for (const r of list) merged.set(r.type, (merged.get(r.type) ?? 0) + r.messages);
  return [...merged].sort((a, b) => b[1] - a[1]).map(([type, messages]) => ({ type, messages }));
}
