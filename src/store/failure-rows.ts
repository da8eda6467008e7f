/**
 * Failure reports to failure_reports rows and back, for every Store. Privacy: the original
 * subject is kept only as its SHA-256, the envelope sender (Original-Mail-From) only as its
 * domain (`*@mail.example.com`: its local part often names a person), and the original headers
 * and the whole sender only when the operator asked for them (keepFullHeaders); nothing else of
 * the original message (From, To, recipients, body) is stored, so nothing else can be read back
 * (docs/data-retention.md). `occurred_at` is the time lists filter on: the arrival date the report gave, else
 * the receipt (migration 009 / PostgreSQL 007 filled it for reports stored before).
 */
import type { Diagnostic } from '../core/diagnostic.js';
import type { FailureReport } from '../reports/failure/failure-report.js';
import type { FailureStoreOptions, Provenance, StoredFailureReport } from './store.js';
import type { Dialect } from './sql/dialect.js';
import { sha256Hex } from './failure-dedupe-key.js';

/** Columns of failure_reports, in the order failureParams fills them. */
export const FAILURE_COLUMNS = [
  'dedupe_key', 'format', 'feedback_type', 'reported_domain', 'source_ip', 'arrival_date', 'auth_failure_json',
  'identity_alignment_json', 'delivery_result', 'dkim_domain', 'dkim_selector', 'spf_domain', 'original_mail_from',
  'subject_sha256', 'message_id', 'headers', 'raw_sha256', 'source', 'received_at', 'warnings_json', 'occurred_at',
] as const;

/** An address with its local part hidden (`*@domain`); a value without `@` (a bare domain, the null sender) as it is. */
export function redactLocalPart(address: string | null): string | null {
  if (address === null) return null;
  const at = address.lastIndexOf('@');
  return at === -1 ? address : `*${address.slice(at)}`;
}

/** When the reported message arrived, else when the report was received (an unreadable arrival date counts as none). */
function occurredAt(report: FailureReport, provenance: Provenance): Date {
  const arrival = report.arrivalDate === null ? Number.NaN : Date.parse(report.arrivalDate);
  return Number.isNaN(arrival) ? provenance.receivedAt : new Date(arrival);
}

/** Parameters for FAILURE_COLUMNS; `arrival_date` is the report's ISO 8601 text (timestamptz parses it). */
export function failureParams(
  d: Dialect,
  key: string,
  report: FailureReport,
  provenance: Provenance,
  options: FailureStoreOptions,
  warnings: readonly Diagnostic[],
): unknown[] {
  const original = report.original;
  return [
    key,
    report.format,
    report.feedbackType,
    report.reportedDomain,
    report.sourceIp,
    report.arrivalDate,
    JSON.stringify(report.authFailure),
    report.identityAlignment === null ? null : JSON.stringify(report.identityAlignment),
    report.deliveryResult,
    report.dkimDomain,
    report.dkimSelector,
    report.spfDomain,
    options.keepFullHeaders ? report.originalMailFrom : redactLocalPart(report.originalMailFrom),
    original?.subject == null ? null : sha256Hex(original.subject),
    original?.messageId ?? null,
    options.keepFullHeaders ? (original?.headers ?? null) : null,
    provenance.raw.sha256,
    provenance.source,
    d.time(provenance.receivedAt),
    JSON.stringify(warnings),
    d.time(occurredAt(report, provenance)),
  ];
}

/** The failure_reports columns a StoredFailureReport is read from (`f`, with the raw input's size from `r`). */
export const FAILURE_SELECT =
  'SELECT f.id, f.format, f.feedback_type, f.reported_domain, f.source_ip, f.arrival_date, f.auth_failure_json, f.identity_alignment_json, ' +
  'f.delivery_result, f.dkim_domain, f.dkim_selector, f.spf_domain, f.original_mail_from, f.subject_sha256, f.message_id, f.headers, ' +
  'f.warnings_json, f.raw_sha256, r.size, f.source, f.received_at FROM failure_reports f LEFT JOIN raw_inputs r ON r.sha256 = f.raw_sha256';

export interface FailureRow {
  readonly id: unknown;
  readonly format: StoredFailureReport['format'];
  readonly feedback_type: string;
  readonly reported_domain: string | null;
  readonly source_ip: string | null;
  readonly arrival_date: unknown;
  readonly auth_failure_json: string;
  readonly identity_alignment_json: string | null;
  readonly delivery_result: string | null;
  readonly dkim_domain: string | null;
  readonly dkim_selector: string | null;
  readonly spf_domain: string | null;
  readonly original_mail_from: string | null;
  readonly subject_sha256: string | null;
  readonly message_id: string | null;
  readonly headers: string | null;
  readonly warnings_json: string | null;
  readonly raw_sha256: string;
  readonly size: unknown;
  readonly source: string;
  readonly received_at: unknown;
}

/** A time as reports write it: ISO 8601 UTC, milliseconds only when there are some (`2026-11-20T09:00:00Z`). */
function isoSeconds(time: Date): string {
  return time.toISOString().replace(/\.000Z$/, 'Z');
}

/** The arrival date as the report gave it: the same spelling from both dialects; a hand-edited SQLite text that is no date, as stored. */
function arrivalText(d: Dialect, value: unknown): string {
  const time = d.readTime(value);
  return Number.isNaN(time.getTime()) ? String(value) : isoSeconds(time);
}

/**
 * A JSON column read back, or `fallback` when it is not the JSON of an array (or of an object,
 * for `kind` 'object'): the store wrote it, but a hand-edited row must not make a whole list fail.
 */
export function jsonOr<T>(text: string | null, fallback: T, kind: 'array' | 'object' = 'array'): T {
  if (text === null) return fallback;
  try {
    const value = JSON.parse(text) as unknown;
    const ok = kind === 'array' ? Array.isArray(value) : value !== null && typeof value === 'object' && !Array.isArray(value);
    return ok ? (value as T) : fallback;
  } catch {
    return fallback;
  }
}

/** Warnings as stored (JSON), [] for rows stored before warnings were kept. */
export function warningsFromJson(text: string | null): Diagnostic[] {
  return jsonOr<Diagnostic[]>(text, []);
}

export function failureFromRow(d: Dialect, row: FailureRow): StoredFailureReport {
  return {
    id: d.readInt(row.id),
    format: row.format,
    feedbackType: row.feedback_type,
    reportedDomain: row.reported_domain,
    sourceIp: row.source_ip,
    arrivalDate: row.arrival_date === null ? null : arrivalText(d, row.arrival_date),
    authFailure: jsonOr<string[]>(row.auth_failure_json, []),
    identityAlignment: row.identity_alignment_json === null ? null : jsonOr<string[]>(row.identity_alignment_json, []),
    deliveryResult: row.delivery_result,
    dkimDomain: row.dkim_domain,
    dkimSelector: row.dkim_selector,
    spfDomain: row.spf_domain,
    originalMailFrom: row.original_mail_from,
    subjectSha256: row.subject_sha256,
    messageId: row.message_id,
    headers: row.headers,
    warnings: warningsFromJson(row.warnings_json),
    raw: { sha256: row.raw_sha256, size: row.size === null ? 0 : d.readInt(row.size) },
    source: row.source,
    receivedAt: d.readTime(row.received_at),
  };
}
