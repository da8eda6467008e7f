/**
 * TXT record text as DNS carries it: one or more character-strings of at most 255 octets each
 * (RFC 1035 §3.3 and §3.3.14), which SPF, DKIM and DMARC join back without separators (RFC 7208
 * §3.3, RFC 6376 §3.6.2.2, RFC 9989 §4.5). Publishers must split long values (2048-bit DKIM keys,
 * long SPF records) themselves; this module splits on octets without cutting a UTF-8 character in
 * two and prints the result as zone-file presentation text (RFC 1035 §5.1).
 */

/** The most octets one character-string holds. */
export const MAX_TXT_STRING_OCTETS = 255;

const encoder = new TextEncoder();

/** UTF-8 octets of `text`. */
export function countOctets(text: string): number {
  return encoder.encode(text).length;
}

/**
 * Splits `text` into character-strings of at most `maxOctets` UTF-8 octets, each ending on a whole
 * character. The empty text gives one empty string (a TXT record always has at least one).
 */
export function splitTxtStrings(text: string, maxOctets: number = MAX_TXT_STRING_OCTETS): string[] {
  if (maxOctets < 4) throw new RangeError('maxOctets must allow one UTF-8 character (4 octets)');
  const strings: string[] = [];
  let current = '';
  let currentOctets = 0;
  for (const char of text) {
    const octets = countOctets(char);
    if (currentOctets + octets > maxOctets) {
      strings.push(current);
      current = '';
      currentOctets = 0;
    }
    current += char;
    currentOctets += octets;
  }
  strings.push(current);
  return strings;
}

/** Octets the strings take in TXT RDATA: a length octet plus the content, per string. */
export function measureTxtRdata(strings: readonly string[]): number {
  return strings.reduce((sum, value) => sum + 1 + countOctets(value), 0);
}

/**
 * One character-string in presentation form: quoted, with `"` and `\` escaped and control
 * characters (and, with `asciiOnly`, every non-ASCII octet) written as `\DDD`.
 */
export function quoteTxtString(value: string, options: { asciiOnly?: boolean } = {}): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString().padStart(3, '0')}`;
    else if (code > 0x7e && options.asciiOnly) for (const octet of encoder.encode(char)) out += `\\${octet.toString().padStart(3, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

/** The strings as zone-file TXT data: `"part1" "part2"`. */
export function formatTxtPresentation(strings: readonly string[], options: { asciiOnly?: boolean } = {}): string {
  return strings.map((value) => quoteTxtString(value, options)).join(' ');
}

/**
 * A zone-file line such as `_dmarc.example.com. 3600 IN TXT "v=DMARC1; p=none"`. A `name` without a
 * trailing dot is made absolute unless `relative` is set (then it is relative to the zone's origin).
 */
export function formatZoneLine(name: string, type: string, data: string, options: { ttl?: number; relative?: boolean } = {}): string {
  const owner = options.relative || name.endsWith('.') || name === '@' ? name : `${name}.`;
  const ttl = options.ttl === undefined ? '' : ` ${options.ttl}`;
  return `${owner}${ttl} IN ${type} ${data}`;
}

/** Splits `text` and formats it as a TXT zone-file line in one step. */
export function formatTxtZoneLine(name: string, text: string, options: { ttl?: number; relative?: boolean; asciiOnly?: boolean } = {}): string {
  return formatZoneLine(name, 'TXT', formatTxtPresentation(splitTxtStrings(text), options), options);
}
