/**
 * A finding of the DNS posture checker: a stable code (docs/findings.md; never renamed), a
 * severity, what is wrong in one sentence, the exact fix, and the section of the standard.
 */

export type FindingSeverity = 'error' | 'warning' | 'info' | 'ok';

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
}

export function finding(code: string, severity: FindingSeverity, message: string, fix: string, rfc: string, where?: { name?: string; location?: string }): Finding {
  return { code, severity, message, fix, rfc, ...(where?.name !== undefined ? { name: where.name } : {}), ...(where?.location !== undefined ? { location: where.location } : {}) };
}
