/**
 * Fetches the SPF record of a name (RFC 7208 §4.4, §4.5): TXT only (the SPF RR type is gone),
 * keeping the four outcomes apart: one record, none, several (permerror), and a DNS failure
 * (temperror, never "none").
 */
import type { Resolver } from '../core/dns-resolver.js';
import type { SpfParseResult } from '../records/spf-record.js';
import { isSpfRecord, joinTxtStrings, parseSpfRecord } from '../records/spf-record.js';

export type SpfFetch =
  | {
      readonly status: 'found';
      readonly text: string;
      /** The character-strings of the TXT record, as published. */
      readonly strings: readonly string[];
      readonly parse: SpfParseResult;
      /** Every TXT record at the name, for the size checks. */
      readonly txt: readonly (readonly string[])[];
    }
  /** No SPF record. `lookalikes` are TXT records that seem meant as SPF but are not (leading space, `v=spf10`). */
  | { readonly status: 'none'; readonly nxdomain: boolean; readonly lookalikes: readonly string[] }
  | { readonly status: 'multiple'; readonly records: readonly string[] }
  | { readonly status: 'error'; readonly message: string };

export async function fetchSpfRecord(resolver: Resolver, domain: string): Promise<SpfFetch> {
  let answer;
  try {
    answer = await resolver.txt(domain);
  } catch (caught) {
    return { status: 'error', message: `TXT ${domain}: ${caught instanceof Error ? caught.message : String(caught)}` };
  }
  if (answer.status === 'error') return { status: 'error', message: answer.message };
  if (answer.status !== 'ok') return { status: 'none', nxdomain: answer.status === 'nxdomain', lookalikes: [] };
  const joined = answer.records.map((strings) => ({ strings, text: joinTxtStrings(strings) }));
  const spf = joined.filter((r) => isSpfRecord(r.text));
  if (spf.length > 1) return { status: 'multiple', records: spf.map((r) => r.text) };
  const only = spf[0];
  if (!only) return { status: 'none', nxdomain: false, lookalikes: joined.filter((r) => /^\s*v\s*=\s*spf/i.test(r.text)).map((r) => r.text) };
  return { status: 'found', text: only.text, strings: only.strings, parse: parseSpfRecord(only.text), txt: answer.records };
}
