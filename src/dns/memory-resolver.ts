/**
 * A resolver over a fixed table of records, for unit tests and reproducible runs: no network.
 * A name listed with a failure code answers that failure for every type; a name not listed is
 * NXDOMAIN; a listed name without records of the asked type is NODATA. Every query is counted,
 * so tests can assert how many lookups an evaluation made.
 */
import type { DnsAnswer, DnsFailureCode, MxHost, Resolver } from '../core/dns-resolver.js';

export interface MemoryZoneEntry {
  /** Each TXT record as its character-strings; a plain string is one single-string record. */
  readonly TXT?: readonly (string | readonly string[])[];
  readonly A?: readonly string[];
  readonly AAAA?: readonly string[];
  readonly MX?: readonly MxHost[];
  readonly PTR?: readonly string[];
}

export type MemoryZone = Readonly<Record<string, MemoryZoneEntry | DnsFailureCode>>;

export class MemoryResolver implements Resolver {
  readonly #zone: Map<string, MemoryZoneEntry | DnsFailureCode>;
  /** Queries made, as `TYPE name`, in order. */
  readonly queries: string[] = [];

  constructor(zone: MemoryZone) {
    this.#zone = new Map(Object.entries(zone).map(([name, entry]) => [normalizeName(name), entry]));
  }

  txt(name: string): Promise<DnsAnswer<readonly string[]>> {
    return this.#answer('TXT', name, (entry) => entry.TXT?.map((record) => (typeof record === 'string' ? [record] : record)));
  }

  a(name: string): Promise<DnsAnswer<string>> {
    return this.#answer('A', name, (entry) => entry.A);
  }

  aaaa(name: string): Promise<DnsAnswer<string>> {
    return this.#answer('AAAA', name, (entry) => entry.AAAA);
  }

  mx(name: string): Promise<DnsAnswer<MxHost>> {
    return this.#answer('MX', name, (entry) => entry.MX);
  }

  ptr(name: string): Promise<DnsAnswer<string>> {
    return this.#answer('PTR', name, (entry) => entry.PTR);
  }

  #answer<T>(type: string, name: string, pick: (entry: MemoryZoneEntry) => readonly T[] | undefined): Promise<DnsAnswer<T>> {
    const key = normalizeName(name);
    this.queries.push(`${type} ${key}`);
    const entry = this.#zone.get(key);
    if (entry === undefined) return Promise.resolve(this.#hasDescendant(key) ? { status: 'nodata' } : { status: 'nxdomain' });
    if (typeof entry === 'string') return Promise.resolve({ status: 'error', code: entry, message: `${type} ${key}: ${entry} (test zone)` });
    const records = pick(entry);
    return Promise.resolve(records && records.length > 0 ? { status: 'ok', records } : { status: 'nodata' });
  }

  /** An empty non-terminal (a name with names below it) answers NODATA, not NXDOMAIN (RFC 8020). */
  #hasDescendant(name: string): boolean {
    const suffix = `.${name}`;
    for (const other of this.#zone.keys()) if (other.endsWith(suffix)) return true;
    return false;
  }
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
