/**
 * Proof that an organisation controls a domain before it sees the domain's reports (docs/api.md,
 * "Domain ownership"). A shared instance must stop one council reading another's mail, so a
 * domain joins an organisation only once proven:
 *
 * - **DNS TXT**: the organisation publishes `dmarcpilot-verify=<token>` at `_dmarcpilot.<domain>`
 *   (the token is its claim's, random, shown to it only), and asks for a check. A DNS error is
 *   never a proof nor a refusal: the claim stays waiting, with the reason.
 * - **Its rua address in the DMARC record**: the domain's DMARC record (`_dmarc.<domain>`) lists
 *   the organisation's tokenised rua address (`<local>+<rua token>@<listener domain>`) among its
 *   `rua` destinations (NCSC Mail Check proved ownership this way). Reports arriving at that
 *   address start the check by themselves; the proof is the published record, never the reports,
 *   which anyone can forge and send.
 *
 * Reports for a domain nobody has proven stay in the store, visible to the instance's own
 * organisation (the operator's) and to the organisation once it proves the domain. An optional
 * allowlist of suffixes (e.g. `gov.uk`) limits what may be claimed at all.
 */
import { randomLowerToken, randomToken } from '../../core/secrets.js';
import type { DomainClaim, Page, PageRequest } from '../../store/store.js';
import { requireDomain } from '../domains.js';
import { isDmarcRecordText, parseDmarcRecord } from '../../records/dmarc-record.js';
import { invalid, isAppError, notFound, withAppErrors } from '../problems.js';
import type { Principal } from './access.js';
import { actorOf } from './access.js';
import type { AccountsContext } from './accounts.js';
import { requireHolds } from './accounts.js';

export type { DomainClaim } from '../../store/store.js';

/** Where the TXT record goes and what it holds. */
export function verificationRecord(claim: Pick<DomainClaim, 'domain' | 'token'>): { readonly name: string; readonly value: string } {
  return { name: `_dmarcpilot.${claim.domain}`, value: `dmarcpilot-verify=${claim.token}` };
}

function allowed(ctx: AccountsContext, domain: string): boolean {
  return ctx.domainSuffixes.length === 0 || ctx.domainSuffixes.some((s) => domain === s || domain.endsWith(`.${s}`));
}

export async function claimDomain(ctx: AccountsContext, principal: Principal, organizationId: number, domainText: string): Promise<DomainClaim> {
  requireHolds(principal, organizationId, 'manage');
  const domain = requireDomain(domainText);
  if (!allowed(ctx, domain)) throw invalid('domain-not-allowed', 'domain', `this instance only takes domains under ${ctx.domainSuffixes.join(', ')}`);
  const at = ctx.now();
  return withAppErrors(() => ctx.root.claimDomain(organizationId, domain, randomToken(), at, { at, organizationId, actor: actorOf(principal), action: 'domain.claim', subject: domain, before: null, after: null }));
}

export function listDomainClaims(ctx: AccountsContext, principal: Principal, organizationId: number, page?: PageRequest): Promise<Page<DomainClaim>> {
  requireHolds(principal, organizationId, 'read');
  return withAppErrors(() => ctx.root.listDomainClaims(organizationId, page));
}

export async function getDomainClaim(ctx: AccountsContext, principal: Principal, organizationId: number, domainText: string): Promise<DomainClaim> {
  requireHolds(principal, organizationId, 'read');
  const domain = requireDomain(domainText);
  const claim = await ctx.root.getDomainClaim(organizationId, domain);
  if (claim === undefined) throw notFound('no-such-domain', 'domain', `the organisation has not added ${domain}`);
  return claim;
}

/** The organisation's tokenised rua addresses: each configured listener mailbox with the token as subaddress. */
export async function ruaAddressesOf(ctx: AccountsContext, organizationId: number, mailboxes: readonly string[]): Promise<string[]> {
  if (mailboxes.length === 0) return [];
  const token = await ctx.root.ensureRuaToken(organizationId, randomLowerToken());
  return mailboxes.map((mailbox) => {
    const at = mailbox.lastIndexOf('@');
    return `${mailbox.slice(0, at)}+${token}@${mailbox.slice(at + 1)}`.toLowerCase();
  });
}

type ProofCheck = { readonly proven: 'dns-txt' | 'rua-address' } | { readonly error: string };

async function checkTxtProof(ctx: AccountsContext, claim: DomainClaim): Promise<ProofCheck> {
  const record = verificationRecord(claim);
  const answer = await ctx.resolver.txt(record.name);
  if (answer.status === 'error') return { error: `the DNS lookup of ${record.name} failed (${answer.code}: ${answer.message}); try again later` };
  if (answer.status !== 'ok') return { error: `there is no TXT record at ${record.name}` };
  if (!answer.records.some((strings) => strings.join('').trim() === record.value)) return { error: `the TXT records at ${record.name} do not include ${record.value}` };
  return { proven: 'dns-txt' };
}

async function checkRuaProof(ctx: AccountsContext, claim: DomainClaim, addresses: readonly string[]): Promise<ProofCheck> {
  const name = `_dmarc.${claim.domain}`;
  const answer = await ctx.resolver.txt(name);
  if (answer.status === 'error') return { error: `the DNS lookup of ${name} failed (${answer.code}: ${answer.message}); try again later` };
  const records = answer.status === 'ok' ? answer.records.map((strings) => strings.join('')).filter((text) => isDmarcRecordText(text)) : [];
  if (records.length !== 1) return { error: records.length === 0 ? `there is no DMARC record at ${name}` : `there are ${records.length} DMARC records at ${name}` };
  const parsed = parseDmarcRecord(records[0] as string).record;
  const listed = new Set((parsed?.aggregateUris ?? []).map((uri) => uri.address?.toLowerCase()).filter((a): a is string => a !== undefined));
  if (!addresses.some((address) => listed.has(address))) return { error: `the DMARC record at ${name} does not list ${addresses.join(' or ')} in rua` };
  return { proven: 'rua-address' };
}

/**
 * Checks the claim now and records the outcome: proven by the TXT record, or (when the
 * organisation has rua addresses) by its address in the domain's DMARC record; or why neither.
 * A claim already proven stays proven (the record may go later without harm); the check records
 * what DNS says now. A DNS failure is never an answer either way.
 */
export async function verifyDomainByDns(ctx: AccountsContext, principal: Principal, organizationId: number, domainText: string, mailboxes: readonly string[] = []): Promise<DomainClaim> {
  const claim = await getDomainClaim(ctx, principal, organizationId, domainText);
  requireHolds(principal, organizationId, 'manage');
  return checkClaim(ctx, claim, actorOf(principal), await ruaAddressesOf(ctx, organizationId, mailboxes));
}

async function checkClaim(ctx: AccountsContext, claim: DomainClaim, actor: string, ruaAddresses: readonly string[]): Promise<DomainClaim> {
  const checks = [await checkTxtProof(ctx, claim)];
  if (!('proven' in (checks[0] as ProofCheck)) && ruaAddresses.length > 0) checks.push(await checkRuaProof(ctx, claim, ruaAddresses));
  const proof = checks.find((c): c is { proven: 'dns-txt' | 'rua-address' } => 'proven' in c);
  const error = proof ? null : checks.map((c) => ('error' in c ? c.error : '')).join('; and ');
  const at = ctx.now();
  const organizationId = claim.organizationId;
  const checked = await withAppErrors(() =>
    ctx.root.recordDomainCheck(organizationId, claim.domain, { at, proven: proof?.proven ?? null, error }, { at, organizationId, actor, action: 'domain.verify', subject: claim.domain, before: null, after: null }),
  );
  if (checked === undefined) throw notFound('no-such-domain', 'domain', `the organisation has not added ${claim.domain}`);
  return checked;
}

export async function removeDomain(ctx: AccountsContext, principal: Principal, organizationId: number, domainText: string): Promise<void> {
  requireHolds(principal, organizationId, 'manage');
  const domain = requireDomain(domainText);
  const at = ctx.now();
  const removed = await ctx.root.removeDomainClaim(organizationId, domain, { at, organizationId, actor: actorOf(principal), action: 'domain.remove', subject: domain, before: null, after: null });
  if (!removed) throw notFound('no-such-domain', 'domain', `the organisation has not added ${domain}`);
}

/**
 * A message reached a tokenised rua address (`tag`: its subaddress) and held reports for
 * `policyDomains`: each waiting claim of the token's organisation among them is checked now,
 * against the DMARC record (checkRuaProof), as `smtp`. Unknown tokens and unclaimed domains change
 * nothing (the reports are stored either way). The claims checked, proven or not.
 */
export async function checkClaimsOnArrival(ctx: AccountsContext, tag: string, policyDomains: readonly string[], mailboxes: readonly string[]): Promise<DomainClaim[]> {
  const organization = await ctx.root.findOrganizationByRuaToken(tag);
  if (organization === undefined) return [];
  const addresses = await ruaAddressesOf(ctx, organization.id, mailboxes);
  const checked: DomainClaim[] = [];
  for (const domain of new Set(policyDomains.map((d) => d.toLowerCase()))) {
    const claim = await ctx.root.getDomainClaim(organization.id, domain);
    if (claim === undefined || claim.verifiedAt !== null) continue;
    try {
      checked.push(await checkClaim(ctx, claim, 'smtp', addresses));
    } catch (caught) {
      // Proven by another organisation already (a conflict): the claim stays waiting, for the operator to settle.
      if (!(isAppError(caught) && caught.kind === 'conflict')) throw caught;
    }
  }
  return checked;
}
