/**
 * Small pieces the DKIM, MX, MTA-STS, TLS-RPT and BIMI checks share: TXT strings joined the way
 * these records are read (no separator: RFC 6376 §3.6.2.2, RFC 8460 §3, RFC 8461 §3.1), record
 * diagnostics turned into findings, and the one wording for a failed lookup (a temporary error,
 * never "missing").
 */
import type { DnsAnswer } from '../core/dns-resolver.js';
import type { RecordDiagnostic } from '../records/record-diagnostic.js';
import { describeDiagnosticLocation } from '../records/record-diagnostic.js';
import type { Finding } from './finding.js';
import { finding } from './finding.js';

/** The text of one TXT record: its character-strings joined without separators. */
export function joinTxtStrings(strings: readonly string[]): string {
  return strings.join('');
}

/** A record diagnostic as a finding about `name`, with the fix for its code. */
export function diagnosticToFinding(diagnostic: RecordDiagnostic, name: string, fix: string): Finding {
  const location = describeDiagnosticLocation(diagnostic);
  return finding(diagnostic.code, diagnostic.severity, diagnostic.message, fix, diagnostic.rfc, { name, ...(location !== undefined ? { location } : {}) });
}

/** The finding for a lookup that got no usable answer (timeout, SERVFAIL, refused). */
export function dnsErrorFinding(code: string, type: string, name: string, answer: Extract<DnsAnswer<unknown>, { status: 'error' }>, what: string, rfc: string): Finding {
  return finding(
    code,
    'error',
    `The ${type} lookup of ${name} failed (${answer.code}: ${answer.message}), so ${what} is unknown (a temporary error), not missing.`,
    `Make the DNS servers for ${name} answer ${type} queries (NXDOMAIN or NODATA when there is no record), then check again.`,
    rfc,
    { name },
  );
}
