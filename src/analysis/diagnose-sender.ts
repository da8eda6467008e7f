/**
 * Why a sender fails DMARC, from the evidence in its reports, in sentences that name the domains,
 * and the exact fix: the catalogue entry's alignment steps for a known service, the generic DKIM
 * and return-path steps for any other sender of the owner's, advice instead of DNS for forwarders,
 * and "nothing to fix" for mail that is not the owner's.
 */
import type { SenderGroup } from './group-senders.js';
import { networkKey } from './group-senders.js';
import { ALIGNED_SHARE, isAlignedDomain, measureSender } from './classify-sender.js';
import type { SendingService, SenderClass, SenderState } from './sender-model.js';
import { matchesDomainSuffix } from './service-catalogue.js';

export interface SenderAdvice {
  readonly diagnosis: readonly string[];
  readonly fix: readonly string[];
}

export interface DiagnoseContext {
  /** The policy domain (the From domain the reports are about). */
  readonly domain: string;
  readonly senderClass: SenderClass;
  readonly state: SenderState;
  /** Days in the recent part of the window (for the "fixed" sentence). */
  readonly recentDays: number;
}

/** Names listed in one sentence before "and N more". */
const LISTED = 3;
/** Addresses written into a suggested SPF record before falling back to networks. */
const SPF_ADDRESSES = 8;

const n = (value: number): string => value.toLocaleString('en-GB');
const percent = (part: number, whole: number): string => `${whole === 0 ? 0 : Math.floor((part / whole) * 1000) / 10}%`;

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, LISTED);
  const more = names.length - shown.length;
  const text = shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1] ?? ''}`;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : text;
}

/** Distinct values of `pick`, most messages first. */
function ranked<T extends { messages: number }>(list: readonly T[], keep: (entry: T) => boolean, pick: (entry: T) => string): string[] {
  const totals = new Map<string, number>();
  for (const entry of list) if (keep(entry)) totals.set(pick(entry), (totals.get(pick(entry)) ?? 0) + entry.messages);
  return [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name]) => name);
}

/** The diagnosis and fix of one sender; both empty for an aligned sender. */
export function diagnoseSender(group: SenderGroup, context: DiagnoseContext): SenderAdvice {
  const { totals } = group;
  const failing = totals.messages - totals.dmarcPass;
  if (context.senderClass === 'aligned' || failing === 0) return { diagnosis: [], fix: [] };
  const diagnosis = [...describeFailure(group, context.domain)];
  if (context.state === 'fixed') {
    const earlier = totals.messages - totals.recentMessages;
    diagnosis.push(
      `In the last ${context.recentDays} days ${percent(totals.recentDmarcPass, totals.recentMessages)} of its ${n(totals.recentMessages)} messages pass DMARC, ` +
        `against ${percent(totals.dmarcPass - totals.recentDmarcPass, earlier)} before: the fix is taking effect; the sender becomes verified once the older failures leave the window.`,
    );
  }
  switch (context.senderClass) {
    case 'forwarded':
      return { diagnosis: [...describeForwarding(group), ...diagnosis], fix: forwardingFix(context.domain) };
    case 'suspicious':
      return { diagnosis: [...diagnosis, ...describeSuspicion(group, context)], fix: suspiciousFix(group, context) };
    default:
      return { diagnosis, fix: alignmentFix(group, context) };
  }
}

/** DKIM and SPF, each in one or two sentences naming the domains. */
function describeFailure(group: SenderGroup, domain: string): string[] {
  const { totals, service } = group;
  const out: string[] = [];
  const aligned = (name: string): boolean => isAlignedDomain(name, domain);
  const m = measureSender(totals, group.enrichments, domain);

  // DKIM.
  const ownPass = ranked(totals.dkim, (d) => d.result === 'pass' && aligned(d.domain), (d) => d.domain);
  const otherPass = ranked(totals.dkim, (d) => d.result === 'pass' && !aligned(d.domain), (d) => d.domain);
  const ownFail = ranked(totals.dkim, (d) => d.result !== 'pass' && aligned(d.domain), (d) => `${d.domain}${d.selector ? ` (selector ${d.selector}, ${d.result})` : ` (${d.result})`}`);
  if (totals.dkim.length === 0) {
    out.push(`No DKIM signature was reported on its mail: it is not signed, so DKIM cannot align with ${domain}.`);
  } else if (ownPass.length === 0 && otherPass.length > 0) {
    out.push(`DKIM is signed by ${listNames(otherPass)}, not ${domain}: DKIM is not aligned.`);
  }
  if (ownFail.length > 0) {
    out.push(
      `The DKIM signature of ${listNames(ownFail)} does not verify on ${n(m.dkimDomainFail)} messages: the public key is missing or does not match ` +
        'the private key, or the message was changed on the way (a mailing list footer, a security gateway rewriting links).',
    );
  }
  if (ownPass.length > 0 && totals.dkimAlignedPass < m.dkimDomainPass) {
    out.push(`DKIM passes for ${listNames(ownPass)}, yet receivers did not count it as aligned for ${n(m.dkimDomainPass - totals.dkimAlignedPass)} messages: with adkim=s the d= must be ${domain} exactly.`);
  }
  if (ranked(totals.dkim, (d) => d.result !== 'pass' && !aligned(d.domain), (d) => d.domain).length > 0 && ownPass.length === 0 && otherPass.length === 0) {
    out.push(`Its DKIM signatures fail: ${listNames(ranked(totals.dkim, (d) => d.result !== 'pass', (d) => `${d.domain} (${d.result})`))}.`);
  }

  // SPF (the envelope from; HELO results do not count for DMARC).
  const spf = totals.spf.filter((s) => s.scope !== 'helo');
  const otherSpfPass = ranked(spf, (s) => s.result === 'pass' && !aligned(s.domain), (s) => s.domain);
  const ownSpf = (results: readonly string[]): string[] => ranked(spf, (s) => results.includes(s.result) && aligned(s.domain), (s) => s.domain);
  if (spf.length === 0) {
    out.push('No SPF result for the envelope from was reported.');
  } else if (otherSpfPass.length > 0 && totals.spfAlignedPass < totals.messages) {
    const own = service !== null && otherSpfPass.every((d) => (service.recognise.returnPathDomains ?? []).some((suffix) => matchesDomainSuffix(d, suffix)));
    out.push(`SPF passes for ${listNames(otherSpfPass)} (${own ? "the service's own return path" : `a return path outside ${domain}`}), not for ${domain}: SPF is not aligned.`);
  }
  const spfFails = ownSpf(['fail', 'softfail']);
  if (spfFails.length > 0) {
    const ips = group.sources.filter((s) => s.spf.some((x) => (x.result === 'fail' || x.result === 'softfail') && x.scope !== 'helo' && aligned(x.domain))).map((s) => s.ip);
    out.push(`SPF fails for ${listNames(spfFails)} on ${n(m.spfDomainFail)} messages: ${listNames(ips)} ${ips.length === 1 ? 'is' : 'are'} not authorised by its SPF record.`);
  }
  const spfNone = ownSpf(['none']);
  if (spfNone.length > 0) out.push(`SPF found no record for ${listNames(spfNone)} (result none).`);
  const spfErrors = ownSpf(['temperror', 'permerror']);
  if (spfErrors.length > 0) {
    out.push(`SPF for ${listNames(spfErrors)} gave an error at the receivers (temperror: DNS failed; permerror: a broken record or more than 10 DNS lookups); run \`dmarcpilot check ${domain}\`.`);
  }
  return out;
}

function describeForwarding(group: SenderGroup): string[] {
  const { totals } = group;
  const out: string[] = [];
  const reasons = ranked(totals.reasons, () => true, (r) => r.type);
  const reasonText = reasons.map((type) => `${type} (${n(totals.reasons.filter((r) => r.type === type).reduce((s, r) => s + r.messages, 0))})`);
  if (group.service) out.push(`${group.service.name} forwards or redistributes mail: it is not the original sender.`);
  if (reasonText.length > 0) out.push(`Receivers reported overrides on its messages: ${reasonText.join(', ')}.`);
  if (totals.arcPass > 0) out.push(`${n(totals.arcPass)} messages arrived with a passing ARC chain (RFC 8617).`);
  if (group.service === null && reasonText.length === 0 && totals.arcPass === 0) {
    out.push('Its mail looks relayed by a forwarder or mailing list: your own DKIM signature is broken while the relay\'s own identity passes.');
  }
  out.push('After forwarding SPF checks the forwarder\'s address, so SPF cannot align; only an unbroken DKIM signature can.');
  return out;
}

function describeSuspicion(group: SenderGroup, context: DiagnoseContext): string[] {
  const ips = group.sources.length;
  const noRdns = group.enrichments.filter((e) => e.fcrdns === 'none' || e.fcrdns === 'unconfirmed').length;
  const parts = [`It has no passing DKIM signature for ${context.domain}`];
  if (noRdns > 0) parts.push(`${n(noRdns)} of its ${n(ips)} addresses have no confirmed reverse DNS`);
  return [`${parts.join(', and ')}: this looks like someone else sending as ${context.domain}, not a system of yours.`];
}

function forwardingFix(domain: string): string[] {
  return [
    `No DNS change fixes forwarded mail. Make sure every system sending as ${domain} signs with DKIM d=${domain}: an unchanged message keeps a valid signature through plain forwarding.`,
    'Ask the forwarder or list operator to add ARC (RFC 8617) seals, and a mailing list to rewrite the From address; receivers that trust the seal accept the mail.',
  ];
}

function suspiciousFix(group: SenderGroup, context: DiagnoseContext): string[] {
  const out = [`Nothing to fix: this mail is not yours. Moving ${context.domain} to p=quarantine, then p=reject, stops it.`];
  if (context.state !== 'rejected') out.push(`If it is in fact yours, run \`dmarcpilot approve ${context.domain} ${group.key}\`, then align it.`);
  return out;
}

/** A known service's own steps, or the generic ones; prefixed with "approve it" for an undecided unknown sender. */
function alignmentFix(group: SenderGroup, context: DiagnoseContext): string[] {
  const { domain } = context;
  const out: string[] = [];
  if (context.senderClass === 'unknown') out.push(`If this sender is yours, approve it (\`dmarcpilot approve ${domain} ${group.key}\`) and align it:`);
  if (group.service) return [...out, ...serviceSteps(group.service, domain)];
  const m = measureSender(group.totals, group.enrichments, domain);
  const dkimAligned = group.totals.dkimAlignedPass >= ALIGNED_SHARE * group.totals.messages;
  if (!dkimAligned) {
    out.push(
      `Sign its mail with DKIM d=${domain}: create a key pair in the sending system (or with \`dmarcpilot record dkim\`), publish the public key as a TXT record ` +
        `at <selector>._domainkey.${domain}, then turn signing on.`,
    );
  }
  const mechanisms = spfMechanisms(group);
  if (m.spfDomainFail > 0) {
    out.push(`${dkimAligned ? 'Add' : 'And add'} its addresses to the SPF record of ${domain}, before the all term: ${mechanisms} (or the include: its operator documents).`);
  } else if (group.totals.spfAlignedPass < group.totals.messages) {
    out.push(
      `${dkimAligned ? 'Use' : 'Or use'} a return path (envelope from) under ${domain}, e.g. bounces.${domain}, and publish SPF for that name: ` +
        `bounces.${domain} TXT "v=spf1 ${mechanisms} -all" (or the include: its operator documents).`,
    );
  }
  return out;
}

/** The catalogue's steps with the domain filled in, and where the vendor documents them. */
function serviceSteps(service: SendingService, domain: string): string[] {
  const steps = service.alignSteps.map((step) => step.replaceAll('{domain}', domain));
  if (service.documentation) steps.push(`${service.name} documents this at ${service.documentation}.`);
  return steps;
}

/** `ip4:`/`ip6:` mechanisms for the sender's addresses, or its networks when there are many. */
function spfMechanisms(group: SenderGroup): string {
  const ips = group.sources.map((s) => s.ip);
  const mechanism = (ip: string): string => (ip.includes(':') ? `ip6:${ip}` : `ip4:${ip}`);
  if (ips.length <= SPF_ADDRESSES) return ips.map(mechanism).join(' ');
  const networks = [...new Set(group.sources.map((s) => networkKey(s.ip).slice('net:'.length)))];
  return networks.slice(0, SPF_ADDRESSES).map(mechanism).join(' ') + (networks.length > SPF_ADDRESSES ? ' …' : '');
}
