/**
 * Records to publish, built from what the caller asks for and checked the way `check` reads them:
 * a DMARC record (with the DNS checker's advice about it), the set for a parked domain, an SPF
 * record, a DKIM key record from a PEM key. Each comes with its TXT text split into strings of at
 * most 255 octets and a zone-file line. A request that cannot make a valid record is an `invalid`
 * AppError with one problem per reason.
 */
import { createPublicKey } from 'node:crypto';
import { adviseDmarcRecord } from '../evaluate/dmarc-advice.js';
import { findOrganizationalDomain } from '../evaluate/dmarc-discovery.js';
import type { Finding } from '../evaluate/finding.js';
import { finding } from '../evaluate/finding.js';
import type { DkimKeyInput } from '../records/dkim-build.js';
import { buildDkimKeyRecord, checkDkimSelector, formatDkimKeyName } from '../records/dkim-build.js';
import type { DmarcBuildOptions } from '../records/dmarc-build.js';
import { buildDmarcRecord } from '../records/dmarc-build.js';
import type { DmarcRecord } from '../records/dmarc-record.js';
import type { SpfBuildOptions } from '../records/spf-build.js';
import { buildSpfRecord } from '../records/spf-build.js';
import { formatTxtPresentation, formatTxtZoneLine, formatZoneLine, splitTxtStrings } from '../records/txt-strings.js';
import { requireDomain } from './domains.js';
import { AppError, invalid } from './problems.js';

export type { Finding } from '../evaluate/finding.js';

/** A TXT record ready to publish. */
export interface TxtRecord {
  /** Owner name, absolute (`_dmarc.example.com`) or relative to the zone origin (`_dmarc`). */
  readonly name: string;
  readonly text: string;
  /** Character-strings of at most 255 octets (RFC 1035 §3.3), never cutting a character in two. */
  readonly strings: readonly string[];
  /** TXT presentation text: `"…" "…"`. */
  readonly txt: string;
  /** The zone-file line. */
  readonly zone: string;
}

/** Where a record goes: for a domain (absolute names), or relative to the zone origin. */
export interface RecordPlacement {
  readonly domain?: string | undefined;
  /** Seconds, as a number or as the text the caller was given (checked here, and named as given when wrong). */
  readonly ttl?: number | string | undefined;
}

/** Splits and formats `text` for the owner `name`. */
export function describeTxtRecord(name: string, text: string, options: { readonly ttl?: number | undefined; readonly absolute: boolean }): TxtRecord {
  const strings = splitTxtStrings(text);
  const txt = formatTxtPresentation(strings);
  const zone = formatZoneLine(name, 'TXT', txt, { ...(options.ttl !== undefined ? { ttl: options.ttl } : {}), relative: !options.absolute });
  return { name, text, strings, txt, zone };
}

/** The largest TTL a zone may give (RFC 2181 §8). */
const MAX_TTL = 2147483647;

function checkPlacement(placement: RecordPlacement): { domain: string | undefined; ttl: number | undefined } {
  const problems = [];
  let domain: string | undefined;
  const given = placement.ttl;
  const ttl = typeof given === 'string' ? (/^\d+$/.test(given) ? Number(given) : Number.NaN) : given;
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL)) {
    problems.push({ code: 'value-out-of-range', field: 'ttl', message: `--ttl ${String(given)}: give a whole number of seconds (0 to ${MAX_TTL}).` });
  }
  if (placement.domain !== undefined) {
    try {
      domain = requireDomain(placement.domain);
    } catch {
      problems.push({ code: 'not-a-domain', field: 'domain', message: `--domain ${placement.domain} is not a valid domain name.` });
    }
  }
  const [first, ...rest] = problems;
  if (first) throw new AppError('invalid', [first, ...rest]);
  return { domain, ttl };
}

function refused(field: string, reasons: readonly string[]): AppError {
  const [first, ...rest] = reasons.map((message) => ({ code: 'record-invalid', field, message }));
  return new AppError('invalid', first ? [first, ...rest] : [{ code: 'record-invalid', field, message: 'the record could not be built' }]);
}

/** A DMARC record and what the checker advises about it (the record is valid; advice is not a refusal). */
export interface DmarcRecordResult extends TxtRecord {
  readonly findings: readonly Finding[];
}

export function buildDmarcRecordFor(options: DmarcBuildOptions, placement: RecordPlacement = {}): DmarcRecordResult {
  const { domain, ttl } = checkPlacement(placement);
  const built = buildDmarcRecord(options);
  if (!built.ok) throw refused('record', built.errors);
  const policyDomain = domain ?? 'example.com';
  const findings = adviseDmarcRecord(built.parse, { policyDomain, domain: policyDomain, organizationalDomain: domain ? findOrganizationalDomain(policyDomain) : policyDomain }).filter(
    (f) => f.code !== 'dmarc-subdomain-inheritance',
  );
  if (domain) findings.push(...describeExternalDestinations(domain, built.parse.record));
  return { ...describeTxtRecord(domain ? `_dmarc.${domain}` : '_dmarc', built.text, { ttl, absolute: domain !== undefined }), findings };
}

/** Without DNS, the authorisation each external report destination must publish (RFC 7489 §7.1). */
function describeExternalDestinations(domain: string, record: DmarcRecord): Finding[] {
  const hosts = new Set([...record.aggregateUris, ...record.failureUris].map((u) => u.host).filter((host): host is string => host !== undefined && findOrganizationalDomain(host) !== findOrganizationalDomain(domain)));
  return [...hosts].map((host) =>
    finding(
      'dmarc-external-destination',
      'info',
      `Reports go to ${host}, outside ${domain}'s organisation: receivers send them only if ${host} authorises ${domain} (a DNS check verifies it).`,
      `The operator of ${host} must publish: ${formatTxtZoneLine(`${domain}._report._dmarc.${host}`, 'v=DMARC1', { ttl: 3600 })}`,
      'RFC 7489 §7.1; RFC 9990 §4',
      { name: `${domain}._report._dmarc.${host}` },
      { name: `${domain}._report._dmarc.${host}`, domain, host },
    ),
  );
}

/** The records of a domain that sends and receives no mail. */
export interface ParkedRecords {
  readonly domain: string | null;
  readonly spf: TxtRecord;
  readonly dmarc: TxtRecord;
  readonly mx: { readonly name: string; readonly type: 'MX'; readonly data: '0 .'; readonly zone: string };
  readonly dkim: TxtRecord & { readonly optional: true; readonly note: string };
  /** Advice about the set (no rua: nobody sees who tries to send as the domain). */
  readonly findings: readonly Finding[];
}

export const PARKED_DKIM_NOTE =
  'Optional. An empty p= marks every selector as revoked (RFC 6376 §3.6.1). It adds no protection beyond p=reject: a signature whose key cannot be found already fails, and DMARC rejects the mail either way. It only states explicitly that no key is valid (parked-domain guidance such as M3AAWG suggests it). Leave it out if the domain or any service on it signs with DKIM: the wildcard answers for every selector that has no record of its own, and selector-probing checkers will report each one as revoked.';

export function buildParkedRecords(aggregateUris: readonly string[] | undefined, placement: RecordPlacement = {}): ParkedRecords {
  const { domain, ttl } = checkPlacement(placement);
  const built = buildDmarcRecord({ policy: 'reject', subdomainPolicy: 'reject', nonexistentSubdomainPolicy: 'reject', ...(aggregateUris ? { aggregateUris } : {}) });
  if (!built.ok) throw refused('rua', built.errors);
  const absolute = domain !== undefined;
  const at = (label: string): string => (domain === undefined ? label : label === '@' ? domain : `${label}.${domain}`);
  const findings: Finding[] = aggregateUris
    ? []
    : adviseDmarcRecord(built.parse, { policyDomain: domain ?? 'example.com', domain: domain ?? 'example.com', organizationalDomain: domain ?? 'example.com' })
        .filter((f) => f.code === 'dmarc-no-rua')
        .map((f) => ({ ...f, severity: 'info' as const, message: `${f.message} For a parked domain this is optional, but reports show who tries to send as it.` }));
  return {
    domain: domain ?? null,
    spf: describeTxtRecord(at('@'), 'v=spf1 -all', { ttl, absolute }),
    dmarc: describeTxtRecord(at('_dmarc'), built.text, { ttl, absolute }),
    mx: { name: at('@'), type: 'MX', data: '0 .', zone: formatZoneLine(at('@'), 'MX', '0 .', { ...(ttl !== undefined ? { ttl } : {}), relative: !absolute }) },
    dkim: { ...describeTxtRecord(at('*._domainkey'), 'v=DKIM1; p=', { ttl, absolute }), optional: true, note: PARKED_DKIM_NOTE },
    findings,
  };
}

export interface SpfRecordResult extends TxtRecord {
  /** DNS-querying terms of the record itself (includes can cost more). */
  readonly lookups: number;
  readonly findings: readonly Finding[];
}

export function buildSpfRecordFor(options: Omit<SpfBuildOptions, 'domain'>, placement: RecordPlacement = {}): SpfRecordResult {
  const { domain, ttl } = checkPlacement(placement);
  const built = buildSpfRecord({ ...options, ...(domain !== undefined ? { domain } : {}) });
  if (!built.ok) {
    const [first, ...rest] = built.errors.map((e) => ({ code: 'record-invalid', field: e.option, message: e.message }));
    throw new AppError('invalid', first ? [first, ...rest] : [{ code: 'record-invalid', field: 'record', message: 'the record could not be built' }]);
  }
  const findings = built.warnings.map((w) => finding(w.code, w.code === 'spf-build-lookups' ? 'info' : 'warning', w.message, '', 'RFC 7208', {}, w.params));
  return { ...describeTxtRecord(domain ?? '@', built.text, { ttl, absolute: domain !== undefined }), lookups: built.lookups, findings };
}

export interface DkimRecordResult extends TxtRecord {
  readonly keyType: 'rsa' | 'ed25519';
  readonly bits: number;
  readonly warnings: readonly string[];
}

/** The DKIM key record for a PEM public key (a private key works too: only its public half is used). `keyName` names the key in messages. */
export function buildDkimRecordFor(selector: string, pem: string, keyName: string, options: { readonly testing?: boolean } & RecordPlacement = {}): DkimRecordResult {
  const { domain, ttl } = checkPlacement(options);
  const badSelector = checkDkimSelector(selector);
  if (badSelector !== undefined) throw invalid('selector-invalid', 'selector', badSelector);
  const key = readDkimPublicKey(pem);
  if ('error' in key) throw invalid('key-invalid', 'publicKey', `${keyName}: ${key.error}`);
  const built = buildDkimKeyRecord({ ...key.input, testing: options.testing === true });
  if (!built.ok) throw invalid('key-invalid', 'publicKey', built.errors.join(' '));
  const warnings = [...built.warnings];
  if (key.privateKeyGiven) warnings.push(`${keyName} holds a PRIVATE key: only its public half is printed here; keep that file secret and off DNS.`);
  const name = domain ? formatDkimKeyName(selector, domain) : formatDkimKeyName(selector, '').replace(/\.$/, '');
  return { ...describeTxtRecord(name, built.text, { ttl, absolute: domain !== undefined }), keyType: key.input.keyType, bits: key.input.modulusBits ?? 256, warnings };
}

/** Reads a PEM key into the key fields of a DKIM record, or gives the reason it cannot. */
export function readDkimPublicKey(pem: string): { input: Omit<DkimKeyInput, 'testing'>; privateKeyGiven: boolean } | { error: string } {
  let key;
  try {
    key = createPublicKey(pem);
  } catch (caught) {
    return { error: `not a PEM public or private key (${caught instanceof Error ? caught.message : String(caught)}).` };
  }
  const privateKeyGiven = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem);
  if (key.asymmetricKeyType === 'rsa') {
    const der = key.export({ type: 'spki', format: 'der' });
    return { input: { keyType: 'rsa', publicKeyBase64: der.toString('base64'), modulusBits: key.asymmetricKeyDetails?.modulusLength ?? 0 }, privateKeyGiven };
  }
  if (key.asymmetricKeyType === 'ed25519') {
    const jwk = key.export({ format: 'jwk' });
    return { input: { keyType: 'ed25519', publicKeyBase64: Buffer.from(jwk.x ?? '', 'base64url').toString('base64') }, privateKeyGiven };
  }
  return { error: `the key type ${key.asymmetricKeyType ?? 'unknown'} cannot be used: DKIM defines rsa (RFC 6376) and ed25519 (RFC 8463).` };
}
