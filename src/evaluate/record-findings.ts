/**
 * Small pieces the DKIM, MX, MTA-STS, TLS-RPT and BIMI checks share: TXT strings joined the way
 * these records are read (no separator: RFC 6376 §3.6.2.2, RFC 8460 §3, RFC 8461 §3.1), record
 * diagnostics turned into findings (their tag, line, offset and values becoming params), and the
 * one wording for a failed lookup (a temporary error, never "missing").
 */
import type { DnsAnswer } from '../core/dns-resolver.js';
import type { RecordDiagnostic } from '../records/record-diagnostic.js';
import { describeDiagnosticLocation } from '../records/record-diagnostic.js';
import type { Finding, FindingParams } from './finding.js';
import { finding } from './finding.js';

/** The text of one TXT record: its character-strings joined without separators. */
export function joinTxtStrings(strings: readonly string[]): string {
  return strings.join('');
}

/**
 * A record diagnostic as a finding about `name`, with the fix for its code. Its params: `name`,
 * the diagnostic's `tag`, `line` and `offset` when it has them, its own values, then `params`
 * (what the check knows: the domain, the selector, the URL).
 */
export function diagnosticToFinding(diagnostic: RecordDiagnostic, name: string, fix: string, params: FindingParams = {}): Finding {
  const location = describeDiagnosticLocation(diagnostic);
  const position = {
    ...(diagnostic.tag !== undefined ? { tag: diagnostic.tag } : {}),
    ...(diagnostic.line !== undefined ? { line: diagnostic.line } : {}),
    ...(diagnostic.offset !== undefined ? { offset: diagnostic.offset } : {}),
  };
  return finding(diagnostic.code, diagnostic.severity, diagnostic.message, fix, diagnostic.rfc, { name, ...(location !== undefined ? { location } : {}) }, { name, ...params, ...position, ...diagnostic.params });
}

/**
 * The finding for a lookup that got no usable answer (timeout, SERVFAIL, refused). Params: `name`,
 * `type` (the query type), `failure` (timeout, servfail, refused or other) and `error` (the
 * resolver's message), then `params`.
 */
export function dnsErrorFinding(code: string, type: string, name: string, answer: Extract<DnsAnswer<unknown>, { status: 'error' }>, what: string, rfc: string, params: FindingParams = {}): Finding {
  return finding(
    code,
    'error',
    `The ${type} lookup of ${name} failed (${answer.code}: ${answer.message}), so ${what} is unknown (a temporary error), not missing.`,
    `Make the DNS servers for ${name} answer ${type} queries (NXDOMAIN or NODATA when there is no record), then check again.`,
    rfc,
    { name },
    { name, ...params, type, failure: answer.code, error: answer.message },
  );
}
