/**
 * Identity-Alignment changed meaning between the two DMARC generations:
 *   RFC 7489 §7.3.1: the mechanisms that PRODUCED an aligned identity ("dkim", "spf"), or "none";
 *   RFC 9991 §4:     the mechanisms that FAILED to authenticate an aligned identity, or "none" when
 *                    every attempted method succeeded.
 * The field's syntax and the ARF Version (`1`) are the same in both, so a report seldom says which
 * one it follows. We keep the raw value and its tokens, and claim a meaning only when the report
 * names its specification (the human-readable part or the User-Agent mentions RFC 9991 / the
 * failure-reporting draft, or RFC 7489). We deliberately do not infer it from other fields (e.g.
 * `dmarc=fail` with `Identity-Alignment: dkim` contradicts RFC 7489), because real reporters get
 * such details wrong; consumers that want a guess can make it from the raw tokens.
 */
import type { IdentityAlignmentMeaning } from './failure-report.js';

const NAMES_RFC9991 = /\bRFC[\s-]?9991\b|draft-ietf-dmarc-failure-reporting/i;
const NAMES_RFC7489 = /\bRFC[\s-]?7489\b/i;

/** The meaning the report claims for Identity-Alignment, from text it carries (human-readable part, User-Agent). */
export function identityAlignmentMeaning(hints: readonly string[]): IdentityAlignmentMeaning {
  const text = hints.join('\n');
  const newer = NAMES_RFC9991.test(text);
  const older = NAMES_RFC7489.test(text);
  if (newer === older) return 'unknown';
  return newer ? 'failed' : 'aligned';
}

/** Lower-cased tokens of an Identity-Alignment value: `dkim, spf` -> [`dkim`, `spf`]. */
export function identityAlignmentTokens(raw: string): string[] {
  return raw
    .replace(/\([^()]*\)/g, ' ')
    .split(/[\s,;:]+/)
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token.length > 0);
}

/** Whether `mechanism` produced an aligned pass, as far as the tokens say under `meaning`. */
export function alignedPass(tokens: readonly string[] | null, meaning: IdentityAlignmentMeaning, mechanism: 'dkim' | 'spf'): boolean | null {
  if (tokens === null || meaning === 'unknown') return null;
  const listed = tokens.includes(mechanism);
  if (meaning === 'aligned') return listed; // RFC 7489: listed = aligned; absent (or `none`) = not aligned
  return listed ? false : null; // RFC 9991: listed = failed; absent = passed aligned, or not attempted
}
