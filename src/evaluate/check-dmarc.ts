/**
 * The DMARC part of `dmarcpilot check`: discovery as both generations of receivers do it, the TXT
 * records at `_dmarc.<domain>` (several DMARC records, other TXT there), the record's syntax and
 * policy, its report destinations, and where the generations differ. A DNS failure is reported as
 * dmarc-dns-error (temperror) and never turns into dmarc-missing.
 */
import type { Resolver } from '../core/dns-resolver.js';
import type { DmarcEffectivePolicy } from '../records/dmarc-effective.js';
import { computeEffectivePolicy } from '../records/dmarc-effective.js';
import type { DmarcRecord } from '../records/dmarc-record.js';
import { isDmarcRecordText, looksLikeDmarcAttempt, parseDmarcRecord } from '../records/dmarc-record.js';
import { formatTxtZoneLine } from '../records/txt-strings.js';
import { adviseDmarcRecord } from './dmarc-advice.js';
import type { ReportDestination } from './dmarc-destinations.js';
import { checkReportDestinations } from './dmarc-destinations.js';
import type { DmarcDiscovery, DmarcLookup } from './dmarc-discovery.js';
import { compareDiscoveries, discoverDmarc, findOrganizationalDomain } from './dmarc-discovery.js';
import { normalizeDomainName } from './domain-name.js';
import type { Finding } from './finding.js';
import { finding } from './finding.js';

/** What was found, JSON-serialisable (the `records.dmarc` part of `check --json`). */
export interface DmarcCheckRecords {
  readonly domain: string;
  /** Organizational Domain by the public suffix list (RFC 7489 §3.2). */
  readonly organizationalDomain: string;
  /** Every TXT record at `_dmarc.<domain>`, strings joined. */
  readonly txt: readonly string[];
  readonly discovery: { readonly rfc7489: DmarcDiscovery; readonly rfc9989: DmarcDiscovery };
  /** The record that applies to the domain (by RFC 9989 discovery, else RFC 7489's), parsed. */
  readonly applied?: {
    readonly name: string;
    readonly text: string;
    readonly record: DmarcRecord;
    readonly inherited: boolean;
    readonly effective: { readonly rfc7489: DmarcEffectivePolicy; readonly rfc9989: DmarcEffectivePolicy };
  };
  /** The policy that governs the domain itself, for other checks (BIMI needs enforcement). */
  readonly policy?: { readonly policy: string; readonly pct: number; readonly testing: boolean };
  readonly destinations: readonly ReportDestination[];
}

export interface DmarcCheck {
  readonly findings: Finding[];
  readonly records: DmarcCheckRecords;
}

const DISCOVERY_RFC = 'RFC 7489 §6.6.3; RFC 9989 §4.10';

/** Checks the DMARC set-up of `domain` (a U-label or A-label name, without `_dmarc.`). */
export async function checkDmarc(domain: string, options: { resolver: Resolver }): Promise<DmarcCheck> {
  const ascii = normalizeDomainName(domain);
  if (ascii === undefined) {
    const records: DmarcCheckRecords = { domain, organizationalDomain: domain, txt: [], discovery: emptyDiscovery(domain), destinations: [] };
    return { findings: [finding('dmarc-invalid-domain', 'error', `"${domain}" is not a valid domain name.`, 'Give a domain name such as example.com.', 'RFC 1035 §2.3.1', {}, { domain })], records };
  }
  const { resolver } = options;
  const discovery = await discoverDmarc(ascii, resolver);
  const findings: Finding[] = [];
  const own = discovery.rfc9989.lookups[0] as DmarcLookup;
  const organizationalDomain = findOrganizationalDomain(ascii);
  findings.push(...reportDnsErrors(discovery.rfc7489, discovery.rfc9989));
  findings.push(...describeOwnTxt(own));
  const appliedBy = discovery.rfc9989.outcome === 'found' ? discovery.rfc9989 : discovery.rfc7489.outcome === 'found' ? discovery.rfc7489 : undefined;
  let applied: DmarcCheckRecords['applied'];
  let destinations: ReportDestination[] = [];
  if (appliedBy?.record !== undefined && appliedBy.policyDomain !== undefined) {
    const parse = parseDmarcRecord(appliedBy.record);
    const record = parse.record as DmarcRecord;
    const policyDomain = appliedBy.policyDomain;
    findings.push(...describeParentDuplicates(discovery.rfc7489, ascii));
    findings.push(...adviseDmarcRecord(parse, { policyDomain, domain: ascii, organizationalDomain: findOrganizationalDomain(policyDomain) }));
    const checked = await checkReportDestinations(policyDomain, record, { resolver });
    findings.push(...checked.findings);
    destinations = checked.destinations;
    applied = { name: `_dmarc.${policyDomain}`, text: appliedBy.record, record, inherited: appliedBy.inherited, effective: { rfc7489: computeEffectivePolicy(record, 'rfc7489'), rfc9989: computeEffectivePolicy(record, 'rfc9989') } };
  } else if (discovery.rfc7489.outcome !== 'dns-error' && discovery.rfc9989.outcome !== 'dns-error' && own.dmarc.length <= 1) {
    findings.push(...(await describeMissing(ascii, organizationalDomain, resolver)));
  }
  findings.push(...compareDiscoveries(discovery));
  if (applied && !findings.some((f) => f.severity === 'error' || f.severity === 'warning')) {
    const e = applied.effective.rfc9989;
    const uris = applied.record.aggregateUris.map((u) => u.uri);
    const params = { name: applied.name, domain: ascii, inherited: applied.inherited, tag: applied.inherited ? 'sp' : 'p', policy: applied.inherited ? e.subdomainPolicy : e.policy, uris };
    findings.push(finding('dmarc-ok', 'ok', `DMARC record at ${applied.name} applies to ${ascii}: ${applied.inherited ? `sp=${e.subdomainPolicy}` : `p=${e.policy}`}, with aggregate reports to ${uris.join(', ')}.`, '', DISCOVERY_RFC, { name: applied.name }, params));
  }
  const governing = applied ? governingPolicy(applied) : undefined;
  return {
    findings,
    records: { domain: ascii, organizationalDomain, txt: own.texts, discovery, ...(applied ? { applied } : {}), ...(governing ? { policy: governing } : {}), destinations },
  };
}

function governingPolicy(applied: NonNullable<DmarcCheckRecords['applied']>): DmarcCheckRecords['policy'] {
  const seven = applied.effective.rfc7489;
  const nine = applied.effective.rfc9989;
  const policy = applied.inherited ? nine.subdomainPolicy : nine.policy;
  return { policy, pct: seven.applied ? seven.percentage : 100, testing: nine.testing };
}

function emptyDiscovery(domain: string): DmarcCheckRecords['discovery'] {
  const base = { domain, outcome: 'none' as const, inherited: false, organizationalDomain: domain, lookups: [], discarded: [] };
  return { rfc7489: { ...base, generation: 'rfc7489' }, rfc9989: { ...base, generation: 'rfc9989' } };
}

/** One dmarc-dns-error per failed `_dmarc` name either generation depended on. */
function reportDnsErrors(...discoveries: DmarcDiscovery[]): Finding[] {
  const failed = new Map<string, DmarcLookup>();
  for (const d of discoveries) for (const lookup of d.lookups) if (lookup.status === 'error') failed.set(lookup.name, lookup);
  return [...failed.values()].map((lookup) => {
    // lookup.error is `<failure>: <resolver message>` (dmarc-discovery.ts).
    const [failure, ...rest] = (lookup.error ?? 'other: error').split(': ');
    const params = { name: lookup.name, domain: lookup.domain, type: 'TXT', failure: failure ?? 'other', error: rest.join(': ') };
    return finding('dmarc-dns-error', 'error', `The TXT lookup of ${lookup.name} failed (${lookup.error ?? 'error'}), so whether a DMARC policy applies is unknown (temperror), not missing.`, `Make the DNS servers of ${lookup.domain} answer TXT queries for ${lookup.name} (with NXDOMAIN or NODATA when there is no record), then check again.`, DISCOVERY_RFC, { name: lookup.name }, params);
  });
}

/** Several DMARC records, and other TXT records, at the domain's own `_dmarc` name. */
function describeOwnTxt(own: DmarcLookup): Finding[] {
  const findings: Finding[] = [];
  if (own.dmarc.length > 1) {
    findings.push(finding('dmarc-multiple-records', 'error', `${own.name} has ${own.dmarc.length} DMARC records: RFC 7489 receivers then apply no DMARC, and RFC 9989 receivers discard them all and look higher up the tree.`, `Keep exactly one TXT record starting with v=DMARC1 at ${own.name}; delete: ${own.dmarc.slice(1).join(' | ')}`, 'RFC 7489 §6.6.3; RFC 9989 §4.10', { name: own.name }, { name: own.name, domain: own.domain, count: own.dmarc.length, records: own.dmarc }));
  }
  for (const text of own.texts) {
    if (isDmarcRecordText(text)) continue;
    if (looksLikeDmarcAttempt(text)) {
      const fault = parseDmarcRecord(text).diagnostics.find((d) => d.severity === 'error');
      const why = fault?.message ?? 'It does not start with v=DMARC1.';
      const params = { name: own.name, domain: own.domain, record: text, ...(fault?.tag !== undefined ? { tag: fault.tag } : {}), ...(fault?.offset !== undefined ? { offset: fault.offset } : {}), ...fault?.params };
      findings.push(finding('dmarc-syntax-error', 'error', `The TXT record "${text}" at ${own.name} is meant as DMARC, but receivers ignore it: ${why}`, `Publish it starting exactly with "v=DMARC1;" (upper case, no leading space, ';' between tags).`, 'RFC 7489 §6.4, §6.6.3; RFC 9989 §4.7, §4.8', { name: own.name }, params));
    } else if (/^\s*v=spf1\b/i.test(text)) {
      findings.push(finding('dmarc-non-dmarc-txt', 'warning', `${own.name} holds an SPF record ("${text}"), which has no effect there: SPF is read at the domain itself.`, `Move the SPF record to the domain's own name and delete it from ${own.name}.`, 'RFC 7489 §6.6.3; RFC 7208 §3.1', { name: own.name }, { name: own.name, domain: own.domain, record: text, spf: true }));
    } else {
      findings.push(finding('dmarc-non-dmarc-txt', 'info', `${own.name} also holds a TXT record that is not DMARC ("${text.slice(0, 80)}"); receivers ignore it, but it makes every DMARC lookup larger.`, `Remove it from ${own.name} unless something needs it there.`, 'RFC 7489 §6.6.3; RFC 9989 §4.10', { name: own.name }, { name: own.name, domain: own.domain, record: text, spf: false }));
    }
  }
  return findings;
}

/** Several records at the Organizational Domain while the domain inherits: RFC 7489 stops there. */
function describeParentDuplicates(rfc7489: DmarcDiscovery, domain: string): Finding[] {
  if (rfc7489.outcome !== 'multiple' || rfc7489.stoppedAt === `_dmarc.${domain}`) return [];
  const name = rfc7489.stoppedAt ?? '';
  const stopped = rfc7489.lookups.find((lookup) => lookup.name === name);
  const params = { name, domain, organizationalDomain: rfc7489.organizationalDomain, count: stopped?.dmarc.length ?? 2, records: stopped?.dmarc ?? [] };
  return [finding('dmarc-multiple-records', 'error', `${name} has several DMARC records, so RFC 7489 receivers apply no DMARC to ${domain}.`, `Keep exactly one TXT record starting with v=DMARC1 at ${name}.`, 'RFC 7489 §6.6.3', { name }, params)];
}

/** No record applies: dmarc-missing, with a DMARC record published at the domain itself pointed out. */
async function describeMissing(domain: string, organizationalDomain: string, resolver: Resolver): Promise<Finding[]> {
  const name = `_dmarc.${domain}`;
  const apex = await resolver.txt(domain);
  const misplaced = apex.status === 'ok' ? apex.records.map((strings) => strings.join('')).find(isDmarcRecordText) : undefined;
  const start = `v=DMARC1; p=none; rua=mailto:dmarc-reports@${organizationalDomain}`;
  const findings: Finding[] = [];
  if (misplaced !== undefined) {
    findings.push(finding('dmarc-record-misplaced', 'error', `A DMARC record is published at ${domain} itself ("${misplaced}"), where receivers never look.`, `Publish it at ${name} instead: ${formatTxtZoneLine(name, misplaced, { ttl: 3600 })}`, 'RFC 7489 §6.1; RFC 9989 §4.5', { name: domain }, { domain, record: misplaced, publishAt: name }));
  }
  const parent = domain === organizationalDomain ? '' : ` nor at its Organizational Domain ${organizationalDomain}`;
  const publishAt = domain === organizationalDomain ? name : `_dmarc.${organizationalDomain}`;
  findings.push(finding('dmarc-missing', 'error', `No DMARC record applies to ${domain}: none at ${name}${parent} nor higher up the tree, so receivers apply no DMARC and anyone can send as the domain.`, `Start monitoring with: ${formatTxtZoneLine(publishAt, start, { ttl: 3600 })}`, 'RFC 7489 §6.6.3; RFC 9989 §4.10.1', { name }, { name, domain, organizationalDomain, record: start, publishAt }));
  return findings;
}
