/**
 * Sender keys as the senders list makes them (analysis/group-senders.ts), checked before a
 * decision is recorded, and the sender a source IP belongs to:
 *
 * - what a key can ever be: `service:<id>` of the catalogue, `domain:<organisational domain>` of a
 *   reverse DNS name no catalogue service claims, `net:<IPv4 /24 | IPv6 /48>` with its network
 *   address; anything else can never match a sender, so deciding it would change nothing while
 *   saying "approved" (`invalid`, with the key that was probably meant);
 * - whether a sender with the key has been seen in the domain's stored aggregate reports (a
 *   decision about an unseen sender is a pre-approval, which the caller has to ask for);
 * - the sender of each source IP over all stored history, for attributing failure reports.
 */
import { collectSenderStats } from '../analysis/collect-sender-stats.js';
import { groupSenders, networkKey } from '../analysis/group-senders.js';
import type { SendingService } from '../analysis/sender-model.js';
import type { Problem } from '../core/problem.js';
import { problem } from '../core/problem.js';
import { findOrganizationalDomain } from '../evaluate/dmarc-discovery.js';
import { normalizeDomainName } from '../evaluate/domain-name.js';
import { formatNetwork, hasHostBits, matchesCidr, parseSpfIp } from '../records/spf-network.js';
import type { SourceStats } from '../store/store.js';
import type { AppContext } from './context.js';
import { invalid } from './problems.js';

const DAY_MS = 86_400_000;

/** What a sender key looks like: the three kinds the senders list makes. */
const SENDER_KEY = /^(service|domain|net):\S+$/;

/** A sender key as given (any case, spaces around), normalised; `invalid` when it is not one. */
export function requireSenderKey(text: string, field = 'sender'): string {
  const key = text.trim().toLowerCase();
  if (!SENDER_KEY.test(key)) throw invalid('not-a-sender-key', field, `"${text}" is not a sender key (service:…, domain:… or net:…, as the senders list shows them)`);
  return key;
}

/** The prefix length of the networks unknown sources are grouped by (group-senders.ts networkKey). */
const NETWORK_PREFIX = { 4: 24, 6: 48 } as const;

/**
 * The key in the form the senders list writes it (an IPv6 network in RFC 5952 form), or the
 * problem that makes it one no sender can ever have: a service the catalogue does not have (with
 * the nearest ids), a network with host bits set or of another size than /24 or /48 (with the
 * network meant), a domain below its organisational domain or claimed by a catalogue service.
 */
export function checkSenderKey(text: string, catalogue: readonly SendingService[], field = 'sender'): { readonly key: string } | { readonly problem: Problem } {
  let key: string;
  try {
    key = requireSenderKey(text, field);
  } catch (caught) {
    const first = (caught as { problems?: readonly Problem[] }).problems?.[0];
    if (first) return { problem: first };
    throw caught;
  }
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  const value = key.slice(colon + 1);
  const never = (why: string): string => `${key} can never match a sender: ${why}`;
  if (kind === 'service') {
    if (catalogue.some((s) => s.id === value)) return { key };
    const near = nearestServiceIds(value, catalogue);
    const hint = near.length > 0 ? `; did you mean ${orList(near.map((id) => `service:${id}`))}?` : ' (the ids are listed in docs/senders.md)';
    return { problem: problem('sender-unknown-service', field, never(`no service of the catalogue has the id "${value}"${hint}`)) };
  }
  if (kind === 'net') return checkNetworkKey(key, value, field, never);
  const domain = normalizeDomainName(value);
  if (domain === undefined) return { problem: problem('not-a-sender-key', field, `"${text}" is not a sender key: ${value} is not a domain name`) };
  const claimed = serviceClaimingDomain(domain, catalogue);
  if (claimed) {
    return { problem: problem('sender-domain-is-service', field, never(`reverse DNS names under ${claimed.suffix} are recognised as ${claimed.service.name}; decide service:${claimed.service.id}`)) };
  }
  const organisational = findOrganizationalDomain(domain);
  if (organisational !== domain) {
    return { problem: problem('sender-domain-not-organisational', field, never(`senders are grouped by the organisational domain of their reverse DNS name; did you mean domain:${organisational}?`)) };
  }
  return { key: `domain:${domain}` };
}

function checkNetworkKey(key: string, value: string, field: string, never: (why: string) => string): { key: string } | { problem: Problem } {
  const slash = value.indexOf('/');
  const address = slash === -1 ? value : value.slice(0, slash);
  const ip = parseSpfIp(address);
  const lengthText = slash === -1 ? undefined : value.slice(slash + 1);
  const length = lengthText === undefined ? undefined : /^\d{1,3}$/.test(lengthText) ? Number(lengthText) : Number.NaN;
  if (!ip || (length !== undefined && !(length <= (ip.version === 4 ? 32 : 128)))) {
    return { problem: problem('not-a-sender-key', field, `"${key}" is not a sender key: ${value} is not a network (address/length, e.g. 192.0.2.0/24)`) };
  }
  const prefix = NETWORK_PREFIX[ip.version];
  const sender = networkKey(ip.text);
  if (length === undefined) return { problem: problem('sender-network-prefix', field, never(`senders are IPv4 /24 and IPv6 /48 networks; the sender of ${ip.text} is ${sender}`)) };
  if (length !== prefix) {
    const hostBits = hasHostBits(ip, length) ? ` (and ${ip.text} is not the network address of a /${length}: that is ${formatNetwork(ip, length)})` : '';
    const why = `senders are networks of exactly /24 (IPv4) or /48 (IPv6)${hostBits}; the sender of ${ip.text} is ${sender}, and a wider network holds several senders, each decided on its own`;
    return { problem: problem('sender-network-prefix', field, never(why)) };
  }
  if (hasHostBits(ip, length)) return { problem: problem('sender-network-host-bits', field, never(`${ip.text} is not the network address of its /${length}; did you mean ${sender}?`)) };
  return { key: `net:${formatNetwork(ip, length)}` };
}

/** The key as checkSenderKey normalises it, or `invalid` with the problem. */
export function requirePossibleSenderKey(text: string, catalogue: readonly SendingService[], field = 'sender'): string {
  const checked = checkSenderKey(text, catalogue, field);
  if ('problem' in checked) throw invalid(checked.problem.code, checked.problem.field, checked.problem.message);
  return checked.key;
}

/** The service whose reverse DNS suffix covers every name under `domain` (so no source under it is ever `domain:`), if any. */
function serviceClaimingDomain(domain: string, catalogue: readonly SendingService[]): { service: SendingService; suffix: string } | undefined {
  for (const service of catalogue) {
    for (const raw of service.recognise.ptrSuffixes ?? []) {
      const suffix = raw.replace(/^\./, '').replace(/\.$/, '').toLowerCase();
      if (domain === suffix || domain.endsWith(`.${suffix}`)) return { service, suffix };
    }
  }
  return undefined;
}

function joinList(items: readonly string[], word: 'or' | 'and'): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${word} ${items[items.length - 1] ?? ''}`;
}

const orList = (items: readonly string[]): string => joinList(items, 'or');

/** Levenshtein distance, O(a·b) with one row. */
export function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/**
 * The catalogue ids `text` probably meant, at most three: those having it as a whole part
 * (`google` → google-workspace, google-groups), else the nearest by edit distance to the id or
 * the name (`mailchimpp` → mailchimp), when near enough to be a typo.
 */
export function nearestServiceIds(text: string, catalogue: readonly SendingService[]): string[] {
  const slug = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const wanted = slug(text);
  if (wanted === '') return [];
  const parts = catalogue.filter((s) => `-${s.id}-`.includes(`-${wanted}-`) || `-${slug(s.name)}-`.includes(`-${wanted}-`)).map((s) => s.id);
  if (parts.length > 0) return parts.slice(0, 3);
  const scored = catalogue.map((s) => ({ id: s.id, distance: Math.min(editDistance(wanted, s.id), editDistance(wanted, slug(s.name))) }));
  const best = Math.min(...scored.map((s) => s.distance));
  if (!(best <= Math.max(2, Math.floor(wanted.length / 3)))) return [];
  return scored.filter((s) => s.distance === best).map((s) => s.id).slice(0, 3);
}

/** Every source of the domain's stored aggregate reports, over all history. */
function allHistory(ctx: AppContext, domain: string): Promise<SourceStats[]> {
  return ctx.store.sourceStats(domain, new Date(0), new Date(ctx.now().getTime() + DAY_MS));
}

/**
 * The sender of every source IP of the domain's stored aggregate reports, over all history,
 * grouped as the senders list groups them with the reverse DNS the store has cached (whatever
 * its age; nothing is asked of DNS). Empty when nothing is stored for the domain.
 */
export async function knownSenderOfSources(ctx: AppContext, domain: string, stats?: readonly SourceStats[]): Promise<Map<string, string>> {
  const sources = stats ?? (await allHistory(ctx, domain));
  const byIp = new Map<string, string>();
  if (sources.length === 0) return byIp;
  const cached = await ctx.store.getSourceEnrichments(sources.map((s) => s.ip));
  for (const group of groupSenders(sources, cached, ctx.catalogue)) for (const source of group.sources) byIp.set(source.ip, group.key);
  return byIp;
}

/**
 * Null when a sender with `key` (as checkSenderKey returns it) has been seen in the domain's
 * stored aggregate reports; else the problem `sender-not-seen` saying why it has not. Seen means
 * the senders list has it, over all history: grouped with the cached reverse DNS, or with none
 * (as `--offline` groups sources whose cache entry expired), or, for a key that only reverse DNS
 * can give and unless `offline`, grouped with DNS (through the cache) over the last 30 days.
 */
export async function senderNotSeen(ctx: AppContext, domain: string, key: string, options: { readonly offline?: boolean } = {}, field = 'sender'): Promise<Problem | null> {
  const stats = await allHistory(ctx, domain);
  if (stats.length === 0) {
    return problem('sender-not-seen', field, `no aggregate reports for ${domain} are stored, so no sender of it has been seen (is the domain spelled as its reports spell it?)`);
  }
  const cached = await knownSenderOfSources(ctx, domain, stats);
  const senders = new Set(cached.values()).size;
  if ([...cached.values()].includes(key) || groupSenders(stats, new Map(), ctx.catalogue).some((g) => g.key === key)) return null;
  if (!key.startsWith('net:') && options.offline !== true) {
    const until = ctx.now();
    const evidence = await collectSenderStats(ctx.store, domain, {
      since: new Date(until.getTime() - 30 * DAY_MS),
      until,
      recentSince: until,
      resolver: ctx.resolver,
      now: ctx.now,
      ...(ctx.networkLookup ? { networkLookup: ctx.networkLookup } : {}),
    });
    if (groupSenders(evidence.stats, evidence.enrichments, ctx.catalogue).some((g) => g.key === key)) return null;
  }
  let where = '';
  if (key.startsWith('net:')) {
    const [address = '', length = '0'] = key.slice('net:'.length).split('/');
    const network = parseSpfIp(address);
    const inside = network ? stats.filter((s) => { const ip = parseSpfIp(s.ip); return ip !== undefined && matchesCidr(ip, network, Number(length)); }) : [];
    const groups = [...new Set(inside.map((s) => cached.get(s.ip) ?? ''))].filter((k) => k !== '' && k !== key).sort();
    const named = groups.length > 3 ? [...groups.slice(0, 3), `${groups.length - 3} more`] : groups;
    if (groups.length > 0) where = `; the addresses of it that were seen belong to ${joinList(named, 'and')}`;
  }
  return problem('sender-not-seen', field, `${key} has not been seen in the aggregate reports stored for ${domain} (${senders} other ${senders === 1 ? 'sender has' : 'senders have'})${where}`);
}
