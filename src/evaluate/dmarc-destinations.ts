/**
 * External destination verification (RFC 7489 §7.1; RFC 9990 §4 for rua, RFC 9991 §5 for ruf):
 * when a report URI's host is in another Organizational Domain than the policy domain, receivers
 * send reports there only if the destination publishes `<policy domain>._report._dmarc.<host>`
 * (or the wildcard `*._report._dmarc.<host>`) starting with v=DMARC1. Without it the URI is
 * silently ignored, which is how owners lose their reports without noticing.
 */
import type { Resolver } from '../core/dns-resolver.js';
import type { DmarcRecord } from '../records/dmarc-record.js';
import { isDmarcRecordText, parseDmarcRecord } from '../records/dmarc-record.js';
import { formatTxtZoneLine } from '../records/txt-strings.js';
import { findOrganizationalDomain } from './dmarc-discovery.js';
import type { Finding } from './finding.js';
import { finding } from './finding.js';

export interface ReportDestination {
  readonly tag: 'rua' | 'ruf';
  readonly uri: string;
  readonly host: string;
  /** `internal`: same Organizational Domain, no authorisation needed. */
  readonly status: 'internal' | 'authorized' | 'authorized-wildcard' | 'unauthorized' | 'dns-error' | 'unverifiable';
  /** The name queried for the authorisation, for external hosts. */
  readonly authorizationName?: string;
  /** The authorising record, when one was found. */
  readonly authorizationRecord?: string;
}

const RFC = 'RFC 7489 §7.1; RFC 9990 §4; RFC 9991 §5';

/** Checks every rua/ruf destination of `record`, published at `_dmarc.<policyDomain>`. */
export async function checkReportDestinations(policyDomain: string, record: DmarcRecord, options: { resolver: Resolver }): Promise<{ findings: Finding[]; destinations: ReportDestination[] }> {
  const findings: Finding[] = [];
  const destinations: ReportDestination[] = [];
  const policyOrg = findOrganizationalDomain(policyDomain);
  const checked = new Map<string, Promise<Omit<ReportDestination, 'tag' | 'uri' | 'host'>>>();
  for (const [tag, uris] of [['rua', record.aggregateUris], ['ruf', record.failureUris]] as const) {
    for (const uri of uris) {
      if (uri.host === undefined) continue;
      const host = uri.host;
      if (findOrganizationalDomain(host) === policyOrg) {
        destinations.push({ tag, uri: uri.uri, host, status: 'internal' });
        continue;
      }
      let pending = checked.get(host);
      if (!pending) {
        pending = authorize(policyDomain, host, options.resolver);
        checked.set(host, pending);
      }
      const result = await pending;
      const destination: ReportDestination = { tag, uri: uri.uri, host, ...result };
      destinations.push(destination);
      findings.push(...describe(destination, policyDomain));
    }
  }
  return { findings, destinations };
}

async function authorize(policyDomain: string, host: string, resolver: Resolver): Promise<Omit<ReportDestination, 'tag' | 'uri' | 'host'>> {
  const authorizationName = `${policyDomain}._report._dmarc.${host}`;
  // RFC 9990 §4 step 4: a name over the DNS limit cannot be verified.
  if (authorizationName.length > 253 || authorizationName.split('.').some((label) => label.length > 63)) return { status: 'unverifiable', authorizationName };
  for (const [name, status] of [[authorizationName, 'authorized'], [`*._report._dmarc.${host}`, 'authorized-wildcard']] as const) {
    const answer = await resolver.txt(name);
    if (answer.status === 'error') return { status: 'dns-error', authorizationName: name };
    if (answer.status !== 'ok') continue;
    const record = answer.records.map((strings) => strings.join('')).find(isDmarcRecordText);
    if (record !== undefined) return { status, authorizationName: name, authorizationRecord: record };
  }
  return { status: 'unauthorized', authorizationName };
}

function describe(destination: ReportDestination, policyDomain: string): Finding[] {
  const name = `_dmarc.${policyDomain}`;
  const location = destination.tag;
  const where = destination.authorizationName ?? '';
  // Every destination finding names the record, the URI, its host and the name queried.
  const params = { name, policyDomain, tag: destination.tag, uri: destination.uri, host: destination.host, authorizationName: where };
  switch (destination.status) {
    case 'dns-error':
      return [finding('dmarc-dns-error', 'error', `The lookup of ${where} (authorisation of ${destination.uri}) failed, so it is unknown whether receivers will send reports there.`, 'Check the DNS servers of the report destination and run the check again.', RFC, { name: where, location }, { ...params, name: where, type: 'TXT' })];
    case 'unverifiable':
      return [finding('dmarc-report-destination-unverifiable', 'warning', `The authorisation name ${where} is longer than DNS allows, so receivers cannot verify ${destination.uri} and will not send reports there.`, `Use a report address in ${policyDomain}'s own domain, or a destination with a shorter name.`, 'RFC 9990 §4', { name, location }, params)];
    case 'unauthorized': {
      const code = destination.tag === 'rua' ? 'dmarc-rua-unauthorized' : 'dmarc-ruf-unauthorized';
      const wildcardName = `*._report._dmarc.${destination.host}`;
      const zone = formatTxtZoneLine(where, 'v=DMARC1', { ttl: 3600 });
      return [finding(code, 'error', `${destination.uri} is in another organisation (${destination.host}) that has not authorised reports for ${policyDomain}: no v=DMARC1 record at ${where} or ${wildcardName}, so receivers ignore this ${destination.tag} URI.`, `The operator of ${destination.host} must publish: ${zone}`, RFC, { name, location }, { ...params, wildcardName, record: 'v=DMARC1' })];
    }
    default: {
      // An authorisation that moves the reports to another host authorises nothing (§7.1 step 4).
      const replaced = describeReplacement(destination, policyDomain);
      if (replaced.length > 0) return replaced;
      const wildcard = destination.status === 'authorized-wildcard';
      return [finding('dmarc-report-destination-authorized', 'ok', `${destination.host} authorises ${destination.tag} reports for ${policyDomain} (${wildcard ? 'wildcard record' : 'record'} at ${where}).`, '', RFC, { name, location }, { ...params, wildcard })];
    }
  }
}

/** RFC 7489 §7.1 step 4: an authorising record's own rua/ruf replaces the URI, and must stay on the same host. */
function describeReplacement(destination: ReportDestination, policyDomain: string): Finding[] {
  const parsed = parseDmarcRecord(destination.authorizationRecord ?? '').record;
  const replacements = destination.tag === 'rua' ? parsed?.aggregateUris : parsed?.failureUris;
  const elsewhere = (replacements ?? []).filter((uri) => uri.host !== undefined && uri.host !== destination.host);
  if (elsewhere.length === 0) return [];
  const params = { name: `_dmarc.${policyDomain}`, policyDomain, tag: destination.tag, uri: destination.uri, host: destination.host, authorizationName: destination.authorizationName ?? '', replacements: elsewhere.map((u) => u.uri) };
  return [
    finding(
      destination.tag === 'rua' ? 'dmarc-rua-unauthorized' : 'dmarc-ruf-unauthorized',
      'error',
      `The authorisation record at ${destination.authorizationName ?? ''} replaces ${destination.uri} with ${elsewhere.map((u) => u.uri).join(', ')} on another host, so receivers send ${destination.tag} reports for ${policyDomain} to neither.`,
      `The operator of ${destination.host} must name only addresses at ${destination.host} in that record's ${destination.tag}, or publish just v=DMARC1.`,
      RFC,
      { name: `_dmarc.${policyDomain}`, location: destination.tag },
      params,
    ),
  ];
}
