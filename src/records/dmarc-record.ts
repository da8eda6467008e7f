/**
 * The DMARC policy record (RFC 7489 §6.3–6.4; RFC 9989 §4.7–4.8), parsed strictly so an owner sees
 * every fault with its position, while the value keeps what a receiver would still use: unknown
 * tags are ignored (both RFCs: MUST), an invalid value falls back to the default, and a bad `v`
 * means the record is not DMARC at all. Both generations are read: `pct`, `rf`, `ri` (RFC 7489,
 * removed by RFC 9989 App. C.5.2) and `np`, `psd`, `t` (RFC 9989; `np` from RFC 9091).
 *
 * Diagnostics carry finding codes (docs/findings.md), and as params the values their messages
 * name, so the DNS check can pass them on as they are.
 */
import type { AdviceParam } from '../core/advice.js';
import type { DmarcUri, DmarcUriIssue } from './dmarc-uri.js';
import { parseDmarcUriList } from './dmarc-uri.js';
import type { TagListIssue, TagToken } from './tag-list.js';
import { describeOffset, findRepeatedTags, tokenizeTagList } from './tag-list.js';

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';
export type DmarcAlignmentMode = 'r' | 's';
export type DmarcFailureOption = '0' | '1' | 'd' | 's';

export interface DmarcRecord {
  readonly kind: 'dmarc';
  /** The joined record text as published. */
  readonly text: string;
  /** "p", RFC 7489 §6.3 (required there), RFC 9989 §4.7 (recommended; absent means none). Absent when missing or invalid. */
  readonly policy?: DmarcPolicy;
  /** "sp": existing subdomains of the Organizational Domain. */
  readonly subdomainPolicy?: DmarcPolicy;
  /** "np", RFC 9989 §4.7 / RFC 9091: non-existent subdomains. */
  readonly nonexistentSubdomainPolicy?: DmarcPolicy;
  /** "pct", RFC 7489 §6.3 (removed by RFC 9989). */
  readonly percentage?: number;
  /** "t", RFC 9989 §4.7: test mode, policy applied one level below. */
  readonly testing?: 'y' | 'n';
  /** "psd", RFC 9989 §4.7: y = Public Suffix Domain, n = Organizational Domain, u = unknown. */
  readonly publicSuffixDomain?: 'y' | 'n' | 'u';
  /** "adkim". */
  readonly dkimAlignment?: DmarcAlignmentMode;
  /** "aspf". */
  readonly spfAlignment?: DmarcAlignmentMode;
  /** "fo": failure reporting options. */
  readonly failureOptions?: readonly DmarcFailureOption[];
  /** "rf", RFC 7489 only. */
  readonly reportFormats?: readonly string[];
  /** "ri", RFC 7489 only: seconds. */
  readonly reportInterval?: number;
  /** "rua": aggregate report URIs (only the usable ones). */
  readonly aggregateUris: readonly DmarcUri[];
  /** "ruf": failure report URIs (only the usable ones). */
  readonly failureUris: readonly DmarcUri[];
  /** True when `p` is present but its value is invalid (RFC 9989 §4.10.1 fallback applies). */
  readonly policyInvalid: boolean;
  /** True when `sp` or `np` is present with an invalid value (same fallback). */
  readonly subdomainPolicyInvalid: boolean;
  /** Every tag as written, in order, known or not. */
  readonly tags: readonly TagToken[];
}

export interface DmarcDiagnostic {
  /** A finding code: dmarc-syntax-error, dmarc-unknown-tag, dmarc-duplicate-tag, dmarc-removed-tag, ... */
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  /** The tag concerned, when there is one. */
  readonly tag?: string;
  /** Character offset in the record. */
  readonly offset?: number;
  /** e.g. `RFC 7489 §6.4; RFC 9989 §4.8`. */
  readonly rfc: string;
  /** Other values the message names (the value at fault, the allowed values), for the finding's params. */
  readonly params?: Readonly<Record<string, AdviceParam>>;
}

export interface DmarcParse {
  /** Set when the text is a DMARC record (starts with a valid `v=DMARC1`), even with errors elsewhere. */
  readonly record?: DmarcRecord;
  readonly diagnostics: readonly DmarcDiagnostic[];
}

const POLICIES: readonly DmarcPolicy[] = ['none', 'quarantine', 'reject'];
const KNOWN_TAGS = new Set(['v', 'p', 'sp', 'np', 'pct', 'rua', 'ruf', 'adkim', 'aspf', 'fo', 'rf', 'ri', 'psd', 't']);
const RFC_SYNTAX = 'RFC 7489 §6.4; RFC 9989 §4.8';
const RFC_TAGS = 'RFC 7489 §6.3; RFC 9989 §4.7';

/** True when TXT text is meant as DMARC: it starts with `v=DMARC1` the way receivers filter (RFC 7489 §6.6.3 step 1, RFC 9989 §4.10 step 2). */
export function isDmarcRecordText(text: string): boolean {
  return /^v[ \t]*=[ \t]*DMARC1[ \t]*(;|$)/.test(text);
}

/** True for TXT text that looks like a failed attempt at DMARC (wrong case, leading space, other separator). */
export function looksLikeDmarcAttempt(text: string): boolean {
  return !isDmarcRecordText(text) && /^\s*v\s*=\s*dmarc/i.test(text);
}

/** Parses joined TXT text. Never throws. */
export function parseDmarcRecord(text: string): DmarcParse {
  const diagnostics: DmarcDiagnostic[] = [];
  const list = tokenizeTagList(text);
  for (const issue of list.issues) diagnostics.push(fromTagListIssue(issue));
  const first = list.tags[0];
  const versionOk = first !== undefined && first.name === 'v' && first.value === 'DMARC1';
  if (!versionOk) {
    diagnostics.push(describeBadVersion(list.tags, text));
    return { diagnostics };
  }
  for (const repeat of findRepeatedTags(list.tags, true)) {
    diagnostics.push({ code: 'dmarc-duplicate-tag', severity: 'error', tag: repeat.name, offset: repeat.start, rfc: RFC_SYNTAX, message: `Tag ${repeat.name} appears again at ${describeOffset(repeat.start)}; receivers differ on which value they use (this check uses the first), and some discard the record.` });
  }
  const values = new Map<string, TagToken>();
  for (const tag of list.tags) if (!values.has(tag.name.toLowerCase())) values.set(tag.name.toLowerCase(), tag);
  const reader = new TagReader(diagnostics);
  for (const tag of list.tags.slice(1)) {
    const key = tag.name.toLowerCase();
    if (!KNOWN_TAGS.has(key)) {
      diagnostics.push({ code: 'dmarc-unknown-tag', severity: 'warning', tag: tag.name, offset: tag.start, rfc: RFC_TAGS, message: `Tag ${tag.name} at ${describeOffset(tag.start)} is not a DMARC tag; receivers ignore it (a typo?).` });
    } else if (key === 'v') {
      // Reported as a duplicate above.
    } else if (tag.value === '' && values.get(key) === tag) {
      diagnostics.push({ code: 'dmarc-syntax-error', severity: 'error', tag: tag.name, offset: tag.valueStart, rfc: RFC_SYNTAX, message: `Tag ${tag.name} has an empty value at ${describeOffset(tag.valueStart)}; receivers use its default.`, params: { value: '' } });
    }
  }
  const p = values.get('p');
  if (p === undefined) {
    diagnostics.push({ code: 'dmarc-policy-missing', severity: 'warning', tag: 'p', rfc: 'RFC 7489 §6.3, §6.6.3; RFC 9989 §4.7', message: 'The record has no p tag: RFC 9989 receivers read it as p=none, but RFC 7489 requires p, and its receivers apply no DMARC unless rua holds a valid URI.' });
  } else if (p.index !== 1) {
    diagnostics.push({ code: 'dmarc-policy-not-second', severity: 'warning', tag: 'p', offset: p.start, rfc: 'RFC 7489 §6.3', message: `Tag p is at ${describeOffset(p.start)}, not right after v: RFC 7489 requires "v" and "p" first and in that order (RFC 9989 allows any order), so strict RFC 7489 receivers may discard the record.` });
  }
  for (const name of ['pct', 'rf', 'ri']) {
    const tag = values.get(name);
    if (tag === undefined) continue;
    // pct=0 paired with t=y is the test stage that means the same to both generations (RFC 9989 App. A.6): only a note.
    const pairedTestMode = name === 'pct' && tag.value === '0' && values.get('t')?.value.toLowerCase() === 'y';
    const partial = name === 'pct' && tag.value !== '100' && !pairedTestMode;
    const meaning =
      name !== 'pct' ? 'they ignore it' : pairedTestMode ? 'they read t=y instead, which means the same test mode' : 'they apply the policy to all failing mail (use t=y for a test stage)';
    diagnostics.push({ code: 'dmarc-removed-tag', severity: partial ? 'warning' : 'info', tag: tag.name, offset: tag.start, rfc: 'RFC 9989 App. C.5.2', message: `Tag ${tag.name} at ${describeOffset(tag.start)} was removed by RFC 9989: its receivers treat it as unknown and ${meaning}.`, params: { value: tag.value, pairedWithTesting: pairedTestMode } });
  }
  const fallback = ' An invalid p, sp or np makes receivers act as p=none when rua holds a valid URI, and apply no DMARC otherwise (RFC 9989 §4.10.1).';
  const policy = reader.keyword(values.get('p'), POLICIES, fallback);
  const subdomainPolicy = reader.keyword(values.get('sp'), POLICIES, fallback);
  const nonexistentSubdomainPolicy = reader.keyword(values.get('np'), POLICIES, fallback);
  const rua = readUris(values.get('rua'), diagnostics);
  const ruf = readUris(values.get('ruf'), diagnostics);
  const record: DmarcRecord = {
    kind: 'dmarc',
    text,
    ...optional('policy', policy),
    ...optional('subdomainPolicy', subdomainPolicy),
    ...optional('nonexistentSubdomainPolicy', nonexistentSubdomainPolicy),
    ...optional('percentage', reader.integer(values.get('pct'), 0, 100, 'an integer from 0 to 100', /^\d{1,3}$/)),
    ...optional('testing', reader.keyword(values.get('t'), ['y', 'n'] as const)),
    ...optional('publicSuffixDomain', reader.keyword(values.get('psd'), ['y', 'n', 'u'] as const)),
    ...optional('dkimAlignment', reader.keyword(values.get('adkim'), ['r', 's'] as const)),
    ...optional('spfAlignment', reader.keyword(values.get('aspf'), ['r', 's'] as const)),
    ...optional('failureOptions', reader.failureOptions(values.get('fo'))),
    ...optional('reportFormats', reader.reportFormats(values.get('rf'))),
    ...optional('reportInterval', reader.integer(values.get('ri'), 0, 4294967295, 'a whole number of seconds (0 to 4294967295)', /^\d+$/)),
    aggregateUris: rua,
    failureUris: ruf,
    policyInvalid: p !== undefined && policy === undefined,
    subdomainPolicyInvalid: (values.has('sp') && subdomainPolicy === undefined) || (values.has('np') && nonexistentSubdomainPolicy === undefined),
    tags: list.tags,
  };
  return { record, diagnostics: sortByOffset(diagnostics) };
}

function sortByOffset(diagnostics: DmarcDiagnostic[]): DmarcDiagnostic[] {
  return diagnostics.map((d, i) => ({ d, i })).sort((a, b) => (a.d.offset ?? Infinity) - (b.d.offset ?? Infinity) || a.i - b.i).map(({ d }) => d);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function readUris(tag: TagToken | undefined, diagnostics: DmarcDiagnostic[]): DmarcUri[] {
  if (tag === undefined || tag.value === '') return [];
  const list = parseDmarcUriList(tag.value, tag.valueStart, tag.name);
  for (const issue of list.issues) diagnostics.push(fromUriIssue(issue, tag.name));
  return [...list.uris];
}

function fromUriIssue(issue: DmarcUriIssue, tag: string): DmarcDiagnostic {
  const rfc = issue.code === 'dmarc-report-uri-size' ? 'RFC 7489 §6.2; RFC 9989 §4.8, App. C.4' : 'RFC 7489 §6.2; RFC 9989 §4.8';
  return { code: issue.code, severity: issue.severity, message: issue.message, tag, offset: issue.offset, rfc, params: issue.params };
}

function fromTagListIssue(issue: TagListIssue): DmarcDiagnostic {
  if (issue.kind === 'leading-whitespace') {
    return { code: 'dmarc-syntax-error', severity: 'error', offset: 0, rfc: 'RFC 7489 §6.6.3; RFC 9989 §4.8, §4.10', message: 'The record starts with whitespace; receivers keep only TXT records that start with "v=DMARC1", so they ignore it.', params: { kind: issue.kind } };
  }
  const hint = issue.kind === 'missing-equals' || issue.kind === 'whitespace-in-name' ? ' Tags are separated by ";".' : '';
  const severity = issue.kind === 'empty-entry' ? 'warning' : 'error';
  return { code: 'dmarc-syntax-error', severity, message: `${issue.message}${hint}`, offset: issue.offset, rfc: RFC_SYNTAX, params: { kind: issue.kind, text: issue.text } };
}

function describeBadVersion(tags: readonly TagToken[], text: string): DmarcDiagnostic {
  const rfc = 'RFC 7489 §6.3, §6.6.3; RFC 9989 §4.7';
  const first = tags[0];
  const v = tags.find((tag) => tag.name.toLowerCase() === 'v');
  if (text.trim() === '') return { code: 'dmarc-syntax-error', severity: 'error', rfc, message: 'The record is empty.' };
  if (!v) return { code: 'dmarc-syntax-error', severity: 'error', offset: 0, rfc, message: 'The record does not start with v=DMARC1, so receivers ignore it.' };
  if (v !== first) return { code: 'dmarc-syntax-error', severity: 'error', tag: 'v', offset: v.start, rfc, message: `Tag v is at ${describeOffset(v.start)}, not first; receivers ignore a record that does not start with v=DMARC1.` };
  if (v.name !== 'v') return { code: 'dmarc-syntax-error', severity: 'error', tag: 'v', offset: v.start, rfc, message: `The version tag is written "${v.name}"; write it "v=DMARC1" (lower-case v), as receivers match it exactly.`, params: { text: v.name } };
  const separator = /^DMARC1\s*[,\s]/.exec(v.value) ? ' (tags must be separated by ";", not "," or spaces)' : '';
  return { code: 'dmarc-syntax-error', severity: 'error', tag: 'v', offset: v.valueStart, rfc, message: `Tag v has the value "${v.value}" at ${describeOffset(v.valueStart)}; it must be exactly "DMARC1" (case-sensitive)${separator}, so receivers ignore the record.`, params: { value: v.value, allowed: ['DMARC1'] } };
}

/** Reads tag values, reporting invalid ones as dmarc-syntax-error with tag, value, position and the allowed values. */
class TagReader {
  readonly #diagnostics: DmarcDiagnostic[];

  constructor(diagnostics: DmarcDiagnostic[]) {
    this.#diagnostics = diagnostics;
  }

  #invalid(tag: TagToken, allowed: string, params: Readonly<Record<string, AdviceParam>>, consequence = ' Receivers use the default instead.'): undefined {
    const separator = /[\s,]\s*[A-Za-z]+\s*=/.test(tag.value) ? ' (a missing ";" between tags?)' : '';
    this.#diagnostics.push({ code: 'dmarc-syntax-error', severity: 'error', tag: tag.name, offset: tag.valueStart, rfc: RFC_TAGS, message: `Tag ${tag.name} has the invalid value "${tag.value}" at ${describeOffset(tag.valueStart)}${separator}; allowed: ${allowed}.${consequence}`, params: { value: tag.value, ...params } });
    return undefined;
  }

  keyword<T extends string>(tag: TagToken | undefined, allowed: readonly T[], consequence?: string): T | undefined {
    if (tag === undefined || tag.value === '') return undefined;
    const value = tag.value.toLowerCase();
    if ((allowed as readonly string[]).includes(value)) return value as T;
    const near = allowed.find((word) => word.length > 2 && editDistance(word, value) <= 2);
    return this.#invalid(tag, `${allowed.join(', ')}${near !== undefined ? ` (did you mean "${near}"?)` : ''}`, { allowed: [...allowed], ...(near !== undefined ? { suggestion: near } : {}) }, consequence);
  }

  integer(tag: TagToken | undefined, min: number, max: number, allowed: string, shape: RegExp): number | undefined {
    if (tag === undefined || tag.value === '') return undefined;
    const value = shape.test(tag.value) ? Number(tag.value) : NaN;
    if (!Number.isInteger(value) || value < min || value > max) return this.#invalid(tag, allowed, { min, max });
    return value;
  }

  failureOptions(tag: TagToken | undefined): DmarcFailureOption[] | undefined {
    if (tag === undefined || tag.value === '') return undefined;
    const items = tag.value.split(':').map((item) => item.trim().toLowerCase());
    if (items.some((item) => !['0', '1', 'd', 's'].includes(item))) return this.#invalid(tag, '0, 1, d, s, separated by ":" (e.g. 1:d:s)', { allowed: ['0', '1', 'd', 's'] });
    const options = [...new Set(items)] as DmarcFailureOption[];
    if (options.length !== items.length || (options.includes('0') && options.includes('1'))) {
      this.#diagnostics.push({ code: 'dmarc-syntax-error', severity: 'warning', tag: tag.name, offset: tag.valueStart, rfc: 'RFC 9989 §4.8', message: `Tag fo has the value "${tag.value}" at ${describeOffset(tag.valueStart)}, which repeats an option or combines 0 with 1; RFC 9989 allows each option once and 0 or 1, not both (1 already includes what 0 asks for).`, params: { value: tag.value } });
    }
    return options;
  }

  reportFormats(tag: TagToken | undefined): string[] | undefined {
    if (tag === undefined || tag.value === '') return undefined;
    const items = tag.value.split(':').map((item) => item.trim().toLowerCase());
    if (items.some((item) => !/^[a-z0-9-]+$/.test(item))) return this.#invalid(tag, 'afrf (colon-separated report formats)', { allowed: ['afrf'] });
    const unknown = items.filter((item) => item !== 'afrf');
    if (unknown.length > 0) {
      this.#diagnostics.push({ code: 'dmarc-syntax-error', severity: 'warning', tag: tag.name, offset: tag.valueStart, rfc: 'RFC 7489 §6.3', message: `Tag rf names the unregistered format "${unknown.join(':')}" at ${describeOffset(tag.valueStart)}; only afrf is defined, and RFC 7489 receivers may ignore the whole record.`, params: { value: tag.value, unregistered: unknown, allowed: ['afrf'] } });
    }
    return items;
  }
}

/** Levenshtein distance, for "did you mean" on misspelt keywords such as p=rejetc. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
