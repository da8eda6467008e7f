/**
 * The small value parsers failure reports need: `Name: value` field lines (the body of a
 * message/feedback-report part, RFC 5965 §3, is a header block), addresses and their domains,
 * Source-IP, SPF-DNS, Reporting-MTA.
 */
import { canonicalizeIp } from '../../core/ip.js';
import type { ReportField } from './failure-report.js';

const FIELD_LINE = /^([!-9;-~]+)[ \t]*:(.*)$/;

/**
 * Field lines of a header-like block, folded lines unfolded. Lenient: blank lines between fields
 * are skipped (some reporters leave them), lines that are not fields are counted and skipped.
 */
export function readReportFields(text: string): { fields: ReportField[]; strayLines: number } {
  const fields: { name: string; value: string }[] = [];
  let strayLines = 0;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') continue;
    const last = fields[fields.length - 1];
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      last.value += line;
      continue;
    }
    const match = FIELD_LINE.exec(line);
    if (!match) {
      strayLines++;
      continue;
    }
    fields.push({ name: match[1] as string, value: match[2] as string });
  }
  return { fields: fields.map(({ name, value }) => ({ name, value: value.trim() })), strayLines };
}

/** Looks fields up by name, case-insensitively. */
export class FieldIndex {
  readonly #byName = new Map<string, string[]>();

  constructor(fields: readonly ReportField[]) {
    for (const { name, value } of fields) {
      const key = name.toLowerCase();
      const values = this.#byName.get(key) ?? [];
      values.push(value);
      this.#byName.set(key, values);
    }
  }

  /** The first non-empty value of `name`, or null. */
  first(name: string): string | null {
    return this.all(name)[0] ?? null;
  }

  /** Every non-empty value of `name`, in order. */
  all(name: string): string[] {
    return (this.#byName.get(name) ?? []).filter((value) => value !== '');
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }
}

/** `<user@example.com>` -> `user@example.com`; empty or `<>` -> null. */
export function stripAngles(value: string | null): string | null {
  if (value === null) return null;
  const match = /<([^<>]*)>/.exec(value);
  const inner = (match ? (match[1] as string) : value).trim();
  return inner === '' ? null : inner;
}

/** The domain of an address or of a From-style field (`"Name" <user@Example.COM>` -> `example.com`). */
export function addressDomain(value: string | null): string | null {
  if (value === null) return null;
  const angled = [...value.matchAll(/<([^<>]*)>/g)].map((m) => m[1] as string).find((inner) => inner.includes('@'));
  const address = angled ?? value.split(/[\s,;]+/).find((token) => token.includes('@')) ?? '';
  const at = address.lastIndexOf('@');
  if (at === -1) return null;
  return normaliseDomain(address.slice(at + 1).replace(/[>"')\]]+$/, ''));
}

/** Lower case, no trailing dot; null unless it looks like a domain name. */
export function normaliseDomain(value: string | null): string | null {
  if (value === null) return null;
  const domain = value.trim().replace(/\.$/, '').toLowerCase();
  return /^[^\s@<>()[\]",;:]+\.[^\s@<>()[\]",;:]+$/.test(domain) || /^[a-z0-9-]+$/.test(domain) ? domain : null;
}

/** `192.0.2.1`, `[192.0.2.1]`, `IPv6:2001:DB8::1`, `192.0.2.1 (host.example)` -> canonical text; undefined when not an IP. */
export function readIp(value: string): string | undefined {
  const first = value.replace(/\([^()]*\)/g, ' ').trim().split(/[\s,;]+/)[0] ?? '';
  const bare = first.replace(/^\[|\]$/g, '').replace(/^ipv6:/i, '');
  return canonicalizeIp(bare)?.ip;
}

/**
 * The domain of SPF-DNS (RFC 6591 §3.1: `txt : example.com "v=spf1 ..."` or `spf : ...`).
 * A bare domain is accepted too.
 */
export function spfDnsDomain(value: string | null): string | null {
  if (value === null) return null;
  const typed = /^\s*(?:txt|spf)\s*:\s*([^\s:"]+)/i.exec(value);
  if (typed) return normaliseDomain(typed[1] as string);
  const bare = /^\s*([^\s:"]+)/.exec(value);
  return bare ? normaliseDomain(bare[1] as string) : null;
}

/** `dns; mta.example.net` (RFC 5965 §3.2 mta-name-type) -> `mta.example.net`. */
export function stripMtaType(value: string | null): string | null {
  if (value === null) return null;
  const name = value.replace(/^\s*[A-Za-z0-9-]+\s*;\s*/, '').trim();
  return name === '' ? null : name;
}

/** `header.from=example.com` in an Authentication-Results value (RFC 8601 §2.7.4 ptype.property). */
export function headerFromDomain(authenticationResults: readonly string[]): string | null {
  for (const value of authenticationResults) {
    const match = /\bheader\.from\s*=\s*"?([^\s;"()]+)/i.exec(value);
    if (match) return addressDomain(`x@${match[1] as string}`) ?? normaliseDomain(match[1] as string);
  }
  return null;
}
