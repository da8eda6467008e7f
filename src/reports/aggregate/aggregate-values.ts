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
    const value = this.optional(text, where);
    if (value === null) return null;
    const lower = value.toLowerCase();
    if (lower !== value) this.#log.warn('value-case', `The value "${value}" of ${where} was not lower case.`, where);
    if (!allowed.has(lower)) this.#log.warn('unknown-value', `Unknown value "${value}" for ${where}; kept as sent.`, where);
    return lower;
  }

  /** A word that must be one of `allowed`; anything else becomes null with a warning. */
  strictWord<T extends string>(text: string | undefined, where: string, allowed: ReadonlySet<string>): T | null {
    const value = this.optional(text, where);
    if (value === null) return null;
    const lower = value.toLowerCase();
    if (lower !== value) this.#log.warn('value-case', `The value "${value}" of ${where} was not lower case.`, where);
    if (!allowed.has(lower)) {
      this.#log.warn('unknown-value', `Invalid value "${value}" for ${where}; treated as absent.`, where);
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
