/**
 * Walks an SPF record tree without a client address (RFC 7208 §4.6.4 accounting done statically):
 * for every term and every include, the DNS-querying terms it costs with everything below it, the
 * void lookups it causes, loops, includes without a record, and the networks the tree authorises
 * (ip4/ip6 plus what a/mx resolve to). The count is the worst case, what a receiver spends on a
 * client that matches nothing, which is when the limit bites. Terms with macros depend on the
 * message and cannot be followed statically: they count as one lookup and are marked `dynamic`.
 */
import type { DnsAnswer, Resolver } from '../core/dns-resolver.js';
import type { Diagnostic } from '../core/diagnostic.js';
import { hasMacros } from '../records/spf-macro.js';
import { formatNetwork, parseSpfIp } from '../records/spf-network.js';
import type { SpfMechanism, SpfQualifier, SpfTerm } from '../records/spf-record.js';
import { DNS_MECHANISMS } from '../records/spf-record.js';
import { fetchSpfRecord } from './spf-fetch.js';
import { isValidDomain, SPF_LIMITS } from './spf-evaluate.js';

export type SpfNodeStatus = 'ok' | 'none' | 'multiple-records' | 'syntax-error' | 'dns-error' | 'invalid-name' | 'not-followed';

export interface SpfAuditTerm {
  readonly term: string;
  /** Character offset in the record. */
  readonly offset: number;
  /** DNS-querying terms this term costs, with everything below it (include/redirect subtrees). */
  readonly lookups: number;
  /** Void lookups (NXDOMAIN/NODATA) this term and its subtree cause. */
  readonly voidLookups: number;
  /** This term's own query came back empty. */
  readonly void?: boolean;
  /** The target has macros: its lookups depend on the message and are not followed. */
  readonly dynamic?: boolean;
  /** Never evaluated: after an `all`, or a redirect in a record that has `all` (§6.1). */
  readonly ignored?: 'after-all' | 'redirect-with-all';
  /** include/redirect back to a record already on the path (§4.6.4: a permerror). */
  readonly loop?: boolean;
  /** A temporary DNS failure on this term's query. */
  readonly dnsError?: string;
  /** a/mx: the addresses found (A and AAAA). */
  readonly addresses?: readonly string[];
  /** mx: how many MX names the target has (over 10 is a permerror, §4.6.4). */
  readonly mxNames?: number;
  /** exp: what is wrong with the explanation record, if anything (§6.2). */
  readonly explanationProblem?: string;
  /** include/redirect: the record reached. */
  readonly child?: SpfAuditNode;
}

export interface SpfAuditNode {
  readonly domain: string;
  readonly via: 'root' | 'include' | 'redirect';
  readonly status: SpfNodeStatus;
  /** The record text (strings joined), when exactly one was found. */
  readonly record?: string;
  /** The record's character-strings as published. */
  readonly strings?: readonly string[];
  /** Every SPF record found when there are several. */
  readonly records?: readonly string[];
  /** Every TXT record at the name (root only, for the size checks). */
  readonly txt?: readonly (readonly string[])[];
  /** TXT records that look like a broken SPF record (root only, when none was found). */
  readonly lookalikes?: readonly string[];
  readonly diagnostics?: readonly Diagnostic[];
  readonly dnsError?: string;
  readonly terms: readonly SpfAuditTerm[];
  readonly lookups: number;
  readonly voidLookups: number;
}

/** One network of the flattened list, with the result a client inside it gets from the term. */
export interface SpfAuditNetwork {
  /** `192.0.2.0/24`, `2001:db8::/32`; a/mx addresses with their prefix length. */
  readonly network: string;
  readonly result: 'pass' | 'fail' | 'softfail' | 'neutral';
  /** The record and term it comes from. */
  readonly domain: string;
  readonly term: string;
}

export interface SpfAudit {
  readonly root: SpfAuditNode;
  readonly lookups: number;
  readonly voidLookups: number;
  /** Some terms have macros: the lookup count is a lower bound. */
  readonly dynamic: boolean;
  /** The walk stopped after `maxRecords` records; counts below those are missing. */
  readonly truncated: boolean;
  readonly networks: readonly SpfAuditNetwork[];
}

export interface SpfAuditOptions {
  readonly resolver: Resolver;
  /** Most records fetched in one walk (default 50: far past any record that stays within 10 lookups). */
  readonly maxRecords?: number;
}

const RESULT_OF = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' } as const;

interface Walk {
  readonly resolver: Resolver;
  readonly maxRecords: number;
  fetched: number;
  dynamic: boolean;
  truncated: boolean;
  readonly networks: SpfAuditNetwork[];
}

export async function auditSpf(domain: string, options: SpfAuditOptions): Promise<SpfAudit> {
  const walk: Walk = { resolver: options.resolver, maxRecords: options.maxRecords ?? 50, fetched: 0, dynamic: false, truncated: false, networks: [] };
  const root = await walkRecord(walk, domain.toLowerCase().replace(/\.$/, ''), 'root', [], undefined);
  return { root, lookups: root.lookups, voidLookups: root.voidLookups, dynamic: walk.dynamic, truncated: walk.truncated, networks: walk.networks };
}

/**
 * `outer`: undefined at the root and through redirects (a term's own qualifier decides); inside an
 * include, the result the include gives when something in it passes (null: it can decide nothing).
 */
type Outer = SpfQualifier | null | undefined;

async function walkRecord(walk: Walk, domain: string, via: SpfAuditNode['via'], ancestors: readonly string[], outer: Outer): Promise<SpfAuditNode> {
  const empty = { domain, via, terms: [], lookups: 0, voidLookups: 0 };
  if (!isValidDomain(domain, false)) return { ...empty, status: 'invalid-name' };
  if (walk.fetched >= walk.maxRecords) {
    walk.truncated = true;
    return { ...empty, status: 'not-followed' };
  }
  walk.fetched++;
  const fetched = await fetchSpfRecord(walk.resolver, domain);
  if (fetched.status === 'error') return { ...empty, status: 'dns-error', dnsError: fetched.message };
  if (fetched.status === 'none') return { ...empty, status: 'none', ...(via === 'root' && fetched.lookalikes.length > 0 ? { lookalikes: fetched.lookalikes } : {}) };
  if (fetched.status === 'multiple') return { ...empty, status: 'multiple-records', records: fetched.records };
  const found = { ...empty, record: fetched.text, strings: fetched.strings, ...(via === 'root' ? { txt: fetched.txt } : {}) };
  if (!fetched.parse.valid) return { ...found, status: 'syntax-error', diagnostics: fetched.parse.diagnostics };
  const terms = fetched.parse.record.terms;
  const allAt = terms.findIndex((t) => t.kind === 'mechanism' && t.mechanism === 'all');
  const path = [...ancestors, domain];
  const audited = await Promise.all(terms.map((term, index) => auditTerm(walk, term, domain, path, outer, allAt >= 0 && index > allAt, allAt >= 0)));
  return {
    ...found,
    status: 'ok',
    terms: audited,
    lookups: audited.reduce((sum, t) => sum + t.lookups, 0),
    voidLookups: audited.reduce((sum, t) => sum + t.voidLookups, 0),
  };
}

function effective(outer: Outer, qualifier: SpfQualifier): SpfQualifier | null {
  if (outer === undefined) return qualifier;
  return qualifier === '+' ? outer : null;
}

async function auditTerm(walk: Walk, term: SpfTerm, domain: string, path: readonly string[], outer: Outer, afterAll: boolean, recordHasAll: boolean): Promise<SpfAuditTerm> {
  const base = { term: term.text, offset: term.offset, lookups: 0, voidLookups: 0 };
  if (term.kind === 'modifier') {
    if (term.name === 'exp') {
      if (outer !== undefined) return base; // an included record's exp is never used (§6.2)
      const problem = await checkExplanation(walk.resolver, term.value);
      return { ...base, ...(problem ? { explanationProblem: problem } : {}) };
    }
    if (term.name !== 'redirect') return base;
    if (recordHasAll) return { ...base, ignored: 'redirect-with-all' };
    return followTarget(walk, base, term.value, 'redirect', path, outer);
  }
  if (afterAll) return { ...base, ignored: 'after-all' };
  const result = effective(outer, term.qualifier);
  if (term.mechanism === 'ip4' || term.mechanism === 'ip6') {
    const network = parseSpfIp(term.network as string, { network: true });
    const length = (term.mechanism === 'ip4' ? term.cidr4 : term.cidr6) ?? 0;
    if (network && result) walk.networks.push({ network: formatNetwork(network, length), result: RESULT_OF[result], domain, term: term.text });
    return base;
  }
  if (!DNS_MECHANISMS.has(term.mechanism)) return base;
  if (term.mechanism === 'include') return followTarget(walk, base, term.domainSpec as string, 'include', path, result);
  const counted = { ...base, lookups: 1 };
  if (term.domainSpec !== undefined && hasMacros(term.domainSpec)) {
    walk.dynamic = true;
    return { ...counted, dynamic: true };
  }
  const target = (term.domainSpec ?? domain).toLowerCase().replace(/\.$/, '');
  switch (term.mechanism) {
    case 'a':
      return resolveAddresses(walk, counted, [target], term, domain, result);
    case 'mx':
      return auditMx(walk, counted, target, term, domain, result);
    case 'exists': {
      const answer = await ask(() => walk.resolver.a(target));
      if (answer.status === 'error') return { ...counted, dnsError: answer.message };
      return answer.status === 'ok' ? counted : { ...counted, void: true, voidLookups: 1 };
    }
    default:
      return counted; // ptr: depends on the client address
  }
}

async function followTarget(walk: Walk, base: SpfAuditTerm, spec: string, via: 'include' | 'redirect', path: readonly string[], outer: Outer): Promise<SpfAuditTerm> {
  if (hasMacros(spec)) {
    walk.dynamic = true;
    return { ...base, lookups: 1, dynamic: true };
  }
  const target = spec.toLowerCase().replace(/\.$/, '');
  if (path.includes(target)) return { ...base, lookups: 1, loop: true };
  const child = await walkRecord(walk, target, via, path, outer);
  return { ...base, lookups: 1 + child.lookups, voidLookups: child.voidLookups, child };
}

async function auditMx(walk: Walk, base: SpfAuditTerm, target: string, term: SpfMechanism, domain: string, result: SpfQualifier | null): Promise<SpfAuditTerm> {
  const answer = await ask(() => walk.resolver.mx(target));
  if (answer.status === 'error') return { ...base, dnsError: answer.message };
  if (answer.status !== 'ok') return { ...base, void: true, voidLookups: 1, mxNames: 0 };
  const names = answer.records.map((r) => r.exchange.replace(/\.$/, '')).filter((n) => n !== '');
  const resolved = await resolveAddresses(walk, base, names.slice(0, SPF_LIMITS.mxNames), term, domain, result);
  return { ...resolved, void: false, voidLookups: 0, mxNames: answer.records.length };
}

/** A and AAAA of the names; a term whose names have neither is a void lookup for every client. */
async function resolveAddresses(walk: Walk, base: SpfAuditTerm, names: readonly string[], term: SpfMechanism, domain: string, result: SpfQualifier | null): Promise<SpfAuditTerm> {
  const answers = await Promise.all(names.flatMap((name) => [ask(() => walk.resolver.a(name)), ask(() => walk.resolver.aaaa(name))]));
  const failure = answers.find((a): a is Extract<DnsAnswer<string>, { status: 'error' }> => a.status === 'error');
  const addresses = answers.flatMap((a) => (a.status === 'ok' ? a.records : []));
  for (const address of addresses) {
    const ip = parseSpfIp(address);
    if (!ip || !result) continue;
    const length = ip.version === 4 ? (term.cidr4 ?? 32) : (term.cidr6 ?? 128);
    walk.networks.push({ network: formatNetwork(ip, length), result: RESULT_OF[result], domain, term: term.text });
  }
  const isVoid = addresses.length === 0 && !failure;
  return { ...base, addresses, ...(failure ? { dnsError: failure.message } : {}), ...(isVoid ? { void: true, voidLookups: 1 } : {}) };
}

/** What makes an `exp=` useless (§6.2): no TXT record, several, or a DNS failure. Macro targets are not checked. */
async function checkExplanation(resolver: Resolver, spec: string): Promise<string | undefined> {
  if (hasMacros(spec)) return undefined;
  const target = spec.replace(/\.$/, '');
  const answer = await ask(() => resolver.txt(target));
  if (answer.status === 'error') return `the explanation record at ${target} could not be fetched (${answer.message})`;
  if (answer.status !== 'ok') return `${target} has no TXT record, so receivers show no explanation`;
  if (answer.records.length > 1) return `${target} has ${answer.records.length} TXT records; receivers ignore the explanation unless there is exactly one`;
  return undefined;
}

async function ask<T>(query: () => Promise<DnsAnswer<T>>): Promise<DnsAnswer<T>> {
  try {
    return await query();
  } catch (caught) {
    return { status: 'error', code: 'other', message: caught instanceof Error ? caught.message : String(caught) };
  }
}
