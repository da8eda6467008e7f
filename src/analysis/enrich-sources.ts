/**
 * What DNS says about each source IP of the reports: its PTR names, whether one of them resolves
 * back to the IP (forward-confirmed reverse DNS, the "iprev" check of RFC 8601 §3), and the
 * organisational domain of the confirmed name. Lookups go through the injected Resolver with
 * bounded concurrency and through a cache with an expiry, so a second run asks DNS nothing and an
 * offline run still returns an entry for every IP (marked `unresolved`).
 */
import type { DnsAnswer, Resolver } from '../core/dns-resolver.js';
import { canonicalizeIp } from '../core/ip.js';
import { findOrganizationalDomain } from '../evaluate/dmarc-discovery.js';
import { parseSpfIp, reverseName } from '../records/spf-network.js';
import type { SourceEnrichment } from '../core/source-facts.js';
import { runBounded } from '../core/run-bounded.js';

/** Where enrichments are kept between runs (the store backs it in production, a Map in tests). */
export interface EnrichmentCache {
  /** The entries held for these IPs, whatever their age (expiry is decided by enrichSources). */
  get(ips: readonly string[]): Promise<Map<string, SourceEnrichment>>;
  put(entries: readonly SourceEnrichment[]): Promise<void>;
}

export interface EnrichOptions {
  readonly resolver: Resolver;
  readonly cache: EnrichmentCache;
  readonly now: () => Date;
  /** IPs looked up at the same time; default 16. */
  readonly concurrency?: number;
  /** A cached entry older than this is looked up again; default 7 days. */
  readonly maxAgeMs?: number;
  /** A cached `unresolved` entry (DNS failed) is retried after this; default 15 minutes (additive option). */
  readonly unresolvedMaxAgeMs?: number;
  /** Use only the cache: IPs without a fresh entry come back `unresolved`, nothing is queried (additive option). */
  readonly offline?: boolean;
  /** An offline network (ASN) database, when one is installed; see docs/senders.md. */
  readonly networkLookup?: (ip: string) => SourceEnrichment['network'] | undefined;
}

export const DEFAULT_ENRICH_CONCURRENCY = 16;
export const DEFAULT_ENRICH_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_UNRESOLVED_MAX_AGE_MS = 15 * 60 * 1000;
/** PTR names checked per IP, as the 10-name limit of RFC 7208 §5.5 for the same forward check. */
export const MAX_PTR_NAMES = 10;
/** Entries written to the cache at a time, so an interrupted run keeps most of its work. */
const PUT_BATCH = 200;

/**
 * One enrichment per distinct IP of `ips`, keyed by the IP as given. Fresh cache entries are
 * used as they are; the rest are looked up and written back (failures too, with a short
 * expiry, so an offline run does not wait on every timeout twice).
 */
export async function enrichSources(ips: readonly string[], options: EnrichOptions): Promise<Map<string, SourceEnrichment>> {
  const distinct = [...new Set(ips)];
  const now = options.now();
  const maxAge = options.maxAgeMs ?? DEFAULT_ENRICH_MAX_AGE_MS;
  const unresolvedMaxAge = Math.min(options.unresolvedMaxAgeMs ?? DEFAULT_UNRESOLVED_MAX_AGE_MS, maxAge);
  const cached = distinct.length > 0 ? await options.cache.get(distinct) : new Map<string, SourceEnrichment>();
  const result = new Map<string, SourceEnrichment>();
  const missing: string[] = [];
  for (const ip of distinct) {
    const entry = cached.get(ip);
    if (entry && isFresh(entry, now, entry.fcrdns === 'unresolved' ? unresolvedMaxAge : maxAge)) result.set(ip, entry);
    else missing.push(ip);
  }

  const resolvedAt = now.toISOString();
  if (options.offline) {
    for (const ip of missing) result.set(ip, emptyEnrichment(ip, 'unresolved', resolvedAt));
  } else {
    const forward = new Map<string, Promise<DnsAnswer<string>>>();
    let pending: SourceEnrichment[] = [];
    const flush = async (): Promise<void> => {
      const batch = pending;
      pending = [];
      if (batch.length > 0) await options.cache.put(batch);
    };
    await runBounded(missing, options.concurrency ?? DEFAULT_ENRICH_CONCURRENCY, async (ip) => {
      // A resolver that throws (rather than answering an error) is treated as a DNS failure.
      const entry = await lookupSource(ip, options.resolver, resolvedAt, forward).catch(() => emptyEnrichment(ip, 'unresolved', resolvedAt));
      result.set(ip, entry);
      if (canonicalizeIp(ip)) pending.push(entry);
      if (pending.length >= PUT_BATCH) await flush();
    });
    await flush();
  }

  const ordered = new Map<string, SourceEnrichment>();
  for (const ip of distinct) {
    const entry = result.get(ip) ?? emptyEnrichment(ip, 'unresolved', resolvedAt);
    const network = options.networkLookup?.(ip);
    ordered.set(ip, network ? { ...entry, network } : entry);
  }
  return ordered;
}

/** A cache kept in memory for one process: tests, and runs without a store. */
export function memoryEnrichmentCache(): EnrichmentCache {
  const entries = new Map<string, SourceEnrichment>();
  return {
    get(ips) {
      const found = new Map<string, SourceEnrichment>();
      for (const ip of ips) {
        const entry = entries.get(ip);
        if (entry) found.set(ip, entry);
      }
      return Promise.resolve(found);
    },
    put(list) {
      for (const entry of list) entries.set(entry.ip, entry);
      return Promise.resolve();
    },
  };
}

/** PTR, then A or AAAA of each PTR name (at most 10) until one includes the IP. */
async function lookupSource(ip: string, resolver: Resolver, resolvedAt: string, forward: Map<string, Promise<DnsAnswer<string>>>): Promise<SourceEnrichment> {
  const parsed = parseSpfIp(ip);
  if (!parsed) return emptyEnrichment(ip, 'none', resolvedAt);
  const ptr = await resolver.ptr(reverseName(parsed));
  if (ptr.status === 'error') return emptyEnrichment(ip, 'unresolved', resolvedAt);
  if (ptr.status !== 'ok') return emptyEnrichment(ip, 'none', resolvedAt);
  const ptrNames = [...new Set(ptr.records.map((name) => name.toLowerCase().replace(/\.$/, '')).filter((name) => name !== ''))];
  if (ptrNames.length === 0) return emptyEnrichment(ip, 'none', resolvedAt);

  let failed = false;
  for (const name of ptrNames.slice(0, MAX_PTR_NAMES)) {
    const key = `${parsed.version} ${name}`;
    let answer = forward.get(key);
    if (!answer) {
      answer = parsed.version === 4 ? resolver.a(name) : resolver.aaaa(name);
      forward.set(key, answer);
    }
    const addresses = await answer;
    if (addresses.status === 'error') {
      failed = true;
      continue;
    }
    if (addresses.status === 'ok' && addresses.records.some((address) => parseSpfIp(address)?.text === parsed.text)) {
      return { ip, ptrNames, confirmedName: name, fcrdns: 'confirmed', organizationalDomain: findOrganizationalDomain(name), resolvedAt };
    }
  }
  // A failed forward lookup might have confirmed the name: that is a temporary error, not "unconfirmed".
  return { ip, ptrNames, confirmedName: null, fcrdns: failed ? 'unresolved' : 'unconfirmed', organizationalDomain: null, resolvedAt };
}

function emptyEnrichment(ip: string, fcrdns: 'none' | 'unresolved', resolvedAt: string): SourceEnrichment {
  return { ip, ptrNames: [], confirmedName: null, fcrdns, organizationalDomain: null, resolvedAt };
}

function isFresh(entry: SourceEnrichment, now: Date, maxAgeMs: number): boolean {
  const at = Date.parse(entry.resolvedAt);
  return Number.isFinite(at) && now.getTime() - at < maxAgeMs && at <= now.getTime() + 60_000;
}
