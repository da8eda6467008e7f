/**
 * Source IPs grouped into senders, the unit an owner approves, fixes or rejects: one known service
 * (`service:<id>`, recognised by the catalogue from reverse DNS, DKIM d=, return path or network),
 * else one organisation by its forward-confirmed reverse DNS (`domain:<organisational domain>`),
 * else one network (`net:<IPv4 /24 or IPv6 /48>`). Each sender's per-IP counts are merged.
 */
import { formatNetwork, parseSpfIp } from '../records/spf-network.js';
import type { SourceStats } from '../store/store.js';
import type { SendingService, ServiceMatch } from './sender-model.js';
import type { SourceEnrichment } from '../core/source-facts.js';
import { matchServices } from './service-catalogue.js';

/** The merged evidence of one sender over the window. */
export interface SenderTotals {
  readonly messages: number;
  readonly dmarcPass: number;
  readonly dkimAlignedPass: number;
  readonly spfAlignedPass: number;
  readonly recentMessages: number;
  readonly recentDmarcPass: number;
  readonly arcPass: number;
  readonly dispositions: Readonly<Record<string, number>>;
  readonly dkim: readonly { readonly domain: string; readonly selector: string | null; readonly result: string; readonly messages: number }[];
  readonly spf: readonly { readonly domain: string; readonly scope: string; readonly result: string; readonly messages: number }[];
  readonly reasons: readonly { readonly type: string; readonly comment: string | null; readonly messages: number }[];
  readonly firstSeen: Date;
  readonly lastSeen: Date;
}

export interface SenderGroup {
  readonly key: string;
  readonly label: string;
  readonly service: SendingService | null;
  /** Why the service was recognised (its matches only), a few per kind of evidence. */
  readonly matches: readonly ServiceMatch[];
  /** Most messages first. */
  readonly sources: readonly SourceStats[];
  /** One per source IP, in the order of `sources`. */
  readonly enrichments: readonly SourceEnrichment[];
  readonly totals: SenderTotals;
}

/** Matches kept per sender: enough to show why, not every IP's. */
const MATCHES_KEPT = 8;

/** `net:192.0.2.0/24` or `net:2001:db8:1::/48`: the network an unknown source is grouped by. */
export function networkKey(ip: string): string {
  const parsed = parseSpfIp(ip);
  if (!parsed) return `net:${ip}`;
  return `net:${formatNetwork(parsed, parsed.version === 4 ? 24 : 48)}`;
}

/** What decides the sender of one source IP besides DNS: the DKIM d= and return-path (SPF, not HELO) domains seen on its mail. */
export interface SourceKeyEvidence {
  readonly ip: string;
  readonly dkimDomains: readonly string[];
  readonly returnPathDomains: readonly string[];
}

/**
 * The key of the sender a source IP belongs to, by the rule of groupSenders: a catalogue service
 * (by the confirmed reverse DNS name, network, return path or DKIM d=), else the organisational
 * domain of its confirmed reverse DNS name, else its network. For a source known only from
 * elsewhere (a failure report), with the evidence that report gives.
 */
export function senderKeyOf(evidence: SourceKeyEvidence, enrichment: SourceEnrichment | undefined, catalogue: readonly SendingService[]): string {
  return keyOfEvidence(evidence, enrichment, catalogue).key;
}

/** The sender one source belongs to, with the service matches that decided it. */
function keyOf(
  source: SourceStats,
  enrichment: SourceEnrichment | undefined,
  catalogue: readonly SendingService[],
): { key: string; label: string; service: SendingService | null; matches: ServiceMatch[] } {
  return keyOfEvidence(
    {
      ip: source.ip,
      dkimDomains: source.dkim.map((d) => d.domain),
      returnPathDomains: source.spf.filter((s) => s.scope !== 'helo').map((s) => s.domain),
    },
    enrichment,
    catalogue,
  );
}

function keyOfEvidence(
  source: SourceKeyEvidence,
  enrichment: SourceEnrichment | undefined,
  catalogue: readonly SendingService[],
): { key: string; label: string; service: SendingService | null; matches: ServiceMatch[] } {
  const confirmed = enrichment?.fcrdns === 'confirmed' ? enrichment.confirmedName : null;
  const matches = matchServices(
    {
      ip: source.ip,
      ptrName: confirmed,
      dkimDomains: [...new Set(source.dkimDomains.filter((d) => d !== ''))],
      returnPathDomains: [...new Set(source.returnPathDomains.filter((d) => d !== ''))],
    },
    catalogue,
  );
  const first = matches[0];
  const service = first === undefined ? undefined : catalogue.find((s) => s.id === first.serviceId);
  if (service) return { key: `service:${service.id}`, label: service.name, service, matches: matches.filter((m) => m.serviceId === service.id) };
  const organisation = enrichment?.fcrdns === 'confirmed' ? enrichment.organizationalDomain : null;
  if (organisation) return { key: `domain:${organisation}`, label: organisation, service: null, matches: [] };
  const key = networkKey(source.ip);
  const network = enrichment?.network;
  const where = network ? ` (AS${network.asn} ${network.organization}${network.country ? `, ${network.country}` : ''})` : '';
  return { key, label: `${key.slice('net:'.length)}${where}`, service: null, matches: [] };
}

interface Builder {
  key: string;
  label: string;
  service: SendingService | null;
  matches: Map<string, ServiceMatch>;
  sources: SourceStats[];
}

/** Groups the sources into senders; enrichments missing for an IP count as `unresolved`. */
export function groupSenders(
  sources: readonly SourceStats[],
  enrichments: ReadonlyMap<string, SourceEnrichment>,
  catalogue: readonly SendingService[],
): SenderGroup[] {
  const builders = new Map<string, Builder>();
  for (const source of sources) {
    const { key, label, service, matches } = keyOf(source, enrichments.get(source.ip), catalogue);
    let builder = builders.get(key);
    if (!builder) {
      builder = { key, label, service, matches: new Map(), sources: [] };
      builders.set(key, builder);
    }
    builder.sources.push(source);
    for (const match of matches) {
      const id = `${match.by} ${match.evidence}`;
      const sameKind = [...builder.matches.values()].filter((m) => m.by === match.by).length;
      if (!builder.matches.has(id) && sameKind < MATCHES_KEPT) builder.matches.set(id, match);
    }
  }
  return [...builders.values()].map((b) => {
    const ordered = [...b.sources].sort((x, y) => y.messages - x.messages || (x.ip < y.ip ? -1 : 1));
    return {
      key: b.key,
      label: b.label,
      service: b.service,
      matches: [...b.matches.values()],
      sources: ordered,
      enrichments: ordered.map((s) => enrichments.get(s.ip) ?? unresolved(s.ip)),
      totals: mergeTotals(ordered),
    };
  });
}

function unresolved(ip: string): SourceEnrichment {
  return { ip, ptrNames: [], confirmedName: null, fcrdns: 'unresolved', organizationalDomain: null, resolvedAt: new Date(0).toISOString() };
}

/** Sums counts and merges the DKIM, SPF and reason combinations of several sources. */
export function mergeTotals(sources: readonly SourceStats[]): SenderTotals {
  const sum = (pick: (s: SourceStats) => number): number => sources.reduce((n, s) => n + pick(s), 0);
  const dispositions = new Map<string, number>();
  const dkim = new Map<string, { domain: string; selector: string | null; result: string; messages: number }>();
  const spf = new Map<string, { domain: string; scope: string; result: string; messages: number }>();
  const reasons = new Map<string, { type: string; comment: string | null; messages: number }>();
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const s of sources) {
    for (const [name, n] of Object.entries(s.dispositions)) dispositions.set(name, (dispositions.get(name) ?? 0) + n);
    for (const d of s.dkim) addTo(dkim, `${d.domain}\u0000${d.selector ?? ''}\u0000${d.result}`, d);
    for (const x of s.spf) addTo(spf, `${x.domain}\u0000${x.scope}\u0000${x.result}`, x);
    for (const r of s.reasons) addTo(reasons, `${r.type}\u0000${r.comment ?? ''}`, r);
    first = Math.min(first, s.firstSeen.getTime());
    last = Math.max(last, s.lastSeen.getTime());
  }
  const ranked = <T extends { messages: number }>(map: Map<string, T>): T[] => [...map.values()].sort((a, b) => b.messages - a.messages);
  return {
    messages: sum((s) => s.messages),
    dmarcPass: sum((s) => s.dmarcPass),
    dkimAlignedPass: sum((s) => s.dkimAlignedPass),
    spfAlignedPass: sum((s) => s.spfAlignedPass),
    recentMessages: sum((s) => s.recentMessages),
    recentDmarcPass: sum((s) => s.recentDmarcPass),
    arcPass: sum((s) => s.arcPass),
    dispositions: Object.fromEntries([...dispositions].sort()),
    dkim: ranked(dkim),
    spf: ranked(spf),
    reasons: ranked(reasons),
    firstSeen: new Date(first),
    lastSeen: new Date(last),
  };
}

function addTo<T extends { messages: number }>(map: Map<string, T>, key: string, entry: T): void {
  const existing = map.get(key);
  if (existing) existing.messages += entry.messages;
  else map.set(key, { ...entry });
}
