/**
 * The normalised DMARC aggregate report (rua): one model for RFC 7489 App. C (version 1.0), the
 * pre-1.0 drafts (no <version>) and RFC 9990 (namespace urn:ietf:params:xml:ns:dmarc-2.0).
 * docs/formats.md documents every field and its wire name.
 */
import type { Diagnostic } from '../../core/diagnostic.js';

/** Which generation of the schema the report follows, as far as the document shows. */
export type AggregateSchema = 'draft' | 'rfc7489' | 'rfc9990';

export type Policy = 'none' | 'quarantine' | 'reject';
export type Alignment = 'r' | 's';
/** `policy_evaluated/disposition`; `pass` was added by RFC 9990 §3.1 (ActionDispositionType). */
export type Disposition = 'none' | 'quarantine' | 'reject' | 'pass';
/** `policy_evaluated/dkim` and `/spf`: the aligned DMARC result. */
export type EvaluatedResult = 'pass' | 'fail';
/** DKIM `auth_results/dkim/result` (RFC 7489 App. C DKIMResultType, RFC 8601 §2.7.1). */
export type DkimResult = 'none' | 'pass' | 'fail' | 'policy' | 'neutral' | 'temperror' | 'permerror';
/** SPF `auth_results/spf/result` (RFC 7489 App. C SPFResultType; RFC 9990 adds `policy`). */
export type SpfResult = 'none' | 'neutral' | 'pass' | 'fail' | 'softfail' | 'temperror' | 'permerror' | 'policy';

/** An XML element kept as data: report-level `<extension>` (RFC 9990 §3.1) and elements of other namespaces in `<feedback>` and `<record>`. */
export interface XmlElement {
  readonly name: string;
  readonly namespace?: string;
  readonly text?: string;
  readonly children?: readonly XmlElement[];
}

export interface ReportMetadata {
  /** `org_name`; when empty, the domain of `email` (warning `org-name-from-email`). */
  readonly orgName: string;
  /** `email`. */
  readonly email: string | null;
  /** `extra_contact_info`. */
  readonly extraContactInfo: string | null;
  /** `report_id`, as sent (RFC 9990 §3.5.1 allows `<...>` around it). */
  readonly reportId: string;
  /** `date_range/begin`, seconds since the epoch (UTC). */
  readonly begin: number;
  /** `date_range/end`, seconds since the epoch (UTC). */
  readonly end: number;
  /** `error` elements (0..n in RFC 7489, 0..1 in RFC 9990). */
  readonly errors: readonly string[];
  /** `generator` (RFC 9990): software that made the report. */
  readonly generator: string | null;
}

export interface PublishedPolicy {
  /** `domain`: the DMARC policy domain, lower-cased. */
  readonly domain: string;
  /** `adkim`, RFC 7489 §6.3; default `r`. */
  readonly adkim: Alignment;
  /** `aspf`, RFC 7489 §6.3; default `r`. */
  readonly aspf: Alignment;
  /** `p`; null when the reporter left it out (warning). */
  readonly p: Policy | null;
  /** `sp` as sent; null when absent (receivers then apply `p`). */
  readonly sp: Policy | null;
  /** `np` (RFC 9989 §4.7, RFC 9990); null when absent. */
  readonly np: Policy | null;
  /** `pct` (RFC 7489 only; removed by RFC 9989); null when absent. */
  readonly pct: number | null;
  /** `fo` as sent, e.g. `0`, `1`, `d:s`; null when absent. */
  readonly fo: string | null;
  /** `testing` (RFC 9990: the `t` tag), `y` or `n`; null when absent. */
  readonly testing: 'y' | 'n' | null;
  /** `discovery_method` (RFC 9990): `psl` or `treewalk`; null when absent. */
  readonly discoveryMethod: 'psl' | 'treewalk' | null;
}

export interface PolicyOverrideReason {
  /** `reason/type`: forwarded, sampled_out, trusted_forwarder, mailing_list, local_policy, other, policy_test_mode, or as sent. */
  readonly type: string;
  /** `reason/comment`; null when absent or empty. */
  readonly comment: string | null;
}

export interface DkimAuthResult {
  /** `auth_results/dkim/domain`: the signature's d=, lower-cased. */
  readonly domain: string;
  /** `selector` (required by RFC 9990, optional in RFC 7489); null when absent. */
  readonly selector: string | null;
  readonly result: DkimResult | string;
  /** `human_result`; null when absent. */
  readonly humanResult: string | null;
}

export interface SpfAuthResult {
  /** `auth_results/spf/domain`, lower-cased (empty when the reporter sent none). */
  readonly domain: string;
  /** `scope`: `mfrom` or `helo`; `mfrom` when absent (RFC 9990 allows only mfrom). */
  readonly scope: 'mfrom' | 'helo' | string;
  readonly result: SpfResult | string;
  readonly humanResult: string | null;
}

export interface AggregateRecord {
  /** `row/source_ip` in canonical form: dotted IPv4, or lower-case RFC 5952 compressed IPv6. */
  readonly sourceIp: string;
  /** `row/count`: messages this row stands for. */
  readonly count: number;
  /** `policy_evaluated/disposition`; null when absent. */
  readonly disposition: Disposition | null;
  /** `policy_evaluated/dkim`: the aligned DKIM result; null when absent. */
  readonly dkim: EvaluatedResult | null;
  /** `policy_evaluated/spf`: the aligned SPF result; null when absent. */
  readonly spf: EvaluatedResult | null;
  /** `policy_evaluated/reason`, in order. */
  readonly reasons: readonly PolicyOverrideReason[];
  /** `identifiers/header_from`, lower-cased; null when the reporter left it out. */
  readonly headerFrom: string | null;
  /** `identifiers/envelope_from`, lower-cased; null when absent or empty (null reverse-path). */
  readonly envelopeFrom: string | null;
  /** `identifiers/envelope_to`; null when absent. */
  readonly envelopeTo: string | null;
  readonly authDkim: readonly DkimAuthResult[];
  readonly authSpf: readonly SpfAuthResult[];
  /** Extension elements after `auth_results` (RFC 9990 App. A), when present. */
  readonly extensions?: readonly XmlElement[];
}

/** Everything about a report except its records: known before the first record streams out. */
export interface AggregateHeader {
  readonly kind: 'aggregate';
  readonly schema: AggregateSchema;
  /** `version` as sent, or null. */
  readonly version: string | null;
  /** Namespace of the root element, or null. */
  readonly namespace: string | null;
  readonly metadata: ReportMetadata;
  readonly policy: PublishedPolicy;
}

/** What is known once the report has been read to the end. */
export interface AggregateTrailer {
  /** Records kept. */
  readonly recordCount: number;
  /** Sum of `count` over the records kept. */
  readonly messageCount: number;
  /** Report-level `<extension>` content (RFC 9990 §3.1), when present. */
  readonly extensions: readonly XmlElement[];
  /** Quirks accepted, folded by code with a count. */
  readonly warnings: readonly Diagnostic[];
  /** Records dropped, folded by code with a count (record-missing-field, record-invalid-ip, record-impossible-value). */
  readonly recordErrors: readonly Diagnostic[];
}

/** A whole report in memory: convenient for small inputs and tests. Large inputs use the streaming parser. */
export interface AggregateReport extends AggregateHeader, AggregateTrailer {
  readonly records: readonly AggregateRecord[];
}
