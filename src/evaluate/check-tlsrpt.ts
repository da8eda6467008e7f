/**
 * The TLS-RPT part of `dmarcpilot check` (RFC 8460): the `_smtp._tls` TXT record that tells
 * senders where to send daily reports of TLS failures. Without it, an MTA-STS or DANE problem
 * goes unnoticed, so its absence is a warning when the domain has an MTA-STS policy (the caller
 * says so) and `info` otherwise.
 */
import type { Resolver } from '../core/dns-resolver.js';
import type { TlsRptUri } from '../records/tlsrpt-record.js';
import { isTlsRptRecordText, looksLikeTlsRptAttempt, parseTlsRptRecord } from '../records/tlsrpt-record.js';
import { normalizeDomainName } from './domain-name.js';
import type { Finding } from './finding.js';
import { finding } from './finding.js';
import { diagnosticToFinding, dnsErrorFinding, joinTxtStrings } from './record-findings.js';

export interface TlsRptCheckRecords {
  readonly domain: string;
  /** `_smtp._tls.<domain>`. */
  readonly name: string;
  /** Every TXT record at the name, strings joined. */
  readonly txt: readonly string[];
  /** The `v=TLSRPTv1` record used and its usable report URIs. */
  readonly record?: { readonly text: string; readonly rua: readonly TlsRptUri[] };
}

export interface TlsRptCheck {
  readonly findings: Finding[];
  readonly records: TlsRptCheckRecords;
}

export interface TlsRptCheckOptions {
  readonly resolver: Resolver;
  /** The domain's MTA-STS mode, when known: a missing TLS-RPT record matters more with a policy. */
  readonly mtaStsMode?: 'enforce' | 'testing' | 'none';
}

const RFC = 'RFC 8460 §3';

/** Checks the TLS-RPT record of `domain`. */
export async function checkTlsRpt(domain: string, options: TlsRptCheckOptions): Promise<TlsRptCheck> {
  const ascii = normalizeDomainName(domain) ?? domain;
  const name = `_smtp._tls.${ascii}`;
  const answer = await options.resolver.txt(name);
  if (answer.status === 'error') return { findings: [dnsErrorFinding('tlsrpt-dns-error', 'TXT', name, answer, 'whether the domain asks for TLS reports', RFC, { domain: ascii })], records: { domain: ascii, name, txt: [] } };
  const txt = answer.status === 'ok' ? answer.records.map(joinTxtStrings) : [];
  const records = txt.filter(isTlsRptRecordText);
  const fix = `Publish exactly one TXT record at ${name}: "v=TLSRPTv1; rua=mailto:tlsrpt@${ascii}" (mailto: or https: URIs, comma-separated).`;
  const findings: Finding[] = [];
  if (records.length === 0) {
    const attempts = txt.filter(looksLikeTlsRptAttempt);
    for (const text of attempts) for (const d of parseTlsRptRecord(text).diagnostics) findings.push(diagnosticToFinding(d, name, fix, { domain: ascii, record: text }));
    if (attempts.length === 0) {
      const policy = options.mtaStsMode === 'enforce' || options.mtaStsMode === 'testing';
      const why = policy ? `its MTA-STS policy (mode ${options.mtaStsMode}) fails, nobody will know` : 'TLS delivery to it fails (MTA-STS, DANE, certificates), nobody will know';
      findings.push(finding('tlsrpt-missing', policy ? 'warning' : 'info', `${ascii} publishes no TLS-RPT record at ${name}: when ${why}.`, fix, RFC, { name }, { name, domain: ascii, mtaStsMode: options.mtaStsMode ?? null, uri: `mailto:tlsrpt@${ascii}` }));
    }
    return { findings, records: { domain: ascii, name, txt } };
  }
  if (records.length > 1) {
    findings.push(finding('tlsrpt-multiple-records', 'error', `${name} has ${records.length} records beginning with "v=TLSRPTv1;"; senders then send no TLS reports.`, `Delete all but one of the v=TLSRPTv1 records at ${name}.`, RFC, { name }, { name, domain: ascii, count: records.length, records }));
  }
  const text = records[0] ?? '';
  const parsed = parseTlsRptRecord(text);
  for (const d of parsed.diagnostics) findings.push(diagnosticToFinding(d, name, fix, { domain: ascii, record: text }));
  const rua = parsed.record?.rua ?? [];
  if (!findings.some((f) => f.severity === 'error' || f.severity === 'warning') && rua.length > 0) {
    const uris = rua.map((u) => u.uri);
    findings.push(finding('tlsrpt-ok', 'ok', `${ascii} asks for TLS reports at ${uris.join(', ')}.`, '', RFC, { name }, { name, domain: ascii, uris }));
  }
  return { findings, records: { domain: ascii, name, txt, record: { text, rua } } };
}
