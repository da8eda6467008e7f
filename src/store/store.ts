/**
 * The Store: everything dmarcpilot keeps, in domain words. Two implementations share this
 * interface and one contract test suite (store-contract.ts): embedded SQLite (the default) and
 * PostgreSQL. Analysis and the CLI see only this interface, never a driver.
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
 */
import type { Rejection } from '../core/diagnostic.js';
import type { AggregateHeader, AggregateRecord, AggregateTrailer } from '../reports/aggregate/aggregate-report.js';
import type { FailureReport } from '../reports/failure/failure-report.js';
import type { TlsReport } from '../reports/tlsrpt/tls-report.js';
import type { SenderDecision, SourceEnrichment } from '../core/source-facts.js';

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
 * Several inputs' writes made durable by one commit, for bulk ingest (see Store.beginWriteGroup).
 * Each report still goes in whole or not at all; what the group holds becomes durable together.
 */
export interface WriteGroup {
  /** Makes everything written since the group began durable. */
  commit(): Promise<void>;
  /** After a failure: discards what the group holds and has not committed; harmless after commit. */
  rollback(): Promise<void>;
}

export interface FailureStoreOptions {
  /** Keep the reported message's full headers (privacy: off by default; only hashes and auth data are kept). */
  readonly keepFullHeaders: boolean;
}

export interface QuarantineEntry {
  readonly id: number;
  readonly raw: RawInputRef;
  readonly source: string;
  readonly code: string;
  readonly message: string;
  readonly receivedAt: Date;
  /** `open` until it is retried successfully or dismissed. */
  readonly state: 'open' | 'resolved' | 'dismissed';
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

export interface RecordFilter {
  /** Policy domain (exact, lower case). */
  readonly domain?: string;
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

/** One saved run of `dmarcpilot check` for a domain: when, how bad, and the whole result (JSON). */
export interface DomainCheckEntry {
  readonly domain: string;
  readonly checkedAt: Date;
  readonly errors: number;
  readonly warnings: number;
  /** The check result as `dmarcpilot check --json` prints it for the domain. */
  readonly result: unknown;
}

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

/** The owner's decision about one sender of a domain (`dmarcpilot approve|reject`). */
export interface SenderDecisionEntry {
  /** The sender key as `dmarcpilot senders` shows it (`service:mailchimp`, `net:192.0.2.0/24`). */
  readonly key: string;
  readonly decision: SenderDecision;
  readonly note: string | null;
  readonly decidedAt: Date;
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

export interface Store {
  /** Keeps the bytes of an input (compressed), once per content. */
  saveRawInput(bytes: Uint8Array): Promise<RawInputRef>;
  /** The bytes of a kept input, or undefined. */
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
  saveFailureReport(report: FailureReport, provenance: Provenance, options: FailureStoreOptions): Promise<SaveOutcome>;
  saveTlsReport(report: TlsReport, provenance: Provenance): Promise<SaveOutcome>;

  /** Keeps a refused input (or part of one) with its reason, for a person to inspect and retry. */
  quarantine(rejection: Rejection, provenance: Provenance): Promise<number>;
  listQuarantine(state?: QuarantineEntry['state']): Promise<QuarantineEntry[]>;
  getQuarantine(id: number): Promise<QuarantineEntry | undefined>;
  setQuarantineState(id: number, state: QuarantineEntry['state']): Promise<void>;

  logIngest(entry: IngestLogEntry): Promise<void>;
  listIngestLog(limit: number): Promise<IngestLogEntry[]>;

  /** Keeps a DNS posture check, so later runs can show history and changes. */
  saveDomainCheck(entry: DomainCheckEntry): Promise<void>;
  /** The domain's saved checks, newest first. */
  listDomainChecks(domain: string, limit: number): Promise<DomainCheckEntry[]>;

  /**
   * Per source IP of `domain`, the counts sender analysis needs over [since, until), grouped in
   * SQL; `recentSince` splits off the recent part of the window (recentMessages, recentDmarcPass).
   * Only IPs with messages in the window are returned, in no particular order.
   */
  sourceStats(domain: string, since: Date, until: Date, recentSince?: Date): Promise<SourceStats[]>;
  /** Reporters and header_from domains of `domain` over [since, until), grouped by the store (for the rollout planner). */
  reportingStats(domain: string, since: Date, until: Date): Promise<ReportingStats>;
  /** The policies reporters saw published for `domain`, oldest first (for "since the last policy change"). */
  listPublishedPolicies(domain: string): Promise<PublishedPolicyPeriod[]>;

  /** Cached source enrichments (reverse DNS, network) for those of `ips` that have one; the caller decides on expiry. */
  getSourceEnrichments(ips: readonly string[]): Promise<Map<string, SourceEnrichment>>;
  /** Keeps (replacing) enrichments, keyed by IP. */
  putSourceEnrichments(entries: readonly SourceEnrichment[]): Promise<void>;

  /** Records the owner's decision about a sender of `domain`; null removes it. */
  setSenderDecision(domain: string, key: string, decision: SenderDecision | null, at: Date, note?: string): Promise<void>;
  /** The domain's current decisions, by key. */
  listSenderDecisions(domain: string): Promise<SenderDecisionEntry[]>;

  /** Stored aggregate records matching the filter, report by report, in insertion order. */
  streamRecords(filter: RecordFilter): AsyncIterable<StoredRecord>;
  /** Counts, for tests and `dmarcpilot summary`. */
  countReports(): Promise<{ aggregate: number; records: number; failure: number; tls: number; raw: number; quarantine: number }>;

  /**
   * Gives the space of deleted or rewritten rows back to the file system, where the store keeps it
   * for reuse instead (an SQLite file never shrinks by itself, e.g. after a migration copied every
   * record). The sizes in bytes before and after; undefined when the store has nothing of the kind
   * to do (PostgreSQL: its autovacuum reuses the space). Not while a writer or write group is open.
   */
  compact(): Promise<{ readonly bytesBefore: number; readonly bytesAfter: number } | undefined>;

  close(): Promise<void>;
}
