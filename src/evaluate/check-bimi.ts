/**
 * The BIMI part of `dmarcpilot check` (draft-brand-indicators-for-message-identification, an
 * Internet-Draft): the assertion record at `default._bimi.<domain>` (falling back to the
 * Organizational Domain, as receivers do), its syntax, and the DMARC prerequisite: receivers show
 * a logo only when DMARC is at enforcement, i.e. p=quarantine or p=reject applied to all mail
 * (pct=100, no t=y test mode, and sp not none). The DMARC check computes the policy; the caller
 * passes it in (`dmarc: undefined` when the domain has no DMARC policy).
 */
import { getDomain } from 'tldts';
import type { Resolver } from '../core/dns-resolver.js';
import { isBimiRecordText, looksLikeBimiAttempt, parseBimiRecord } from '../records/bimi-record.js';
import { normalizeDomainName } from './domain-name.js';
import type { Finding } from './finding.js';
import { finding } from './finding.js';
import { diagnosticToFinding, dnsErrorFinding, joinTxtStrings } from './record-findings.js';

/** The DMARC policy that governs the domain, as the DMARC check found it. */
export interface BimiDmarcInput {
  /** "p" (or the inherited "sp"), e.g. none, quarantine, reject. */
  readonly policy: string;
  /** "pct" (100 when absent). */
  readonly pct: number;
  /** RFC 9989 `t=y`. */
  readonly testing: boolean;
  /** "sp" of the Organizational Domain's record, when known. */
  readonly subdomainPolicy?: string;
}

export interface BimiCheckRecords {
  readonly domain: string;
  /** The name the record was found at (or first looked up). */
  readonly name: string;
  /** Every TXT record at that name, strings joined. */
  readonly txt: readonly string[];
  readonly record?: { readonly text: string; readonly logoUrl?: string; readonly evidenceUrl?: string; readonly declined: boolean };
}

export interface BimiCheck {
  readonly findings: Finding[];
  readonly records: BimiCheckRecords;
}

const DRAFT = 'draft-brand-indicators-for-message-identification §4';

/** Checks the BIMI record of `domain` (selector `default`). */
export async function checkBimi(domain: string, options: { resolver: Resolver; dmarc: BimiDmarcInput | undefined; selector?: string }): Promise<BimiCheck> {
  const ascii = normalizeDomainName(domain) ?? domain;
  const selector = options.selector ?? 'default';
  const names = [`${selector}._bimi.${ascii}`];
  const organizational = getDomain(ascii, { allowPrivateDomains: false });
  if (organizational && organizational !== ascii) names.push(`${selector}._bimi.${organizational}`);
  // Receivers look at the author domain first, then at its Organizational Domain.
  let name = names[0] ?? '';
  let txt: string[] = [];
  for (const [index, candidate] of names.entries()) {
    const answer = await options.resolver.txt(candidate);
    if (answer.status === 'error') return { findings: [dnsErrorFinding('bimi-dns-error', 'TXT', candidate, answer, 'whether the domain publishes a BIMI record', DRAFT, { domain: ascii, selector })], records: { domain: ascii, name: candidate, txt: [] } };
    const texts = answer.status === 'ok' ? answer.records.map(joinTxtStrings) : [];
    const meant = texts.some((t) => isBimiRecordText(t) || looksLikeBimiAttempt(t));
    if (index === 0 || meant) {
      name = candidate;
      txt = texts;
    }
    if (meant) break;
  }
  const fix = `Publish one TXT record at ${name}: "v=BIMI1; l=https://<host>/logo.svg; a=https://<host>/vmc.pem".`;
  const records = txt.filter(isBimiRecordText);
  const findings: Finding[] = [];
  if (records.length === 0) {
    const attempts = txt.filter(looksLikeBimiAttempt);
    for (const text of attempts) for (const d of parseBimiRecord(text).diagnostics) findings.push(diagnosticToFinding(d, name, fix, { domain: ascii, selector, record: text }));
    if (attempts.length === 0) {
      findings.push(finding('bimi-missing', 'info', `${ascii} publishes no BIMI record at ${names.join(' or ')}: receivers that support BIMI show no brand logo. BIMI is optional.`, `Once DMARC is at enforcement, publish "v=BIMI1; l=https://<host>/logo.svg; a=https://<host>/vmc.pem" at ${names[0] ?? name}.`, DRAFT, { name: names[0] ?? name }, { name: names[0] ?? name, domain: ascii, selector, names }));
    }
    return { findings, records: { domain: ascii, name, txt } };
  }
  if (records.length > 1) {
    findings.push(finding('bimi-multiple-records', 'error', `${name} has ${records.length} BIMI records; receivers then use none.`, `Delete all but one of the v=BIMI1 records at ${name}.`, DRAFT, { name }, { name, domain: ascii, selector, count: records.length, records }));
  }
  const text = records[0] ?? '';
  const { record, diagnostics } = parseBimiRecord(text);
  for (const d of diagnostics) findings.push(diagnosticToFinding(d, name, d.code === 'bimi-no-evidence' ? 'Obtain a Verified Mark Certificate (or Common Mark Certificate) for the logo and publish its PEM URL in a=.' : d.code === 'bimi-declined' ? '' : fix, { domain: ascii, selector, record: text }));
  const declined = record?.declined ?? false;
  if (!declined) findings.push(...checkEnforcement(ascii, name, options.dmarc));
  if (!declined && record?.logoUrl !== undefined && !findings.some((f) => f.severity === 'error' || f.severity === 'warning')) {
    findings.push(finding('bimi-ok', 'ok', `${ascii} publishes a BIMI logo (${record.logoUrl}) and its DMARC policy is at enforcement.`, '', DRAFT, { name }, { name, domain: ascii, selector, logoUrl: record.logoUrl, evidenceUrl: record.evidenceUrl ?? null }));
  }
  const summary = record ? { text, ...(record.logoUrl !== undefined ? { logoUrl: record.logoUrl } : {}), ...(record.evidenceUrl !== undefined ? { evidenceUrl: record.evidenceUrl } : {}), declined } : undefined;
  return { findings, records: { domain: ascii, name, txt, ...(summary ? { record: summary } : {}) } };
}

/** bimi-without-enforcement when the DMARC policy would not let receivers show the logo. */
function checkEnforcement(domain: string, name: string, dmarc: BimiDmarcInput | undefined): Finding[] {
  const reasons: string[] = [];
  // The same reasons as stable keywords, for the params.
  const keys: string[] = [];
  const because = (key: string, reason: string): void => {
    keys.push(key);
    reasons.push(reason);
  };
  if (dmarc === undefined) because('no-policy', 'the domain has no DMARC policy');
  else {
    const policy = dmarc.policy.toLowerCase();
    if (policy !== 'quarantine' && policy !== 'reject') because('policy', `its DMARC policy is p=${dmarc.policy}`);
    if (dmarc.pct < 100) because('pct', `the policy applies to only ${dmarc.pct}% of failing mail (pct=${dmarc.pct})`);
    if (dmarc.testing) because('testing', 'the policy is in test mode (t=y)');
    if (dmarc.subdomainPolicy?.toLowerCase() === 'none') because('subdomain-policy', 'its subdomain policy is sp=none');
  }
  if (reasons.length === 0) return [];
  const params = { name, domain, reasons: keys, policy: dmarc?.policy ?? null, pct: dmarc?.pct ?? null, testing: dmarc?.testing ?? null, subdomainPolicy: dmarc?.subdomainPolicy ?? null };
  return [
    finding(
      'bimi-without-enforcement',
      'error',
      `${domain} publishes a BIMI record, but receivers show no logo because ${reasons.join(', and ')}: BIMI requires DMARC at enforcement.`,
      `Move the DMARC record of ${domain} to p=quarantine or p=reject for all mail (pct=100 or no pct, no t=y, sp not none) once reports show that legitimate mail passes.`,
      'draft-brand-indicators-for-message-identification §4.3; RFC 7489 §6.3; RFC 9989 §4.7',
      { name },
      params,
    ),
  ];
}
