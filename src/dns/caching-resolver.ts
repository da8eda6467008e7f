/**
 * A resolver that remembers every answer for the length of one run (`dmarcpilot check` over many
 * domains): the RFC 9989 tree walk asks `_dmarc.<tld>` for every domain, and domains share SPF
 * include trees and MX hosts, so a quarter to a half of the queries repeat (docs/benchmarks.md).
 * Answers are kept as promises, so concurrent askers share one query; the least recently used are
 * dropped past `maxEntries`. Nothing expires: make a new one per run.
 */
import type { DnsAnswer, MxHost, Resolver } from '../core/dns-resolver.js';

export function createCachingResolver(inner: Resolver, maxEntries = 20_000): Resolver {
  const cache = new Map<string, Promise<DnsAnswer<unknown>>>();
  const remember = <T>(key: string, ask: () => Promise<DnsAnswer<T>>): Promise<DnsAnswer<T>> => {
    const seen = cache.get(key);
    if (seen) {
      // Least recently used goes first: shared names (the TLD's _dmarc, include trees) stay.
      cache.delete(key);
      cache.set(key, seen);
      return seen as Promise<DnsAnswer<T>>;
    }
    const answer = ask();
    cache.set(key, answer);
    if (cache.size > maxEntries) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    return answer;
  };
  const key = (type: string, name: string): string => `${type} ${name.toLowerCase().replace(/\.$/, '')}`;
  return {
    txt: (name) => remember<readonly string[]>(key('TXT', name), () => inner.txt(name)),
    a: (name) => remember<string>(key('A', name), () => inner.a(name)),
    aaaa: (name) => remember<string>(key('AAAA', name), () => inner.aaaa(name)),
    mx: (name) => remember<MxHost>(key('MX', name), () => inner.mx(name)),
    ptr: (name) => remember<string>(key('PTR', name), () => inner.ptr(name)),
    ...(inner.servers !== undefined ? { servers: inner.servers } : {}),
  };
}
