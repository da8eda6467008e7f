/**
 * Builds DMARC record text from options (`dmarcpilot record dmarc`) and formats parsed values back
 * to text (the corrected record a finding's fix shows). Tags come out in one fixed order, `v` and
 * `p` first so RFC 7489 receivers accept the record too (RFC 7489 §6.3; RFC 9989 §4.7 allows any
 * order after v). The text is validated by parsing it back: what the builder prints is what
 * `check` would read.
 */
import type { DmarcParse, DmarcRecord } from './dmarc-record.js';
import { parseDmarcRecord } from './dmarc-record.js';
import { encodeDmarcUri, parseReportSize } from './dmarc-uri.js';

/** Option values as a user gives them (strings from the command line, or numbers). */
export interface DmarcBuildOptions {
  readonly policy?: string;
  readonly subdomainPolicy?: string;
  readonly nonexistentSubdomainPolicy?: string;
  readonly percentage?: string | number;
  readonly testing?: string;
  readonly publicSuffixDomain?: string;
  readonly dkimAlignment?: string;
  readonly spfAlignment?: string;
  readonly failureOptions?: string;
  readonly aggregateUris?: readonly string[];
  readonly failureUris?: readonly string[];
  readonly reportFormats?: string;
  readonly reportInterval?: string | number;
}

export type DmarcBuild =
  | { readonly ok: true; readonly text: string; readonly parse: DmarcParse & { readonly record: DmarcRecord } }
  | { readonly ok: false; readonly errors: readonly string[] };

/** Tag order of built records. */
const ORDER: readonly (readonly [string, keyof DmarcBuildOptions])[] = [
  ['p', 'policy'],
  ['sp', 'subdomainPolicy'],
  ['np', 'nonexistentSubdomainPolicy'],
  ['psd', 'publicSuffixDomain'],
  ['t', 'testing'],
  ['pct', 'percentage'],
  ['adkim', 'dkimAlignment'],
  ['aspf', 'spfAlignment'],
  ['rua', 'aggregateUris'],
  ['ruf', 'failureUris'],
  ['fo', 'failureOptions'],
  ['rf', 'reportFormats'],
  ['ri', 'reportInterval'],
];

/**
 * One report URI ready for a list: a '!' that is not a valid trailing size limit and every ','
 * are percent-encoded (RFC 7489 §6.2, RFC 9989 §4.8).
 */
export function prepareDmarcUri(uri: string): string {
  const trimmed = uri.trim();
  const bang = trimmed.lastIndexOf('!');
  if (bang !== -1 && parseReportSize(trimmed.slice(bang + 1)) !== undefined) {
    return `${encodeDmarcUri(trimmed.slice(0, bang))}!${trimmed.slice(bang + 1)}`;
  }
  return encodeDmarcUri(trimmed);
}

/** Record text from option values, in the fixed order, without validation. */
export function formatDmarcTags(options: DmarcBuildOptions): string {
  const parts = ['v=DMARC1'];
  for (const [tag, key] of ORDER) {
    const value = options[key];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? (value as readonly string[]).map(prepareDmarcUri).join(',') : String(value).trim();
    if (Array.isArray(value) && value.length === 0) continue;
    parts.push(`${tag}=${text}`);
  }
  return parts.join('; ');
}

/** The options that reproduce a parsed record's valid values (invalid, unknown and repeated tags dropped). */
export function optionsFromRecord(record: DmarcRecord): DmarcBuildOptions {
  const uris = (list: DmarcRecord['aggregateUris']): string[] | undefined => (list.length === 0 ? undefined : list.map((u) => u.text));
  const entries: [keyof DmarcBuildOptions, unknown][] = [
    ['policy', record.policy],
    ['subdomainPolicy', record.subdomainPolicy],
    ['nonexistentSubdomainPolicy', record.nonexistentSubdomainPolicy],
    ['publicSuffixDomain', record.publicSuffixDomain],
    ['testing', record.testing],
    ['percentage', record.percentage],
    ['dkimAlignment', record.dkimAlignment],
    ['spfAlignment', record.spfAlignment],
    ['aggregateUris', uris(record.aggregateUris)],
    ['failureUris', uris(record.failureUris)],
    ['failureOptions', record.failureOptions?.join(':')],
    ['reportFormats', record.reportFormats?.join(':')],
    ['reportInterval', record.reportInterval],
  ];
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined));
}

/**
 * Builds and validates a record. Refuses (ok: false, with every reason) when a value is invalid or
 * `p` is missing (RFC 7489 receivers need it); advice about a valid record is the caller's
 * (src/evaluate/dmarc-advice.ts), so `record` and `check` say the same things.
 */
export function buildDmarcRecord(options: DmarcBuildOptions): DmarcBuild {
  const errors: string[] = [];
  if (options.policy === undefined) errors.push('p is required: RFC 7489 receivers apply no DMARC to a record without it (give none, quarantine or reject).');
  for (const list of [options.aggregateUris, options.failureUris]) {
    for (const uri of list ?? []) {
      if (/^[^:/?#]+@[^@]+$/.test(uri.trim())) errors.push(`"${uri.trim()}" is an address, not a URI: write mailto:${uri.trim()}.`);
    }
  }
  const text = formatDmarcTags(options);
  const parse = parseDmarcRecord(text);
  for (const diagnostic of parse.diagnostics) if (diagnostic.severity === 'error') errors.push(diagnostic.message);
  if (errors.length > 0 || parse.record === undefined) return { ok: false, errors: errors.length > 0 ? errors : ['The record could not be built.'] };
  return { ok: true, text, parse: { ...parse, record: parse.record } };
}
