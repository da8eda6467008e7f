/**
 * Facts about the sources of a domain's mail that the store keeps and analysis reads: what DNS
 * says about a source IP, the network it belongs to, and the owner's decision about a sender.
 * Plain JSON-serialisable data. They live in core/ so that the store, the network database and
 * analysis can all use them without importing each other.
 */

/** The network an IP belongs to, from an offline IP-to-network database. */
export interface SourceNetwork {
  readonly asn: number;
  readonly organization: string;
  readonly country?: string;
  readonly prefix?: string;
}

/** What DNS says about one source IP (forward-confirmed reverse DNS, RFC 8601 §3 "iprev"). */
export interface SourceEnrichment {
  readonly ip: string;
  /** PTR names found, lower case, no trailing dot. */
  readonly ptrNames: readonly string[];
  /** The first PTR name whose A/AAAA records include the IP; null when none does. */
  readonly confirmedName: string | null;
  /** confirmed: a PTR name resolves back to the IP; unconfirmed: PTR names exist but none resolves back; none: no PTR; unresolved: a DNS failure or offline. */
  readonly fcrdns: 'confirmed' | 'unconfirmed' | 'none' | 'unresolved';
  /** Organisational domain of the confirmed name (public suffix list), null without one. */
  readonly organizationalDomain: string | null;
  /** From an offline network database when one is installed; absent otherwise. */
  readonly network?: SourceNetwork;
  /** When this was looked up (ISO 8601); the cache expires entries by it. */
  readonly resolvedAt: string;
}

/** The owner's decision about a sender; it wins over the automatic class. */
export type SenderDecision = 'approved' | 'rejected';
