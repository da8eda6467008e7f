/**
 * Whether a domain's check could see its DNS at all, and what each record's state is.
 *
 * A check makes a few dozen lookups. When they all fail, seven `*-dns-error` findings blaming the
 * domain's name servers say less than one sentence naming the real cause, which is one of:
 *
 * - the resolver itself fails (a closed port, a firewall, a server that refuses recursion): it
 *   does not answer a name outside the domain either (`dns-resolver-failed`, naming its address);
 * - the domain's own servers fail (SERVFAIL or timeouts for every name of the domain, while the
 *   resolver answers for other names): a broken delegation or DNSSEC (`dns-domain-servers-failed`);
 * - the domain does not exist (NXDOMAIN for the name itself): `domain-not-found`, not advice to
 *   publish records at a name nobody can reach.
 *
 * Otherwise each area's state is `found`, `absent` (DNS answered: there is none) or `unknown` (a
 * lookup it depends on failed), the state a planner or a dashboard reads instead of guessing from
 * the findings; `unknown` is never `absent` (docs/findings.md).
 */
import type { DnsAnswer, DnsFailureCode, Resolver } from '../core/dns-resolver.js';
import type { Finding } from './finding.js';
import { finding } from './finding.js';

/** One lookup a check made, and how it ended. */
export interface LookupEntry {
  readonly type: string;
  /** Lower case, no trailing dot. */
  readonly name: string;
  readonly status: DnsAnswer<unknown>['status'];
  readonly failure?: DnsFailureCode;
  readonly error?: string;
}

/** A resolver that logs every answer it hands out (in the order they arrive), for one domain's check. */
export function createRecordingResolver(inner: Resolver): { readonly resolver: Resolver; readonly log: readonly LookupEntry[] } {
  const log: LookupEntry[] = [];
  const record =
    <T>(type: string, ask: (name: string) => Promise<DnsAnswer<T>>) =>
    async (name: string): Promise<DnsAnswer<T>> => {
      const answer = await ask(name);
      const key = name.toLowerCase().replace(/\.$/, '');
      log.push(answer.status === 'error' ? { type, name: key, status: 'error', failure: answer.code, error: answer.message } : { type, name: key, status: answer.status });
      return answer;
    };
  const resolver: Resolver = {
    txt: record('TXT', (name) => inner.txt(name)),
    a: record('A', (name) => inner.a(name)),
    aaaa: record('AAAA', (name) => inner.aaaa(name)),
    mx: record('MX', (name) => inner.mx(name)),
    ptr: record('PTR', (name) => inner.ptr(name)),
    ...(inner.servers !== undefined ? { servers: inner.servers } : {}),
  };
  return { resolver, log };
}

/** The areas of a check whose record state is reported. */
export type RecordArea = 'dmarc' | 'spf' | 'dkim' | 'mx' | 'mtaSts' | 'tlsRpt' | 'bimi';

/**
 * What DNS said about one area's record: `found` (published, valid or not), `absent` (DNS
 * answered that there is none) or `unknown` (a lookup it depends on failed: never "absent").
 */
export type RecordState =
  | { readonly state: 'found' }
  | { readonly state: 'absent' }
  | { readonly state: 'unknown'; readonly failure: DnsFailureCode; readonly error: string };

/** Whether the check could see the domain's DNS: `answered`, or the one reason it could not. */
export type DomainDnsStatus =
  | { readonly status: 'answered' }
  | { readonly status: 'domain-not-found' }
  | { readonly status: 'domain-servers-failed'; readonly failure: DnsFailureCode; readonly error: string; readonly lookups: number }
  | { readonly status: 'resolver-failed'; readonly servers: readonly string[]; readonly failure: DnsFailureCode; readonly error: string; readonly lookups: number };

export interface DnsDiagnosis {
  readonly dns: DomainDnsStatus;
  /** The one finding that replaces all others when the status is not `answered`. */
  readonly finding?: Finding;
}

const isWithin = (name: string, domain: string): boolean => name === domain || name.endsWith(`.${domain}`);

/**
 * Diagnoses the lookups of one domain's check (`domain` in A-labels). Asks the resolver one more
 * question, the domain's top-level domain, only when every lookup failed and none outside the
 * domain was made or answered: whether the resolver answers anything at all.
 */
export async function diagnoseDomainDns(domain: string, log: readonly LookupEntry[], resolver: Resolver): Promise<DnsDiagnosis> {
  const inside = log.filter((entry) => isWithin(entry.name, domain));
  const failed = log.filter((entry) => entry.status === 'error');
  if (inside.length > 0 && inside.every((entry) => entry.status === 'error')) {
    const { failure, error } = mostCommonFailure(inside);
    const answeredOutside = log.some((entry) => !isWithin(entry.name, domain) && entry.status !== 'error');
    const probe = domain.split('.').pop() ?? domain;
    const probeAnswer = answeredOutside ? undefined : await resolver.a(probe);
    if (probeAnswer?.status === 'error') {
      const servers = resolver.servers && resolver.servers.length > 0 ? resolver.servers : ['the system resolver'];
      const all = mostCommonFailure(failed);
      return { dns: { status: 'resolver-failed', servers, failure: all.failure, error: all.error, lookups: failed.length }, finding: resolverFailed(domain, servers, all.failure, all.error, failed.length, probe) };
    }
    const answered = answeredOutside ? (log.find((entry) => !isWithin(entry.name, domain) && entry.status !== 'error')?.name ?? probe) : probe;
    return { dns: { status: 'domain-servers-failed', failure, error, lookups: inside.length }, finding: domainServersFailed(domain, failure, error, inside.length, answered) };
  }
  const own = log.filter((entry) => entry.name === domain);
  if (own.some((entry) => entry.status === 'nxdomain') && !own.some((entry) => entry.status === 'ok' || entry.status === 'nodata')) {
    return { dns: { status: 'domain-not-found' }, finding: domainNotFound(domain) };
  }
  return { dns: { status: 'answered' } };
}

/** The failure most lookups ended with (the first seen on a tie), and the first message of that kind. */
function mostCommonFailure(entries: readonly LookupEntry[]): { failure: DnsFailureCode; error: string } {
  const counts = new Map<DnsFailureCode, number>();
  for (const entry of entries) if (entry.failure !== undefined) counts.set(entry.failure, (counts.get(entry.failure) ?? 0) + 1);
  let best: DnsFailureCode = 'other';
  let most = 0;
  for (const [failure, count] of counts) {
    if (count > most) {
      best = failure;
      most = count;
    }
  }
  const error = entries.find((entry) => entry.failure === best)?.error ?? '';
  return { failure: best, error };
}

const RESOLVER_WHY: Record<DnsFailureCode, string> = {
  timeout: 'did not answer in time (timeout)',
  refused: 'refused the queries (or nothing listens there)',
  servfail: 'answered SERVFAIL to everything',
  other: 'gave no usable answer',
};

const RESOLVER_FIX: Record<DnsFailureCode, string> = {
  timeout: 'Check that a DNS resolver runs at that address and that the queries reach it (a firewall may drop them), or use another resolver; then check again.',
  refused: 'Check that a DNS resolver listens at that address and allows recursive queries from this machine (an authoritative-only server refuses them), or use another resolver; then check again.',
  servfail: 'The resolver cannot resolve at all (often no connection to the internet, or broken DNSSEC validation): repair it or use another resolver, then check again.',
  other: 'Check the resolver, or use another one, then check again.',
};

function resolverFailed(domain: string, servers: readonly string[], failure: DnsFailureCode, error: string, lookups: number, probe: string): Finding {
  const who = `The DNS resolver ${servers.join(', ')}`;
  const message = `${who} ${RESOLVER_WHY[failure]}: all ${lookups} lookups for ${domain} failed, and so did a lookup of ${probe} outside it, so nothing is known about the domain's records (${error}).`;
  return finding('dns-resolver-failed', 'error', message, RESOLVER_FIX[failure], 'RFC 1034 §5.3.1; RFC 1035 §4.1.1', { name: domain }, { domain, servers: [...servers], failure, error, lookups, probe });
}

function domainServersFailed(domain: string, failure: DnsFailureCode, error: string, lookups: number, answered: string): Finding {
  const how = failure === 'timeout' ? 'timed out' : failure === 'servfail' ? 'failed (SERVFAIL)' : failure === 'refused' ? 'were refused' : 'failed';
  const message = `All ${lookups} lookups for names of ${domain} ${how}, while the resolver answers for other names (${answered}): the domain's authoritative name servers do not answer (or its delegation or DNSSEC is broken), so receivers cannot see its DMARC, SPF, DKIM or MX records either (${error}).`;
  const fix = `Check that the NS records of ${domain} at its parent zone name servers that answer for the zone, that each of them does, and, if the zone is signed, that its DS record matches its keys; then check again.`;
  return finding('dns-domain-servers-failed', 'error', message, fix, 'RFC 1034 §4.2.2; RFC 4035 §5', { name: domain }, { domain, failure, error, lookups, answered });
}

function domainNotFound(domain: string): Finding {
  const message = `${domain} does not exist in DNS (NXDOMAIN): mail cannot be sent to it, and receivers refuse mail from it, so there is nothing to check.`;
  const fix = `Check the spelling of the domain name. If it is right, the name must first be registered (or created in its parent zone).`;
  return finding('domain-not-found', 'error', message, fix, 'RFC 1034 §4.3.2; RFC 8020', { name: domain }, { domain });
}

/** Which lookups each area depends on, for its `unknown` state. */
const AREA_LOOKUPS: Record<RecordArea, (entry: LookupEntry, domain: string) => boolean> = {
  dmarc: (e) => e.type === 'TXT' && e.name.startsWith('_dmarc.'),
  spf: (e, domain) => e.type === 'TXT' && e.name === domain,
  dkim: (e, domain) => e.type === 'TXT' && e.name.endsWith(`._domainkey.${domain}`),
  mx: (e, domain) => e.type === 'MX' && e.name === domain,
  mtaSts: (e, domain) => e.type === 'TXT' && e.name === `_mta-sts.${domain}`,
  tlsRpt: (e, domain) => e.type === 'TXT' && e.name === `_smtp._tls.${domain}`,
  bimi: (e) => e.type === 'TXT' && /^[^.]+\._bimi\./.test(e.name),
};

/** An area's state: found when its record was seen, else unknown when one of its lookups failed, else absent. */
export function recordState(area: RecordArea, found: boolean, domain: string, log: readonly LookupEntry[]): RecordState {
  if (found) return { state: 'found' };
  const failed = log.find((entry) => entry.status === 'error' && AREA_LOOKUPS[area](entry, domain));
  if (failed) return { state: 'unknown', failure: failed.failure ?? 'other', error: failed.error ?? '' };
  return { state: 'absent' };
}
