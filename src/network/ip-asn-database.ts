/**
 * An offline IP-to-network database, for naming the network of a source IP (ASN, organisation,
 * country) without asking anyone: the tab-separated format of the free iptoasn.com data
 * (`ip2asn-v4.tsv`, `ip2asn-v6.tsv`, `ip2asn-combined.tsv`, optionally gzipped), one range per line:
 *
 *   range_start <TAB> range_end <TAB> AS_number <TAB> country_code <TAB> AS_description
 *
 * Ranges with AS number 0 ("Not routed") are skipped. Lookups are a binary search over the ranges,
 * sorted by start. Bad lines are counted and reported, never fatal; an unreadable file is an error
 * naming the file.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { canonicalizeIp } from '../core/ip.js';
import type { SourceNetwork } from '../core/source-facts.js';

export type NetworkInfo = SourceNetwork;

interface Ranges {
  starts: bigint[];
  ends: bigint[];
  info: NetworkInfo[];
}

export interface IpAsnDatabase {
  /** The network holding `ip`, or undefined. */
  lookup(ip: string): NetworkInfo | undefined;
  /** Ranges loaded, and lines that could not be read (with the first such line number). */
  readonly ranges: number;
  readonly badLines: number;
  readonly firstBadLine?: number;
}

const MAX_DATABASE_BYTES = 512 * 1024 * 1024;

/** Reads a database file (gzip detected by its magic bytes). */
export function loadIpAsnDatabase(path: string): IpAsnDatabase {
  const bytes = readFileSync(path);
  const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes, { maxOutputLength: MAX_DATABASE_BYTES }) : bytes;
  return parseIpAsnDatabase(text.toString('utf8'));
}

/** Parses the text of a database; see the file comment for the format. */
export function parseIpAsnDatabase(text: string): IpAsnDatabase {
  const rows: { start: bigint; end: bigint; version: 4 | 6; info: NetworkInfo }[] = [];
  let badLines = 0;
  let firstBadLine: number | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const [startText, endText, asnText, country, description] = line.split('\t');
    const start = startText === undefined ? undefined : canonicalizeIp(startText);
    const end = endText === undefined ? undefined : canonicalizeIp(endText);
    const asn = Number(asnText);
    if (!start || !end || start.version !== end.version || !Number.isInteger(asn) || asn < 0) {
      badLines++;
      firstBadLine ??= i + 1;
      continue;
    }
    if (asn === 0) continue;
    const from = ipToBigInt(start.ip, start.version);
    const to = ipToBigInt(end.ip, end.version);
    if (to < from) {
      badLines++;
      firstBadLine ??= i + 1;
      continue;
    }
    const info: NetworkInfo = {
      asn,
      organization: (description ?? '').trim() || `AS${asn}`,
      ...(country && country !== 'None' && /^[A-Za-z]{2}$/.test(country) ? { country: country.toUpperCase() } : {}),
    };
    rows.push({ start: from, end: to, version: start.version, info });
  }
  const byVersion = (version: 4 | 6): Ranges => {
    const sorted = rows.filter((r) => r.version === version).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    return { starts: sorted.map((r) => r.start), ends: sorted.map((r) => r.end), info: sorted.map((r) => r.info) };
  };
  const v4 = byVersion(4);
  const v6 = byVersion(6);
  return {
    ranges: rows.length,
    badLines,
    ...(firstBadLine !== undefined ? { firstBadLine } : {}),
    lookup(ip: string): NetworkInfo | undefined {
      const parsed = canonicalizeIp(ip);
      if (!parsed) return undefined;
      const ranges = parsed.version === 4 ? v4 : v6;
      return find(ranges, ipToBigInt(parsed.ip, parsed.version));
    },
  };
}

/** The last range starting at or before `value`, if it also ends at or after it. */
function find(ranges: Ranges, value: bigint): NetworkInfo | undefined {
  let low = 0;
  let high = ranges.starts.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if ((ranges.starts[middle] as bigint) <= value) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  if (found < 0 || (ranges.ends[found] as bigint) < value) return undefined;
  return ranges.info[found];
}

function ipToBigInt(ip: string, version: 4 | 6): bigint {
  if (version === 4) return ip.split('.').reduce((sum, part) => (sum << 8n) + BigInt(Number(part)), 0n);
  const [head = '', tail] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((sum, group) => (sum << 16n) + BigInt(parseInt(group, 16)), 0n);
}
