/**
 * Which DMARC record a receiver finds for a domain, as each generation of receiver looks for it:
 * RFC 7489 §6.6.3 (the domain, then its Organizational Domain from the public suffix list) and
 * RFC 9989 §4.10 (the DNS tree walk: at most 8 queries, down to the TLD, stopping at psd=y/n;
 * Organizational Domain by §4.10.2; the record from the domain, its Organizational Domain or its
 * PSD by §4.10.1). Both walks share one query cache, and the differences are the point: receivers
 * will run both for years (standards sheet §0).
 *
 * A DNS failure on a name the outcome depends on makes the outcome `dns-error` (temperror), never
 * "none": a timeout is not an absent record.
 */
import { getDomain } from 'tldts';
import type { DnsAnswer, Resolver } from '../core/dns-resolver.js';
import { isDmarcRecordText, parseDmarcRecord } from '../records/dmarc-record.js';
import type { DmarcGeneration } from '../records/dmarc-effective.js';
import type { Finding } from './finding.js';
import { finding } from './finding.js';

/** One TXT query at `_dmarc.<name>` as it went. */
export interface DmarcLookup {
  /** The queried name, e.g. `_dmarc.example.com`. */
  readonly name: string;
  /** The domain the name is for, e.g. `example.com`. */
  readonly domain: string;
  readonly status: DnsAnswer<unknown>['status'];
  /** The DNS failure, for status `error`. */
  readonly error?: string;
  /** Every TXT record at the name, its strings joined (RFC 7489 §6.1, RFC 9989 §4.5). */
  readonly texts: readonly string[];
  /** The records that start with v=DMARC1 (the receivers' filter). */
  readonly dmarc: readonly string[];
}

export type DmarcDiscoveryOutcome =
  /** One record applies. */
  | 'found'
  /** No record applies: DMARC is not applied. */
  | 'none'
  /** RFC 7489: several records at the name where discovery stopped, so DMARC is not applied. */
  | 'multiple'
  /** A query the outcome depends on failed: temperror, the receiver cannot tell. */
  | 'dns-error';

export interface DmarcDiscovery {
  readonly generation: DmarcGeneration;
  /** The domain discovery started from (A-label, lower case). */
  readonly domain: string;
  readonly outcome: DmarcDiscoveryOutcome;
  /** The domain whose `_dmarc` record applies (outcome `found`). */
  readonly policyDomain?: string;
  /** The record text that applies (outcome `found`). */
  readonly record?: string;
  /** True when the record is not the domain's own, so sp/np (not p) govern the domain. */
  readonly inherited: boolean;
  /** The Organizational Domain: by the PSL (RFC 7489 §3.2) or by the tree walk (RFC 9989 §4.10.2). */
  readonly organizationalDomain: string;
  /** The name discovery stopped at when the outcome is `multiple` or `dns-error`. */
  readonly stoppedAt?: string;
  /** The queries this generation's discovery makes, in order. */
  readonly lookups: readonly DmarcLookup[];
  /** RFC 9989: names whose several DMARC records were all discarded while the walk went on. */
  readonly discarded: readonly string[];
}

export interface DmarcDiscoveries {
  readonly rfc7489: DmarcDiscovery;
  readonly rfc9989: DmarcDiscovery;
}

/** A per-check cache of `_dmarc` TXT lookups, so two walks over the same names query once. */
export type DmarcLookupCache = Map<string, Promise<DmarcLookup>>;

/** The most queries the RFC 9989 tree walk makes (§4.10). */
export const TREE_WALK_MAX_QUERIES = 8;

/** The organizational domain by the public suffix list (ICANN section), or the domain itself when the PSL has none. */
export function findOrganizationalDomain(domain: string): string {
  return getDomain(domain, { allowPrivateDomains: false }) ?? domain;
}

/** The names the RFC 9989 tree walk queries, in order (§4.10 steps 3–5): at most 8, ending at the TLD. */
export function listTreeWalkNames(domain: string): string[] {
  const labels = domain.split('.').filter((label) => label !== '');
  const names: string[] = [];
  if (labels.length === 0) return names;
  names.push(labels.join('.'));
  let count = labels.length >= 8 ? 7 : labels.length - 1;
  while (count >= 1) {
    names.push(labels.slice(labels.length - count).join('.'));
    count--;
  }
  return names;
}

/** Looks up `_dmarc.<domain>` once per cache. */
export function lookupDmarcTxt(domain: string, resolver: Resolver, cache: DmarcLookupCache = new Map()): Promise<DmarcLookup> {
  const cached = cache.get(domain);
  if (cached) return cached;
  const name = `_dmarc.${domain}`;
  const pending = resolver.txt(name).then((answer): DmarcLookup => {
    if (answer.status === 'error') return { name, domain, status: 'error', error: `${answer.code}: ${answer.message}`, texts: [], dmarc: [] };
    const texts = answer.status === 'ok' ? answer.records.map((strings) => strings.join('')) : [];
    return { name, domain, status: answer.status, texts, dmarc: texts.filter(isDmarcRecordText) };
  });
  cache.set(domain, pending);
  return pending;
}

/** RFC 7489 §6.6.3: the domain, then (only when nothing is left) its Organizational Domain by the PSL. */
export async function discoverDmarcRfc7489(domain: string, resolver: Resolver, cache: DmarcLookupCache = new Map()): Promise<DmarcDiscovery> {
  const organizationalDomain = findOrganizationalDomain(domain);
  const base = { generation: 'rfc7489' as const, domain, organizationalDomain, discarded: [] };
  const lookups: DmarcLookup[] = [];
  for (const candidate of organizationalDomain === domain ? [domain] : [domain, organizationalDomain]) {
    const lookup = await lookupDmarcTxt(candidate, resolver, cache);
    lookups.push(lookup);
    if (lookup.status === 'error') return { ...base, outcome: 'dns-error', stoppedAt: lookup.name, inherited: false, lookups };
    if (lookup.dmarc.length > 1) return { ...base, outcome: 'multiple', stoppedAt: lookup.name, inherited: false, lookups };
    const [record] = lookup.dmarc;
    if (record !== undefined) return { ...base, outcome: 'found', policyDomain: candidate, record, inherited: candidate !== domain, lookups };
  }
  return { ...base, outcome: 'none', inherited: false, lookups };
}

interface Collected {
  readonly domain: string;
  readonly record: string;
  readonly psd: 'y' | 'n' | 'u';
}

/** RFC 9989 §4.10: the tree walk, the Organizational Domain (§4.10.2) and the record that applies (§4.10.1). */
export async function discoverDmarcRfc9989(domain: string, resolver: Resolver, cache: DmarcLookupCache = new Map()): Promise<DmarcDiscovery> {
  const lookups: DmarcLookup[] = [];
  const collected: Collected[] = [];
  const discarded: string[] = [];
  let failed: DmarcLookup | undefined;
  for (const candidate of listTreeWalkNames(domain)) {
    const lookup = await lookupDmarcTxt(candidate, resolver, cache);
    lookups.push(lookup);
    if (lookup.status === 'error') {
      failed = lookup;
      break;
    }
    // Step 2: several records at one name are all discarded, and the walk goes on.
    if (lookup.dmarc.length > 1) discarded.push(lookup.name);
    if (lookup.dmarc.length !== 1) continue;
    const record = lookup.dmarc[0] as string;
    const psd = parseDmarcRecord(record).record?.publicSuffixDomain ?? 'u';
    collected.push({ domain: candidate, record, psd });
    if (psd === 'y' || psd === 'n') break;
  }
  const base = { generation: 'rfc9989' as const, domain, lookups, discarded };
  const own = collected.find((entry) => entry.domain === domain);
  if (failed) {
    // The domain's own record is settled by the first query, before any walk (§4.10.1).
    if (own) return { ...base, outcome: 'found', policyDomain: domain, record: own.record, inherited: false, organizationalDomain: domain, stoppedAt: failed.name };
    return { ...base, outcome: 'dns-error', inherited: false, organizationalDomain: domain, stoppedAt: failed.name };
  }
  const organizationalDomain = selectOrganizationalDomain(domain, collected);
  const applied = own ?? collected.find((entry) => entry.domain === organizationalDomain) ?? fewestLabels(collected);
  if (!applied) return { ...base, outcome: 'none', inherited: false, organizationalDomain };
  return { ...base, outcome: 'found', policyDomain: applied.domain, record: applied.record, inherited: applied.domain !== domain, organizationalDomain };
}

/** RFC 9989 §4.10.2, from the longest name to the shortest: psd=n; psd=y (not at the start) gives one label below; else the fewest labels; else the domain itself. */
function selectOrganizationalDomain(domain: string, collected: readonly Collected[]): string {
  for (const entry of collected) {
    if (entry.psd === 'n') return entry.domain;
    if (entry.psd === 'y' && entry.domain !== domain) {
      const depth = entry.domain.split('.').length + 1;
      return domain.split('.').slice(-depth).join('.');
    }
  }
  return fewestLabels(collected)?.domain ?? domain;
}

function fewestLabels(collected: readonly Collected[]): Collected | undefined {
  return collected.reduce<Collected | undefined>((best, entry) => (best === undefined || entry.domain.split('.').length < best.domain.split('.').length ? entry : best), undefined);
}

/** Both generations' discovery over one shared cache. */
export async function discoverDmarc(domain: string, resolver: Resolver, cache: DmarcLookupCache = new Map()): Promise<DmarcDiscoveries> {
  const rfc7489 = await discoverDmarcRfc7489(domain, resolver, cache);
  const rfc9989 = await discoverDmarcRfc9989(domain, resolver, cache);
  return { rfc7489, rfc9989 };
}

/**
 * Where an RFC 7489 receiver and an RFC 9989 receiver reach different conclusions for the same
 * domain (RFC 9989 App. C.3): a different record, one applying DMARC and the other not, or a
 * different Organizational Domain (which changes relaxed alignment). DNS failures are left to
 * dmarc-dns-error.
 */
export function compareDiscoveries({ rfc7489, rfc9989 }: DmarcDiscoveries): Finding[] {
  if (rfc7489.outcome === 'dns-error' || rfc9989.outcome === 'dns-error') return [];
  const name = `_dmarc.${rfc7489.domain}`;
  const fix = `Publish a DMARC record at _dmarc.${rfc7489.domain} itself, so that receivers of both generations find the same record without a walk.`;
  const rfc = 'RFC 9989 §4.10, App. C.3; RFC 7489 §6.6.3';
  const describe = (d: DmarcDiscovery): string =>
    d.outcome === 'found' ? `apply the record at _dmarc.${d.policyDomain}` : d.outcome === 'multiple' ? `apply no DMARC (several records at ${d.stoppedAt})` : 'find no record and apply no DMARC';
  // What each generation does: its outcome and the `_dmarc` name it applies (or stopped at).
  const where = (d: DmarcDiscovery): string | null => (d.outcome === 'found' ? `_dmarc.${d.policyDomain ?? ''}` : d.outcome === 'multiple' ? (d.stoppedAt ?? null) : null);
  const params = { name, domain: rfc7489.domain, rfc7489: rfc7489.outcome, rfc9989: rfc9989.outcome, rfc7489Name: where(rfc7489), rfc9989Name: where(rfc9989) };
  if (rfc7489.outcome !== rfc9989.outcome || rfc7489.policyDomain !== rfc9989.policyDomain) {
    const discarded = rfc9989.discarded.length > 0 ? ` RFC 9989 receivers discarded the several records at ${rfc9989.discarded.join(', ')}.` : '';
    return [
      finding('dmarc-discovery-differs', 'warning', `RFC 7489 receivers (public suffix list) ${describe(rfc7489)}, but RFC 9989 receivers (DNS tree walk) ${describe(rfc9989)}.${discarded}`, fix, rfc, { name }, { ...params, discarded: rfc9989.discarded }),
    ];
  }
  // Organizational Domains are compared only when a record applies and the walk went through.
  if (rfc7489.outcome === 'found' && rfc9989.stoppedAt === undefined && rfc7489.organizationalDomain !== rfc9989.organizationalDomain) {
    return [
      finding(
        'dmarc-discovery-differs',
        'info',
        `Both generations apply the same record, but the Organizational Domain is ${rfc7489.organizationalDomain} by the public suffix list (RFC 7489) and ${rfc9989.organizationalDomain} by the tree walk (RFC 9989), so relaxed alignment can differ between them.`,
        'Use strict alignment (adkim=s; aspf=s) or publish a record for every sending domain, the full mitigation RFC 9989 App. C.3 gives.',
        rfc,
        { name },
        { ...params, discarded: [], rfc7489OrganizationalDomain: rfc7489.organizationalDomain, rfc9989OrganizationalDomain: rfc9989.organizationalDomain },
      ),
    ];
  }
  return [];
}
