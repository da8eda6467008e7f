/**
 * Why a sender fails DMARC, from the evidence in its reports, and the exact fix: the catalogue
 * entry's alignment steps for a known service, the generic DKIM and return-path steps for any other
 * sender of the owner's, advice instead of DNS for forwarders, and "nothing to fix" for mail that is
 * not the owner's. Each sentence is an Advice (docs/advice-codes.md): a stable code, the domains,
 * selectors, counts and addresses it names as params, and the sentence itself, which never holds a
 * command (the CLI adds those for the codes that need one).
 */
import type { Advice } from '../core/advice.js';
import { advice } from '../core/advice.js';
import type { SenderGroup } from './group-senders.js';
import { networkKey } from './group-senders.js';
import { ALIGNED_SHARE, isAlignedDomain, measureSender } from './classify-sender.js';
import type { SendingService, SenderClass, SenderState } from './sender-model.js';
import { matchesDomainSuffix } from './service-catalogue.js';

export interface SenderAdvice {
  readonly diagnosis: readonly Advice[];
  readonly fix: readonly Advice[];
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
const ratio = (part: number, whole: number): number => (whole === 0 ? 0 : part / whole);
const percent = (share: number): string => `${Math.floor(share * 1000) / 10}%`;

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
    const recentShare = ratio(totals.recentDmarcPass, totals.recentMessages);
    const earlierShare = ratio(totals.dmarcPass - totals.recentDmarcPass, earlier);
    diagnosis.push(
      advice(
        'sender-fix-taking-effect',
        { sender: group.key, recentDays: context.recentDays, recentMessages: totals.recentMessages, recentPassShare: recentShare, earlierMessages: earlier, earlierPassShare: earlierShare },
        `In the last ${context.recentDays} days ${percent(recentShare)} of its ${n(totals.recentMessages)} messages pass DMARC, ` +
          `against ${percent(earlierShare)} before: the fix is taking effect; the sender becomes verified once the older failures leave the window.`,
      ),
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
function describeFailure(group: SenderGroup, domain: string): Advice[] {
  const { totals, service } = group;
  const out: Advice[] = [];
  const aligned = (name: string): boolean => isAlignedDomain(name, domain);
  const m = measureSender(totals, group.enrichments, domain);

  // DKIM.
  const ownPass = ranked(totals.dkim, (d) => d.result === 'pass' && aligned(d.domain), (d) => d.domain);
  const otherPass = ranked(totals.dkim, (d) => d.result === 'pass' && !aligned(d.domain), (d) => d.domain);
  const ownFailing = (d: (typeof totals.dkim)[number]): boolean => d.result !== 'pass' && aligned(d.domain);
  const ownFail = ranked(totals.dkim, ownFailing, (d) => `${d.domain}${d.selector ? ` (selector ${d.selector}, ${d.result})` : ` (${d.result})`}`);
  if (totals.dkim.length === 0) {
    out.push(advice('sender-no-dkim', { domain }, `No DKIM signature was reported on its mail: it is not signed, so DKIM cannot align with ${domain}.`));
  } else if (ownPass.length === 0 && otherPass.length > 0) {
    out.push(advice('sender-dkim-not-aligned', { domain, dkimDomains: otherPass }, `DKIM is signed by ${listNames(otherPass)}, not ${domain}: DKIM is not aligned.`));
  }
  if (ownFail.length > 0) {
    out.push(
      advice(
        'sender-dkim-fails',
        {
          domain,
          dkimDomains: ranked(totals.dkim, ownFailing, (d) => d.domain),
          selectors: ranked(totals.dkim, (d) => ownFailing(d) && d.selector !== null && d.selector !== '', (d) => d.selector ?? ''),
          results: ranked(totals.dkim, ownFailing, (d) => d.result),
          messages: m.dkimDomainFail,
        },
        `The DKIM signature of ${listNames(ownFail)} does not verify on ${n(m.dkimDomainFail)} messages: the public key is missing or does not match ` +
          'the private key, or the message was changed on the way (a mailing list footer, a security gateway rewriting links).',
      ),
    );
  }
  if (ownPass.length > 0 && totals.dkimAlignedPass < m.dkimDomainPass) {
    const messages = m.dkimDomainPass - totals.dkimAlignedPass;
    out.push(
      advice(
        'sender-dkim-strict-alignment',
        { domain, dkimDomains: ownPass, messages },
        `DKIM passes for ${listNames(ownPass)}, yet receivers did not count it as aligned for ${n(messages)} messages: with adkim=s the d= must be ${domain} exactly.`,
      ),
    );
  }
  if (ranked(totals.dkim, (d) => d.result !== 'pass' && !aligned(d.domain), (d) => d.domain).length > 0 && ownPass.length === 0 && otherPass.length === 0) {
    const failing = (d: (typeof totals.dkim)[number]): boolean => d.result !== 'pass';
    out.push(
      advice(
        'sender-dkim-signatures-fail',
        { domain, dkimDomains: ranked(totals.dkim, failing, (d) => d.domain), results: ranked(totals.dkim, failing, (d) => d.result) },
        `Its DKIM signatures fail: ${listNames(ranked(totals.dkim, failing, (d) => `${d.domain} (${d.result})`))}.`,
      ),
    );
  }

  // SPF (the envelope from; HELO results do not count for DMARC).
  const spf = totals.spf.filter((s) => s.scope !== 'helo');
  const otherSpfPass = ranked(spf, (s) => s.result === 'pass' && !aligned(s.domain), (s) => s.domain);
  const ownSpf = (results: readonly string[]): string[] => ranked(spf, (s) => results.includes(s.result) && aligned(s.domain), (s) => s.domain);
  if (spf.length === 0) {
    out.push(advice('sender-no-spf', { domain }, 'No SPF result for the envelope from was reported.'));
  } else if (otherSpfPass.length > 0 && totals.spfAlignedPass < totals.messages) {
    const own = service !== null && otherSpfPass.every((d) => (service.recognise.returnPathDomains ?? []).some((suffix) => matchesDomainSuffix(d, suffix)));
    // A service that cannot move its return path to the customer's domain never aligns SPF: DKIM is the fix, not SPF.
    const cannotAlign = own && service?.customReturnPath === false;
    out.push(
      advice(
        'sender-spf-not-aligned',
        { domain, spfDomains: otherSpfPass, serviceReturnPath: own, spfCannotAlign: cannotAlign },
        cannotAlign
          ? `SPF passes for ${listNames(otherSpfPass)}, ${service?.name ?? 'the service'}'s own return path, which it cannot move under ${domain}: its SPF never aligns, so DKIM signed with d=${domain} is what makes its mail pass.`
          : `SPF passes for ${listNames(otherSpfPass)} (${own ? "the service's own return path" : `a return path outside ${domain}`}), not for ${domain}: SPF is not aligned.`,
      ),
    );
  }
  const spfFails = ownSpf(['fail', 'softfail']);
  if (spfFails.length > 0) {
    const ips = group.sources.filter((s) => s.spf.some((x) => (x.result === 'fail' || x.result === 'softfail') && x.scope !== 'helo' && aligned(x.domain))).map((s) => s.ip);
    out.push(
      advice(
        'sender-spf-fails',
        { domain, spfDomains: spfFails, messages: m.spfDomainFail, ips },
        `SPF fails for ${listNames(spfFails)} on ${n(m.spfDomainFail)} messages: ${listNames(ips)} ${ips.length === 1 ? 'is' : 'are'} not authorised by its SPF record.`,
      ),
    );
  }
  const spfNone = ownSpf(['none']);
  if (spfNone.length > 0) out.push(advice('sender-spf-none', { domain, spfDomains: spfNone }, `SPF found no record for ${listNames(spfNone)} (result none).`));
  const spfErrors = ownSpf(['temperror', 'permerror']);
  if (spfErrors.length > 0) {
    out.push(
      advice(
        'sender-spf-error',
        { domain, spfDomains: spfErrors, results: ranked(spf, (s) => (s.result === 'temperror' || s.result === 'permerror') && aligned(s.domain), (s) => s.result) },
        `SPF for ${listNames(spfErrors)} gave an error at the receivers (temperror: DNS failed; permerror: a broken record or more than 10 DNS lookups); ` +
          `check the DNS records of ${domain}.`,
      ),
    );
  }
  return out;
}

function describeForwarding(group: SenderGroup): Advice[] {
  const { totals } = group;
  const out: Advice[] = [];
  const reasons = ranked(totals.reasons, () => true, (r) => r.type);
  const reasonText = reasons.map((type) => `${type} (${n(totals.reasons.filter((r) => r.type === type).reduce((s, r) => s + r.messages, 0))})`);
  if (group.service) {
    out.push(
      advice('forwarded-by-service', { service: group.service.id, serviceName: group.service.name }, `${group.service.name} forwards or redistributes mail: it is not the original sender.`),
    );
  }
  if (reasonText.length > 0) out.push(advice('forwarded-overrides', { types: reasons }, `Receivers reported overrides on its messages: ${reasonText.join(', ')}.`));
  if (totals.arcPass > 0) out.push(advice('forwarded-arc-pass', { messages: totals.arcPass }, `${n(totals.arcPass)} messages arrived with a passing ARC chain (RFC 8617).`));
  if (group.service === null && reasonText.length === 0 && totals.arcPass === 0) {
    out.push(
      advice('forwarded-relay-pattern', {}, "Its mail looks relayed by a forwarder or mailing list: your own DKIM signature is broken while the relay's own identity passes."),
    );
  }
  out.push(advice('forwarded-spf-cannot-align', {}, "After forwarding SPF checks the forwarder's address, so SPF cannot align; only an unbroken DKIM signature can."));
  return out;
}

function describeSuspicion(group: SenderGroup, context: DiagnoseContext): Advice[] {
  const ips = group.sources.length;
  const noRdns = group.enrichments.filter((e) => e.fcrdns === 'none' || e.fcrdns === 'unconfirmed').length;
  const parts = [`It has no passing DKIM signature for ${context.domain}`];
  if (noRdns > 0) parts.push(`${n(noRdns)} of its ${n(ips)} addresses have no confirmed reverse DNS`);
  return [
    advice(
      'suspicious-spoofing',
      { domain: context.domain, addresses: ips, withoutReverseDns: noRdns },
      `${parts.join(', and ')}: this looks like someone else sending as ${context.domain}, not a system of yours.`,
    ),
  ];
}

function forwardingFix(domain: string): Advice[] {
  return [
    advice(
      'fix-forwarded-dkim',
      { domain },
      `No DNS change fixes forwarded mail. Make sure every system sending as ${domain} signs with DKIM d=${domain}: an unchanged message keeps a valid signature through plain forwarding.`,
    ),
    advice(
      'fix-forwarded-arc',
      {},
      'Ask the forwarder or list operator to add ARC (RFC 8617) seals, and a mailing list to rewrite the From address; receivers that trust the seal accept the mail.',
    ),
  ];
}

function suspiciousFix(group: SenderGroup, context: DiagnoseContext): Advice[] {
  const { domain } = context;
  const out = [advice('fix-nothing-not-yours', { domain }, `Nothing to fix: this mail is not yours. Moving ${domain} to p=quarantine, then p=reject, stops it.`)];
  if (context.state !== 'rejected') {
    out.push(advice('fix-approve-if-yours', { domain, sender: group.key }, `If it is in fact yours, approve ${group.key} as a sender of ${domain}, then align it.`));
  }
  return out;
}

/** A known service's own steps, or the generic ones; prefixed with "approve it" for an undecided unknown sender. */
function alignmentFix(group: SenderGroup, context: DiagnoseContext): Advice[] {
  const { domain } = context;
  const out: Advice[] = [];
  if (context.senderClass === 'unknown') out.push(advice('fix-approve-and-align', { domain, sender: group.key }, 'If this sender is yours, approve it and align it:'));
  if (group.service) return [...out, ...serviceSteps(group.service, domain)];
  const m = measureSender(group.totals, group.enrichments, domain);
  const dkimAligned = group.totals.dkimAlignedPass >= ALIGNED_SHARE * group.totals.messages;
  if (!dkimAligned) {
    out.push(
      advice(
        'fix-sign-dkim',
        { domain, keyName: `<selector>._domainkey.${domain}` },
        `Sign its mail with DKIM d=${domain}: create a key pair in the sending system (or generate one yourself), publish the public key as a TXT record ` +
          `at <selector>._domainkey.${domain}, then turn signing on.`,
      ),
    );
  }
  const spf = spfMechanisms(group);
  const mechanisms = spf.mechanisms.join(' ') + (spf.moreNetworks > 0 ? ' …' : '');
  if (m.spfDomainFail > 0) {
    out.push(
      advice(
        'fix-spf-add-addresses',
        { domain, mechanisms: spf.mechanisms, moreNetworks: spf.moreNetworks, afterDkimStep: !dkimAligned },
        `${dkimAligned ? 'Add' : 'And add'} its addresses to the SPF record of ${domain}, before the all term: ${mechanisms} (or the include: its operator documents).`,
      ),
    );
  } else if (group.totals.spfAlignedPass < group.totals.messages) {
    const returnPath = `bounces.${domain}`;
    const record = `v=spf1 ${mechanisms} -all`;
    out.push(
      advice(
        'fix-return-path',
        { domain, returnPath, record, mechanisms: spf.mechanisms, moreNetworks: spf.moreNetworks, afterDkimStep: !dkimAligned },
        `${dkimAligned ? 'Use' : 'Or use'} a return path (envelope from) under ${domain}, e.g. ${returnPath}, and publish SPF for that name: ` +
          `${returnPath} TXT "${record}" (or the include: its operator documents).`,
      ),
    );
  }
  return out;
}

/** The catalogue's steps with the domain filled in, and where the vendor documents them. */
function serviceSteps(service: SendingService, domain: string): Advice[] {
  const steps = service.alignSteps.map((step, i) => advice('service-align-step', { service: service.id, serviceName: service.name, step: i + 1, domain }, step.replaceAll('{domain}', domain)));
  if (service.documentation) {
    steps.push(advice('service-documentation', { service: service.id, serviceName: service.name, url: service.documentation }, `${service.name} documents this at ${service.documentation}.`));
  }
  return steps;
}

/** `ip4:`/`ip6:` mechanisms for the sender's addresses, or its networks when there are many (with how many networks were left out). */
function spfMechanisms(group: SenderGroup): { mechanisms: string[]; moreNetworks: number } {
  const ips = group.sources.map((s) => s.ip);
  const mechanism = (ip: string): string => (ip.includes(':') ? `ip6:${ip}` : `ip4:${ip}`);
  if (ips.length <= SPF_ADDRESSES) return { mechanisms: ips.map(mechanism), moreNetworks: 0 };
  const networks = [...new Set(group.sources.map((s) => networkKey(s.ip).slice('net:'.length)))];
  return { mechanisms: networks.slice(0, SPF_ADDRESSES).map(mechanism), moreNetworks: Math.max(0, networks.length - SPF_ADDRESSES) };
}
