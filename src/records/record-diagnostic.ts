/**
 * What the DKIM key, MTA-STS, TLS-RPT and BIMI parsers say about a record: the same shape as
 * `DmarcDiagnostic` (records/dmarc-record.ts), so a DNS check can pass each one on as a finding
 * with its code, RFC section, position and the values its message names.
 */
import type { AdviceParam } from '../core/advice.js';

export interface RecordDiagnostic {
  /** A finding code (docs/findings.md), e.g. `dkim-key-invalid`, `mta-sts-invalid`. */
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'info';
  /** One sentence naming the tag, value and position at fault. */
  readonly message: string;
  /** The tag or policy field concerned, when there is one. */
  readonly tag?: string;
  /** Character offset in the record text (0-based). */
  readonly offset?: number;
  /** Line number (1-based) for line-oriented texts such as the MTA-STS policy file. */
  readonly line?: number;
  /** e.g. `RFC 6376 §3.6.1`. */
  readonly rfc: string;
  /** Other values the message names (a tag's value, a key size, a URI), for the finding's params. */
  readonly params?: Readonly<Record<string, AdviceParam>>;
}

/** The position of a diagnostic as finding text: `tag p, offset 12 (column 13)` or `line 3`. */
export function describeDiagnosticLocation(diagnostic: RecordDiagnostic): string | undefined {
  const parts: string[] = [];
  if (diagnostic.tag !== undefined) parts.push(`tag ${diagnostic.tag}`);
  if (diagnostic.line !== undefined) parts.push(`line ${diagnostic.line}`);
  if (diagnostic.offset !== undefined) parts.push(`offset ${diagnostic.offset} (column ${diagnostic.offset + 1})`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}
