/**
 * The readable form of one domain's check: the records as found, then each finding with its fix
 * and the section of the standard, errors first. The JSON form is the result object itself.
 */
import type { DomainCheckResult, Finding, RecordArea } from '../app/check-domains.js';
import { safeText } from './output.js';

const MARK: Record<Finding['severity'], string> = { error: 'ERROR  ', warning: 'WARNING', info: 'info   ', ok: 'ok     ' };

export interface PrintOptions {
  /** Show `ok` findings too (default: only a count of them). */
  readonly verbose?: boolean;
}

export function formatDomainCheck(result: DomainCheckResult, options: PrintOptions = {}): string {
  const { summary, records } = result;
  const lines: string[] = [];
  lines.push(`${result.domain}: ${summary.error} errors, ${summary.warning} warnings, ${summary.info} notes, ${summary.ok} checks passed`);
  lines.push('  records found:');
  // An area whose lookup failed is "unknown", never "none" (docs/findings.md).
  const row = (label: string, area: RecordArea, found: () => string): void => {
    const state = result.state[area];
    const text = state.state === 'unknown' ? `unknown (DNS error: ${state.failure})` : found();
    lines.push(`    ${label.padEnd(8)} ${text}`);
  };
  const dmarc = records.dmarc.applied;
  row('DMARC', 'dmarc', () => (dmarc ? `${dmarc.name}  "${dmarc.text}"${dmarc.inherited ? ' (inherited)' : ''}` : 'none'));
  row('SPF', 'spf', () => {
    if (records.spf.record === undefined) return records.spf.records && records.spf.records.length > 1 ? `${records.spf.records.length} records` : 'none';
    const bound = records.spf.lookupsAreLowerBound ? 'at least ' : '';
    return `${records.spf.domain}  "${records.spf.record}"  (${bound}${records.spf.lookups}/10 DNS lookups, ${records.spf.voidLookups}/2 void)`;
  });
  const mx = records.mx;
  row('MX', 'mx', () => (mx.status === 'ok' ? mx.mx.map((h) => `${h.priority} ${h.exchange}`).join(', ') : mx.status === 'null' ? 'null MX (accepts no mail)' : mx.status));
  const keys = records.dkim.selectors.filter((s) => s.status === 'found');
  row(
    'DKIM',
    'dkim',
    () => `${keys.length > 0 ? keys.map((s) => `${s.selector} (${s.keys.map((k) => (k.revoked ? 'revoked' : `${k.keyType}${k.keyBits ? ` ${k.keyBits}` : ''}`)).join(', ')})`).join(', ') : 'no key found'}  [selectors looked up: ${records.dkim.selectors.length}]`,
  );
  row('MTA-STS', 'mtaSts', () => (records.mtaSts.record ? `${records.mtaSts.record.text}${records.mtaSts.policy?.parsed ? `; policy mode ${records.mtaSts.policy.parsed.mode}` : ''}` : 'none'));
  row('TLS-RPT', 'tlsRpt', () => (records.tlsRpt.record ? records.tlsRpt.record.text : 'none'));
  row('BIMI', 'bimi', () => (records.bimi.record ? records.bimi.record.text : 'none'));
  if (result.spfForIp) {
    const e = result.spfForIp;
    lines.push(`  SPF for ${e.ip}: ${e.result}${e.match ? ` (matched "${e.match.term}" in ${e.match.domain})` : ''}${e.path.length > 1 ? ` via ${e.path.join(' > ')}` : ''}: ${e.reason}`);
  }
  const shown = result.findings.filter((f) => options.verbose === true || f.severity !== 'ok');
  if (shown.length > 0) lines.push('  findings:');
  for (const f of shown) {
    lines.push(`    ${MARK[f.severity]} ${f.code}: ${f.message}`);
    if (f.fix !== '') lines.push(`             fix: ${f.fix}`);
    if (f.code === 'dns-resolver-failed') lines.push('             (another resolver: --resolver HOST:PORT, repeatable)');
    lines.push(`             see ${f.rfc}${f.name !== undefined ? ` (at ${f.name}${f.location !== undefined ? `, ${f.location}` : ''})` : ''}`);
  }
  // Each line made safe whole: a TXT record may hold any byte, a line feed or an escape sequence included.
  return `${lines.map(safeText).join('\n')}\n`;
}
