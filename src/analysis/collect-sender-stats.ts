/**
 * Everything sender analysis reads, gathered in a handful of queries: per-IP counts grouped by the
 * store in SQL (never a stream of every record), what DNS says about each IP (through the cache),
 * the owner's decisions and the policies reporters saw published.
 */
import type { Resolver } from '../core/dns-resolver.js';
import type { PublishedPolicyPeriod, SenderDecisionEntry, SourceStats, Store } from '../store/store.js';
import { MAX_PAGE_LIMIT } from '../store/store.js';
import { enrichSources } from './enrich-sources.js';
import type { EnrichmentCache } from './enrich-sources.js';
import type { SourceEnrichment } from '../core/source-facts.js';
import { storeEnrichmentCache } from './store-enrichment-cache.js';

export interface SenderEvidence {
  readonly stats: readonly SourceStats[];
  readonly enrichments: ReadonlyMap<string, SourceEnrichment>;
  readonly decisions: readonly SenderDecisionEntry[];
  readonly policies: readonly PublishedPolicyPeriod[];
}

export interface CollectOptions {
  readonly since: Date;
  readonly until: Date;
  /** Start of the recent part of the window (fixed/verified states compare it with the rest). */
  readonly recentSince: Date;
  readonly resolver: Resolver;
  readonly now: () => Date;
  /** Only the cache: nothing is asked of DNS, IPs without a fresh entry come back `unresolved`. */
  readonly offline?: boolean;
  /** Defaults to the store's own cache. */
  readonly cache?: EnrichmentCache;
  readonly concurrency?: number;
  readonly maxAgeMs?: number;
  /** An offline IP-to-network database (`--asn-db`): ASN, organisation, country of each source. */
  readonly networkLookup?: (ip: string) => SourceEnrichment['network'] | undefined;
  /** Only the mail of this header_from (a subdomain inheriting the policy domain's record). */
  readonly headerFrom?: string;
}

/** Every current decision of the domain, page after page. */
async function allSenderDecisions(store: Store, domain: string): Promise<SenderDecisionEntry[]> {
  const decisions: SenderDecisionEntry[] = [];
  let after: string | undefined;
  do {
    const page = await store.listSenderDecisions(domain, { limit: MAX_PAGE_LIMIT, after });
    decisions.push(...page.items);
    after = page.next ?? undefined;
  } while (after !== undefined);
  return decisions;
}

export async function collectSenderStats(store: Store, domain: string, options: CollectOptions): Promise<SenderEvidence> {
  const [stats, decisions, policies] = await Promise.all([
    store.sourceStats(domain, options.since, options.until, options.recentSince, options.headerFrom !== undefined ? { headerFrom: options.headerFrom } : undefined),
    allSenderDecisions(store, domain),
    store.listPublishedPolicies(domain),
  ]);
  const enrichments = await enrichSources(
    stats.map((s) => s.ip),
    {
      resolver: options.resolver,
      cache: options.cache ?? storeEnrichmentCache(store),
      now: options.now,
      ...(options.offline ? { offline: true } : {}),
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
      ...(options.networkLookup ? { networkLookup: options.networkLookup } : {}),
    },
  );
  return { stats, enrichments, decisions, policies };
}
