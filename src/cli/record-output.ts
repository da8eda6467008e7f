/**
 * How `dmarcpilot record …` prints a TXT record: the text, its character-strings (each at most
 * 255 octets, RFC 1035 §3.3), the TXT presentation text and a zone-file line; or all of it as
 * JSON. Advice goes to standard error so standard output stays ready to paste. Every `record`
 * subcommand (dmarc, dkim, parked, and spf) prints through here.
 */
import { normalizeDomainName } from '../evaluate/domain-name.js';
import type { Finding } from '../evaluate/finding.js';
import { countOctets, formatTxtPresentation, formatZoneLine, splitTxtStrings } from '../records/txt-strings.js';

export interface PrintedTxtRecord {
  /** Owner name, absolute (`_dmarc.example.com`) or relative to the zone origin (`_dmarc`). */
  readonly name: string;
  readonly text: string;
  readonly strings: readonly string[];
  /** TXT presentation text: `"…" "…"`. */
  readonly txt: string;
  /** The zone-file line. */
  readonly zone: string;
}

/** Splits and formats `text` for the owner `name` (made absolute when `absolute`). */
export function describeTxtRecord(name: string, text: string, options: { ttl?: number; absolute: boolean }): PrintedTxtRecord {
  const strings = splitTxtStrings(text);
  const txt = formatTxtPresentation(strings);
  const zone = formatZoneLine(name, 'TXT', txt, { ...(options.ttl !== undefined ? { ttl: options.ttl } : {}), relative: !options.absolute });
  return { name, text, strings, txt, zone };
}

/** The human-readable form of one record. */
export function renderTxtRecord(record: PrintedTxtRecord, title: string): string {
  const octets = countOctets(record.text);
  const count = record.strings.length;
  return (
    `${title}: TXT at ${record.name} (${octets} octets, ${count} character-string${count === 1 ? '' : 's'} of at most 255 octets)\n` +
    `  ${record.text}\n\n` +
    `TXT text:\n  ${record.txt}\n\n` +
    `Zone-file line:\n  ${record.zone}\n`
  );
}

/** Advice lines for standard error: `warning: code: message Fix: …`. */
export function renderAdvice(findings: readonly Finding[]): string {
  return findings
    .filter((f) => f.severity !== 'ok')
    .map((f) => `${f.severity === 'info' ? 'note' : f.severity}: ${f.code}: ${f.message}${f.fix ? ` Fix: ${f.fix}` : ''}\n`)
    .join('');
}

/** Parses `--ttl`: a whole number of seconds from 0 to 2^31-1 (RFC 2181 §8), or undefined when absent. */
export function parseTtl(value: string | undefined): number | undefined | Error {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > 2147483647) return new Error(`--ttl ${value}: give a whole number of seconds (0 to 2147483647).`);
  return Number(value);
}

/** --domain, --ttl and --json, shared by every `record` subcommand. */
export interface CommonOptions {
  domain?: string;
  ttl?: string;
  json?: boolean;
}

/** Reads --domain and --ttl, or writes the reason and returns undefined. */
export function readCommonOptions(command: string, options: CommonOptions): { domain?: string; ttl?: number } | undefined {
  const ttl = parseTtl(options.ttl);
  if (ttl instanceof Error) return refuse(command, [ttl.message]);
  if (options.domain === undefined) return ttl === undefined ? {} : { ttl };
  const domain = normalizeDomainName(options.domain);
  if (domain === undefined) return refuse(command, [`--domain ${options.domain} is not a valid domain name.`]);
  return { domain, ...(ttl !== undefined ? { ttl } : {}) };
}

/** Writes why a request was refused, one line per reason, to standard error. */
export function refuse(command: string, reasons: readonly string[]): undefined {
  for (const reason of reasons) process.stderr.write(`dmarcpilot record ${command}: refused: ${reason}\n`);
  return undefined;
}

