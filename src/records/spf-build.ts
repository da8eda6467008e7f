/**
 * Builds SPF record text from options (`dmarcpilot record spf`). Terms come out cheapest first
 * (ip4, ip6, then a, mx, include: each of those costs a DNS lookup) and `all` last. The text is
 * validated by parsing it back, so what the builder prints is what `check` reads. Only the terms
 * written here can be counted: what an include costs is known after publishing, by `check`.
 *
 * Its advice and refusals are data: each advice a code, params and a message, each refusal the
 * option it is about and a message. Messages name an option by its plain name (`ip4 192.0.2.0/33:
 * …`), never as a command-line flag; the CLI writes the flag (`--ip4`), an API its field.
 */
import type { Advice } from '../core/advice.js';
import { advice } from '../core/advice.js';
import { parseSpfIp, formatNetwork, hasHostBits } from './spf-network.js';
import { parseSpfRecord } from './spf-record.js';

export interface SpfBuildOptions {
  /** include: targets, e.g. `_spf.google.com`. */
  readonly includes?: readonly string[];
  /** ip4: networks, `192.0.2.0/24` or a single address. */
  readonly ip4?: readonly string[];
  readonly ip6?: readonly string[];
  /** Add `mx`: the domain's MX hosts may send. */
  readonly mx?: boolean;
  /** Add `a`: the domain's own addresses may send. */
  readonly a?: boolean;
  /** What everything else gets: `fail` (-all), `softfail` (~all) or `neutral` (?all). */
  readonly all?: string;
  /** The domain the record is for, for the size advice. */
  readonly domain?: string;
}

/** Why the record cannot be built: the option at fault (`all`, `ip4`, `ip6`, `include`; `record` for the whole) and a sentence. */
export interface SpfBuildError {
  readonly option: 'all' | 'ip4' | 'ip6' | 'include' | 'record';
  readonly message: string;
}

export type SpfBuild =
  | { readonly ok: true; readonly text: string; readonly warnings: readonly Advice[]; readonly lookups: number }
  | { readonly ok: false; readonly errors: readonly SpfBuildError[] };

const ALL: Record<string, string> = { fail: '-all', softfail: '~all', neutral: '?all', '-': '-all', '~': '~all', '?': '?all' };

/** RFC 7208 §3.4's advice for the answer size; the domain name counts too. */
const SIZE_ADVICE_OCTETS = 450;

export function buildSpfRecord(options: SpfBuildOptions): SpfBuild {
  const errors: SpfBuildError[] = [];
  const warnings: Advice[] = [];
  const allValue = (options.all ?? 'softfail').toLowerCase();
  const all = ALL[allValue];
  if (allValue === 'pass' || allValue === '+') errors.push({ option: 'all', message: 'all pass (+all) would let every server on the Internet send as the domain; use fail, softfail or neutral.' });
  else if (!all) errors.push({ option: 'all', message: `all ${options.all ?? ''}: use fail (-all), softfail (~all) or neutral (?all).` });
  const terms: string[] = [];
  const seen = new Set<string>();
  const add = (term: string, option: string, value: string): void => {
    if (seen.has(term.toLowerCase())) {
      warnings.push(advice('spf-build-duplicate', { option, value, term }, `${value === '' ? option : `${option} ${value}`} is given twice; it is written once.`));
      return;
    }
    seen.add(term.toLowerCase());
    terms.push(term);
  };
  for (const [family, list] of [[4, options.ip4 ?? []], [6, options.ip6 ?? []]] as const) {
    for (const raw of list) {
      const network = checkNetwork(raw.trim(), family, errors, warnings);
      if (network) add(`ip${family}:${network}`, `ip${family}`, raw);
    }
  }
  if (options.a) add('a', 'a', '');
  if (options.mx) add('mx', 'mx', '');
  for (const raw of options.includes ?? []) {
    const target = raw.trim().replace(/^include:/i, '');
    const parsed = parseSpfRecord(`v=spf1 include:${target}`);
    if (!parsed.valid) errors.push({ option: 'include', message: `include ${raw}: ${parsed.diagnostics[0]?.message ?? 'not a valid domain'}.` });
    else add(`include:${target.toLowerCase()}`, 'include', raw);
  }
  if (errors.length > 0) return { ok: false, errors };
  const text = ['v=spf1', ...terms, all as string].join(' ');
  const parsed = parseSpfRecord(text);
  if (!parsed.valid) return { ok: false, errors: parsed.diagnostics.map((d) => ({ option: 'record' as const, message: `${d.location ?? ''}: ${d.message}` })) };
  const lookups = terms.filter((t) => t === 'a' || t === 'mx' || t.startsWith('include:')).length;
  if (lookups > 10) {
    return { ok: false, errors: [{ option: 'record', message: `the record itself already has ${lookups} DNS-querying terms (a, mx, include), over the limit of 10 (RFC 7208 §4.6.4); receivers would return permerror.` }] };
  }
  const includes = terms.filter((t) => t.startsWith('include:')).length;
  const domain = options.domain ?? null;
  warnings.push(
    includes > 0
      ? advice(
          'spf-build-lookups',
          { lookups, limit: 10, includes, domain },
          `The record has ${lookups} DNS-querying term${lookups === 1 ? '' : 's'} of its own, but each include can cost more (its own includes, a and mx): after publishing, check the DNS of ${domain ?? 'the domain'} to count the whole tree against the limit of 10.`,
        )
      : advice('spf-build-lookups', { lookups, limit: 10, includes, domain }, `The record has ${lookups} of the 10 DNS-querying terms allowed (RFC 7208 §4.6.4).`),
  );
  if (terms.length === 0) warnings.push(advice('spf-build-no-sender', {}, 'The record authorises no server: right for a domain that sends no mail (all fail), wrong for one that does.'));
  if (all === '?all') warnings.push(advice('spf-build-neutral', { all: '?all' }, '?all (neutral) gives unlisted servers the same result as no SPF record; use ~all while you are still finding your senders, then -all.'));
  const octets = new TextEncoder().encode(text).length + (options.domain?.length ?? 0);
  if (octets > SIZE_ADVICE_OCTETS) {
    warnings.push(
      advice(
        'spf-build-too-large',
        { octets, limit: SIZE_ADVICE_OCTETS, domain },
        `The record${options.domain ? ' and domain name' : ''} take ${octets} octets, over the ${SIZE_ADVICE_OCTETS} RFC 7208 §3.4 advises to keep the DNS answer within 512 octets; move a service to a subdomain or drop unused terms.`,
      ),
    );
  }
  return { ok: true, text, warnings, lookups };
}

/** A network in canonical form with its prefix, or undefined after recording the reason. */
function checkNetwork(raw: string, family: 4 | 6, errors: SpfBuildError[], warnings: Advice[]): string | undefined {
  const [address = '', length, extra] = raw.split('/');
  const ip = parseSpfIp(address, { network: true });
  const max = family === 4 ? 32 : 128;
  const option = family === 4 ? 'ip4' : 'ip6';
  if (!ip || ip.version !== family || (family === 4 && address.includes(':'))) {
    const other = ip && ip.version !== family ? ` (it is an IPv${ip.version} address: give it as ip${ip.version})` : '';
    errors.push({ option, message: `${option} ${raw}: not an IPv${family} address or network${other}.` });
    return undefined;
  }
  if (extra !== undefined || (length !== undefined && (!/^(0|[1-9]\d{0,2})$/.test(length) || Number(length) > max))) {
    errors.push({ option, message: `${option} ${raw}: the prefix length must be 0 to ${max}.` });
    return undefined;
  }
  if (length === undefined) return ip.text;
  const prefix = Number(length);
  const network = formatNetwork(ip, prefix);
  if (hasHostBits(ip, prefix)) {
    warnings.push(advice('spf-build-host-bits', { option, value: raw, network }, `${option} ${raw} has bits set after the /${prefix} prefix; receivers match ${network}, which is what is written.`));
  }
  if (prefix < (family === 4 ? 8 : 16)) {
    warnings.push(advice('spf-build-large-network', { option, value: raw, prefix }, `${option} ${raw} authorises a very large network (/${prefix}); make sure every address in it may send as the domain.`));
  }
  if (prefix === max) return ip.text;
  return network;
}
