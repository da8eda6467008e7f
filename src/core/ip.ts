/**
 * IP address text in canonical form: dotted-decimal IPv4 without leading zeros, and IPv6 as
 * RFC 5952 §4 (lower case, no leading zeros, the longest run of two or more zero groups as `::`,
 * IPv4-mapped addresses with a dotted tail). Reports send expanded, upper-case or compressed
 * IPv6; storage and grouping need one spelling per address.
 */

export interface CanonicalIp {
  readonly ip: string;
  readonly version: 4 | 6;
  /** False when the input was spelled differently from the canonical form (padding aside). */
  readonly wasCanonical: boolean;
}

/** The canonical form of `text`, or undefined when it is not an IPv4 or IPv6 address. */
export function canonicalizeIp(text: string): CanonicalIp | undefined {
  if (text.includes(':')) {
    const groups = parseIpv6(text);
    if (!groups) return undefined;
    const ip = formatIpv6(groups);
    return { ip, version: 6, wasCanonical: ip === text };
  }
  const octets = parseIpv4(text);
  if (!octets) return undefined;
  const ip = octets.join('.');
  return { ip, version: 4, wasCanonical: ip === text };
}

/** Four octets of a dotted-quad, or undefined. */
function parseIpv4(text: string, from = 0): number[] | undefined {
  const octets: number[] = [];
  let value = 0;
  let digits = 0;
  for (let i = from; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46; // a '.' ends the last octet
    if (c === 46) {
      if (digits === 0 || value > 255) return undefined;
      octets.push(value);
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      value = value * 10 + (c - 48);
      digits++;
    } else {
      return undefined;
    }
  }
  return octets.length === 4 ? octets : undefined;
}

/** Eight 16-bit groups, or undefined. Zone identifiers (`%eth0`) are not addresses in reports. */
function parseIpv6(text: string): number[] | undefined {
  if (text.length > 45) return undefined;
  const head: number[] = [];
  const tail: number[] = [];
  let groups = head;
  let compressed = false;
  let value = 0;
  let digits = 0;
  let i = 0;
  if (text.startsWith('::')) {
    compressed = true;
    groups = tail;
    i = 2;
    if (text.length === 2) return new Array<number>(8).fill(0);
  }
  for (; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 58;
    if (c === 58) {
      if (digits === 0) return undefined;
      groups.push(value);
      value = 0;
      digits = 0;
      if (i + 1 < text.length && text.charCodeAt(i + 1) === 58) {
        if (compressed) return undefined;
        compressed = true;
        groups = tail;
        i++;
        if (i + 1 === text.length) break;
      }
    } else if (c === 46) {
      // An embedded IPv4 tail: it takes the place of the last two groups.
      const start = i - digits;
      const v4 = parseIpv4(text, start);
      if (!v4) return undefined;
      groups.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      break;
    } else {
      const nibble = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (nibble < 0 || digits === 4) return undefined;
      value = value * 16 + nibble;
      digits++;
    }
  }
  const known = head.length + tail.length;
  if (compressed ? known > 7 : known !== 8) return undefined;
  return compressed ? [...head, ...new Array<number>(8 - known).fill(0), ...tail] : head;
}

function formatIpv6(groups: number[]): string {
  // IPv4-mapped (::ffff:0:0/96) keeps the dotted tail (RFC 5952 §5).
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const a = groups[6] ?? 0;
    const b = groups[7] ?? 0;
    return `::ffff:${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
  }
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLength < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
