/**
 * Proof that an organisation controls a domain before it sees the domain's reports (docs/api.md,
 * "Domain ownership"). A shared instance must stop one council reading another's mail, so a
 * domain joins an organisation only once proven:
 *
 * - **DNS TXT**: the organisation publishes `dmarcpilot-verify=<token>` at `_dmarcpilot.<domain>`
 *   (the token is its claim's, random, shown to it only), and asks for a check. A DNS error is
 *   never a proof nor a refusal: the claim stays waiting, with the reason.
 * - **Reports at its rua address**: aggregate reports for the domain that arrive at the
 *   organisation's tokenised address (`<local>+<rua token>@<domain of the listener>`) prove the
 *   domain's owner publishes that address in its DMARC record (NCSC Mail Check did this).
 *
 * Reports for a domain nobody has proven stay in the store, visible to the instance's own
 * organisation (the operator's) and to the organisation once it proves the domain. An optional
 * allowlist of suffixes (e.g. `gov.uk`) limits what may be claimed at all.
 */
import { randomToken } from '../../core/secrets.js';
import type { DomainClaim, Page, PageRequest } from '../../store/store.js';
import { requireDomain } from '../domains.js';
import { invalid, notFound, withAppErrors } from '../problems.js';
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

/**
 * Looks the TXT record up and records the outcome: proven (the domain is the organisation's from
 * now on), or why not. A claim already proven is checked again (the record may be removed later
 * without harm: proof is kept, and the check records what DNS says now).
 */
export async function verifyDomainByDns(ctx: AccountsContext, principal: Principal, organizationId: number, domainText: string): Promise<DomainClaim> {
  const claim = await getDomainClaim(ctx, principal, organizationId, domainText);
  requireHolds(principal, organizationId, 'manage');
  const record = verificationRecord(claim);
  const answer = await ctx.resolver.txt(record.name);
  let error: string | null = null;
  if (answer.status === 'error') error = `the DNS lookup of ${record.name} failed (${answer.code}: ${answer.message}); try again later`;
  else if (answer.status !== 'ok') error = `there is no TXT record at ${record.name}`;
  else if (!answer.records.some((strings) => strings.join('').trim() === record.value)) {
    error = `the TXT records at ${record.name} do not include ${record.value}`;
  }
  const at = ctx.now();
  const checked = await withAppErrors(() =>
    ctx.root.recordDomainCheck(
      organizationId,
      claim.domain,
      { at, proven: error === null ? 'dns-txt' : null, error },
      { at, organizationId, actor: actorOf(principal), action: 'domain.verify', subject: claim.domain, before: null, after: null },
    ),
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
 * Reports for `policyDomains` arrived at the address of the organisation with `ruaToken`: each of
 * its waiting claims among them is proven. Unknown tokens and unclaimed domains change nothing
 * (the reports are stored either way). The domains proven.
 */
export async function proveByRuaAddress(ctx: AccountsContext, ruaToken: string, policyDomains: readonly string[]): Promise<string[]> {
  const organization = await ctx.root.findOrganizationByRuaToken(ruaToken);
  if (organization === undefined) return [];
  const proven: string[] = [];
  for (const domain of new Set(policyDomains.map((d) => d.toLowerCase()))) {
    const claim = await ctx.root.getDomainClaim(organization.id, domain);
    if (claim === undefined || claim.verifiedAt !== null) continue;
    const at = ctx.now();
    try {
      await ctx.root.recordDomainCheck(organization.id, domain, { at, proven: 'rua-address', error: null }, {
        at,
        organizationId: organization.id,
        actor: 'smtp',
        action: 'domain.verify',
        subject: domain,
        before: null,
        after: null,
      });
      proven.push(domain);
    } catch {
      // Owned by another organisation already: the claim stays waiting, for the operator to settle.
    }
  }
  return proven;
}
