/**
 * The vocabulary of sender intelligence, shared by the source enrichment, the catalogue of known
 * sending services, the sender grouping and classification, and the rollout planner. Plain
 * JSON-serialisable data: `dmarcpilot senders --json` and `plan --json` print it as it is. The facts
 * the store keeps about sources and decisions (SourceEnrichment, SenderDecision) live in core/, where
 * the store and the network database can use them without depending on analysis. Diagnoses and
 * fixes are Advice (core/advice.ts): a code and params for programs, a sentence for people.
 */
import type { Advice } from '../core/advice.js';
import type { SenderDecision, SourceEnrichment } from '../core/source-facts.js';

export type ServiceCategory =
  | 'mailbox-provider'
  | 'marketing'
  | 'transactional'
  | 'crm'
  | 'helpdesk'
  | 'security-gateway'
  | 'forwarder'
  | 'mailing-list'
  | 'public-sector'
  | 'hosting'
  | 'other';

/** One known sending service of the catalogue (data/sending-services.json). */
export interface SendingService {
  /** Stable id, kebab-case: `google-workspace`, `mailchimp`. */
  readonly id: string;
  readonly name: string;
  readonly category: ServiceCategory;
  /** How it is recognised; any one match identifies it. */
  readonly recognise: {
    /** Suffixes of confirmed reverse-DNS names, e.g. `.outbound.protection.outlook.com`. */
    readonly ptrSuffixes?: readonly string[];
    /** SPF include targets customers add, e.g. `_spf.google.com`. */
    readonly spfIncludes?: readonly string[];
    /** DKIM d= domains the service signs with by default (its own, not the customer's), suffix match. */
    readonly dkimDomains?: readonly string[];
    /** Envelope-from / SPF-authenticated domains of its bounces (return path), suffix match. */
    readonly returnPathDomains?: readonly string[];
    /** CIDR networks (documentation or published ranges). */
    readonly networks?: readonly string[];
  };
  /** Can it sign with the customer's own DKIM domain (CNAME or key delegation)? */
  readonly customDkim: boolean;
  /** Can the bounce address (envelope from) be moved to a subdomain of the customer's domain? */
  readonly customReturnPath: boolean;
  /** Concrete steps to make its mail pass DMARC for the customer's domain, in order. */
  readonly alignSteps: readonly string[];
  /** The vendor's documentation page for the steps, when known. */
  readonly documentation?: string;
}

/** Why a source was recognised as a service. */
export interface ServiceMatch {
  readonly serviceId: string;
  readonly by: 'ptr' | 'dkim-domain' | 'return-path' | 'network' | 'spf-include';
  /** The value that matched, e.g. `mail-sor-f41.google.com`. */
  readonly evidence: string;
}

export type SenderClass = 'aligned' | 'legitimate-unaligned' | 'forwarded' | 'suspicious' | 'unknown';

/** Where a sender is in its life: unknown → approved → fixed (config changed) → verified (reports show it aligned). */
export type SenderState = 'new' | 'unknown' | 'approved' | 'rejected' | 'fixed' | 'verified';

/** Aggregated evidence about one sender over a window, from stored aggregate records. */
export interface SenderSummary {
  /** Stable key: `service:<id>`, `domain:<organisational domain of its rDNS>` or `net:<ip /24 or /48>`. */
  readonly key: string;
  /** For people: the service name, the rDNS organisational domain or the network. */
  readonly label: string;
  readonly serviceId: string | null;
  readonly matches: readonly ServiceMatch[];
  readonly sourceIps: readonly string[];
  readonly messages: number;
  /** Messages passing DMARC (an aligned DKIM or SPF pass as evaluated by the receiver). */
  readonly dmarcPass: number;
  readonly dkimAlignedPass: number;
  readonly spfAlignedPass: number;
  /** DKIM d= domains and SPF (envelope) domains seen, with their message counts and results. */
  readonly dkimDomains: readonly { readonly domain: string; readonly selector: string | null; readonly result: string; readonly messages: number }[];
  readonly spfDomains: readonly { readonly domain: string; readonly result: string; readonly messages: number }[];
  /** Messages per disposition receivers applied (`none`, `quarantine`, `reject`, `unknown`), over the window. */
  readonly dispositions?: Readonly<Record<string, number>>;
  /** Receiver overrides seen (`forwarded`, `mailing_list`, `local_policy`, …) with counts. */
  readonly overrides: readonly { readonly type: string; readonly messages: number }[];
  /** First and last day seen, ISO dates (`2026-11-03`), over all stored history, not just the window. */
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly class: SenderClass;
  readonly decision: SenderDecision | null;
  /**
   * The owner's current decision as recorded: who, when and the note given with it; null without
   * one. Optional (summarizeSenders always sets it). Earlier changes stay in the decision history.
   */
  readonly decisionRecord?: SenderDecisionRecord | null;
  readonly state: SenderState;
  /** Why it fails DMARC, from the evidence, one Advice per finding (docs/advice-codes.md); empty when it passes. */
  readonly diagnosis: readonly Advice[];
  /** The exact fix, one Advice per step, in order: DNS records to add or the service setting to change. */
  readonly fix: readonly Advice[];
  /**
   * Per source IP, most messages first: its volume and what reverse DNS said (`unresolved` when
   * offline or DNS failed). Optional (added with `dmarcpilot senders`); summarizeSenders always sets it.
   */
  readonly sources?: readonly SenderSource[];
  /**
   * Failure (forensic) reports about the domain or its subdomains in the window whose source IP
   * belongs to this sender. Optional: the application's listSenders adds it
   * (app/reports.ts, countFailureReportsBySender).
   */
  readonly failureReports?: number;
}

/** The owner's current decision about a sender as the store keeps it (`dmarcpilot approve|reject`). */
export interface SenderDecisionRecord {
  readonly decision: SenderDecision;
  /** Who decided (`cli:alice`, later `user:42`); null for decisions recorded before actors were. */
  readonly actor: string | null;
  /** When, ISO 8601 UTC. */
  readonly at: string;
  /** The note given with this decision; null without one. */
  readonly note: string | null;
}

/** One source IP of a sender. */
export interface SenderSource {
  readonly ip: string;
  readonly messages: number;
  readonly dmarcPass: number;
  readonly fcrdns: SourceEnrichment['fcrdns'];
  /** The forward-confirmed reverse DNS name, else the first PTR name, else null. */
  readonly name: string | null;
  /** Its network, when an offline IP-to-network database is configured. */
  readonly network?: SourceEnrichment['network'];
}
