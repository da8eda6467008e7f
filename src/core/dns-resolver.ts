/**
 * The DNS interface every check and evaluation is given (docs/architecture.md: I/O is passed in).
 * The node:dns adapter lives in src/dns/; tests pass a resolver over a fixed zone or a real
 * server on loopback.
 *
 * Answers keep the three outcomes apart that tools too often merge: data, a clear absence
 * (NXDOMAIN or no records of the type: a "void lookup" in RFC 7208 §4.6.4) and a failure to get
 * an answer at all (timeout, SERVFAIL, refused), which is a temporary error, never "missing".
 */

export interface MxHost {
  readonly priority: number;
  /** Lower case, without the trailing dot; "" for a null MX (RFC 7505). */
  readonly exchange: string;
}

export type DnsFailureCode = 'timeout' | 'servfail' | 'refused' | 'other';

export type DnsAnswer<T> =
  /** NOERROR with at least one record of the type. */
  | { readonly status: 'ok'; readonly records: readonly T[] }
  /** NOERROR and no records of the type (NODATA). */
  | { readonly status: 'nodata' }
  /** The name does not exist. */
  | { readonly status: 'nxdomain' }
  /** No usable answer: a temporary error (RFC 7208 temperror, RFC 9989 "unknown"). */
  | { readonly status: 'error'; readonly code: DnsFailureCode; readonly message: string };

export interface Resolver {
  /** TXT records, each as its character-strings in order (not joined: callers join and check the 255-octet limit). */
  txt(name: string): Promise<DnsAnswer<readonly string[]>>;
  /** IPv4 addresses as dotted quads. */
  a(name: string): Promise<DnsAnswer<string>>;
  /** IPv6 addresses, canonical (RFC 5952). */
  aaaa(name: string): Promise<DnsAnswer<string>>;
  mx(name: string): Promise<DnsAnswer<MxHost>>;
  /** PTR names for a reverse name such as `4.3.2.1.in-addr.arpa`, lower case, no trailing dot. */
  ptr(name: string): Promise<DnsAnswer<string>>;
  /**
   * The servers asked, as `HOST:PORT` (or the system's list), for messages that must name the
   * resolver when it fails (`dns-resolver-failed`); absent when not known.
   */
  readonly servers?: readonly string[];
}

/** True for NXDOMAIN and NODATA: the lookups RFC 7208 §4.6.4 calls void. */
export function isVoid(answer: DnsAnswer<unknown>): boolean {
  return answer.status === 'nodata' || answer.status === 'nxdomain';
}
