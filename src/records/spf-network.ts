/**
 * IP addresses as bytes for SPF's CIDR matching (RFC 7208 §5.6) and the reverse names used by
 * `ptr`, `%{i}` and `%{v}` (§5.5, §7.3). An IPv4-mapped IPv6 address is an IPv4 address for SPF
 * (§5: "IPv4-mapped IPv6 addresses ... MUST still be considered an IPv4 address").
 */
import { canonicalizeIp } from '../core/ip.js';

export interface SpfIp {
  /** 4 bytes for IPv4 (also for an IPv4-mapped IPv6 address), 16 for IPv6. */
  readonly bytes: Uint8Array;
  readonly version: 4 | 6;
  /** Canonical text: dotted quad, or RFC 5952 IPv6. */
  readonly text: string;
}

/**
 * The address as SPF sees it, or undefined when `text` is not an IP address. `network` keeps an
 * IPv4-mapped IPv6 network of an `ip6:` term as IPv6 (it never matches an IPv4 client).
 */
export function parseSpfIp(text: string, options: { network?: boolean } = {}): SpfIp | undefined {
  const canonical = canonicalizeIp(text.trim());
  if (!canonical) return undefined;
  if (canonical.version === 4) return { bytes: Uint8Array.from(canonical.ip.split('.').map(Number)), version: 4, text: canonical.ip };
  const bytes = ipv6Bytes(canonical.ip);
  if (!options.network && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    const v4 = bytes.slice(12);
    return { bytes: v4, version: 4, text: [...v4].join('.') };
  }
  return { bytes, version: 6, text: canonical.ip };
}

/** 16 bytes of a canonical IPv6 text (canonicalizeIp keeps a dotted tail only for `::ffff:a.b.c.d`). */
function ipv6Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(16);
  const mapped = /^::ffff:(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (mapped) {
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    for (let i = 0; i < 4; i++) bytes[12 + i] = Number(mapped[i + 1]);
    return bytes;
  }
  const [headText = '', tailText] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const head = parse(headText);
  const tail = tailText === undefined ? [] : parse(tailText);
  const groups = tailText === undefined ? head : [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 255;
  });
  return bytes;
}

/** True when the first `prefixLength` bits of the two addresses (of the same family) are equal. */
export function matchesCidr(ip: SpfIp, network: SpfIp, prefixLength: number): boolean {
  if (ip.version !== network.version) return false;
  let bits = prefixLength;
  for (let i = 0; i < ip.bytes.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((ip.bytes[i] ?? 0) & mask) !== ((network.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** `address/length` with the host bits cleared, e.g. `192.0.2.0/24` for 192.0.2.77 and 24. */
export function formatNetwork(ip: SpfIp, prefixLength: number): string {
  const bytes = Uint8Array.from(ip.bytes);
  let bits = prefixLength;
  for (let i = 0; i < bytes.length; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (0xff << (8 - bits)) & 0xff;
    bytes[i] = (bytes[i] ?? 0) & mask;
  }
  return `${formatBytes(bytes, ip.version)}/${prefixLength}`;
}

/** True when the address has bits set beyond the prefix (e.g. `ip4:192.0.2.1/24`). */
export function hasHostBits(ip: SpfIp, prefixLength: number): boolean {
  return formatNetwork(ip, prefixLength) !== `${ip.text}/${prefixLength}`;
}

function formatBytes(bytes: Uint8Array, version: 4 | 6): string {
  if (version === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return canonicalizeIp(groups.join(':'))?.ip ?? groups.join(':');
}

/**
 * The dot-format of RFC 7208 §7.3 (`%{i}`): the dotted quad for IPv4, 32 lower-case nibbles
 * separated by dots for IPv6.
 */
export function dotFormat(ip: SpfIp): string {
  if (ip.version === 4) return ip.text;
  const nibbles: string[] = [];
  for (const byte of ip.bytes) nibbles.push((byte >> 4).toString(16), (byte & 15).toString(16));
  return nibbles.join('.');
}

/** The PTR query name: `4.3.2.1.in-addr.arpa` or the 32 reversed nibbles under `ip6.arpa`. */
export function reverseName(ip: SpfIp): string {
  return `${dotFormat(ip).split('.').reverse().join('.')}.${ip.version === 4 ? 'in-addr' : 'ip6'}.arpa`;
}
