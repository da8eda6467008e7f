/**
 * The SPF check of `dmarcpilot check`: the record as found, its whole include/redirect tree with
 * the lookup cost of every term, the flattened networks it authorises, and findings with fixes.
 * A DNS failure is `spf-dns-error` (receivers get temperror), never `spf-missing`.
 */
import type { Resolver } from '../core/dns-resolver.js';
import type { Finding } from './finding.js';
import { finding } from './finding.js';
import type { SpfAuditNetwork, SpfAuditNode, SpfNodeStatus } from './spf-audit.js';
import { auditSpf } from './spf-audit.js';
import { SPF_LIMITS } from './spf-evaluate.js';
import { columnOf, findTreeProblems } from './spf-findings.js';

/** What was found, JSON-serialisable. */
export interface SpfCheckRecords {
  readonly domain: string;
  readonly status: SpfNodeStatus;
  /** The SPF record (strings joined), when there is exactly one. */
  readonly record?: string;
  /** Its character-strings as published. */
  readonly strings?: readonly string[];
  /** All SPF records when there are several. */
  readonly records?: readonly string[];
  /** DNS-querying terms in the whole tree (worst case: a client that matches nothing). */
  readonly lookups: number;
  readonly voidLookups: number;
  /** True when macros or a cut walk make `lookups` a lower bound. */
  readonly lookupsAreLowerBound: boolean;
  /** Size of the TXT answer at the domain, in octets (RFC 7208 §3.4). */
  readonly answerOctets?: number;
  /** ip4/ip6 terms and a/mx addresses of the tree, with the result each gives. */
  readonly networks: readonly SpfAuditNetwork[];
  /** The record tree with per-term costs. */
  readonly tree: SpfAuditNode;
}

export interface SpfCheck {
  readonly findings: Finding[];
  readonly records: SpfCheckRecords;
}

/** RFC 7208 §3.4: keep the answer within 512 octets; 450 for the record text leaves room for the rest. */
const ANSWER_ADVICE_OCTETS = 450;
const UDP_OCTETS = 512;
const STRING_OCTETS = 255;

export async function checkSpf(domain: string, options: { resolver: Resolver }): Promise<SpfCheck> {
  const audit = await auditSpf(domain, { resolver: options.resolver });
  const root = audit.root;
  const name = root.domain;
  const findings: Finding[] = [];
  const answerOctets = root.txt ? txtAnswerOctets(name, root.txt) : undefined;
  const records: SpfCheckRecords = {
    domain: name,
    status: root.status,
    ...(root.record !== undefined ? { record: root.record } : {}),
    ...(root.strings ? { strings: root.strings } : {}),
    ...(root.records ? { records: root.records } : {}),
    lookups: audit.lookups,
    voidLookups: audit.voidLookups,
    lookupsAreLowerBound: audit.dynamic || audit.truncated,
    ...(answerOctets !== undefined ? { answerOctets } : {}),
    networks: audit.networks,
    tree: root,
  };
  switch (root.status) {
    case 'dns-error':
      findings.push(finding('spf-dns-error', 'error', `The SPF record of ${name} could not be fetched (${root.dnsError ?? 'DNS failure'}); receivers get a temporary error (temperror), which is not the same as having no record.`, `Check that the authoritative name servers of ${name} answer TXT queries, then check again.`, 'RFC 7208 §4.4, §2.6.6', { name }, { domain: name, error: root.dnsError ?? 'DNS failure' }));
      return { findings, records };
    case 'none':
    case 'invalid-name':
    case 'not-followed': {
      const lookalikes = root.lookalikes ?? [];
      const hint = lookalikes.length > 0 ? ` A TXT record there looks meant as SPF but is not one (it must start with exactly "v=spf1" and a space): "${lookalikes[0] ?? ''}".` : '';
      findings.push(finding('spf-missing', 'error', `${name} has no SPF record, so receivers cannot tell which servers may send its mail.${hint}`, `Publish one TXT record at ${name} listing the servers that send its mail, e.g. "v=spf1 mx include:<your provider> -all"; if ${name} sends no mail at all, publish "v=spf1 -all".`, 'RFC 7208 §4.5, §2.6.1', { name }, { domain: name, lookalikes }));
      return { findings, records };
    }
    case 'multiple-records':
      findings.push(finding('spf-multiple-records', 'error', `${name} has ${root.records?.length ?? 2} SPF records (${(root.records ?? []).map((r) => `"${r}"`).join(', ')}); receivers return permerror, so SPF fails for all of its mail.`, `Merge them into one TXT record at ${name} (one "v=spf1", every mechanism once, one "all" at the end) and delete the others.`, 'RFC 7208 §4.5, §3.2', { name }, { domain: name, count: root.records?.length ?? 2, records: root.records ?? [] }));
      return { findings, records };
    case 'syntax-error':
      for (const diagnostic of root.diagnostics ?? []) {
        const params = { domain: name, record: root.record ?? '', column: columnOf(diagnostic.location), diagnostic: diagnostic.code };
        findings.push(finding('spf-syntax-error', 'error', `The SPF record of ${name} has a syntax error at ${diagnostic.location ?? 'column 1'}: ${diagnostic.message}. Receivers treat the whole record as a permanent error (permerror).`, `Correct the term at ${diagnostic.location ?? 'column 1'} of "${root.record ?? ''}".`, 'RFC 7208 §4.6, §12', { name, ...(diagnostic.location !== undefined ? { location: diagnostic.location } : {}) }, params));
      }
      findings.push(...sizeFindings(root, answerOctets));
      return { findings, records };
    case 'ok':
      break;
  }
  findings.push(...sizeFindings(root, answerOctets));
  findings.push(...findTreeProblems(audit));
  if (!findings.some((f) => f.severity === 'error' || f.severity === 'warning')) {
    const all = root.terms.find((t) => /^[-~]all$/i.test(t.term));
    const params = { domain: name, all: all?.term ?? null, lookups: audit.lookups, limit: SPF_LIMITS.lookups, lowerBound: audit.dynamic, voidLookups: audit.voidLookups, voidLimit: SPF_LIMITS.voidLookups };
    findings.push(finding('spf-ok', 'ok', `${name} has one valid SPF record${all ? ` ending in "${all.term}"` : ''}, using ${audit.dynamic ? 'at least ' : ''}${audit.lookups} of 10 DNS lookups and ${audit.voidLookups} of 2 void lookups.`, '', 'RFC 7208', { name }, params));
  }
  return { findings, records };
}

function sizeFindings(root: SpfAuditNode, answerOctets: number | undefined): Finding[] {
  const name = root.domain;
  const findings: Finding[] = [];
  const encoder = new TextEncoder();
  for (const [index, text] of (root.strings ?? []).entries()) {
    const octets = encoder.encode(text).length;
    if (octets > STRING_OCTETS) {
      findings.push(finding('spf-string-too-long', 'error', `String ${index + 1} of the SPF record of ${name} is ${octets} octets, over the ${STRING_OCTETS} a DNS character-string can hold; this comes from broken DNS data or a zone file that was not split.`, `Split the record into quoted strings of at most ${STRING_OCTETS} octets each ("part1" "part2"); SPF joins them with nothing between.`, 'RFC 7208 §3.3; RFC 1035 §3.3', { name, location: `string ${index + 1}` }, { domain: name, string: index + 1, octets, limit: STRING_OCTETS }));
    }
  }
  if (answerOctets !== undefined && answerOctets > ANSWER_ADVICE_OCTETS) {
    const over = answerOctets > UDP_OCTETS ? `over the ${UDP_OCTETS} octets of a plain UDP answer, so resolvers need EDNS0 or TCP and some lookups will fail` : `over the ${ANSWER_ADVICE_OCTETS} octets RFC 7208 advises so the answer fits in one UDP packet`;
    const recordOctets = encoder.encode(root.record ?? '').length;
    const params = { domain: name, octets: answerOctets, recordOctets, limit: answerOctets > UDP_OCTETS ? UDP_OCTETS : ANSWER_ADVICE_OCTETS };
    findings.push(finding('spf-record-too-large', 'warning', `The TXT answer at ${name} is about ${answerOctets} octets (SPF record ${recordOctets} octets), ${over}.`, `Shorten the SPF record of ${name} (drop unused mechanisms, move a service to a subdomain), or remove other TXT records at ${name} that are no longer needed.`, 'RFC 7208 §3.4', { name }, params));
  }
  return findings;
}

/** The size of a DNS response carrying these TXT records: header, question, and each answer with a compressed name. */
export function txtAnswerOctets(name: string, txt: readonly (readonly string[])[]): number {
  const encoder = new TextEncoder();
  const question = encoder.encode(name).length + 2 + 4;
  const answers = txt.reduce((sum, strings) => sum + 2 + 10 + strings.reduce((n, s) => n + 1 + encoder.encode(s).length, 0), 0);
  return 12 + question + answers;
}
