/**
 * The MX part of `dmarcpilot check`: whether the domain receives mail and where. No MX means
 * senders fall back to the domain's own address records (RFC 5321 §5.1); a null MX ("0 .",
 * RFC 7505) says the domain accepts no mail, which suits a parked domain but conflicts with
 * sending from it (receivers may refuse mail whose bounces cannot come back, RFC 7505 §4.2).
 * Each exchange must resolve to an address and be a host name, not an IP address.
 *
 * Not detectable through the `Resolver` interface: an exchange that is a CNAME (RFC 2181 §10.3),
 * since the resolver follows aliases; such an exchange is reported only if it does not resolve.
 */
import type { DnsAnswer, MxHost, Resolver } from '../core/dns-resolver.js';
import { canonicalizeIp } from '../core/ip.js';
import { normalizeDomainName } from './domain-name.js';
import type { Finding } from './finding.js';
import { finding } from './finding.js';
import { dnsErrorFinding } from './record-findings.js';

export interface MxExchangeResult {
  readonly priority: number;
  readonly exchange: string;
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
  /** resolves: has an address; void: no A or AAAA; dns-error: a lookup failed; ip-literal: the exchange is an IP address. */
  readonly status: 'resolves' | 'void' | 'dns-error' | 'ip-literal';
}

export interface MxCheckRecords {
  readonly domain: string;
  /** ok: MX records; none: no MX (NODATA); nxdomain: the domain does not exist; null: a null MX; dns-error. */
  readonly status: 'ok' | 'none' | 'nxdomain' | 'null' | 'dns-error';
  readonly mx: readonly MxExchangeResult[];
  /** With no MX: the domain's own addresses, where senders deliver instead (RFC 5321 §5.1). */
  readonly implicit?: { readonly ipv4: readonly string[]; readonly ipv6: readonly string[] };
}

export interface MxCheck {
  readonly findings: Finding[];
  readonly records: MxCheckRecords;
}

/** Exchanges looked up at most; more MX records than this are listed but not resolved. */
export const MAX_MX_RESOLVED = 20;

const RFC_IMPLICIT = 'RFC 5321 §5.1';
const RFC_NULL = 'RFC 7505 §3, §4.2';

/** Checks the MX records of `domain`. */
export async function checkMx(domain: string, options: { resolver: Resolver }): Promise<MxCheck> {
  const { resolver } = options;
  const ascii = normalizeDomainName(domain) ?? domain;
  const answer = await resolver.mx(ascii);
  if (answer.status === 'error') {
    return { findings: [dnsErrorFinding('mx-dns-error', 'MX', ascii, answer, 'where mail for the domain goes', RFC_IMPLICIT, { domain: ascii })], records: { domain: ascii, status: 'dns-error', mx: [] } };
  }
  if (answer.status === 'nxdomain') {
    const message = `${ascii} does not exist in DNS (NXDOMAIN): it can neither receive mail nor be used credibly as a sender.`;
    return { findings: [finding('mx-missing', 'error', message, `Check the spelling of the domain, or register and publish it.`, RFC_IMPLICIT, { name: ascii }, { domain: ascii, nxdomain: true, addresses: [], addressLookupFailed: false })], records: { domain: ascii, status: 'nxdomain', mx: [] } };
  }
  if (answer.status === 'nodata') return checkImplicitMx(ascii, resolver);
  const hosts = [...answer.records].sort((a, b) => a.priority - b.priority || a.exchange.localeCompare(b.exchange));
  const nullMx = hosts.filter((host) => host.exchange === '');
  if (nullMx.length > 0) return { findings: describeNullMx(ascii, hosts, nullMx), records: { domain: ascii, status: 'null', mx: hosts.map((h) => ({ ...h, ipv4: [], ipv6: [], status: 'void' })) } };

  const findings: Finding[] = [];
  const resolved = await Promise.all(hosts.map((host, index) => (index < MAX_MX_RESOLVED ? resolveExchange(ascii, host, resolver) : Promise.resolve(undefined))));
  const results: MxExchangeResult[] = [];
  hosts.forEach((host, index) => {
    const entry = resolved[index];
    if (!entry) {
      results.push({ ...host, ipv4: [], ipv6: [], status: 'void' });
      return;
    }
    results.push(entry.result);
    findings.push(...entry.findings);
  });
  if (hosts.length > MAX_MX_RESOLVED) {
    findings.push(finding('mx-too-many', 'warning', `${ascii} has ${hosts.length} MX records; only the first ${MAX_MX_RESOLVED} were checked.`, 'Keep the MX set small: a few hosts with distinct preferences.', RFC_IMPLICIT, { name: ascii }, { domain: ascii, count: hosts.length, limit: MAX_MX_RESOLVED }));
  }
  const usable = results.filter((r) => r.status === 'resolves');
  if (usable.length === 0 && results.every((r) => r.status !== 'dns-error')) {
    findings.push(finding('mx-no-usable-host', 'error', `None of the MX hosts of ${ascii} resolves to an address, so mail to the domain cannot be delivered.`, `Point the MX records of ${ascii} at host names that have A or AAAA records, or publish a null MX ("0 .") if the domain receives no mail.`, RFC_IMPLICIT, { name: ascii }, { domain: ascii, hosts: results.map((r) => r.exchange) }));
  } else if (findings.every((f) => f.severity === 'ok' || f.severity === 'info')) {
    const list = results.map((r) => `${r.priority} ${r.exchange}`);
    findings.push(finding('mx-ok', 'ok', `${ascii} receives mail at ${list.join(', ')}; every host resolves.`, '', RFC_IMPLICIT, { name: ascii }, { domain: ascii, hosts: results.map((r) => r.exchange), records: list }));
  }
  return { findings, records: { domain: ascii, status: 'ok', mx: results } };
}

async function checkImplicitMx(domain: string, resolver: Resolver): Promise<MxCheck> {
  const [a, aaaa] = await Promise.all([resolver.a(domain), resolver.aaaa(domain)]);
  const failed = [a, aaaa].find((x): x is Extract<DnsAnswer<string>, { status: 'error' }> => x.status === 'error');
  const ipv4 = a.status === 'ok' ? a.records : [];
  const ipv6 = aaaa.status === 'ok' ? aaaa.records : [];
  const records: MxCheckRecords = { domain, status: 'none', mx: [], implicit: { ipv4, ipv6 } };
  const fix = `Publish the MX records of your mail service for ${domain}, or a null MX ("${domain}. IN MX 0 .") if the domain receives no mail.`;
  const addresses = [...ipv4, ...ipv6];
  const params = { domain, nxdomain: false, addresses, addressLookupFailed: addresses.length === 0 && failed !== undefined };
  if (addresses.length > 0) {
    return { findings: [finding('mx-missing', 'warning', `${domain} has no MX record, so senders deliver its mail to the domain's own address (${addresses.join(', ')}), usually a web server that does not accept mail.`, fix, RFC_IMPLICIT, { name: domain }, params)], records };
  }
  if (failed) {
    return { findings: [finding('mx-missing', 'warning', `${domain} has no MX record, and looking up its address failed, so whether mail to it can be delivered is unknown.`, fix, RFC_IMPLICIT, { name: domain }, params)], records };
  }
  return { findings: [finding('mx-missing', 'warning', `${domain} has no MX record and no address, so mail to it cannot be delivered; senders will retry for days before bouncing.`, fix, RFC_IMPLICIT, { name: domain }, params)], records };
}

function describeNullMx(domain: string, hosts: readonly MxHost[], nullMx: readonly MxHost[]): Finding[] {
  if (hosts.length > nullMx.length) {
    const others = hosts.filter((h) => h.exchange !== '').map((h) => `${h.priority} ${h.exchange}`);
    return [finding('mx-null-invalid', 'error', `${domain} publishes a null MX together with other MX records (${others.join(', ')}); a null MX must be the only MX record, so senders' behaviour is undefined.`, `Delete either the null MX ("0 .") or the other MX records of ${domain}.`, 'RFC 7505 §3', { name: domain }, { domain, records: others })];
  }
  const findings: Finding[] = [];
  if (nullMx.length > 1 || nullMx.some((h) => h.priority !== 0)) {
    findings.push(finding('mx-null-invalid', 'warning', `The null MX of ${domain} should be exactly one record with preference 0 ("0 .").`, `Publish exactly "${domain}. IN MX 0 ." as the only MX record.`, 'RFC 7505 §3', { name: domain }, { domain, records: nullMx.map((h) => `${h.priority} .`) }));
  }
  findings.push(
    finding(
      'mx-null',
      'info',
      `${domain} publishes a null MX: it accepts no mail. That suits a parked domain; if the domain sends mail, receivers may refuse it because bounces cannot be returned.`,
      `If ${domain} sends mail, replace the null MX with the MX records of a mailbox that receives bounces; if it is parked, also publish "v=spf1 -all" and a DMARC p=reject record.`,
      RFC_NULL,
      { name: domain },
      { domain },
    ),
  );
  return findings;
}

async function resolveExchange(domain: string, host: MxHost, resolver: Resolver): Promise<{ result: MxExchangeResult; findings: Finding[] }> {
  const name = host.exchange;
  // Every finding about one exchange names the domain, the host and its preference.
  const about = { domain, host: name, priority: host.priority };
  if (canonicalizeIp(name.replace(/^\[|\]$/g, '')) !== undefined) {
    const result: MxExchangeResult = { ...host, ipv4: [], ipv6: [], status: 'ip-literal' };
    return { result, findings: [finding('mx-ip-literal', 'error', `The MX record ${host.priority} ${name} names an IP address; an MX exchange must be a host name, and most senders treat this as a name that does not exist.`, `Publish an A (or AAAA) record for a host name such as mail.<your domain> with that address, and point the MX record at the name.`, 'RFC 5321 §5.1; RFC 1035 §3.3.9', { name }, about)] };
  }
  const [a, aaaa] = await Promise.all([resolver.a(name), resolver.aaaa(name)]);
  const ipv4 = a.status === 'ok' ? a.records : [];
  const ipv6 = aaaa.status === 'ok' ? aaaa.records : [];
  if (ipv4.length + ipv6.length > 0) return { result: { ...host, ipv4, ipv6, status: 'resolves' }, findings: [] };
  const failed = a.status === 'error' ? a : aaaa.status === 'error' ? aaaa : undefined;
  if (failed) {
    const type = failed === a ? 'A' : 'AAAA';
    return { result: { ...host, ipv4, ipv6, status: 'dns-error' }, findings: [dnsErrorFinding('mx-dns-error', type, name, failed, `whether MX host ${name} has an address`, RFC_IMPLICIT, about)] };
  }
  const why = a.status === 'nxdomain' ? 'does not exist (NXDOMAIN)' : 'has no A or AAAA record';
  return {
    result: { ...host, ipv4, ipv6, status: 'void' },
    findings: [finding('mx-host-unresolvable', 'error', `MX host ${name} (preference ${host.priority}) ${why}, so senders cannot deliver to it.`, `Publish A/AAAA records for ${name}, or remove the MX record "${host.priority} ${name}".`, RFC_IMPLICIT, { name }, { ...about, nxdomain: a.status === 'nxdomain' })],
  };
}
