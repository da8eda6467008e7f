/**
 * A finding of the DNS posture checker: a stable code (docs/findings.md; never renamed), a
 * severity, what is wrong in one sentence, the exact fix, the section of the standard, and the
 * values the sentence names (`params`), like the Advice of core/advice.ts: programs match on the
 * code and read the params, people read the message and the fix. Neither holds a shell command or
 * a command-line flag; the CLI adds the command where one helps.
 */
import type { AdviceParam } from '../core/advice.js';

export type FindingSeverity = 'error' | 'warning' | 'info' | 'ok';

/** The values a finding is about, by name (docs/findings.md lists them per code). */
export type FindingParams = Readonly<Record<string, AdviceParam>>;

export interface Finding {
  /** Stable kebab-case code, e.g. `spf-too-many-lookups`, listed in docs/findings.md. */
  readonly code: string;
  readonly severity: FindingSeverity;
  /** One sentence naming the record, tag or value at fault. */
  readonly message: string;
  /** The exact change to make (record text where possible); empty for `ok` and most `info`. */
  readonly fix: string;
  /** e.g. `RFC 7208 §4.6.4`. */
  readonly rfc: string;
  /** The DNS name the finding is about, e.g. `_dmarc.example.com`. */
  readonly name?: string;
  /** Where in the record: a tag, a term, or a character offset. */
  readonly location?: string;
  /** The values the message names: domains, names, tags and values, counts, limits (`{}` when none). */
  readonly params: FindingParams;
}

/** Where a finding is: the DNS name and the place in the record. */
export interface FindingWhere {
  readonly name?: string;
  readonly location?: string;
}

/**
 * A finding. Give `params` always (the values the message names); it defaults to `{}` only for
 * findings that name no values.
 */
export function finding(code: string, severity: FindingSeverity, message: string, fix: string, rfc: string, where: FindingWhere = {}, params: FindingParams = {}): Finding {
  return { code, severity, message, fix, rfc, ...(where.name !== undefined ? { name: where.name } : {}), ...(where.location !== undefined ? { location: where.location } : {}), params };
}
