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

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const part of parts) {
    if (part.length === 0 || part.length > 3) return undefined;
    let value = 0;
    for (let i = 0; i < part.length; i++) {
      const digit = part.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return undefined;
      value = value * 10 + digit;
    }
    if (value > 255) return undefined;
    octets.push(value);
  }
  return octets;
}

/** Eight 16-bit groups, or undefined. Zone identifiers (`%eth0`) are not addresses in reports. */
function parseIpv6(text: string): number[] | undefined {
  if (text.length > 45 || text.includes('%')) return undefined;
  let tail: number[] = [];
  let body = text;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) !== -1) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = [((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0)];
    body = text.slice(0, lastColon + 1);
    if (!body.endsWith('::')) body = body.slice(0, -1); // `::ffff:1.2.3.4` keeps its `::`
  }
  const doubleColon = body.indexOf('::');
  if (doubleColon !== -1 && body.indexOf('::', doubleColon + 1) !== -1) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (group.length === 0 || group.length > 4) return undefined;
      const value = Number.parseInt(group, 16);
      if (!/^[0-9a-fA-F]+$/.test(group) || Number.isNaN(value)) return undefined;
      out.push(value);
    }
    return out;
  };
  let groups: number[];
  if (doubleColon === -1) {
    const head = parseGroups(body);
    if (!head) return undefined;
    groups = [...head, ...tail];
    if (groups.length !== 8) return undefined;
  } else {
    const head = parseGroups(body.slice(0, doubleColon));
    const rest = parseGroups(body.slice(doubleColon + 2));
    if (!head || !rest) return undefined;
    const known = head.length + rest.length + tail.length;
    if (known > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - known).fill(0), ...rest, ...tail];
  }
  return groups;
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
