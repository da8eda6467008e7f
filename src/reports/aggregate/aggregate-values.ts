/**
 * Cleaning of single values from aggregate reports: trims padding and folds case (recording the
 * quirk once per report), and checks enumerated words against the schemas of RFC 7489 App. C
 * and RFC 9990 App. A. Unknown words are kept, lower-cased, with an `unknown-value` warning.
 */
import type { DiagnosticLog } from '../../core/diagnostic.js';

export const POLICIES = new Set(['none', 'quarantine', 'reject']);
export const DISPOSITIONS = new Set(['none', 'quarantine', 'reject', 'pass']);
export const EVALUATED = new Set(['pass', 'fail']);
export const DKIM_RESULTS = new Set(['none', 'pass', 'fail', 'policy', 'neutral', 'temperror', 'permerror']);
export const SPF_RESULTS = new Set(['none', 'neutral', 'pass', 'fail', 'softfail', 'temperror', 'permerror', 'policy']);
export const REASON_TYPES = new Set(['forwarded', 'sampled_out', 'trusted_forwarder', 'mailing_list', 'local_policy', 'other', 'policy_test_mode']);

/** Earliest and latest plausible report timestamps: 2000-01-01 and 2100-01-01 UTC. */
export const MIN_TIMESTAMP = 946684800;
export const MAX_TIMESTAMP = 4102444800;
/** Largest plausible `count` of one row. */
export const MAX_COUNT = 4294967295;

/**
 * What happens to a value longer than its field allows (docs/formats.md, "Field limits"):
 * - `truncate`: free text shown to people; cut to the limit, warning `value-truncated`.
 * - `absent`: an optional word, number or address that cannot be that long; treated as absent,
 *   warning `value-dropped`.
 * - `refuse`: what identifies the report (its id, the policy domain, its dates); the report is
 *   refused (`value-too-long`): cut short it would name another report or another domain.
 * - `drop-record`: what identifies a row (source IP, count, identifiers, authenticated domains,
 *   selectors); the record is dropped (record error `record-value-too-long`), the rest of the
 *   report is kept: a cut identity would count the messages against the wrong sender.
 */
export type OverLimit = 'truncate' | 'absent' | 'refuse' | 'drop-record';

export interface FieldLimit {
  /** The field as docs/formats.md and the warnings name it, e.g. `policy_published/domain`. */
  readonly path: string;
  /** Longest value, in characters (UTF-16 code units), after white space around it is removed. */
  readonly max: number;
  readonly over: OverLimit;
}

/**
 * The most characters of one value kept while it is read, white space included. A value longer
 * than this as sent is over its field's limit, whatever it holds (so a value joined from many
 * text runs, CDATA sections and references can never grow past it).
 */
export const MAX_RAW_VALUE_CHARS = 65_536;

/** A DNS name: 253 characters, 254 with the trailing dot (RFC 1035 §2.3.4: 255 octets on the wire). */
const DOMAIN = 254;
/** An e-mail address or a path that may hold one: 64 + 1 + 255 (RFC 5321 §4.5.3.1). */
const ADDRESS = 320;
/** An enumerated word of the schema (the longest, `trusted_forwarder`, has 17 letters). */
const WORD = 32;
/** Free text shown to people (comments, human_result, error, contact information). */
const TEXT = 1024;

const limits: [string, number, OverLimit][] = [
  ['version', 16, 'absent'],
  ['report_metadata/org_name', 256, 'truncate'],
  ['report_metadata/email', ADDRESS, 'absent'],
  ['report_metadata/extra_contact_info', TEXT, 'truncate'],
  // RFC 9990 §3.5.1 lets report_id be a msg-id; 998 is the longest line RFC 5322 §2.1.1 allows.
  ['report_metadata/report_id', 998, 'refuse'],
  ['report_metadata/error', TEXT, 'truncate'],
  ['report_metadata/generator', 256, 'truncate'],
  ['report_metadata/date_range/begin', 32, 'refuse'],
  ['report_metadata/date_range/end', 32, 'refuse'],
  ['policy_published/domain', DOMAIN, 'refuse'],
  ['policy_published/adkim', WORD, 'absent'],
  ['policy_published/aspf', WORD, 'absent'],
  ['policy_published/p', WORD, 'absent'],
  ['policy_published/sp', WORD, 'absent'],
  ['policy_published/np', WORD, 'absent'],
  ['policy_published/pct', 16, 'absent'],
  ['policy_published/fo', WORD, 'absent'],
  ['policy_published/testing', WORD, 'absent'],
  ['policy_published/discovery_method', WORD, 'absent'],
  // 45 characters is the longest IPv6 text (IPv4-mapped); the rest is room for padding quirks.
  ['row/source_ip', 64, 'drop-record'],
  ['row/count', 32, 'drop-record'],
  ['policy_evaluated/disposition', WORD, 'absent'],
  ['policy_evaluated/dkim', WORD, 'absent'],
  ['policy_evaluated/spf', WORD, 'absent'],
  ['policy_evaluated/reason/type', WORD, 'absent'],
  ['policy_evaluated/reason/comment', TEXT, 'truncate'],
  ['identifiers/header_from', DOMAIN, 'drop-record'],
  // Some reporters write the whole address into envelope_from / envelope_to.
  ['identifiers/envelope_from', ADDRESS, 'drop-record'],
  ['identifiers/envelope_to', ADDRESS, 'drop-record'],
  ['auth_results/dkim/domain', DOMAIN, 'drop-record'],
  ['auth_results/dkim/selector', DOMAIN, 'drop-record'],
  ['auth_results/dkim/result', WORD, 'absent'],
  ['auth_results/dkim/human_result', TEXT, 'truncate'],
  ['auth_results/spf/domain', DOMAIN, 'drop-record'],
  ['auth_results/spf/scope', WORD, 'absent'],
  ['auth_results/spf/result', WORD, 'absent'],
  ['auth_results/spf/human_result', TEXT, 'truncate'],
];

/** Every value field of an aggregate report and its limit, by path. */
export const FIELD_LIMITS: ReadonlyMap<string, FieldLimit> = new Map(limits.map(([path, max, over]) => [path, { path, max, over }]));

/** Text of one kept extension element (RFC 9990, "Extensible Reporting"), and the longest element name and namespace kept. */
export const MAX_EXTENSION_TEXT = 4096;
export const MAX_EXTENSION_NAME = 256;
export const MAX_EXTENSION_NAMESPACE = 2048;
/** `<error>` elements kept per report; `reason`, `auth_results/dkim` and `auth_results/spf` kept per record. */
export const MAX_REPEATED = 100;

/** `text` cut to at most `max` UTF-16 code units, never between the two halves of a surrogate pair. */
export function cutTo(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** A value quoted in a message: at most 60 characters, as JSON (so controls and quotes show as escapes). */
export function quoteValue(text: string): string {
  return JSON.stringify(text.length > 60 ? `${cutTo(text, 57)}...` : text);
}

export class ValueCleaner {
  readonly #log: DiagnosticLog;

  constructor(log: DiagnosticLog) {
    this.#log = log;
  }

  /** `text` without surrounding white space; '' stays ''. */
  trim(text: string, where: string): string {
    const trimmed = text.trim();
    if (trimmed.length !== text.length && trimmed.length > 0) {
      this.#log.warn('value-whitespace', `White space around the value of ${where} was removed.`, where);
    }
    return trimmed;
  }

  /** Trimmed, or null when empty. */
  optional(text: string | undefined, where: string): string | null {
    if (text === undefined) return null;
    const value = this.trim(text, where);
    return value === '' ? null : value;
  }

  /** A lower-cased word from `allowed`; other words are kept lower-cased with a warning. Null when empty. */
  word(text: string | undefined, where: string, allowed: ReadonlySet<string>): string | null {
    // Nearly every value is already one of the words, as sent: nothing to trim, fold or warn about.
    if (text !== undefined && allowed.has(text)) return text;
    const value = this.optional(text, where);
    if (value === null) return null;
    const lower = value.toLowerCase();
    if (lower !== value) this.#log.warn('value-case', `The value ${quoteValue(value)} of ${where} was not lower case.`, where);
    if (!allowed.has(lower)) this.#log.warn('unknown-value', `Unknown value ${quoteValue(value)} for ${where}; kept as sent.`, where);
    return lower;
  }

  /** A word that must be one of `allowed`; anything else becomes null with a warning. */
  strictWord<T extends string>(text: string | undefined, where: string, allowed: ReadonlySet<string>): T | null {
    if (text !== undefined && allowed.has(text)) return text as T;
    const value = this.optional(text, where);
    if (value === null) return null;
    const lower = value.toLowerCase();
    if (lower !== value) this.#log.warn('value-case', `The value ${quoteValue(value)} of ${where} was not lower case.`, where);
    if (!allowed.has(lower)) {
      this.#log.warn('unknown-value', `Invalid value ${quoteValue(value)} for ${where}; treated as absent.`, where);
      return null;
    }
    return lower as T;
  }

  /** A domain name: trimmed, lower-cased, without a trailing dot. Null when empty. */
  domain(text: string | undefined, where: string): string | null {
    const value = this.optional(text, where);
    if (value === null) return null;
    const lower = value.toLowerCase();
    return lower.endsWith('.') ? lower.slice(0, -1) : lower;
  }
}

/** A non-negative integer written in decimal (`12`, also `12.0`), or undefined. */
export function parseDecimalInteger(text: string): number | undefined {
  if (!/^[0-9]{1,16}(?:\.0*)?$/.test(text)) return undefined;
  return Number.parseInt(text, 10);
}
