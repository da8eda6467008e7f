/**
 * `dmarcpilot record dmarc|parked|dkim …`: build a DNS record from options, validate it, and print
 * it ready to publish (TXT text in ≤255-octet strings and a zone-file line). An invalid request is
 * refused with the reason and exit status 2; advice about a valid record (a weak policy, a mix of
 * RFC 7489 and RFC 9989 tags that the two generations read differently) goes to standard error.
 * `record spf` is added by record-spf-command.ts (`addRecordSpfCommand(record)`).
 */
import type { Command } from 'commander';
import { adviseDmarcRecord } from '../evaluate/dmarc-advice.js';
import { findOrganizationalDomain } from '../evaluate/dmarc-discovery.js';
import type { Finding } from '../evaluate/finding.js';
import { finding } from '../evaluate/finding.js';
import type { DmarcRecord } from '../records/dmarc-record.js';
import { formatTxtZoneLine } from '../records/txt-strings.js';
import { buildDmarcRecord } from '../records/dmarc-build.js';
import type { DmarcBuildOptions } from '../records/dmarc-build.js';
import { formatZoneLine } from '../records/txt-strings.js';
import { addRecordDkimCommand } from './record-dkim-command.js';
import { addRecordSpfCommand } from './record-spf-command.js';
import type { CommonOptions } from './record-output.js';
import { describeTxtRecord, readCommonOptions, refuse, renderAdvice, renderTxtRecord } from './record-output.js';

interface DmarcOptions extends CommonOptions {
  p?: string;
  sp?: string;
  np?: string;
  pct?: string;
  t?: string;
  psd?: string;
  adkim?: string;
  aspf?: string;
  fo?: string;
  rua?: string;
  ruf?: string;
  rf?: string;
  ri?: string;
}

const splitList = (value: string | undefined): string[] | undefined => (value === undefined ? undefined : value.split(',').map((item) => item.trim()).filter((item) => item !== ''));

/** Registers `record` and its subcommands; returns the `record` command so more can be added (spf). */
export function registerRecordCommand(program: Command, setStatus: (code: number) => void): Command {
  const record = program.command('record').description('Build a DNS record (DMARC, DKIM, a parked domain set), validate it and print it as TXT text and as zone-file lines.');

  record
    .command('dmarc')
    .description('Build a DMARC record (RFC 7489 and RFC 9989) from options; invalid values are refused (exit 2), weak or generation-dependent choices are explained on standard error.')
    .option('--p <policy>', 'policy for the domain: none, quarantine or reject (required)')
    .option('--sp <policy>', 'policy for existing subdomains')
    .option('--np <policy>', 'policy for non-existent subdomains (RFC 9989; RFC 7489 receivers use sp)')
    .option('--pct <percent>', 'share of failing mail the policy applies to, 0-100 (RFC 7489 only)')
    .option('--t <y|n>', 'test mode (RFC 9989): receivers apply one level below p')
    .option('--psd <y|n|u>', 'public suffix domain flag (RFC 9989; for PSD operators)')
    .option('--adkim <r|s>', 'DKIM alignment: relaxed or strict')
    .option('--aspf <r|s>', 'SPF alignment: relaxed or strict')
    .option('--fo <options>', 'failure report options, e.g. 1 or 1:d:s (needs --ruf)')
    .option('--rua <uris>', 'aggregate report URIs, comma-separated (mailto:…)')
    .option('--ruf <uris>', 'failure report URIs, comma-separated')
    .option('--rf <formats>', 'failure report format (RFC 7489 only; afrf)')
    .option('--ri <seconds>', 'aggregate report interval (RFC 7489 only)')
    .option('--domain <domain>', 'the domain the record is for (the zone line then names _dmarc.<domain>.)')
    .option('--ttl <seconds>', 'TTL for the zone-file line')
    .option('--json', 'print JSON')
    .action((options: DmarcOptions) => setStatus(runDmarc(options)));

  record
    .command('parked')
    .description('Print the records for a domain that sends and receives no mail: SPF -all, DMARC reject, null MX, and the optional DKIM wildcard revocation.')
    .option('--domain <domain>', 'the parked domain (names are relative to the zone origin without it)')
    .option('--rua <uris>', 'aggregate report URIs for the DMARC record, comma-separated (to see who tries to send as the domain)')
    .option('--ttl <seconds>', 'TTL for the zone-file lines', '3600')
    .option('--json', 'print JSON')
    .action((options: CommonOptions & { rua?: string }) => setStatus(runParked(options)));

  addRecordSpfCommand(record, setStatus);
  addRecordDkimCommand(record, setStatus);
  return record;
}

function runDmarc(options: DmarcOptions): number {
  const common = readCommonOptions('dmarc', options);
  if (!common) return 2;
  const build: DmarcBuildOptions = Object.fromEntries(
    Object.entries({
      policy: options.p,
      subdomainPolicy: options.sp,
      nonexistentSubdomainPolicy: options.np,
      percentage: options.pct,
      testing: options.t,
      publicSuffixDomain: options.psd,
      dkimAlignment: options.adkim,
      spfAlignment: options.aspf,
      failureOptions: options.fo,
      aggregateUris: splitList(options.rua),
      failureUris: splitList(options.ruf),
      reportFormats: options.rf,
      reportInterval: options.ri,
    }).filter(([, value]) => value !== undefined),
  );
  const built = buildDmarcRecord(build);
  if (!built.ok) {
    refuse('dmarc', built.errors);
    return 2;
  }
  const domain = common.domain ?? 'example.com';
  const findings = adviseDmarcRecord(built.parse, { policyDomain: domain, domain, organizationalDomain: common.domain ? findOrganizationalDomain(domain) : domain }).filter((f) => f.code !== 'dmarc-subdomain-inheritance');
  if (common.domain) findings.push(...describeExternalDestinations(common.domain, built.parse.record));
  const printed = describeTxtRecord(common.domain ? `_dmarc.${common.domain}` : '_dmarc', built.text, { ...(common.ttl !== undefined ? { ttl: common.ttl } : {}), absolute: common.domain !== undefined });
  if (options.json) process.stdout.write(`${JSON.stringify({ ...printed, findings })}\n`);
  else {
    process.stdout.write(renderTxtRecord(printed, 'DMARC record'));
    process.stderr.write(renderAdvice(findings));
  }
  return 0;
}

function runParked(options: CommonOptions & { rua?: string }): number {
  const common = readCommonOptions('parked', options);
  if (!common) return 2;
  const aggregateUris = splitList(options.rua);
  const built = buildDmarcRecord({ policy: 'reject', subdomainPolicy: 'reject', nonexistentSubdomainPolicy: 'reject', ...(aggregateUris ? { aggregateUris } : {}) });
  if (!built.ok) {
    refuse('parked', built.errors);
    return 2;
  }
  const absolute = common.domain !== undefined;
  const at = (label: string): string => (common.domain === undefined ? label : label === '@' ? common.domain : `${label}.${common.domain}`);
  const ttl = common.ttl !== undefined ? { ttl: common.ttl } : {};
  const spf = describeTxtRecord(at('@'), 'v=spf1 -all', { ...ttl, absolute });
  const dmarc = describeTxtRecord(at('_dmarc'), built.text, { ...ttl, absolute });
  const dkim = describeTxtRecord(at('*._domainkey'), 'v=DKIM1; p=', { ...ttl, absolute });
  const mx = formatZoneLine(at('@'), 'MX', '0 .', { ...ttl, relative: !absolute });
  const who = common.domain ?? 'the domain';
  const dkimNote =
    'Optional. An empty p= marks every selector as revoked (RFC 6376 §3.6.1). It adds no protection beyond p=reject: a signature whose key cannot be found already fails, and DMARC rejects the mail either way. It only states explicitly that no key is valid (parked-domain guidance such as M3AAWG suggests it). Leave it out if the domain or any service on it signs with DKIM: the wildcard answers for every selector that has no record of its own, and selector-probing checkers will report each one as revoked.';
  const advice: Finding[] = aggregateUris ? [] : adviseDmarcRecord(built.parse, { policyDomain: common.domain ?? 'example.com', domain: common.domain ?? 'example.com', organizationalDomain: common.domain ?? 'example.com' }).filter((f) => f.code === 'dmarc-no-rua');
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ domain: common.domain ?? null, spf, dmarc, mx: { name: at('@'), type: 'MX', data: '0 .', zone: mx }, dkim: { ...dkim, optional: true, note: dkimNote } })}\n`);
    return 0;
  }
  process.stdout.write(
    [
      `; Records for ${who}, which sends and receives no mail.${absolute ? '' : ' Names are relative to the zone origin.'}`,
      `; SPF (RFC 7208): no host may send as ${who}.`,
      spf.zone,
      '; DMARC (RFC 7489, RFC 9989): reject failing mail from the domain and from every subdomain, existing (sp) or not (np).',
      dmarc.zone,
      '; Null MX (RFC 7505): the domain accepts no mail. Remove every other MX record.',
      mx,
      `; DKIM wildcard revocation. ${dkimNote}`,
      dkim.zone,
      '; Subdomains that exist (have any record) need their own "v=spf1 -all" and null MX to be covered the same way; DMARC sp/np already covers them.',
      '',
    ].join('\n'),
  );
  process.stderr.write(renderAdvice(advice.map((f) => ({ ...f, severity: 'info' as const, message: `${f.message} For a parked domain this is optional, but reports show who tries to send as it.` }))));
  return 0;
}

/** Without DNS, the authorisation each external report destination must publish (RFC 7489 §7.1). */
function describeExternalDestinations(domain: string, record: DmarcRecord): Finding[] {
  const hosts = new Set([...record.aggregateUris, ...record.failureUris].map((u) => u.host).filter((host): host is string => host !== undefined && findOrganizationalDomain(host) !== findOrganizationalDomain(domain)));
  return [...hosts].map((host) =>
    finding('dmarc-external-destination', 'info', `Reports go to ${host}, outside ${domain}'s organisation: receivers send them only if ${host} authorises ${domain} (\`dmarcpilot check\` verifies it).`, `The operator of ${host} must publish: ${formatTxtZoneLine(`${domain}._report._dmarc.${host}`, 'v=DMARC1', { ttl: 3600 })}`, 'RFC 7489 §7.1; RFC 9990 §4', { name: `${domain}._report._dmarc.${host}` }),
  );
}
