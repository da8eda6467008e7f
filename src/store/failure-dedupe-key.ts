/** What makes two failure reports the same incident, identically in every Store. */
import { createHash } from 'node:crypto';
import type { FailureReport } from '../reports/failure/failure-report.js';

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The same reported domain, source IP, arrival date, original Message-ID and failed mechanisms. */
export function failureDedupeKey(report: FailureReport): string {
  return sha256Hex(JSON.stringify([report.reportedDomain, report.sourceIp, report.arrivalDate, report.original?.messageId ?? null, report.authFailure]));
}
