/**
 * The Store: everything dmarcpilot keeps, in domain words, split by concern (report writer, report
 * reader, quarantine, ingest log, check history, senders, tenancy, maintenance). Two
 * implementations share these interfaces and one contract test suite (store-contract.ts): embedded
 * SQLite (the default) and PostgreSQL. `openStore()` returns all of it in one object; callers that
 * need only a part take the part's interface. Analysis and the application core see only these
 * interfaces, never a driver.
 *
 * Guarantees every implementation gives:
 * - An aggregate report is stored once, keyed on (reporting organisation, report ID, policy
 *   domain): the same report re-sent in another container, another e-mail or years later is a
 *   `duplicate`, and nothing changes. Failure and TLS reports likewise, on their own keys.
 * - A report and all its records are committed together or not at all (a writer that is
 *   aborted, or a process killed mid-way, leaves nothing behind).
 * - The raw bytes of every input are kept, content-addressed (SHA-256) and compressed, once.
 * - Reports are stored as sent; a report covering several days is spread over them only when
 *   a query groups by day.
 * - Every list is paged (`PageRequest` in, `Page` out) by keyset with an opaque cursor; a cursor
 *   that the store did not make for that list is refused with InvalidCursorError. Lists ordered by
 *   a name or key are in code-point order in every implementation.
 * - Organisation scope (tenancy): `forOrganization(id)` gives a view whose reads see only the
 *   organisation's domains (and their subdomains), applied in one place (scoped-store.ts). Until
 *   accounts exist there is one organisation, DEFAULT_ORGANIZATION_ID, which sees every domain.
 */
import type { Diagnostic, Rejection } from '../core/diagnostic.js';
import type { AggregateHeader, AggregateRecord, AggregateTrailer } from '../reports/aggregate/aggregate-report.js';
import type { FailureReport } from '../reports/failure/failure-report.js';
import type { TlsReport } from '../reports/tlsrpt/tls-report.js';
import type { SenderDecision, SourceEnrichment } from '../core/source-facts.js';

// ---------------------------------------------------------------------------------------------
// Paging

/** Which page of a list: at most `limit` items (default DEFAULT_PAGE_LIMIT, at most MAX_PAGE_LIMIT), after the cursor `after`. */
export interface PageRequest {
  readonly limit?: number | undefined;
  /** The `next` of the previous page; absent for the first page. */
  readonly after?: string | undefined;
}

/** One page of a list, in the list's documented order. */
export interface Page<T> {
  readonly items: readonly T[];
  /** The cursor of the following page; null on the last page. */
  readonly next: string | null;
}

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

/** A cursor the store did not make for this list (or a limit outside 1..MAX_PAGE_LIMIT): the caller's mistake, never a server fault. */
export class InvalidCursorError extends Error {
  /** `after` or `limit`. */
  readonly field: 'after' | 'limit';
  constructor(field: 'after' | 'limit', message: string) {
    super(message);
    this.name = 'InvalidCursorError';
    this.field = field;
  }
}

// ---------------------------------------------------------------------------------------------
// Raw inputs and report writing

/** A kept input, by the SHA-256 of its bytes (hex). */
export interface RawInputRef {
  readonly sha256: string;
  readonly size: number;
}

export type SaveOutcome = { readonly status: 'new'; readonly id: number } | { readonly status: 'duplicate'; readonly id: number };

/** Where a report came from: the raw input that held it and the path into it. */
export interface Provenance {
  readonly raw: RawInputRef;
  /** e.g. `reports.mbox > message 3 > report.zip > a.xml`, or `imap://host/INBOX#uid=42`. */
  readonly source: string;
  /** When dmarcpilot received it. */
  readonly receivedAt: Date;
}

/** Streams the records of one aggregate report into the store inside one transaction. */
export interface AggregateWriter {
  /** `duplicate` when the report is already stored: records given afterwards are ignored. */
  readonly outcome: SaveOutcome;
  addRecords(records: readonly AggregateRecord[]): Promise<void>;
  /** Commits the report with its totals and warnings. */
  commit(trailer: AggregateTrailer): Promise<SaveOutcome>;
  /** Discards everything given so far. */
  abort(): Promise<void>;
}

/**
 * Several inputs' writes made durable by one commit, for bulk ingest (see ReportWriter.beginWriteGroup).
 * Each report still goes in whole or not at all; what the group holds becomes durable together.
 */
export interface WriteGroup {
  /** Makes everything written since the group began durable. */
  commit(): Promise<void>;
  /** After a failure: discards what the group holds and has not committed; harmless after commit. */
  rollback(): Promise<void>;
}

export interface FailureStoreOptions {
  /** Keep the reported message's full headers and envelope sender (privacy: off by default; only hashes, domains and auth data are kept). */
  readonly keepFullHeaders: boolean;
}

/** What saveRawInput keeps of an input (default: `bytes: 'keep'`). */
export interface RawInputOptions {
  /**
   * `keep`: its bytes, compressed (filled in for an input kept as a reference until now).
   * `reference`: only its hash and size (what reports and log lines name) when it is new; bytes
   * already kept stay. `drop`: only its hash and size; bytes already kept are dropped, unless an
   * open quarantine entry refers to the input (its retry needs them).
   */
  readonly bytes?: 'keep' | 'reference' | 'drop';
  /**
   * The input holds failure-report data (a failure report, or one refused): personal data, under
   * the failure-report retention (Maintenance.applyRetention). Once set it stays set.
   */
  readonly failureData?: boolean;
}

export interface ReportWriter {
  /**
   * Keeps an input, once per content (SHA-256): by default its bytes, compressed; see
   * RawInputOptions for keeping only its hash and size. The ref is the same either way.
   */
  saveRawInput(bytes: Uint8Array, options?: RawInputOptions): Promise<RawInputRef>;
  /** The bytes of a kept input; undefined when there is no such input or only its hash and size are kept. */
  readRawInput(sha256: string): Promise<Uint8Array | undefined>;

  /**
   * Starts a write group: until its commit, the store may hold back the durable commit of every
   * write (reports, raw inputs, quarantine, log lines), so a bulk ingest pays for one commit per
   * group instead of a few per input. A crash loses the group's inputs, which running the ingest
   * again restores (duplicates are recognised). One group at a time, never while an
   * AggregateWriter is open. A store whose every write is cheap to commit on its own (PostgreSQL,
   * where each report commits on its own connection) may return a group that does nothing.
   */
  beginWriteGroup(): Promise<WriteGroup>;

  /** Starts storing an aggregate report; see AggregateWriter. */
  beginAggregateReport(header: AggregateHeader, provenance: Provenance): Promise<AggregateWriter>;
  /** Stores a failure report (redacted per `options`) with the warnings its parse gave. */
  saveFailureReport(report: FailureReport, provenance: Provenance, options: FailureStoreOptions, warnings: readonly Diagnostic[]): Promise<SaveOutcome>;
  /** Stores a TLS report with the warnings its parse gave. */
  saveTlsReport(report: TlsReport, provenance: Provenance, warnings: readonly Diagnostic[]): Promise<SaveOutcome>;
}

// ---------------------------------------------------------------------------------------------
// Reading reports

export interface RecordFilter {
  /** Policy domain (exact, lower case). */
  readonly domain?: string;
  /** Only these policy domains and their subdomains (an organisation's scope); absent: every domain; empty: none. */
  readonly domains?: readonly string[];
  /** Reports whose period ends at or after this time. */
  readonly since?: Date;
  /** Reports whose period begins before this time. */
  readonly until?: Date;
}

/** One stored aggregate record with its report's identity and published policy (the `parse --format jsonl` fields). */
export interface StoredRecord {
  readonly header: AggregateHeader;
  readonly record: AggregateRecord;
  readonly source: string;
}

/** One stored aggregate report, without its records. */
export interface AggregateReportSummary {
  readonly id: number;
  readonly orgName: string;
  readonly reportId: string;
  readonly policyDomain: string;
  /** The report's period. */
  readonly begin: Date;
  readonly end: Date;
  /** `rfc7489`, `rfc9990`, `draft`… as parsed. */
  readonly schema: string;
  readonly p: string | null;
  readonly sp: string | null;
  readonly pct: number | null;
  /** Records and messages in it; null while it is being written. */
  readonly records: number | null;
  readonly messages: number | null;
  readonly receivedAt: Date;
  readonly source: string;
}

/** A failure report as stored: redacted (the subject only as a hash, headers only when kept), with its provenance. */
export interface StoredFailureReport {
  readonly id: number;
  readonly format: FailureReport['format'];
  readonly feedbackType: string;
  readonly reportedDomain: string | null;
  readonly sourceIp: string | null;
  /** ISO 8601 UTC, as the report gave it (`2026-11-20T09:00:00Z`, the same from every implementation); null when it gave none. */
  readonly arrivalDate: string | null;
  readonly authFailure: readonly string[];
  readonly identityAlignment: readonly string[] | null;
  readonly deliveryResult: string | null;
  readonly dkimDomain: string | null;
  readonly dkimSelector: string | null;
  readonly spfDomain: string | null;
  /** The envelope sender (Original-Mail-From): only its domain (`*@mail.example.com`) unless the operator kept headers. */
  readonly originalMailFrom: string | null;
  /** SHA-256 (hex) of the original subject; null when it had none. */
  readonly subjectSha256: string | null;
  readonly messageId: string | null;
  /** The original message's headers, only when the operator kept them (`keepFailureHeaders`). */
  readonly headers: string | null;
  /** What the parse said about the report (e.g. a repaired field); [] when nothing. */
  readonly warnings: readonly Diagnostic[];
  readonly raw: RawInputRef;
  readonly source: string;
  readonly receivedAt: Date;
}

/** A TLS report as stored, with the policy domains it covers (in an organisation's view, only its policies and domains: see forOrganization). */
export interface StoredTlsReport {
  readonly id: number;
  readonly report: TlsReport;
  /** The report's policy domains (lower case, each once). */
  readonly policyDomains: readonly string[];
  readonly warnings: readonly Diagnostic[];
  readonly raw: RawInputRef;
  readonly source: string;
  readonly receivedAt: Date;
}

export interface ReportListFilter {
  /** Reports about this domain (a failure report's reported domain, a TLS report's policy domain), exact. */
  readonly domain?: string;
  /** Only these domains and their subdomains (an organisation's scope); empty: none. A TLS report matches when one of its policy domains does. */
  readonly domains?: readonly string[];
  /** Failure reports: arrival (else receipt) at or after; TLS reports: period ending at or after. */
  readonly since?: Date;
  /** Failure reports: arrival (else receipt) before; TLS reports: period beginning before. */
  readonly until?: Date;
  /** Failure reports only (TLS lists ignore it): this source IP (canonical form). */
  readonly sourceIp?: string;
}

/** Failure reports counted by the store per source IP, DKIM domain and SPF domain (countFailureReportSources). */
export interface FailureReportSourceCount {
  /** Canonical form; null for reports that name no source. */
  readonly sourceIp: string | null;
  readonly dkimDomain: string | null;
  readonly spfDomain: string | null;
  readonly reports: number;
}

/**
 * One UTC day of a domain's mail, by how it fared: the policy-evaluated DKIM and SPF results
 * (`both` = both aligned passes, `dkimOnly`, `spfOnly`, `neither` = fails DMARC) and the
 * disposition receivers applied. A report covering several days is spread over them in whole
 * messages that add up exactly (core/spread-over-days.ts): a report's messages of one kind
 * (evaluated DKIM pass, SPF pass, disposition) are spread together, so a day's figures may
 * differ by rounding from spreading each record alone, as summarize-domains does; every
 * report's total stays exact.
 */
export interface DailyVolume {
  /** `YYYY-MM-DD`, UTC. */
  readonly day: string;
  readonly messages: number;
  /** both + dkimOnly + spfOnly. */
  readonly dmarcPass: number;
  readonly both: number;
  readonly dkimOnly: number;
  readonly spfOnly: number;
  readonly neither: number;
  /** Messages per disposition (`none`, `quarantine`, `reject`, `pass`, `unknown` when a record had none). */
  readonly dispositions: Readonly<Record<string, number>>;
}

export interface ReportReader {
  /** Stored aggregate records matching the filter, report by report, in insertion order. */
  streamRecords(filter: RecordFilter): AsyncIterable<StoredRecord>;
  /** Failure reports, newest stored first. */
  listFailureReports(filter: ReportListFilter, page?: PageRequest): Promise<Page<StoredFailureReport>>;
  /** Aggregate reports, one line each (no records), newest stored first. `since`/`until`: the report's period ends at or after / begins before. */
  listAggregateReports(filter: ReportListFilter, page?: PageRequest): Promise<Page<AggregateReportSummary>>;
  /** The policy domains that have stored aggregate reports, by name; `domains`: only these and their subdomains (in an organisation's view, its scope). */
  listReportedDomains(filter: { readonly domains?: readonly string[] }, page?: PageRequest): Promise<Page<string>>;
  getFailureReport(id: number): Promise<StoredFailureReport | undefined>;
  /**
   * The failure reports matching the filter (the same filter as listFailureReports), counted in
   * one grouped query per source IP, DKIM domain and SPF domain (what attributing them to senders
   * needs), never by reading every report; in no particular order.
   */
  countFailureReportSources(filter: ReportListFilter): Promise<FailureReportSourceCount[]>;
  /** TLS reports, newest stored first. */
  listTlsReports(filter: ReportListFilter, page?: PageRequest): Promise<Page<StoredTlsReport>>;
  getTlsReport(id: number): Promise<StoredTlsReport | undefined>;
  /**
   * The domain's mail per UTC day in [since, until) (the days overlapping the window, with mail
   * only, oldest first), read from a rollup of the stored records (never by streaming them),
   * brought up to date at query time; policy domain exact; committed reports only.
   */
  dailySeries(domain: string, window: { readonly since: Date; readonly until: Date }): Promise<DailyVolume[]>;
}

// ---------------------------------------------------------------------------------------------
// Quarantine and ingest log

export interface QuarantineEntry {
  readonly id: number;
  readonly raw: RawInputRef;
  readonly source: string;
  readonly code: string;
  readonly message: string;
  readonly receivedAt: Date;
  /** `open` until it is retried successfully or dismissed. */
  readonly state: 'open' | 'resolved' | 'dismissed';
  /**
   * Present when the input was too large to keep (`input-too-large`): `raw` holds only its first
   * `raw.size` bytes (none at all when 0), `inputSize` is the size of the whole input.
   */
  readonly truncated?: { readonly inputSize: number };
}

export interface QuarantineStore {
  /**
   * Keeps a refused input (or part of one) with its reason, for a person to inspect and retry.
   * `truncatedFrom`: the input was too large to keep, `provenance.raw` is only its first bytes
   * and this is the size of the whole input.
   */
  quarantine(rejection: Rejection, provenance: Provenance, truncatedFrom?: number): Promise<number>;
  /** Entries (of one state, or all), oldest first. */
  listQuarantine(filter: { readonly state?: QuarantineEntry['state'] }, page?: PageRequest): Promise<Page<QuarantineEntry>>;
  getQuarantine(id: number): Promise<QuarantineEntry | undefined>;
  setQuarantineState(id: number, state: QuarantineEntry['state']): Promise<void>;
  /**
   * Deletes an entry (of any state) for good, and its raw input's bytes unless a stored report or
   * another quarantine entry still refers to them (the input's hash and size stay, for the ingest
   * log). Undefined when there is no such entry.
   */
  purgeQuarantine(id: number): Promise<{ readonly rawBytesDropped: boolean } | undefined>;
}

export interface IngestLogEntry {
  readonly at: Date;
  /** The input as named by its source (path, mailbox message, SMTP envelope). */
  readonly input: string;
  readonly raw: RawInputRef | null;
  readonly newReports: number;
  readonly duplicateReports: number;
  readonly rejected: number;
  readonly records: number;
}

export interface IngestLog {
  logIngest(entry: IngestLogEntry): Promise<void>;
  /** Newest first. */
  listIngestLog(page?: PageRequest): Promise<Page<IngestLogEntry>>;
}

// ---------------------------------------------------------------------------------------------
// DNS check history

/** One saved run of `dmarcpilot check` for a domain: when, how bad, and the whole result (JSON). */
export interface DomainCheckEntry {
  readonly domain: string;
  readonly checkedAt: Date;
  readonly errors: number;
  readonly warnings: number;
  /** The check result as `dmarcpilot check --json` prints it for the domain. */
  readonly result: unknown;
}

export interface CheckHistory {
  /** Keeps a DNS posture check, so later runs can show history and changes. */
  saveDomainCheck(entry: DomainCheckEntry): Promise<void>;
  /** The domain's saved checks, newest first (by checked time, then the order they were saved). */
  listDomainChecks(domain: string, page?: PageRequest): Promise<Page<DomainCheckEntry>>;
}

// ---------------------------------------------------------------------------------------------
// Senders

/**
 * One source IP's evidence for a policy domain over a window, aggregated by the store in SQL
 * (sourceStats) so that sender analysis never streams every record. A record counts in the window
 * when its report's period overlaps the window (reports spanning several days are not split).
 */
export interface SourceStats {
  readonly ip: string;
  /** Messages in the window. */
  readonly messages: number;
  /** Messages with an aligned DKIM or SPF pass (policy_evaluated dkim=pass or spf=pass). */
  readonly dmarcPass: number;
  readonly dkimAlignedPass: number;
  readonly spfAlignedPass: number;
  /** policy_evaluated/disposition with message counts; `unknown` when a record had none. */
  readonly dispositions: Readonly<Record<string, number>>;
  /** Messages and DMARC passes in reports ending at or after `recentSince` (0 without one). */
  readonly recentMessages: number;
  readonly recentDmarcPass: number;
  /** Begin of the first and end of the last report naming this IP for the domain, over all stored history. */
  readonly firstSeen: Date;
  readonly lastSeen: Date;
  /** auth_results/dkim combinations seen in the window, with their message counts, most messages first. */
  readonly dkim: readonly { readonly domain: string; readonly selector: string | null; readonly result: string; readonly messages: number }[];
  /** auth_results/spf combinations seen in the window. */
  readonly spf: readonly { readonly domain: string; readonly scope: string; readonly result: string; readonly messages: number }[];
  /** Messages whose reason comment or auth human_result records a passing ARC chain (`arc=pass`, RFC 8617 §7.2.2). */
  readonly arcPass: number;
  /** policy_evaluated/reason overrides seen in the window (type and comment, e.g. an ARC comment). */
  readonly reasons: readonly { readonly type: string; readonly comment: string | null; readonly messages: number }[];
}

/** The owner's current decision about one sender of a domain (`dmarcpilot approve|reject`). */
export interface SenderDecisionEntry {
  /** The sender key as `dmarcpilot senders` shows it (`service:mailchimp`, `net:192.0.2.0/24`). */
  readonly key: string;
  readonly decision: SenderDecision;
  readonly note: string | null;
  readonly decidedAt: Date;
  /** Who decided (`cli:alice`, later `user:42`); null for decisions recorded before actors were. */
  readonly actor: string | null;
}

/** One change of a sender decision, kept for the journal: what it became, what it was, who, when and why. */
export interface SenderDecisionChange {
  /** Increasing with each change; 0 for a removal of nothing, which is not recorded (setSenderDecision). */
  readonly id: number;
  readonly domain: string;
  readonly key: string;
  /** The decision made; null when it was removed (`--undo`). */
  readonly decision: SenderDecision | null;
  /** The decision before this change; null when there was none. */
  readonly previous: SenderDecision | null;
  readonly note: string | null;
  readonly actor: string | null;
  readonly at: Date;
}

/** A decision to record: the new decision (null removes it), when, by whom and why. */
export interface SenderDecisionInput {
  readonly decision: SenderDecision | null;
  readonly at: Date;
  readonly actor?: string | undefined;
  readonly note?: string | undefined;
}

/** One published policy as reporters saw it, and when: the stored reports grouped by their policy_published. */
export interface PublishedPolicyPeriod {
  readonly p: string | null;
  readonly sp: string | null;
  readonly np: string | null;
  readonly pct: number | null;
  readonly testing: string | null;
  readonly adkim: string;
  readonly aspf: string;
  /** Begin of the first and end of the last report showing this policy. */
  readonly firstSeen: Date;
  readonly lastSeen: Date;
  readonly reports: number;
  readonly messages: number;
}

/**
 * Who reported a domain's mail over a window and under which header_from, counted by the store
 * (reportingStats) so that the rollout planner never streams every record. Same window rule as
 * SourceStats: a record counts when its report's period overlaps the window.
 */
export interface ReportingStats {
  /** Messages per reporting organisation and report schema (`rfc9990` marks an RFC 9989 receiver), by first report stored. */
  readonly reporters: readonly { readonly orgName: string; readonly schema: string; readonly messages: number }[];
  /** Messages and DMARC passes (evaluated dkim or spf pass) per header_from as reported (null when a record had none). */
  readonly headerFrom: readonly { readonly headerFrom: string | null; readonly messages: number; readonly dmarcPass: number }[];
}

/** Narrows the sender reads to the mail of one header_from below the policy domain (a subdomain inheriting its record). */
export interface SourceFilter {
  /** Exact header_from, lower case. */
  readonly headerFrom?: string;
}

/** One source IP's mail of one UTC day (by its report's begin), for judging a sender on its mail since a change. */
export interface SourceDay {
  readonly ip: string;
  /** `YYYY-MM-DD`, UTC, the day its report's period begins. */
  readonly day: string;
  readonly messages: number;
  /** Messages passing DMARC (evaluated dkim or spf pass). */
  readonly dmarcPass: number;
  /** Messages the receivers quarantined, and rejected (policy_evaluated/disposition). */
  readonly quarantined: number;
  readonly rejected: number;
}

/** The reports of one UTC day (by period begin) showing one published policy. */
export interface PublishedPolicyDay {
  /** `YYYY-MM-DD`, UTC. */
  readonly day: string;
  readonly p: string | null;
  readonly sp: string | null;
  readonly np: string | null;
  readonly pct: number | null;
  readonly testing: string | null;
  readonly reports: number;
  /** Distinct reporting organisations. */
  readonly reporters: number;
  readonly messages: number;
}

/** A portfolio line of one domain, from the rollup, its newest report and its last check (domainOverviews). */
export interface DomainOverviewRow {
  readonly domain: string;
  /** Messages and DMARC passes over the window's UTC days. */
  readonly messages: number;
  readonly dmarcPass: number;
  /** The last UTC day with mail in the window, `YYYY-MM-DD`; null without. */
  readonly lastDay: string | null;
  /** The policy of the newest report (by period end); null before any. */
  readonly policy: { readonly p: string | null; readonly sp: string | null; readonly np: string | null; readonly pct: number | null; readonly testing: string | null; readonly lastSeen: Date } | null;
  readonly check: { readonly checkedAt: Date; readonly errors: number; readonly warnings: number } | null;
}

/** One reporting organisation's view of some sources (sourceReporters). */
export interface SourceReporter {
  readonly orgName: string;
  readonly messages: number;
  readonly reports: number;
  /** End of the last report naming them. */
  readonly lastSeen: Date;
}

export interface SenderStore {
  /**
   * Per source IP of `domain`, the counts sender analysis needs over [since, until), grouped in
   * SQL; `recentSince` splits off the recent part of the window (recentMessages, recentDmarcPass).
   * Only IPs with messages in the window are returned, in no particular order. With
   * `filter.headerFrom`, only records with that header_from count (first and last seen too).
   */
  sourceStats(domain: string, since: Date, until: Date, recentSince?: Date, filter?: SourceFilter): Promise<SourceStats[]>;
  /**
   * Per source IP and UTC day, messages, DMARC passes and dispositions over [since, until) (same
   * window rule and filter as sourceStats), in no particular order; with `ips`, only those sources
   * (the planner asks for the legitimate senders' few addresses, not a botnet's thousands).
   */
  sourceDays(domain: string, since: Date, until: Date, filter?: SourceFilter & { readonly ips?: readonly string[] }): Promise<SourceDay[]>;
  /** The policies reporters saw published, per UTC day of the reports' begin, oldest day first: how much mail each day showed each policy. */
  listPublishedPolicyDays(domain: string): Promise<PublishedPolicyDay[]>;
  /**
   * Who reported mail from these source IPs for `domain` in reports overlapping [since, until):
   * each reporting organisation with its messages and reports, most messages first (a sender's
   * detail: which receivers see it). At most 1,000 IPs are asked about.
   */
  sourceReporters(domain: string, ips: readonly string[], since: Date, until: Date): Promise<SourceReporter[]>;
  /**
   * One portfolio line per domain, in the order given, over [since, until) (the daily rollup is
   * brought up to date for them first). In an organisation's view, domains outside its scope are
   * left out. At most 1,000 domains at once.
   */
  domainOverviews(domains: readonly string[], since: Date, until: Date): Promise<DomainOverviewRow[]>;
  /** Reporters and header_from domains of `domain` over [since, until), grouped by the store (for the rollout planner). */
  reportingStats(domain: string, since: Date, until: Date): Promise<ReportingStats>;
  /** The policies reporters saw published for `domain`, oldest first (for "since the last policy change"). */
  listPublishedPolicies(domain: string): Promise<PublishedPolicyPeriod[]>;
  /**
   * The DKIM selectors receivers saw signing with d=`domain` (exact: give it lower case) in reports
   * for that policy domain whose period ends at or after `since`, lower case, most messages first
   * (ties by name, localeCompare), at most `max`; empty selectors are left out. Counted by the
   * store from its rollups or one grouped query, never by streaming records.
   */
  dkimSelectors(domain: string, since: Date, max: number): Promise<string[]>;

  /** Cached source enrichments (reverse DNS, network) for those of `ips` that have one; the caller decides on expiry. */
  getSourceEnrichments(ips: readonly string[]): Promise<Map<string, SourceEnrichment>>;
  /** Keeps (replacing) enrichments, keyed by IP. */
  putSourceEnrichments(entries: readonly SourceEnrichment[]): Promise<void>;

  /**
   * Records a decision about a sender of `domain` (null removes it) and its change in the history,
   * in one transaction, and returns the change with the decision it replaced (`previous`).
   * Setting the same decision again is a change too (a new note, actor or time). Removing a
   * decision that does not exist changes nothing and records nothing: the change returned then
   * has id 0, decision null and previous null.
   */
  setSenderDecision(domain: string, key: string, input: SenderDecisionInput): Promise<SenderDecisionChange>;
  /** The domain's current decisions, by key. */
  listSenderDecisions(domain: string, page?: PageRequest): Promise<Page<SenderDecisionEntry>>;
  /**
   * Every change of the domain's decisions (of one sender when `key` is given), newest first. A
   * store upgraded from before the history starts it with one change per decision it held
   * (previous and actor null, at its decision time).
   */
  listSenderDecisionHistory(domain: string, filter: { readonly key?: string }, page?: PageRequest): Promise<Page<SenderDecisionChange>>;
}

// ---------------------------------------------------------------------------------------------
// Tenancy

/** The one organisation there is until accounts exist; it sees every domain. */
export const DEFAULT_ORGANIZATION_ID = 1;

export interface Organization {
  readonly id: number;
  /** Stable, URL-safe: `default`, `camden-council`. */
  readonly slug: string;
  readonly name: string;
  /** Sees every domain, owned or not (the default organisation; later the instance operator's view). */
  readonly allDomains: boolean;
  readonly createdAt: Date;
}

/** What an organisation may see: every domain, or its own domains and their subdomains. */
export type DomainScope = { readonly kind: 'all' } | { readonly kind: 'domains'; readonly domains: readonly string[] };

/** A slug already taken, a domain already owned by another organisation: a conflict to report, not a fault. */
export class StoreConflictError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'StoreConflictError';
    this.field = field;
  }
}

/** Opening without creating (`openStore(…, { create: false })`) found no store at the location; the message says why (the file does not exist). */
export class StoreNotFoundError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'StoreNotFoundError';
  }
}

/**
 * A caller that writes opened a store that cannot be written (a read-only file or folder): refused
 * before anything was tried. `reason` names the path and the error (`EACCES`, `EROFS`, `EPERM`).
 */
export class StoreNotWritableError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(`the store cannot be written: ${reason}`);
    this.name = 'StoreNotWritableError';
    this.reason = reason;
  }
}

/** A domain, report or entry outside the organisation's scope: to its callers it does not exist. */
export class OutOfScopeError extends Error {
  /**
   * `not-visible`: a domain, report or organisation the caller cannot see (to it, it does not exist);
   * `instance-only`: something only the whole instance has (the quarantine, counts, compaction).
   */
  readonly reason: 'not-visible' | 'instance-only';
  constructor(message: string, reason: 'not-visible' | 'instance-only' = 'not-visible') {
    super(message);
    this.name = 'OutOfScopeError';
    this.reason = reason;
  }
}

export interface Tenancy {
  listOrganizations(page?: PageRequest): Promise<Page<Organization>>;
  getOrganization(id: number): Promise<Organization | undefined>;
  /** By its slug (unique). */
  getOrganizationBySlug(slug: string): Promise<Organization | undefined>;
  /**
   * A new organisation that sees only the domains it is given (allDomains false). Throws
   * StoreConflictError (field `slug`) when the slug is taken. The slug is stored as given: the
   * caller checks that it is URL-safe.
   */
  createOrganization(input: { readonly slug: string; readonly name: string; readonly at: Date }): Promise<Organization>;
  /**
   * Gives `domain` (lower case) to the organisation: it then sees the domain and its subdomains.
   * Giving it again to the same organisation changes nothing; a subdomain of another
   * organisation's domain may be given (both then see it). Throws StoreConflictError (field
   * `domain`) when another organisation owns that very domain, OutOfScopeError when there is no
   * such organisation.
   */
  assignDomain(organizationId: number, domain: string): Promise<void>;
  /** The domains an organisation owns, by name; an empty page for an unknown organisation. */
  listOrganizationDomains(organizationId: number, page?: PageRequest): Promise<Page<string>>;
  /** The scope of the organisation, or undefined when there is no such organisation. */
  getDomainScope(organizationId: number): Promise<DomainScope | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Accounts (instance-wide: on StoreRoot only, never in an organisation's view)

export type MemberRole = 'owner' | 'admin' | 'analyst' | 'viewer';

export interface User {
  readonly id: number;
  /** Lower case; unique. */
  readonly email: string;
  readonly name: string;
  /** The instance's central team: reads across organisations and creates them. */
  readonly operator: boolean;
  readonly disabled: boolean;
  readonly createdAt: Date;
}

/** A user with what local sign-in compares against (null: no local password). */
export interface UserCredentials extends User {
  readonly passwordHash: string | null;
}

export interface Membership {
  readonly organizationId: number;
  readonly userId: number;
  readonly role: MemberRole;
  readonly createdAt: Date;
}

/** A membership with the user's e-mail and name (an organisation's member list). */
export interface Member extends Membership {
  readonly email: string;
  readonly name: string;
}

/** A session as stored: found by the hash of its cookie, never by the cookie itself. */
export interface SessionRow {
  readonly tokenHash: string;
  readonly userId: number;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  /** The absolute expiry; the idle expiry is computed from lastSeenAt by the caller. */
  readonly expiresAt: Date;
}

export interface ApiToken {
  /** The public part of the token (`dpk_<id>_<secret>`). */
  readonly id: string;
  readonly organizationId: number;
  readonly name: string;
  readonly access: 'read' | 'write';
  readonly createdBy: number | null;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface ApiTokenRow extends ApiToken {
  readonly secretHash: string;
}

/** One write, as the audit log keeps it. */
export interface AuditEntry {
  readonly id: number;
  readonly at: Date;
  /** Null for a write of the instance (a user, an organisation created). */
  readonly organizationId: number | null;
  /** `user:3 alice@example.org`, `token:ab12cd`, `cli`. */
  readonly actor: string;
  /** `member.add`, `token.revoke`, `domain.verify`, `sender.decide`… */
  readonly action: string;
  /** What the write was about: an e-mail, a token id, a domain, `domain sender-key`. */
  readonly subject: string;
  readonly before: unknown;
  readonly after: unknown;
}

export type AuditInput = Omit<AuditEntry, 'id'>;

/** An organisation's claim of a domain, proven (verifiedAt) or waiting for proof. */
export interface DomainClaim {
  readonly organizationId: number;
  readonly domain: string;
  /** The value the TXT record at `_dmarcpilot.<domain>` must hold. */
  readonly token: string;
  readonly createdAt: Date;
  readonly verifiedAt: Date | null;
  /** `dns-txt` or `rua-address`, once proven. */
  readonly method: 'dns-txt' | 'rua-address' | null;
  readonly checkedAt: Date | null;
  /** Why the last check did not prove it. */
  readonly checkError: string | null;
}

/** An invitation to join an organisation with a role, accepted once with its one-time token. */
export interface Invitation {
  /** Public id (for listing and revoking). */
  readonly id: string;
  readonly organizationId: number;
  /** Lower case. */
  readonly email: string;
  readonly role: MemberRole;
  readonly createdBy: number | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly acceptedAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface Accounts {
  /** Throws StoreConflictError (field `email`) when the e-mail is taken. Each write below that takes `audit` appends it in the same transaction. */
  createUser(input: { readonly email: string; readonly name: string; readonly passwordHash: string | null; readonly operator: boolean; readonly at: Date }, audit: AuditInput): Promise<User>;
  getUser(id: number): Promise<User | undefined>;
  /** By e-mail (lower case), with the password hash. */
  findUserByEmail(email: string): Promise<UserCredentials | undefined>;
  listUsers(page?: PageRequest): Promise<Page<User>>;
  updateUser(id: number, change: { readonly passwordHash?: string | null; readonly disabled?: boolean; readonly operator?: boolean; readonly name?: string }, audit: AuditInput): Promise<User | undefined>;
  /** The user's role in each organisation. */
  listUserMemberships(userId: number): Promise<Membership[]>;
  listMembers(organizationId: number, page?: PageRequest): Promise<Page<Member>>;
  getMembership(organizationId: number, userId: number): Promise<Membership | undefined>;
  /** Gives the user the role (null: removes the membership); the membership before and after. */
  setMembership(organizationId: number, userId: number, role: MemberRole | null, at: Date, audit: AuditInput): Promise<{ readonly before: Membership | undefined; readonly after: Membership | undefined }>;
  createSession(row: SessionRow): Promise<void>;
  getSession(tokenHash: string): Promise<SessionRow | undefined>;
  touchSession(tokenHash: string, at: Date): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Ends every session of the user (a password changed, a user disabled); how many. */
  deleteUserSessions(userId: number): Promise<number>;
  /** Deletes sessions whose absolute expiry is before `before`, or that were last seen before `idleBefore`. */
  deleteExpiredSessions(before: Date, idleBefore: Date): Promise<number>;
  createApiToken(row: ApiTokenRow, audit: AuditInput): Promise<ApiToken>;
  getApiToken(id: string): Promise<ApiTokenRow | undefined>;
  listApiTokens(organizationId: number, page?: PageRequest): Promise<Page<ApiToken>>;
  /** Revokes the organisation's token; undefined when it has no such token. Revoking twice keeps the first time. */
  revokeApiToken(organizationId: number, id: string, at: Date, audit: AuditInput): Promise<ApiToken | undefined>;
  touchApiToken(id: string, at: Date): Promise<void>;
  appendAudit(entry: AuditInput): Promise<void>;
  /** Newest first; `organizationId` null: the instance's own entries. */
  listAudit(organizationId: number | null, page?: PageRequest): Promise<Page<AuditEntry>>;
  /** Claims the domain for the organisation (again: the claim as it is). */
  claimDomain(organizationId: number, domain: string, token: string, at: Date, audit: AuditInput): Promise<DomainClaim>;
  getDomainClaim(organizationId: number, domain: string): Promise<DomainClaim | undefined>;
  listDomainClaims(organizationId: number, page?: PageRequest): Promise<Page<DomainClaim>>;
  /** Every organisation's claim of the domain (held reports are shown to whoever proves it). */
  listClaimsOfDomain(domain: string): Promise<DomainClaim[]>;
  /**
   * Records a check of the claim: proven (the domain is then assigned to the organisation, in the
   * same transaction; StoreConflictError `domain` when another organisation owns it) or not (why).
   */
  recordDomainCheck(organizationId: number, domain: string, outcome: { readonly at: Date; readonly proven: 'dns-txt' | 'rua-address' | null; readonly error: string | null }, audit: AuditInput | null): Promise<DomainClaim | undefined>;
  /** Withdraws a claim and, when proven, the domain from the organisation. */
  removeDomainClaim(organizationId: number, domain: string, audit: AuditInput): Promise<boolean>;
  /** The organisation's secret rua token, made (from `fresh`) when it has none. */
  ensureRuaToken(organizationId: number, fresh: string): Promise<string>;
  findOrganizationByRuaToken(token: string): Promise<Organization | undefined>;
  createInvitation(invitation: Invitation, tokenHash: string, audit: AuditInput): Promise<Invitation>;
  /** By the hash of its token. */
  findInvitation(tokenHash: string): Promise<Invitation | undefined>;
  listInvitations(organizationId: number, page?: PageRequest): Promise<Page<Invitation>>;
  /** Revokes the organisation's invitation (not one accepted); undefined when it has no such invitation. */
  revokeInvitation(organizationId: number, id: string, at: Date, audit: AuditInput): Promise<Invitation | undefined>;
  /**
   * Accepts the invitation in one transaction: the user is the one given, or (`newUser`) made now;
   * the membership is set to the invitation's role (raised, never lowered, when already a member).
   * Undefined when the invitation is already accepted, revoked or expired at `at`: each works once.
   */
  acceptInvitation(
    tokenHash: string,
    at: Date,
    user: { readonly id: number } | { readonly newUser: { readonly name: string; readonly passwordHash: string | null } },
    audit: AuditInput,
  ): Promise<{ readonly invitation: Invitation; readonly user: User } | undefined>;
  /** The policy domains of the aggregate reports stored from one raw input (by its SHA-256), each once. */
  listAggregateDomainsOfInput(rawSha256: string): Promise<string[]>;
}

// ---------------------------------------------------------------------------------------------
// Maintenance

export interface StoreCounts {
  readonly aggregate: number;
  readonly records: number;
  readonly failure: number;
  readonly tls: number;
  readonly raw: number;
  readonly quarantine: number;
}

/** What applyRetention deletes (docs/data-retention.md); every time is when dmarcpilot received the data. */
export interface RetentionRules {
  /**
   * Failure-report data received before this is deleted: failure reports, and the quarantine
   * entries of refused failure reports (`arf-invalid`) or of inputs holding failure-report data.
   */
  readonly failureDataBefore: Date;
  /**
   * Keep the bytes of inputs holding failure-report data while a failure report or quarantine
   * entry within the retention refers to them; false: drop them now, except those an open
   * quarantine entry needs (kept until it is resolved, dismissed, purged or expires).
   */
  readonly keepFailureRaw: boolean;
  /** Resolved and dismissed quarantine entries received before this are purged (as purgeQuarantine); absent: kept. */
  readonly closedQuarantineBefore?: Date | undefined;
}

/** What one applyRetention deleted. */
export interface RetentionOutcome {
  readonly failureReports: number;
  readonly quarantineEntries: number;
  /** Raw inputs whose bytes were dropped (their hash and size stay). */
  readonly rawInputsEmptied: number;
}

export interface Maintenance {
  /** Counts, for `dmarcpilot db status`; `raw` counts the inputs whose bytes are kept. */
  countReports(): Promise<StoreCounts>;
  /** Deletes what the rules say has been kept long enough, in one transaction. */
  applyRetention(rules: RetentionRules): Promise<RetentionOutcome>;
  /**
   * Gives the space of deleted or rewritten rows back to the file system, where the store keeps it
   * for reuse instead (an SQLite file never shrinks by itself, e.g. after a migration copied every
   * record). The sizes in bytes before and after; undefined when the store has nothing of the kind
   * to do (PostgreSQL: its autovacuum reuses the space). Not while a writer or write group is open.
   */
  compact(): Promise<{ readonly bytesBefore: number; readonly bytesAfter: number } | undefined>;
  /**
   * Refreshes the query planner's statistics of the report tables (ANALYZE), as a large back-fill
   * leaves them stale: without them PostgreSQL scans every report for a domain's first query
   * (docs/benchmarks.md, "HTTP API under 50 clients"). Safe at any time; takes seconds.
   */
  refreshStatistics(): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------

/** Everything a store does, for one organisation's view (see forOrganization) or the whole instance. */
export interface Store extends ReportWriter, ReportReader, QuarantineStore, IngestLog, CheckHistory, SenderStore, Maintenance {}

/** What openStore() returns: the whole instance, and organisations' views of it. */
export interface StoreRoot extends Store, Tenancy, Accounts {
  /**
   * The organisation's view: reads (records, failure and TLS reports, senders, decisions, checks,
   * daily series) see only its domains and their subdomains; a domain outside throws
   * OutOfScopeError (so do writes keyed on a domain: decisions, checks); lists and streams are
   * filtered (a filter's own `domains` is intersected with the scope); a single failure or TLS
   * report outside is undefined, and a TLS report covering domains of others shows only the
   * policies (and policyDomains) in scope. The quarantine, the ingest log and raw inputs belong
   * to the instance: for an organisation that does not see every domain their lists are empty,
   * getQuarantine and readRawInput undefined, and setQuarantineState, purgeQuarantine,
   * countReports, applyRetention and compact throw OutOfScopeError. Writes of ingest (raw inputs, reports, quarantine, log lines, write
   * groups) and the IP-keyed enrichment cache are instance-wide and pass through. The scope is
   * read when the view is made. Closing the view closes nothing; close the root. Throws
   * OutOfScopeError for an unknown id.
   */
  forOrganization(organizationId: number): Promise<Store>;
}
