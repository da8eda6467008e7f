/**
 * The real `Resolver`: node:dns/promises (c-ares) with the outcomes kept apart that checkers
 * too often merge (docs/architecture.md "Resilient DNS evaluation"): data, NODATA, NXDOMAIN and
 * failures (timeout, SERVFAIL, refused), which are temporary errors and never "missing".
 *
 * Each configured server gets its own c-ares channel with one try, so this module decides the
 * order: every server in turn, then further rounds with a doubling back-off while the failures
 * are timeouts or SERVFAIL; each attempt ends after `timeoutMs`. c-ares itself retries a truncated (TC=1) UDP answer over TCP
 * (test/dns-node-resolver.test.ts proves it against a server that truncates on purpose).
 */
import { Resolver as CaresResolver } from 'node:dns/promises';
import { domainToASCII } from 'node:url';
import type { DnsAnswer, DnsFailureCode, MxHost, Resolver } from '../core/dns-resolver.js';
import { canonicalizeIp } from '../core/ip.js';
import { parseServerAddress } from '../core/server-address.js';

export { parseServerAddress } from '../core/server-address.js';
export type { ServerAddress } from '../core/server-address.js';

export interface NodeResolverOptions {
  /** Servers as `HOST:PORT`, `HOST` (port 53) or `[IPv6]:PORT`, tried in order; default: the system's. */
  readonly servers?: readonly string[];
  /** Time one server gets for one attempt, in milliseconds (default 2000). */
  readonly timeoutMs?: number;
  /** Rounds over the server list while the answers are timeouts or SERVFAIL (default 2). */
  readonly tries?: number;
  /** Wait before the second round, doubled for each further round, in milliseconds (default 100). */
  readonly backoffMs?: number;
  /**
   * Lookups in flight at once (default 64). Each server is one UDP socket: with hundreds of
   * queries outstanding its receive buffer overflows, answers are dropped and turn into false
   * timeouts (measured in docs/benchmarks.md), so the rest wait their turn.
   */
  readonly maxInFlight?: number;
}

const defaults = { timeoutMs: 2000, tries: 2, backoffMs: 100, maxInFlight: 64 } as const;

/** The worst time one lookup can take with these options: every server timing out in every round. */
export function worstCaseLookupMs(options: NodeResolverOptions = {}): number {
  const { timeoutMs, tries, backoffMs } = { ...defaults, ...options };
  const servers = Math.max(1, options.servers?.length ?? 1);
  let backoff = 0;
  for (let round = 1; round < tries; round++) backoff += backoffMs * 2 ** (round - 1);
  return tries * servers * timeoutMs + backoff;
}

/** A `Resolver` over node:dns; throws (a configuration error) when a server address is not an IP address. */
export function createNodeResolver(options: NodeResolverOptions = {}): Resolver {
  const { timeoutMs, tries, backoffMs, maxInFlight } = { ...defaults, ...options };
  const channels = createChannels(options.servers, timeoutMs);
  const limit = createLimiter(maxInFlight);
  return {
    txt: (name) => limit(() => lookup(channels, timeoutMs, tries, backoffMs, 'TXT', name, (r, n) => r.resolveTxt(n), (records) => records)),
    a: (name) => limit(() => lookup(channels, timeoutMs, tries, backoffMs, 'A', name, (r, n) => r.resolve4(n), (records) => records)),
    aaaa: (name) => limit(() => lookup(channels, timeoutMs, tries, backoffMs, 'AAAA', name, (r, n) => r.resolve6(n), (records) => records.map((ip) => canonicalizeIp(ip)?.ip ?? ip))),
    mx: (name) => limit(() => lookup(channels, timeoutMs, tries, backoffMs, 'MX', name, (r, n) => r.resolveMx(n), (records) => records.map(toMxHost))),
    ptr: (name) => limit(() => lookup(channels, timeoutMs, tries, backoffMs, 'PTR', name, (r, n) => r.resolvePtr(n), (records) => records.map(normalizeHost))),
    servers: channels.flatMap((channel) => channel.servers),
  };
}

/** Runs at most `max` tasks at once, the others in arrival order. */
function createLimiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

interface Channel {
  readonly label: string;
  /** The addresses this channel asks (the system's list for the default channel). */
  readonly servers: readonly string[];
  readonly resolver: CaresResolver;
}

function createChannels(servers: readonly string[] | undefined, timeoutMs: number): Channel[] {
  const make = (): CaresResolver => new CaresResolver({ timeout: timeoutMs, tries: 1 });
  if (!servers || servers.length === 0) {
    const resolver = make();
    const system = resolver.getServers();
    return [{ label: system.join(',') || 'system resolver', servers: system.length > 0 ? system : ['system resolver'], resolver }];
  }
  return servers.map((text) => {
    const address = parseServerAddress(text);
    if (!address) throw new Error(`DNS server "${text}" is not an IP address with an optional port (HOST:PORT)`);
    const label = address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
    const resolver = make();
    resolver.setServers([label]);
    return { label, servers: [label], resolver };
  });
}

type Failure = Extract<DnsAnswer<never>, { status: 'error' }>;

async function lookup<Raw, T>(
  channels: readonly Channel[],
  timeoutMs: number,
  tries: number,
  backoffMs: number,
  type: string,
  name: string,
  query: (resolver: CaresResolver, name: string) => Promise<Raw[]>,
  convert: (records: Raw[]) => T[],
): Promise<DnsAnswer<T>> {
  const asciiName = toAsciiName(name);
  if (asciiName === undefined) return { status: 'error', code: 'other', message: `${type} ${name}: not a valid domain name` };
  const attempts: string[] = [];
  let last: Failure | undefined;
  for (let round = 0; round < Math.max(1, tries); round++) {
    if (round > 0) {
      // Only timeouts and SERVFAIL are worth another round; REFUSED and the rest will not change.
      if (last && last.code !== 'timeout' && last.code !== 'servfail') break;
      await sleep(backoffMs * 2 ** (round - 1));
    }
    for (const channel of channels) {
      try {
        const records = await withDeadline(query(channel.resolver, asciiName), timeoutMs);
        if (records.length === 0) return { status: 'nodata' };
        return { status: 'ok', records: convert(records) };
      } catch (err) {
        const outcome = classifyError(err);
        if (outcome === 'nodata') return { status: 'nodata' };
        if (outcome === 'nxdomain') return { status: 'nxdomain' };
        attempts.push(`${channel.label} ${describeError(err)}`);
        last = { status: 'error', code: outcome, message: '' };
      }
    }
  }
  const code: DnsFailureCode = last?.code ?? 'other';
  return { status: 'error', code, message: `${type} ${asciiName}: ${attempts.join('; ')}` };
}

/** Maps a node:dns error to an outcome: the c-ares codes for absence, then the failure kinds. */
export function classifyError(err: unknown): 'nodata' | 'nxdomain' | DnsFailureCode {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENODATA':
      return 'nodata';
    case 'ENOTFOUND':
      return 'nxdomain';
    case 'ETIMEOUT':
      return 'timeout';
    case 'ESERVFAIL':
      return 'servfail';
    case 'EREFUSED':
    case 'ECONNREFUSED':
      return 'refused';
    default:
      return 'other';
  }
}

function describeError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const words: Record<string, string> = { ETIMEOUT: 'timed out', ESERVFAIL: 'SERVFAIL', EREFUSED: 'REFUSED', ECONNREFUSED: 'connection refused' };
  if (typeof code === 'string') return words[code] ?? code;
  return err instanceof Error ? err.message : String(err);
}

function toMxHost(record: { exchange: string; priority: number }): MxHost {
  return { priority: record.priority, exchange: normalizeHost(record.exchange) };
}

/** Lower case, no trailing dot; the root (`.`, a null MX's exchange) becomes "". */
function normalizeHost(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** The name as A-labels without a trailing dot; callers should already pass A-labels. */
function toAsciiName(name: string): string | undefined {
  const trimmed = name.replace(/\.$/, '');
  if (/^[\x21-\x7e]+$/.test(trimmed)) return trimmed;
  const ascii = domainToASCII(trimmed);
  return ascii === '' ? undefined : ascii;
}

/**
 * c-ares checks its timeouts on a timer that ticks once per timeout period, so an attempt can
 * take up to twice `timeoutMs`; this deadline keeps each attempt to the configured time. The
 * abandoned query ends in the background and its outcome is ignored.
 */
function withDeadline<T>(query: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEOUT' })), timeoutMs);
    query.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
