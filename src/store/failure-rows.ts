/**
 * Failure reports to failure_reports rows, for every Store. Privacy: the original subject is
 * kept only as its SHA-256, and the original headers only when the operator asked for them
 * (keepFullHeaders).
 */
import type { FailureReport } from '../reports/failure/failure-report.js';
import type { FailureStoreOptions, Provenance } from './store.js';

import { sha256Hex } from './failure-dedupe-key.js';

/** Columns of failure_reports, in the order failureParams fills them. */
export const FAILURE_COLUMNS = [
  'dedupe_key', 'format', 'feedback_type', 'reported_domain', 'source_ip', 'arrival_date', 'auth_failure_json',
  'identity_alignment_json', 'delivery_result', 'dkim_domain', 'dkim_selector', 'spf_domain', 'original_mail_from',
  'subject_sha256', 'message_id', 'headers', 'raw_sha256', 'source', 'received_at',
] as const;

/**
 * Parameters for FAILURE_COLUMNS. `receivedAt` is the receipt time in the driver's form (ISO text
 * for SQLite, a Date for PostgreSQL); `arrival_date` is the report's ISO 8601 text.
 */
export function failureParams(key: string, report: FailureReport, provenance: Provenance, options: FailureStoreOptions, receivedAt: unknown): unknown[] {
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
    report.originalMailFrom,
    original?.subject == null ? null : sha256Hex(original.subject),
    original?.messageId ?? null,
    options.keepFullHeaders ? (original?.headers ?? null) : null,
    provenance.raw.sha256,
    provenance.source,
    receivedAt,
  ];
}
