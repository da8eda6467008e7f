/**
 * The DKIM part of `dmarcpilot check`: the key record of each selector at
 * `<selector>._domainkey.<domain>` (RFC 6376 §3.6.2.1), for selectors the owner gave, selectors
 * learned from stored reports, and common provider defaults (dkim-selectors.ts). A missing key
 * is an error only for a selector known to be in use; for a guessed default, absence says nothing,
 * so the check only reports which defaults it probed. CNAME-delegated keys (Microsoft 365, most
 * ESPs) are followed by the resolver. A DNS failure is dkim-dns-error, never "missing".
 */
import type { Resolver } from '../core/dns-resolver.js';
import type { DkimKeyRecord } from '../records/dkim-key-record.js';
import { parseDkimKeyRecord } from '../records/dkim-key-record.js';
import { describeDefaultSelector } from './dkim-selectors.js';
import { normalizeDomainName } from './domain-name.js';
import type { Finding } from './finding.js';
import { finding } from './finding.js';
import { diagnosticToFinding, dnsErrorFinding, joinTxtStrings } from './record-findings.js';

export type DkimSelectorOrigin = 'given' | 'reports' | 'default';

export interface DkimSelectorInput {
  readonly selector: string;
  /** given: on the command line; reports: seen in stored aggregate reports; default: a provider default guessed. */
  readonly origin: DkimSelectorOrigin;
}

/** A summary of a key, JSON-serialisable. */
export interface DkimKeySummary {
  readonly text: string;
  readonly keyType: string;
  readonly keyBits?: number;
  readonly revoked: boolean;
  readonly testing: boolean;
  readonly usable: boolean;
}

export interface DkimSelectorResult {
  readonly selector: string;
  readonly origin: DkimSelectorOrigin;
  /** `<selector>._domainkey.<domain>`. */
  readonly name: string;
  /** The provider whose default selector this is. */
  readonly provider?: string;
  readonly status: 'found' | 'missing' | 'dns-error' | 'invalid-name';
  /** Every TXT record at the name, strings joined, parsed. */
  readonly keys: readonly DkimKeySummary[];
}

export interface DkimCheckRecords {
  readonly domain: string;
  readonly selectors: readonly DkimSelectorResult[];
  /** Default selectors probed, and those that answered with a key record. */
  readonly probedDefaults: readonly string[];
  readonly foundDefaults: readonly string[];
  /** True when a made-up selector also has a key: a wildcard `*._domainkey` record. */
  readonly wildcard: boolean;
}

export interface DkimCheck {
  readonly findings: Finding[];
  readonly records: DkimCheckRecords;
}

/** A selector nobody uses, to tell a wildcard record from a real default key. */
export const WILDCARD_PROBE_SELECTOR = 'dmarcpilot-wildcard-probe';

const RFC_RECORD = 'RFC 6376 §3.6.2.1';
const ORIGIN_RANK: Record<DkimSelectorOrigin, number> = { given: 0, reports: 1, default: 2 };

const FIXES: Record<string, string> = {
  'dkim-key-invalid': 'Publish the key record exactly as the signing system gives it: "v=DKIM1; k=rsa; p=<base64 key>" (split into strings of at most 255 characters, joined without spaces).',
  'dkim-key-syntax-lenient': 'Remove the empty entry (";;") from the record.',
  'dkim-key-too-short': 'Generate a 2048-bit RSA key in the signing system, publish it under a new selector, switch signing to it, then revoke the old selector (p=).',
  'dkim-key-weak': 'Generate a 2048-bit RSA key in the signing system, publish it under a new selector, switch signing to it, then revoke the old selector (p=).',
  'dkim-key-too-long': 'Use a 2048-bit (or up to 4096-bit) RSA key, or add an Ed25519 key alongside (RFC 8463).',
  'dkim-testing-flag': 'Remove "t=y" from the key record once signing works.',
  'dkim-sha1-only': 'Remove "h=sha1" (or change it to h=sha256) and make the signer use rsa-sha256.',
  'dkim-service-not-email': 'Remove the s= tag, or set s=email.',
  'dkim-unknown-tag': '',
};

/** Checks the DKIM keys of `domain` for the selectors given. */
export async function checkDkim(domain: string, selectors: readonly DkimSelectorInput[], options: { resolver: Resolver }): Promise<DkimCheck> {
  const { resolver } = options;
  const ascii = normalizeDomainName(domain) ?? domain;
  const wanted = dedupeSelectors(selectors);
  const results = await Promise.all(wanted.map((input) => lookupSelector(ascii, input, resolver)));
  // A failing resolver would give one error per guessed default selector: report those as one.
  const failedDefaults = results.filter((r) => r.result.origin === 'default' && r.result.status === 'dns-error');
  const findings = results.filter((r) => !failedDefaults.includes(r)).flatMap((result) => result.findings);
  const firstFailure = failedDefaults[0]?.findings[0];
  if (firstFailure && failedDefaults.length > 1) {
    const selectors = failedDefaults.map((r) => r.result.selector);
    const name = `_domainkey.${ascii}`;
    const { selector: _first, ...first } = firstFailure.params;
    const params = { ...first, name, domain: ascii, origin: 'default', count: failedDefaults.length, selectors };
    findings.push({ ...firstFailure, message: `The DKIM key lookups of ${failedDefaults.length} common provider selectors under _domainkey.${ascii} failed (${selectors.join(', ')}); the first: ${firstFailure.message}`, name, params });
  } else if (firstFailure) {
    findings.push(firstFailure);
  }
  const probedDefaults = wanted.filter((s) => s.origin === 'default').map((s) => s.selector.toLowerCase());
  const foundDefaults = results.filter((r) => r.result.origin === 'default' && r.result.status === 'found').map((r) => r.result.selector);
  let wildcard = false;
  if (foundDefaults.length > 0) {
    const probe = await resolver.txt(`${WILDCARD_PROBE_SELECTOR}._domainkey.${ascii}`);
    wildcard = probe.status === 'ok';
    if (wildcard) {
      findings.push(
        finding('dkim-wildcard-key', 'info', `A key record answers for any selector under _domainkey.${ascii} (a wildcard), so keys found at guessed default selectors may be that wildcard, not a provider's key.`, '', 'RFC 6376 §3.6.2.1; RFC 4592', { name: `*._domainkey.${ascii}` }, { name: `*._domainkey.${ascii}`, domain: ascii, found: foundDefaults }),
      );
    }
  }
  if (probedDefaults.length > 0) findings.push(describeProbe(ascii, probedDefaults, foundDefaults));
  const anyKey = results.some((r) => r.result.status === 'found');
  const anyFailure = results.some((r) => r.result.status === 'dns-error');
  const anyKnown = wanted.some((s) => s.origin !== 'default');
  if (!anyKey && !anyFailure && !anyKnown) {
    findings.push(
      finding(
        'dkim-no-selectors',
        'warning',
        `No DKIM key was found for ${ascii}: no selector was given or learned from reports${probedDefaults.length > 0 ? ', and none of the common provider defaults has a key' : ', and the common provider defaults were not probed'}. DNS cannot list selectors, so this does not prove that mail is unsigned.`,
        'Name the selectors your senders use (the s= tag of their DKIM-Signature header) when checking, or keep the aggregate reports in the store so the selectors are learned from them.',
        'RFC 6376 §3.1',
        { name: `_domainkey.${ascii}` },
        { name: `_domainkey.${ascii}`, domain: ascii, probed: probedDefaults },
      ),
    );
  }
  const records: DkimCheckRecords = { domain: ascii, selectors: results.map((r) => r.result), probedDefaults, foundDefaults, wildcard };
  return { findings, records };
}

/** One entry per selector (case-insensitive), keeping the strongest origin: given > reports > default. */
function dedupeSelectors(selectors: readonly DkimSelectorInput[]): DkimSelectorInput[] {
  const bySelector = new Map<string, DkimSelectorInput>();
  for (const input of selectors) {
    const key = input.selector.trim().toLowerCase();
    const seen = bySelector.get(key);
    if (!seen || ORIGIN_RANK[input.origin] < ORIGIN_RANK[seen.origin]) bySelector.set(key, { selector: input.selector.trim(), origin: input.origin });
  }
  return [...bySelector.values()];
}

async function lookupSelector(domain: string, input: DkimSelectorInput, resolver: Resolver): Promise<{ result: DkimSelectorResult; findings: Finding[] }> {
  const provider = describeDefaultSelector(input.selector);
  const base = { selector: input.selector, origin: input.origin, ...(provider !== undefined && input.origin === 'default' ? { provider } : {}) };
  const name = normalizeDomainName(`${input.selector}._domainkey.${domain}`);
  // Every finding about one selector names it, where it came from and the domain.
  const about = { domain, selector: input.selector, origin: input.origin };
  if (name === undefined || input.selector.startsWith('.') || input.selector === '') {
    const message = `"${input.selector}" is not a valid DKIM selector (letters, digits and hyphens, in dot-separated labels).`;
    return { result: { ...base, name: `${input.selector}._domainkey.${domain}`, status: 'invalid-name', keys: [] }, findings: [finding('dkim-selector-invalid', 'error', message, 'Give the selector exactly as it appears in the s= tag of the DKIM-Signature header.', 'RFC 6376 §3.1', { name: domain }, about)] };
  }
  const answer = await resolver.txt(name);
  if (answer.status === 'error') {
    return { result: { ...base, name, status: 'dns-error', keys: [] }, findings: [dnsErrorFinding('dkim-dns-error', 'TXT', name, answer, `the DKIM key of selector ${input.selector}`, RFC_RECORD, about)] };
  }
  if (answer.status !== 'ok') {
    return { result: { ...base, name, status: 'missing', keys: [] }, findings: input.origin === 'default' ? [] : [describeMissing(domain, name, input)] };
  }
  const findings: Finding[] = [];
  const texts = answer.records.map(joinTxtStrings);
  if (texts.length > 1) {
    findings.push(
      finding('dkim-multiple-records', 'error', `${name} has ${texts.length} TXT records; with more than one key record at a selector, verification results are undefined.`, `Keep exactly one key record at ${name} and delete the others.`, 'RFC 6376 §3.6.2.2', { name }, { name, ...about, count: texts.length }),
    );
  }
  const keys: DkimKeySummary[] = [];
  for (const text of texts) {
    const { record, diagnostics } = parseDkimKeyRecord(text);
    keys.push(summarize(record));
    for (const diagnostic of diagnostics) {
      const adjusted = diagnostic.code === 'dkim-key-revoked' ? { ...diagnostic, ...describeRevoked(input) } : diagnostic;
      findings.push(diagnosticToFinding(adjusted, name, FIXES[diagnostic.code] ?? revokedFix(input, name), about));
    }
    if (record.usable && !diagnostics.some((d) => d.severity !== 'info')) {
      const size = record.keyType === 'ed25519' ? 'an Ed25519 key' : `an RSA key of ${record.keyBits ?? '?'} bits`;
      const who = base.provider !== undefined ? ` (the ${base.provider} default)` : '';
      const params = { name, ...about, keyType: record.keyType, bits: record.keyBits ?? null, provider: base.provider ?? null };
      findings.push(finding('dkim-ok', 'ok', `Selector ${input.selector}${who} publishes ${size}.`, '', 'RFC 6376 §3.6.1; RFC 8301 §3.2', { name }, params));
    }
  }
  return { result: { ...base, name, status: 'found', keys }, findings };
}

function describeMissing(domain: string, name: string, input: DkimSelectorInput): Finding {
  const why = input.origin === 'reports' ? 'receivers reported mail signed with this selector, so those signatures now fail' : 'mail signed with this selector fails DKIM';
  return finding(
    'dkim-key-missing',
    'error',
    `No DKIM key record at ${name}: ${why}.`,
    `Publish the selector's public key as a TXT record at ${name} ("v=DKIM1; k=rsa; p=<base64 key>", or the CNAME your provider gives), or stop signing with selector ${input.selector}.`,
    RFC_RECORD,
    { name },
    { name, domain, selector: input.selector, origin: input.origin },
  );
}

/** A revoked key is expected at a retired selector, but not at one receivers still see in use. */
function describeRevoked(input: DkimSelectorInput): { severity: 'error' | 'warning' | 'info'; message: string } {
  if (input.origin === 'reports') return { severity: 'error', message: `Selector ${input.selector} is revoked (p= is empty) but receivers still report mail signed with it: those signatures fail.` };
  if (input.origin === 'default') return { severity: 'info', message: `Selector ${input.selector} is revoked (p= is empty): no mail can be verified with it.` };
  return { severity: 'warning', message: `Selector ${input.selector} is revoked (p= is empty): verifiers fail every signature made with it.` };
}

function revokedFix(input: DkimSelectorInput, name: string): string {
  return input.origin === 'default' ? '' : `If this selector is still used to sign, publish its public key at ${name}; otherwise stop signing with it.`;
}

function describeProbe(domain: string, probed: readonly string[], found: readonly string[]): Finding {
  const provider = (selector: string): string => describeDefaultSelector(selector) ?? 'unknown';
  const named = (selector: string): string => `${selector} (${provider(selector)})`;
  const hits = found.length > 0 ? `found a key record at ${found.map(named).join(', ')}` : 'found none';
  return finding(
    'dkim-defaults-probed',
    'info',
    `Probed ${probed.length} common provider selectors under _domainkey.${domain} (${probed.join(', ')}) and ${hits}; a selector not among them is not checked.`,
    '',
    'RFC 6376 §3.1',
    { name: `_domainkey.${domain}` },
    { name: `_domainkey.${domain}`, domain, count: probed.length, probed, found, providers: found.map(provider) },
  );
}

function summarize(record: DkimKeyRecord): DkimKeySummary {
  return { text: record.text, keyType: record.keyType, ...(record.keyBits !== undefined ? { keyBits: record.keyBits } : {}), revoked: record.revoked, testing: record.testing, usable: record.usable };
}
