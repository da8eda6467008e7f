/**
 * SPF records (RFC 7208): which TXT records are SPF records (§4.5), and a strict parse of one into
 * terms with their character offsets (§4.6, §5, §6, ABNF §12). Any syntax error anywhere makes the
 * whole record a permerror (§4.6), so every error is reported, each with its position; the record
 * value is still returned with the terms that did parse, for display.
 */
import type { Diagnostic } from '../core/diagnostic.js';
import { error } from '../core/diagnostic.js';
import { canonicalizeIp } from '../core/ip.js';
import type { MacroToken } from './spf-macro.js';
import { hasMacros, scanMacroString } from './spf-macro.js';

export type SpfQualifier = '+' | '-' | '~' | '?';
export type SpfMechanismName = 'all' | 'include' | 'a' | 'mx' | 'ptr' | 'ip4' | 'ip6' | 'exists';

export interface SpfMechanism {
  readonly kind: 'mechanism';
  readonly mechanism: SpfMechanismName;
  /** `+` when none is written (§4.6.2). */
  readonly qualifier: SpfQualifier;
  /** The term as written. */
  readonly text: string;
  /** Character offset of the term in the record (0-based). */
  readonly offset: number;
  /** include, a, mx, ptr, exists: the target as written (macros unexpanded); absent means the current domain. */
  readonly domainSpec?: string;
  /** ip4, ip6: the network address, canonical. */
  readonly network?: string;
  /** ip4, and a/mx for IPv4 clients: prefix length (default 32). */
  readonly cidr4?: number;
  /** ip6, and a/mx for IPv6 clients: prefix length (default 128). */
  readonly cidr6?: number;
}

export interface SpfModifier {
  readonly kind: 'modifier';
  /** Lower case: `redirect`, `exp`, or an unknown modifier (ignored by receivers, §6). */
  readonly name: string;
  readonly value: string;
  readonly text: string;
  readonly offset: number;
}

export type SpfTerm = SpfMechanism | SpfModifier;

export interface SpfRecord {
  /** Mechanisms and modifiers in record order. */
  readonly terms: readonly SpfTerm[];
  readonly mechanisms: readonly SpfMechanism[];
  /** `redirect=` (§6.1), at most once. */
  readonly redirect?: SpfModifier;
  /** `exp=` (§6.2), at most once. */
  readonly explanation?: SpfModifier;
}

export interface SpfParseResult {
  /** The terms that parsed; with errors present the record as a whole is a permerror. */
  readonly record: SpfRecord;
  /** Errors (each a permerror cause) with `column N` locations (1-based). */
  readonly diagnostics: readonly Diagnostic[];
  readonly valid: boolean;
}

/** Mechanisms that make DNS queries and count toward the limit of 10 (§4.6.4), with `redirect`. */
export const DNS_MECHANISMS: ReadonlySet<SpfMechanismName> = new Set(['include', 'a', 'mx', 'ptr', 'exists']);

/**
 * True for the text of an SPF record: "v=spf1" (any case) followed by a space or the end (§4.5).
 * `v=spf10`, `v=spf1x` and text with leading spaces are not SPF records.
 */
export function isSpfRecord(text: string): boolean {
  return /^v=spf1( |$)/i.test(text);
}

/** A TXT record's character-strings joined as SPF requires: with nothing between them (§3.3). */
export function joinTxtStrings(strings: readonly string[]): string {
  return strings.join('');
}

const MECHANISM_NAMES: readonly SpfMechanismName[] = ['include', 'exists', 'all', 'ip4', 'ip6', 'ptr', 'mx', 'a'];
const MODIFIER = /^([A-Za-z][A-Za-z0-9\-_.]*)=(.*)$/s;

/** Parses one SPF record (the joined text). Never throws. */
export function parseSpfRecord(text: string): SpfParseResult {
  const diagnostics: Diagnostic[] = [];
  const terms: SpfTerm[] = [];
  const fail = (offset: number, code: string, message: string): void => {
    diagnostics.push(error(code, message, `column ${offset + 1}`));
  };
  if (!isSpfRecord(text)) {
    fail(0, 'spf-invalid-version', `the record must start with "v=spf1" followed by a space or the end of the record (RFC 7208 §4.5), not "${text.slice(0, 12)}"`);
    return { record: { terms, mechanisms: [] }, diagnostics, valid: false };
  }
  let i = 6;
  while (i < text.length) {
    if (text[i] === ' ') {
      i++;
      continue;
    }
    const end = text.indexOf(' ', i);
    const termEnd = end < 0 ? text.length : end;
    const termText = text.slice(i, termEnd);
    const term = parseTerm(termText, i, fail);
    if (term) terms.push(term);
    i = termEnd;
  }
  let redirect: SpfModifier | undefined;
  let explanation: SpfModifier | undefined;
  for (const term of terms) {
    if (term.kind !== 'modifier') continue;
    if (term.name === 'redirect') {
      if (redirect) fail(term.offset, 'spf-duplicate-modifier', `"redirect=" appears more than once (RFC 7208 §6)`);
      else redirect = term;
    } else if (term.name === 'exp') {
      if (explanation) fail(term.offset, 'spf-duplicate-modifier', `"exp=" appears more than once (RFC 7208 §6)`);
      else explanation = term;
    }
  }
  const mechanisms = terms.filter((t): t is SpfMechanism => t.kind === 'mechanism');
  const record: SpfRecord = { terms, mechanisms, ...(redirect ? { redirect } : {}), ...(explanation ? { explanation } : {}) };
  return { record, diagnostics, valid: diagnostics.length === 0 };
}

type Fail = (offset: number, code: string, message: string) => void;

function parseTerm(text: string, offset: number, fail: Fail): SpfTerm | undefined {
  const modifier = MODIFIER.exec(text);
  if (modifier) return parseModifier(text, (modifier[1] as string).toLowerCase(), modifier[2] as string, offset, fail);
  let qualifier: SpfQualifier = '+';
  let body = text;
  if ('+-~?'.includes(text[0] ?? '')) {
    qualifier = text[0] as SpfQualifier;
    body = text.slice(1);
  }
  const at = offset + (text.length - body.length);
  const lower = body.toLowerCase();
  const name = MECHANISM_NAMES.find((n) => lower.startsWith(n) && (lower.length === n.length || ':/'.includes(lower[n.length] as string)));
  if (!name) {
    const bad = /[^\x21-\x7e]/.exec(text);
    if (bad) fail(offset + bad.index, 'spf-invalid-character', `term "${text}" contains a character that is not visible ASCII (RFC 7208 §3.1, §12)`);
    else fail(offset, 'spf-unknown-mechanism', `"${text}" is neither a mechanism (all, include, a, mx, ptr, ip4, ip6, exists) nor a modifier (name=value) (RFC 7208 §4.6.1, §5)`);
    return undefined;
  }
  const rest = body.slice(name.length);
  const argAt = at + name.length;
  const base = { kind: 'mechanism' as const, mechanism: name, qualifier, text, offset };
  switch (name) {
    case 'all':
      if (rest !== '') return void fail(argAt, 'spf-invalid-argument', `"all" takes no argument, found "${text}" (RFC 7208 §5.1)`);
      return base;
    case 'include':
    case 'exists': {
      if (!rest.startsWith(':')) return void fail(argAt, 'spf-missing-domain', `"${name}" needs ":" and a domain, found "${text}" (RFC 7208 §5.2, §5.7)`);
      const domainSpec = rest.slice(1);
      return checkDomainSpec(domainSpec, argAt + 1, name, fail) ? { ...base, domainSpec } : undefined;
    }
    case 'ptr': {
      if (rest === '') return base;
      if (!rest.startsWith(':')) return void fail(argAt, 'spf-invalid-argument', `"ptr" takes only ":domain", found "${text}" (RFC 7208 §5.5)`);
      const domainSpec = rest.slice(1);
      return checkDomainSpec(domainSpec, argAt + 1, name, fail) ? { ...base, domainSpec } : undefined;
    }
    case 'a':
    case 'mx':
      return parseAddressMechanism(base, rest, argAt, fail);
    case 'ip4':
    case 'ip6':
      return parseIpMechanism(base, rest, argAt, fail);
  }
}

function parseAddressMechanism(base: SpfMechanism, rest: string, at: number, fail: Fail): SpfMechanism | undefined {
  if (rest !== '' && !':/'.includes(rest[0] as string)) return void fail(at, 'spf-invalid-argument', `unexpected "${rest}" after "${base.mechanism}" (RFC 7208 §5.3, §5.4)`);
  const split = /^(.*?)(?:\/(\d+))?(?:\/\/(\d+))?$/s.exec(rest) as RegExpExecArray;
  const target = split[1] as string;
  const cidrStart = at + target.length;
  let domainSpec: string | undefined;
  if (target !== '') {
    if (!target.startsWith(':')) return void fail(at, 'spf-invalid-cidr', `invalid prefix length "${rest}" in "${base.text}": expected /n for IPv4 and //n for IPv6 (RFC 7208 §5.6)`);
    domainSpec = target.slice(1);
    if (!checkDomainSpec(domainSpec, at + 1, base.mechanism, fail)) return undefined;
  }
  const cidr4 = split[2] === undefined ? undefined : checkCidr(split[2], 32, cidrStart, base.text, fail);
  const cidr6 = split[3] === undefined ? undefined : checkCidr(split[3], 128, cidrStart, base.text, fail);
  if (cidr4 === null || cidr6 === null) return undefined;
  return { ...base, ...(domainSpec !== undefined ? { domainSpec } : {}), ...(cidr4 !== undefined ? { cidr4 } : {}), ...(cidr6 !== undefined ? { cidr6 } : {}) };
}

function parseIpMechanism(base: SpfMechanism, rest: string, at: number, fail: Fail): SpfMechanism | undefined {
  const v4 = base.mechanism === 'ip4';
  if (!rest.startsWith(':') || rest.length === 1) return void fail(at, 'spf-invalid-ip', `"${base.mechanism}" needs ":" and a network, found "${base.text}" (RFC 7208 §5.6)`);
  const split = /^:(.*?)(?:\/(\d+))?$/s.exec(rest) as RegExpExecArray;
  const address = split[1] as string;
  const canonical = v4 ? (/^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(address) ? address : undefined) : address.includes(':') ? canonicalizeIp(address)?.ip : undefined;
  if (canonical === undefined) {
    const other = canonicalizeIp(address);
    const hint = other && other.version !== (v4 ? 4 : 6) ? ` (that is an IPv${other.version} address: use "ip${other.version}:")` : '';
    return void fail(at + 1, 'spf-invalid-ip', `"${address}" in "${base.text}" is not a valid IPv${v4 ? 4 : 6} network${hint} (RFC 7208 §5.6)`);
  }
  if (split[2] === undefined) return { ...base, network: canonical, ...(v4 ? { cidr4: 32 } : { cidr6: 128 }) };
  const cidr = checkCidr(split[2], v4 ? 32 : 128, at + 1 + address.length, base.text, fail);
  if (cidr === null) return undefined;
  return { ...base, network: canonical, ...(v4 ? { cidr4: cidr } : { cidr6: cidr }) };
}

/** The prefix length, or null after reporting an error (no leading zeros, within the family's range). */
function checkCidr(digits: string, max: number, at: number, term: string, fail: Fail): number | null {
  const value = Number(digits);
  if ((digits.length > 1 && digits.startsWith('0')) || value > max) {
    fail(at, 'spf-invalid-cidr', `prefix length "/${digits}" in "${term}" must be 0 to ${max} without leading zeros (RFC 7208 §5.6)`);
    return null;
  }
  return value;
}

function parseModifier(text: string, name: string, value: string, offset: number, fail: Fail): SpfModifier | undefined {
  const valueAt = offset + name.length + 1;
  if (name === 'redirect' || name === 'exp') {
    if (!checkDomainSpec(value, valueAt, name, fail)) return undefined;
  } else {
    const scan = scanMacroString(value, { explanation: true });
    if (!scan.ok || /\s/.test(value)) {
      fail(valueAt + (scan.ok ? 0 : scan.offset), 'spf-invalid-macro', `modifier "${text}": ${scan.ok ? 'invalid value' : scan.message}`);
      return undefined;
    }
  }
  return { kind: 'modifier', name, value, text, offset };
}

const TOPLABEL = /^(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])$/;

/**
 * domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand (§7.1).
 * A target must end in a real top label (not all digits: `a:192.0.2.1` is a common mistake) or a macro.
 */
function checkDomainSpec(spec: string, at: number, term: string, fail: Fail): boolean {
  if (spec === '') {
    fail(at, 'spf-missing-domain', `"${term}" has an empty domain (RFC 7208 §7.1)`);
    return false;
  }
  const scan = scanMacroString(spec);
  if (!scan.ok) {
    fail(at + scan.offset, 'spf-invalid-macro', `"${spec}" in "${term}": ${scan.message}`);
    return false;
  }
  const last = scan.tokens[scan.tokens.length - 1] as MacroToken;
  if (last.kind !== 'literal') return true;
  const literal = last.text.endsWith('.') ? last.text.slice(0, -1) : last.text;
  const dot = literal.lastIndexOf('.');
  const toplabel = dot < 0 ? undefined : literal.slice(dot + 1);
  if (toplabel !== undefined && TOPLABEL.test(toplabel)) return true;
  const looksLikeIp = canonicalizeIp(spec) !== undefined;
  const why = looksLikeIp
    ? `is an IP address, not a domain: use "ip4:" or "ip6:"`
    : dot < 0 && !hasMacros(spec)
      ? 'is a single label: a domain needs at least two labels'
      : `does not end in a valid top-level label ("${toplabel ?? literal}")`;
  fail(at, 'spf-invalid-domain', `"${spec}" in "${term}" ${why} (RFC 7208 §7.1)`);
  return false;
}
