/**
 * The rows of `dmarcpilot export failures` and `export tls` (and the API's exports): one JSON object per line (the stored
 * report, snake_case like `parse --format json`), or CSV (RFC 4180, spreadsheet formulas defused,
 * lists joined by `;`) with one row per failure report, and one per policy of a TLS report.
 * Failure reports are as stored: redacted (the subject only as its SHA-256, headers only when the
 * operator kept them).
 */
import type { StoredFailureReport, StoredTlsReport } from './reports.js';
import { csvCell } from '../reports/output/aggregate-csv.js';
import { safeJson } from '../core/safe-text.js';
import { snakeCaseKeys } from '../reports/output/other-json.js';

export const FAILURE_COLUMNS = [
  'id', 'received_at', 'arrival_date', 'reported_domain', 'source_ip', 'format', 'feedback_type', 'auth_failure', 'identity_alignment',
  'delivery_result', 'dkim_domain', 'dkim_selector', 'spf_domain', 'original_mail_from', 'subject_sha256', 'message_id', 'headers',
  'warnings', 'raw_sha256', 'raw_size', 'source',
] as const;

export const FAILURE_CSV_HEADER = `${FAILURE_COLUMNS.join(',')}\r\n`;

const csvRow = (cells: readonly (string | number | null)[]): string => `${cells.map(csvCell).join(',')}\r\n`;

export function failureCsvRow(r: StoredFailureReport): string {
  return csvRow([
    r.id, r.receivedAt.toISOString(), r.arrivalDate, r.reportedDomain, r.sourceIp, r.format, r.feedbackType, r.authFailure.join(';'),
    r.identityAlignment === null ? null : r.identityAlignment.join(';'), r.deliveryResult, r.dkimDomain, r.dkimSelector, r.spfDomain,
    r.originalMailFrom, r.subjectSha256, r.messageId, r.headers, r.warnings.map((w) => w.code).join(';'), r.raw.sha256, r.raw.size, r.source,
  ]);
}

/** Every stored field, snake_case, on one line. */
export function failureJsonLine(r: StoredFailureReport): string {
  return `${safeJson(snakeCaseKeys({ ...r, receivedAt: r.receivedAt.toISOString() }))}\n`;
}

export const TLS_COLUMNS = [
  'id', 'received_at', 'organization_name', 'contact_info', 'report_id', 'start', 'end', 'policy_type', 'policy_domain', 'policy_strings',
  'mx_hosts', 'successful_session_count', 'failed_session_count', 'failure_details', 'warnings', 'raw_sha256', 'source',
] as const;

export const TLS_CSV_HEADER = `${TLS_COLUMNS.join(',')}\r\n`;

/**
 * One row per policy (a report without policies has one row with the policy columns empty);
 * failure details as `result-type receiving-mx-hostname sending-mta-ip=failed-session-count`,
 * `-` for a missing name or address, joined by `;`.
 */
export function tlsCsvRows(r: StoredTlsReport): string {
  const report = r.report;
  const head = [r.id, r.receivedAt.toISOString(), report.organizationName, report.contactInfo, report.reportId, report.dateRange.start, report.dateRange.end];
  const tail = [r.warnings.map((w) => w.code).join(';'), r.raw.sha256, r.source];
  if (report.policies.length === 0) return csvRow([...head, null, null, null, null, null, null, null, ...tail]);
  return report.policies
    .map((p) =>
      csvRow([
        ...head, p.policyType, p.policyDomain, p.policyStrings.join(';'), p.mxHosts.join(';'), p.successfulSessionCount, p.failedSessionCount,
        p.failureDetails.map((d) => `${d.resultType} ${d.receivingMxHostname ?? '-'} ${d.sendingMtaIp ?? '-'}=${d.failedSessionCount}`).join(';'),
        ...tail,
      ]),
    )
    .join('');
}

/** The stored report on one line: id, receipt, source, raw input, policy domains, warnings, and the report itself. */
export function tlsJsonLine(r: StoredTlsReport): string {
  const { report, receivedAt, ...stored } = r;
  return `${safeJson(snakeCaseKeys({ ...stored, receivedAt: receivedAt.toISOString(), report }))}\n`;
}
