/**
 * DMARC report URIs (`rua`, `ruf`): RFC 7489 §6.2 and §6.4, RFC 9989 §4.7 and §4.8. A list is
 * comma-separated, so a ',' or '!' inside a URI MUST be percent-encoded; a trailing `!<digits>[kmgt]`
 * is a size limit in RFC 7489 (units powers of two, the whole an unsigned 64-bit number) and the
 * obsolete `obs-dmarc-report-size` in RFC 9989, which reporters ignore but which still parses.
 * The destination host (a mailto address's domain, an https URL's host) is what external
 * destination verification (RFC 7489 §7.1, RFC 9990 §4) is about.
 */
import { describeOffset } from './tag-list.js';

export interface DmarcUri {
  /** The entry as written, size suffix included. */
  readonly text: string;
  /** The URI without the size suffix. */
  readonly uri: string;
  /** Lower-case scheme, e.g. `mailto`, `https`; "" when there is none. */
  readonly scheme: string;
  /** For mailto: the percent-decoded address. */
  readonly address?: string;
  /** The destination host, lower case, without a trailing dot (mailto domain or URL host). */
  readonly host?: string;
  /** The size suffix as written after '!', e.g. `50m`. */
  readonly sizeLimit?: string;
  /** The size limit in octets (units are powers of two: k = 2^10 ...). */
  readonly sizeLimitOctets?: number;
  /** Offset of the entry in the record. */
  readonly offset: number;
}

export interface DmarcUriIssue {
  /** `dmarc-syntax-error` for an entry no receiver can use; the others are advice. */
  readonly code: 'dmarc-syntax-error' | 'dmarc-report-uri-size';
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly offset: number;
  /** The entry as written (`uri`) and, for a size limit, the suffix (`size`). */
  readonly params: { readonly uri: string; readonly size?: string };
}

export interface DmarcUriList {
  readonly uris: readonly DmarcUri[];
  readonly issues: readonly DmarcUriIssue[];
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const SIZE = /^(\d+)([kmgtKMGT]?)$/;
const UNIT_SHIFT: Record<string, bigint> = { '': 0n, k: 10n, m: 20n, g: 30n, t: 40n };
const MAX_U64 = (1n << 64n) - 1n;
const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;
// RFC 3986 characters: unreserved, reserved and '%' (checked separately for pct-encoding).
const URI_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;

/** Octets for a size suffix such as `50m`, or undefined when it is not `1*DIGIT [k|m|g|t]` within 2^64-1. */
export function parseReportSize(suffix: string): number | undefined {
  const match = SIZE.exec(suffix);
  if (!match) return undefined;
  const octets = BigInt(match[1] as string) << (UNIT_SHIFT[(match[2] as string).toLowerCase()] ?? 0n);
  return octets > MAX_U64 ? undefined : Number(octets);
}

/** Percent-encodes the two characters a DMARC URI list reserves (',' and '!'), leaving the rest as given. */
export function encodeDmarcUri(uri: string): string {
  return uri.replace(/,/g, '%2C').replace(/!/g, '%21');
}

/** Parses the value of `rua` or `ruf`; `valueOffset` is where the value starts in the record. */
export function parseDmarcUriList(value: string, valueOffset: number, tag: string): DmarcUriList {
  const uris: DmarcUri[] = [];
  const issues: DmarcUriIssue[] = [];
  let cursor = 0;
  for (const part of value.split(',')) {
    const lead = part.length - part.trimStart().length;
    const offset = valueOffset + cursor + lead;
    cursor += part.length + 1;
    const text = part.trim();
    if (text === '') {
      issues.push({ code: 'dmarc-syntax-error', severity: 'error', offset, message: `Tag ${tag} has an empty entry at ${describeOffset(offset)} (a stray ',').`, params: { uri: '' } });
      continue;
    }
    const parsed = parseDmarcUri(text, offset, tag);
    issues.push(...parsed.issues);
    if (parsed.uri) uris.push(parsed.uri);
  }
  return { uris, issues };
}

function parseDmarcUri(text: string, offset: number, tag: string): { uri?: DmarcUri; issues: DmarcUriIssue[] } {
  const issues: DmarcUriIssue[] = [];
  const fail = (message: string): { issues: DmarcUriIssue[] } => ({ issues: [...issues, { code: 'dmarc-syntax-error', severity: 'error', offset, message, params: { uri: text } }] });
  let uri = text;
  let sizeLimit: string | undefined;
  let sizeLimitOctets: number | undefined;
  const bang = text.lastIndexOf('!');
  if (bang !== -1) {
    const suffix = text.slice(bang + 1);
    const octets = parseReportSize(suffix);
    if (octets === undefined) {
      return fail(`The ${tag} entry "${text}" at ${describeOffset(offset)} has a '!' that is not a size limit (!<digits>[k|m|g|t]); a '!' inside a URI must be written %21.`);
    }
    uri = text.slice(0, bang);
    sizeLimit = suffix;
    sizeLimitOctets = octets;
    if (uri.includes('!')) return fail(`The ${tag} entry "${text}" at ${describeOffset(offset)} has more than one '!'; a '!' inside a URI must be written %21.`);
  }
  const scheme = SCHEME.exec(uri);
  if (!scheme) {
    return fail(`The ${tag} entry "${text}" at ${describeOffset(offset)} is not a URI (no scheme such as mailto:); a ',' inside a URI must be written %2C.`);
  }
  if (!URI_CHARS.test(uri)) {
    const bad = [...uri].find((char) => !URI_CHARS.test(char)) ?? '';
    return fail(`The ${tag} entry "${text}" at ${describeOffset(offset)} contains "${bad === ' ' ? 'a space' : bad}", which is not allowed in a URI (percent-encode it).`);
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(uri)) return fail(`The ${tag} entry "${text}" at ${describeOffset(offset)} has a '%' not followed by two hex digits.`);
  const schemeName = (scheme[1] as string).toLowerCase();
  const rest = uri.slice(scheme[0].length);
  let address: string | undefined;
  let host: string | undefined;
  if (schemeName === 'mailto') {
    address = safeDecode(rest.split('?')[0] ?? '');
    const at = address.lastIndexOf('@');
    const domain = at === -1 ? '' : address.slice(at + 1).replace(/\.$/, '').toLowerCase();
    if (at <= 0 || !HOSTNAME.test(domain)) return fail(`The ${tag} entry "${text}" at ${describeOffset(offset)} is not a mailto: URI with an address (local-part@domain).`);
    host = domain;
  } else if (/^[a-z][a-z0-9+.-]*$/.test(schemeName) && rest.startsWith('//')) {
    try {
      host = new URL(uri).hostname.replace(/\.$/, '').toLowerCase() || undefined;
    } catch {
      return fail(`The ${tag} entry "${text}" at ${describeOffset(offset)} is not a valid ${schemeName}: URL.`);
    }
  }
  if (sizeLimit !== undefined) {
    issues.push({ code: 'dmarc-report-uri-size', severity: 'warning', offset, message: `The ${tag} entry "${text}" at ${describeOffset(offset)} carries a size limit (!${sizeLimit}); RFC 9989 made it obsolete and its receivers ignore it.`, params: { uri: text, size: sizeLimit } });
  }
  const value: DmarcUri = {
    text,
    uri,
    scheme: schemeName,
    ...(address !== undefined ? { address } : {}),
    ...(host !== undefined ? { host } : {}),
    ...(sizeLimit !== undefined ? { sizeLimit, sizeLimitOctets } : {}),
    offset,
  };
  return { uri: value, issues };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
