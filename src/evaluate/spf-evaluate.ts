/**
 * RFC 7208 check_host(ip, domain, sender) over the injected Resolver: what a receiver decides for
 * a given client address, with the processing limits of §4.6.4 (10 DNS-querying terms per check,
 * 2 void lookups, 10 MX names per `mx`, 10 PTR names per `ptr`), and the term that decided it
 * with the chain of includes/redirects that led there (`dmarcpilot check --ip`).
 */
import type { DnsAnswer, Resolver } from '../core/dns-resolver.js';
import { isVoid } from '../core/dns-resolver.js';
import type { SpfMacroContext } from '../records/spf-macro.js';
import { expandSpfMacros, truncateDomainName } from '../records/spf-macro.js';
import type { SpfIp } from '../records/spf-network.js';
import { dotFormat, matchesCidr, parseSpfIp, reverseName } from '../records/spf-network.js';
import type { SpfMechanism, SpfQualifier, SpfRecord } from '../records/spf-record.js';
import { fetchSpfRecord } from './spf-fetch.js';

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'temperror';

/** The processing limits of RFC 7208 §4.6.4 (the void limit is a SHOULD with 2 as the default). */
export interface SpfLimits {
  readonly lookups: number;
  readonly voidLookups: number;
  readonly mxNames: number;
  readonly ptrNames: number;
}

export const SPF_LIMITS: SpfLimits = { lookups: 10, voidLookups: 2, mxNames: 10, ptrNames: 10 };

/** The mechanism that decided the result, in the record of `domain`. */
export interface SpfMatchedTerm {
  readonly domain: string;
  readonly term: string;
  /** Character offset of the term in that record. */
  readonly offset: number;
}

export interface SpfEvaluation {
  readonly result: SpfResult;
  /** One sentence: why this result. */
  readonly reason: string;
  /** The client address, canonical. */
  readonly ip: string;
  readonly domain: string;
  readonly sender: string;
  /** The mechanism that matched (absent for neutral by default, none and errors). */
  readonly match?: SpfMatchedTerm;
  /** Domains from the checked one through include/redirect to the record that decided (or failed). */
  readonly path: readonly string[];
  /** The include/redirect terms followed, one fewer than `path`. */
  readonly via: readonly string[];
  /** The term at which a permerror or temperror arose, when it was a term. */
  readonly errorTerm?: string;
  /** The `exp=` text for a fail, when the deciding record has a usable one (§6.2). */
  readonly explanation?: string;
  /** DNS-querying terms and void lookups used. */
  readonly lookups: number;
  readonly voidLookups: number;
}

export interface SpfEvaluateOptions {
  readonly resolver: Resolver;
  /** MAIL FROM address; default `postmaster@<domain>` (the HELO identity form, §2.3). */
  readonly sender?: string;
  /** HELO/EHLO name for `%{h}`; default the sender's domain. */
  readonly helo?: string;
  /** Receiving host for `%{r}` in explanations. */
  readonly receiver?: string;
  readonly limits?: Partial<SpfLimits>;
  /** Seconds since the epoch for `%{t}` in explanations. */
  readonly now?: () => number;
}

/** Ends the check early with permerror/temperror; caught in evaluateSpf, never escapes it. */
class Abort extends Error {
  readonly path: string[] = [];
  readonly via: string[] = [];
  constructor(
    readonly result: 'permerror' | 'temperror',
    readonly reason: string,
    readonly term?: string,
  ) {
    super(reason);
    this.name = 'SpfAbort';
  }
}

interface Run {
  readonly resolver: Resolver;
  readonly limits: SpfLimits;
  readonly ip: SpfIp;
  readonly sender: string;
  readonly helo: string;
  readonly receiver?: string;
  readonly now?: () => number;
  lookups: number;
  voids: number;
  readonly validated: Map<string, string>;
}

interface Outcome {
  readonly result: SpfResult;
  readonly reason: string;
  readonly match?: SpfMatchedTerm;
  readonly path: string[];
  readonly via: string[];
  readonly explanation?: string;
}

/**
 * check_host() for `ip` and `domain`. Throws only for a programmer error: `ip` must be an IP
 * address (callers validate user input first, e.g. with canonicalizeIp).
 */
export async function evaluateSpf(domain: string, ip: string, options: SpfEvaluateOptions): Promise<SpfEvaluation> {
  const client = parseSpfIp(ip);
  if (!client) throw new RangeError(`evaluateSpf: "${ip}" is not an IP address`);
  const name = domain.toLowerCase().replace(/\.$/, '');
  const sender = normalizeSender(options.sender, name);
  const run: Run = {
    resolver: options.resolver,
    limits: { ...SPF_LIMITS, ...options.limits },
    ip: client,
    sender,
    helo: options.helo ?? sender.slice(sender.lastIndexOf('@') + 1),
    ...(options.receiver !== undefined ? { receiver: options.receiver } : {}),
    ...(options.now ? { now: options.now } : {}),
    lookups: 0,
    voids: 0,
    validated: new Map(),
  };
  let outcome: Outcome;
  let errorTerm: string | undefined;
  if (!isValidDomain(name, true)) {
    outcome = { result: 'none', reason: `"${domain}" is not a fully qualified domain name, so it has no SPF record (RFC 7208 §4.3)`, path: [name], via: [] };
  } else {
    try {
      outcome = await checkHostAt(run, name, []);
    } catch (caught) {
      if (!(caught instanceof Abort)) throw caught;
      outcome = { result: caught.result, reason: caught.reason, path: caught.path, via: caught.via };
      errorTerm = caught.term;
    }
  }
  return {
    result: outcome.result,
    reason: outcome.reason,
    ip: client.text,
    domain: name,
    sender,
    ...(outcome.match ? { match: outcome.match } : {}),
    path: outcome.path,
    via: outcome.via,
    ...(errorTerm !== undefined ? { errorTerm } : {}),
    ...(outcome.explanation !== undefined ? { explanation: outcome.explanation } : {}),
    lookups: run.lookups,
    voidLookups: run.voids,
  };
}

/** What `dmarcpilot check DOMAIN --ip ADDRESS` shows: the result a receiver would give that address. */
export function evaluateSpfForIp(domain: string, ip: string, options: { resolver: Resolver; sender?: string; helo?: string }): Promise<SpfEvaluation> {
  return evaluateSpf(domain, ip, options);
}

function normalizeSender(sender: string | undefined, domain: string): string {
  if (sender === undefined || sender === '') return `postmaster@${domain}`;
  const at = sender.lastIndexOf('@');
  if (at < 0) return `postmaster@${sender}`;
  return at === 0 ? `postmaster${sender}` : sender;
}

const RESULT_OF: Record<SpfQualifier, SpfResult> = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' };

async function checkHostAt(run: Run, domain: string, stack: readonly string[]): Promise<Outcome> {
  try {
    return await evaluateRecordAt(run, domain, stack);
  } catch (caught) {
    if (caught instanceof Abort) caught.path.unshift(domain);
    throw caught;
  }
}

async function evaluateRecordAt(run: Run, domain: string, stack: readonly string[]): Promise<Outcome> {
  const here = [domain];
  if (!isValidDomain(domain, false)) return { result: 'none', reason: `"${domain}" is not a valid domain name`, path: here, via: [] };
  const fetched = await fetchSpfRecord(run.resolver, domain);
  if (fetched.status === 'error') throw new Abort('temperror', `the SPF record of ${domain} could not be fetched: ${fetched.message}`);
  if (fetched.status === 'none') return { result: 'none', reason: `${domain} has no SPF record`, path: here, via: [] };
  if (fetched.status === 'multiple') throw new Abort('permerror', `${domain} has ${fetched.records.length} SPF records; exactly one is allowed (RFC 7208 §4.5)`);
  if (!fetched.parse.valid) {
    const first = fetched.parse.diagnostics[0];
    throw new Abort('permerror', `the SPF record of ${domain} has a syntax error at ${first?.location ?? 'column 1'}: ${first?.message ?? ''} (RFC 7208 §4.6)`);
  }
  const record = fetched.parse.record;
  const inner = [...stack, domain];
  for (const mechanism of record.mechanisms) {
    const matched = await matchMechanism(run, mechanism, domain, inner);
    if (!matched) continue;
    const result = RESULT_OF[mechanism.qualifier];
    const self: SpfMatchedTerm = { domain, term: mechanism.text, offset: mechanism.offset };
    const deep = matched === true ? undefined : matched;
    const explanation = result === 'fail' ? await explain(run, record, domain) : undefined;
    return {
      result,
      reason: deep
        ? `${run.ip.text} matched ${deep.match?.term ?? '?'} in the SPF record of ${deep.match?.domain ?? '?'}, reached by ${mechanism.text} of ${domain}, so the result is ${result}`
        : `${run.ip.text} matched ${mechanism.text} in the SPF record of ${domain}, so the result is ${result}`,
      match: deep?.match ?? self,
      path: deep ? [domain, ...deep.path] : here,
      via: deep ? [mechanism.text, ...deep.via] : [],
      ...(explanation !== undefined ? { explanation } : {}),
    };
  }
  if (record.redirect) {
    const term = record.redirect.text;
    countLookup(run, term);
    const target = await expandTarget(run, record.redirect.value, domain, term);
    if (inner.includes(target)) throw new Abort('permerror', `${term} in ${domain} loops back to ${target} (RFC 7208 §4.6.4)`, term);
    const next = await checkHostAtVia(run, target, inner, term);
    if (next.result === 'none') throw new Abort('permerror', `${term} in ${domain} points to ${target}, which has no SPF record (RFC 7208 §6.1)`, term);
    return { ...next, path: [domain, ...next.path], via: [term, ...next.via] };
  }
  return { result: 'neutral', reason: `no mechanism in the SPF record of ${domain} matched ${run.ip.text} and there is no redirect, so the result is neutral (RFC 7208 §4.7)`, path: here, via: [] };
}

/** Follows include/redirect, recording the term in an Abort's path for the report. */
async function checkHostAtVia(run: Run, target: string, stack: readonly string[], term: string): Promise<Outcome> {
  try {
    return await checkHostAt(run, target, stack);
  } catch (caught) {
    if (caught instanceof Abort) caught.via.unshift(term);
    throw caught;
  }
}

/** false: no match; true: a match of this term; an Outcome: a pass inside an include. */
async function matchMechanism(run: Run, mechanism: SpfMechanism, domain: string, stack: readonly string[]): Promise<boolean | Outcome> {
  const term = mechanism.text;
  switch (mechanism.mechanism) {
    case 'all':
      return true;
    case 'ip4':
    case 'ip6': {
      const network = parseSpfIp(mechanism.network as string, { network: true });
      if (!network || network.version !== run.ip.version) return false;
      return matchesCidr(run.ip, network, (run.ip.version === 4 ? mechanism.cidr4 : mechanism.cidr6) ?? 0);
    }
    case 'include': {
      countLookup(run, term);
      const target = await expandTarget(run, mechanism.domainSpec, domain, term);
      if (stack.includes(target)) throw new Abort('permerror', `${term} in ${domain} loops back to ${target} (RFC 7208 §4.6.4, §5.2)`, term);
      const inner = await checkHostAtVia(run, target, stack, term);
      if (inner.result === 'pass') return inner;
      if (inner.result === 'none') {
        const abort = new Abort('permerror', `${term} in ${domain}: ${target} has no SPF record, which makes the include a permerror (RFC 7208 §5.2)`, term);
        abort.path.push(target);
        abort.via.unshift(term);
        throw abort;
      }
      return false;
    }
    case 'a': {
      countLookup(run, term);
      const target = await expandTarget(run, mechanism.domainSpec, domain, term);
      const answer = await addressesOf(run, target, term);
      if (answer.status !== 'ok') return countVoid(run, term, answer);
      return answer.records.some((address) => matchesAddress(run, address, mechanism));
    }
    case 'mx': {
      countLookup(run, term);
      const target = await expandTarget(run, mechanism.domainSpec, domain, term);
      const answer = await guarded(run, () => run.resolver.mx(target), term, `MX ${target}`);
      if (answer.status !== 'ok') return countVoid(run, term, answer);
      if (answer.records.length > run.limits.mxNames) {
        throw new Abort('permerror', `${term} in ${domain}: ${target} has ${answer.records.length} MX records, more than the ${run.limits.mxNames} allowed (RFC 7208 §4.6.4)`, term);
      }
      for (const host of answer.records) {
        if (host.exchange === '') continue;
        const addresses = await addressesOf(run, host.exchange.replace(/\.$/, ''), term);
        if (addresses.status === 'ok' && addresses.records.some((address) => matchesAddress(run, address, mechanism))) return true;
      }
      return false;
    }
    case 'ptr': {
      countLookup(run, term);
      const target = await expandTarget(run, mechanism.domainSpec, domain, term);
      const names = await validatedNames(run, term);
      return names.some((name) => name === target || name.endsWith(`.${target}`));
    }
    case 'exists': {
      countLookup(run, term);
      const target = await expandTarget(run, mechanism.domainSpec, domain, term);
      if (!isValidDomain(target, false)) return false;
      const answer = await guarded(run, () => run.resolver.a(target), term, `A ${target}`);
      if (answer.status !== 'ok') return countVoid(run, term, answer);
      return true;
    }
  }
}

function matchesAddress(run: Run, address: string, mechanism: SpfMechanism): boolean {
  const parsed = parseSpfIp(address);
  if (!parsed || parsed.version !== run.ip.version) return false;
  const cidr = run.ip.version === 4 ? (mechanism.cidr4 ?? 32) : (mechanism.cidr6 ?? 128);
  return matchesCidr(run.ip, parsed, cidr);
}

function countLookup(run: Run, term: string): void {
  run.lookups++;
  if (run.lookups > run.limits.lookups) throw new Abort('permerror', `${term} would be DNS-querying term number ${run.lookups}, over the limit of ${run.limits.lookups} per check (RFC 7208 §4.6.4)`, term);
}

/** Counts a void answer (NODATA/NXDOMAIN) or turns a DNS failure into temperror; returns false (no match). */
function countVoid(run: Run, term: string, answer: DnsAnswer<unknown>): false {
  if (answer.status === 'error') throw new Abort('temperror', `${term}: DNS failure (${answer.message})`, term);
  if (isVoid(answer)) {
    run.voids++;
    if (run.voids > run.limits.voidLookups) throw new Abort('permerror', `${term} is void lookup number ${run.voids} (no records), over the limit of ${run.limits.voidLookups} (RFC 7208 §4.6.4)`, term);
  }
  return false;
}

/** A resolver answer, with a thrown exception treated as a DNS failure (temperror). */
async function guarded<T>(_run: Run, query: () => Promise<DnsAnswer<T>>, term: string, what: string): Promise<DnsAnswer<T>> {
  try {
    return await query();
  } catch (caught) {
    throw new Abort('temperror', `${term}: ${what} failed: ${caught instanceof Error ? caught.message : String(caught)}`, term);
  }
}

/** A or AAAA by the client's family; a target that is not a valid name is "no records" (RFC 7208 §4.3, §5). */
async function addressesOf(run: Run, name: string, term: string): Promise<DnsAnswer<string>> {
  if (!isValidDomain(name, false)) return { status: 'nxdomain' };
  const answer = await guarded(run, () => (run.ip.version === 4 ? run.resolver.a(name) : run.resolver.aaaa(name)), term, `${run.ip.version === 4 ? 'A' : 'AAAA'} ${name}`);
  if (answer.status === 'error') throw new Abort('temperror', `${term}: DNS failure (${answer.message})`, term);
  return answer;
}

/**
 * The client's validated names (§5.5): PTR names (first 10) whose forward lookup gives the client
 * address back. The PTR query counts as void when empty; DNS failures here only mean no match.
 */
async function validatedNames(run: Run, term: string): Promise<string[]> {
  let answer: DnsAnswer<string>;
  try {
    answer = await run.resolver.ptr(reverseName(run.ip));
  } catch {
    return [];
  }
  if (answer.status !== 'ok') {
    if (answer.status !== 'error') countVoid(run, term, answer);
    return [];
  }
  const names: string[] = [];
  for (const raw of answer.records.slice(0, run.limits.ptrNames)) {
    const name = raw.toLowerCase().replace(/\.$/, '');
    if (!isValidDomain(name, false)) continue;
    try {
      const forward = run.ip.version === 4 ? await run.resolver.a(name) : await run.resolver.aaaa(name);
      if (forward.status === 'ok' && forward.records.some((a) => parseSpfIp(a)?.text === run.ip.text)) names.push(name);
    } catch {
      // A failed forward lookup leaves the name unvalidated (§5.5).
    }
  }
  return names;
}

/** `%{p}` (§7.3): the validated name equal to the domain, else a subdomain of it, else any, else "unknown". */
async function validatedDomain(run: Run, domain: string): Promise<string> {
  const cached = run.validated.get(domain);
  if (cached !== undefined) return cached;
  const saved = run.voids;
  const names = await validatedNames(run, '%{p}').catch(() => []);
  run.voids = saved; // %{p} lookups do not count toward the limits
  const chosen = names.find((n) => n === domain) ?? names.find((n) => n.endsWith(`.${domain}`)) ?? names[0] ?? 'unknown';
  run.validated.set(domain, chosen);
  return chosen;
}

async function macroContext(run: Run, domain: string, needsP: boolean): Promise<SpfMacroContext> {
  return {
    sender: run.sender,
    domain,
    ipDotFormat: dotFormat(run.ip),
    clientIp: run.ip.text,
    ipVersion: run.ip.version,
    helo: run.helo,
    ...(needsP ? { validatedDomain: await validatedDomain(run, domain) } : {}),
    ...(run.receiver !== undefined ? { receiver: run.receiver } : {}),
    ...(run.now ? { timestamp: run.now() } : {}),
  };
}

/** The target name of a term: the current domain, or the expanded domain-spec (lower case, ≤253). */
async function expandTarget(run: Run, spec: string | undefined, domain: string, term: string): Promise<string> {
  if (spec === undefined) return domain;
  const expanded = expandSpfMacros(spec, await macroContext(run, domain, /%\{p/i.test(spec)));
  if (!expanded.ok) throw new Abort('permerror', `${term}: ${expanded.message}`, term);
  return truncateDomainName(expanded.value).toLowerCase();
}

/** The explanation for a fail (§6.2): problems of any kind mean "no explanation", never an error. */
async function explain(run: Run, record: SpfRecord, domain: string): Promise<string | undefined> {
  if (!record.explanation) return undefined;
  try {
    const context = await macroContext(run, domain, /%\{p/i.test(record.explanation.value));
    const target = expandSpfMacros(record.explanation.value, context);
    if (!target.ok) return undefined;
    const name = truncateDomainName(target.value);
    if (!isValidDomain(name, false)) return undefined;
    const answer = await run.resolver.txt(name);
    if (answer.status !== 'ok' || answer.records.length !== 1) return undefined;
    const text = (answer.records[0] as readonly string[]).join('');
    const needsP = /%\{p/i.test(text);
    const expanded = expandSpfMacros(text, needsP ? await macroContext(run, domain, true) : context, { explanation: true });
    return expanded.ok ? expanded.value : undefined;
  } catch {
    return undefined;
  }
}

/** Labels of 1 to 63 characters, 253 in all; `fqdn` also asks for at least two labels (§4.3). */
export function isValidDomain(name: string, fqdn: boolean): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (fqdn && labels.length < 2) return false;
  if (fqdn && /[[\]]/.test(name)) return false; // a domain literal such as [192.0.2.1]
  return labels.every((label) => label.length > 0 && label.length <= 63);
}
