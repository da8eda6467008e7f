/**
 * What makes two failure reports the same report, identically in every Store.
 *
 * A failure report is a duplicate only when it is the same report: the same feedback fields and
 * the same copy of the reported message's headers, as read. The key is the SHA-256 of the whole
 * report as the parser gives it (every field, the original headers included; keys sorted, so it
 * does not depend on how the object was built), prefixed `v2:`. The same report sent again, in
 * another e-mail or years later, has the same key; two reports that differ in anything do not.
 *
 * Keys before `v2:` (failureDedupeKeyV1) covered only the reported domain, source IP,
 * Arrival-Date, original Message-ID and failed mechanisms; Arrival-Date and Message-ID are
 * optional and often redacted, so different reports were stored as one. Rows stored then keep
 * their keys; a report read again from the same raw input as such a row is that row
 * (failure-queries.ts), so re-ingesting old mail stores nothing twice.
 */
import { createHash } from 'node:crypto';
import type { FailureReport } from '../reports/failure/failure-report.js';

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The key of a failure report: `v2:` and the SHA-256 of the whole report. */
export function failureDedupeKey(report: FailureReport): string {
  return `v2:${sha256Hex(canonicalJson(report))}`;
}

/** The key rows stored before v2 have: the reported domain, source IP, arrival date, original Message-ID and failed mechanisms. */
export function failureDedupeKeyV1(report: FailureReport): string {
  return sha256Hex(JSON.stringify([report.reportedDomain, report.sourceIp, report.arrivalDate, report.original?.messageId ?? null, report.authFailure]));
}

/** JSON with every object's keys in sorted order (arrays keep theirs); undefined members left out, as JSON.stringify does. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
