/**
 * Domains of an organisation (claims, proof of ownership, the portfolio line of each), and what
 * is known about each domain: its daily series, senders with their decisions, and the plan
 * (docs/api.md). Reads of a domain go through the organisation's view of the store, so a domain
 * it has not proven is `not-found` whatever its reports.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { DomainClaim } from '../../../app/accounts/domain-ownership.js';
import { claimDomain, getDomainClaim, listDomainClaims, removeDomain, ruaAddressesOf, verificationRecord, verifyDomainByDns } from '../../../app/accounts/domain-ownership.js';
import { actorOf } from '../../../app/accounts/access.js';
import { planDomain } from '../../../app/plan-domain.js';
import type { DomainOverview } from '../../../app/portfolio.js';
import { domainOverview, domainOverviews, listReportedDomains } from '../../../app/portfolio.js';
import { notFound } from '../../../app/problems.js';
import { decideSender, listSenders, senderDecisionHistory, senderReporters } from '../../../app/senders.js';
import { domainSeries } from '../../../app/summaries.js';
import type { ApiContext, ApiRoute } from '../api-route.js';
import { apiRoute } from '../api-route.js';
import { AnyObject, DomainParam, IsoTime, errorResponses, jsonResponse, listResponse, orgParams, pageQuery, pageSchema, domainParams } from '../schemas.js';

const DAY_MS = 86_400_000;

const ClaimSchema = z
  .object({
    domain: z.string(),
    verified: z.boolean(),
    verifiedAt: IsoTime.nullable(),
    method: z.enum(['dns-txt', 'rua-address']).nullable(),
    checkedAt: IsoTime.nullable(),
    checkError: z.string().nullable(),
    verification: z.object({ txtName: z.string(), txtValue: z.string(), ruaAddresses: z.array(z.string()).openapi({ description: "The organisation's rua addresses: listing one in the domain's DMARC record rua proves it too" }) }),
    overview: AnyObject.nullable(),
  })
  .openapi('Domain');

function claimBody(claim: DomainClaim, overview: DomainOverview | null, ruaAddresses: readonly string[]) {
  const record = verificationRecord(claim);
  return {
    domain: claim.domain,
    verified: claim.verifiedAt !== null,
    verifiedAt: claim.verifiedAt?.toISOString() ?? null,
    method: claim.method,
    checkedAt: claim.checkedAt?.toISOString() ?? null,
    checkError: claim.checkError,
    verification: { txtName: record.name, txtValue: record.value, ruaAddresses },
    overview,
  };
}

/** The portfolio line, for a domain the organisation's view may read. */
async function overviewOf(c: ApiContext, claim: DomainClaim): Promise<DomainOverview | null> {
  return claim.verifiedAt === null && !c.var.organization.allDomains ? null : domainOverview(c.var.app, claim.domain);
}

/** A domain line as a CSV row. */
function csvLine(item: { readonly domain: string; readonly verified: boolean; readonly overview: DomainOverview | null }): Record<string, unknown> {
  return {
    domain: item.domain,
    verified: item.verified,
    phase: item.overview?.phase ?? null,
    policy: item.overview?.policy?.p ?? null,
    messages30d: item.overview?.messages30d ?? null,
    passRate30d: item.overview?.passRate30d ?? null,
    lastReportDay: item.overview?.lastReportDay ?? null,
  };
}

/** The organisation's rua addresses (none when the listener takes any recipient). */
function ruaOf(c: ApiContext): Promise<string[]> {
  return ruaAddressesOf(c.var.services.accounts, c.var.organization.id, c.var.services.ruaMailboxes);
}

const windowQuery = z.object({
  days: z.coerce.number().int().min(1).max(366).optional().openapi({ description: 'Days of reports, up to today (default 30)' }),
  offline: z.enum(['true', 'false']).optional().openapi({ description: 'true: no DNS lookups (reverse DNS from the cache only; the plan from the newest reports)' }),
});

const senderParams = z.object({ org: orgParams.shape.org, domain: DomainParam, sender: z.string().min(1).max(300).openapi({ param: { name: 'sender', in: 'path' }, example: 'service:mailchimp' }) });

function windowOf(c: ApiContext, days: number | undefined): { since: Date; until: Date } {
  const until = c.var.app.now();
  return { since: new Date(until.getTime() - (days ?? 30) * DAY_MS), until };
}

export const domainRoutes: readonly ApiRoute[] = [
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/domains',
      tags: ['domains'],
      summary: "The organisation's domains: proven or waiting for proof, each with its portfolio line (phase, policy, 30-day volume and pass rate, findings); for the instance's own organisation, every domain with reports",
      request: { params: orgParams, query: pageQuery.extend({ phase: z.enum(['assess', 'deploy', 'enforce', 'maintain']).optional() }) },
      responses: { 200: jsonResponse(pageSchema(ClaimSchema, 'DomainPage'), 'A page of domains (with `phase`, only those in it: a page may then hold fewer)'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => {
      const query = c.req.valid('query');
      if (c.var.organization.allDomains) {
        // The instance's own organisation sees every domain: it lists those with reports (it claims none).
        const reported = await listReportedDomains(c.var.app, { limit: query.limit, after: query.after });
        const lines = await domainOverviews(c.var.app, reported.items);
        const items = lines.map((line) => ({ domain: line.domain, verified: true, verifiedAt: null, method: null, checkedAt: null, checkError: null, verification: { txtName: '', txtValue: '', ruaAddresses: [] }, overview: line }));
        const shown = query.phase === undefined ? items : items.filter((item) => item.overview.phase === query.phase);
        return listResponse(c, { items: shown, next: reported.next }, query.format, csvLine);
      }
      const page = await listDomainClaims(c.var.services.accounts, c.var.principal, c.var.organization.id, { limit: query.limit, after: query.after });
      const rua = await ruaOf(c);
      // Every line of the page in one call (three queries): the proven domains, or all for the instance's organisation.
      const visible = page.items.filter((claim) => claim.verifiedAt !== null || c.var.organization.allDomains).map((claim) => claim.domain);
      const lines = new Map((await domainOverviews(c.var.app, visible)).map((line) => [line.domain, line]));
      const items = page.items.map((claim) => claimBody(claim, lines.get(claim.domain) ?? null, rua));
      const shown = query.phase === undefined ? items : items.filter((item) => item.overview?.phase === query.phase);
      return listResponse(c, { items: shown, next: page.next }, query.format, csvLine);
    },
  ),
  apiRoute(
    createRoute({
      method: 'post',
      path: '/api/v1/organizations/{org}/domains',
      tags: ['domains'],
      summary: 'Add a domain: it waits for proof of ownership (a TXT record, or reports at the organisation’s rua address)',
      request: { params: orgParams, body: { content: { 'application/json': { schema: z.object({ domain: z.string().max(253) }) } }, required: true } },
      responses: { 201: jsonResponse(ClaimSchema, 'Added, waiting for proof'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'manage' },
    async (c) => {
      const claim = await claimDomain(c.var.services.accounts, c.var.principal, c.var.organization.id, c.req.valid('json').domain);
      return c.json(claimBody(claim, null, await ruaOf(c)), 201);
    },
    { domain: 'added.example' },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/domains/{domain}',
      tags: ['domains'],
      summary: 'One domain: its proof and its portfolio line',
      request: { params: domainParams },
      responses: { 200: jsonResponse(ClaimSchema, 'The domain'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => {
      const claim = await getDomainClaim(c.var.services.accounts, c.var.principal, c.var.organization.id, c.req.valid('param').domain);
      return c.json(claimBody(claim, await overviewOf(c, claim), await ruaOf(c)), 200);
    },
  ),
  apiRoute(
    createRoute({
      method: 'post',
      path: '/api/v1/organizations/{org}/domains/{domain}/verify',
      tags: ['domains'],
      summary: "Check now: the TXT record at _dmarcpilot.<domain>, else the organisation's rua address in the domain's DMARC record; proven, or why not (`checkError`)",
      request: { params: domainParams },
      responses: { 200: jsonResponse(ClaimSchema, 'The domain after the check'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'manage' },
    async (c) => {
      const claim = await verifyDomainByDns(c.var.services.accounts, c.var.principal, c.var.organization.id, c.req.valid('param').domain, c.var.services.ruaMailboxes);
      return c.json(claimBody(claim, null, await ruaOf(c)), 200);
    },
  ),
  apiRoute(
    createRoute({
      method: 'delete',
      path: '/api/v1/organizations/{org}/domains/{domain}',
      tags: ['domains'],
      summary: 'Remove the domain from the organisation (its reports stay in the store)',
      request: { params: domainParams },
      responses: { 204: { description: 'Removed' }, ...errorResponses },
    }),
    { kind: 'organization', permission: 'manage' },
    async (c) => {
      await removeDomain(c.var.services.accounts, c.var.principal, c.var.organization.id, c.req.valid('param').domain);
      return c.body(null, 204);
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/domains/{domain}/series',
      tags: ['domains'],
      summary: 'Mail per UTC day by result (both aligned, DKIM only, SPF only, neither) and disposition',
      request: { params: domainParams, query: windowQuery.pick({ days: true }).extend({ format: z.enum(['json', 'csv']).optional() }) },
      responses: { 200: jsonResponse(z.object({ items: z.array(AnyObject), next: z.null() }), 'Days with mail, oldest first'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => {
      const query = c.req.valid('query');
      const series = await domainSeries(c.var.app, c.req.valid('param').domain, windowOf(c, query.days));
      return listResponse(c, { items: series, next: null }, query.format, (d) => ({ day: d.day, messages: d.messages, dmarcPass: d.dmarcPass, both: d.both, dkimOnly: d.dkimOnly, spfOnly: d.spfOnly, neither: d.neither, ...prefixed(d.dispositions) }));
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/domains/{domain}/senders',
      tags: ['senders'],
      summary: 'Every system that sent as the domain over the window: class, state, volume, pass share, diagnosis and fix (docs/senders.md)',
      request: { params: domainParams, query: windowQuery.extend({ format: z.enum(['json', 'csv']).optional() }) },
      responses: { 200: jsonResponse(z.object({ items: z.array(AnyObject), next: z.null() }).passthrough(), 'The senders, most messages first'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => {
      const query = c.req.valid('query');
      const list = await listSenders(c.var.app, c.req.valid('param').domain, { ...windowOf(c, query.days), offline: query.offline === 'true' });
      if (query.format === 'csv') {
        return listResponse(c, { items: list.senders, next: null }, 'csv', (s) => ({ key: s.key, label: s.label, class: s.class, state: s.state, decision: s.decision, messages: s.messages, dmarcPass: s.dmarcPass, firstSeen: s.firstSeen, lastSeen: s.lastSeen, sourceIps: s.sourceIps.length }));
      }
      return c.json({ items: list.senders, next: null, domain: list.domain, since: list.since.toISOString(), until: list.until.toISOString(), subdomains: list.subdomains, ...(list.reportedUnder !== undefined ? { reportedUnder: list.reportedUnder } : {}) }, 200);
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/domains/{domain}/senders/{sender}',
      tags: ['senders'],
      summary: 'One sender: its IPs with reverse DNS, SPF and DKIM domains, dispositions, the receivers that reported it, diagnosis, fix and decision history',
      request: { params: senderParams, query: windowQuery },
      responses: { 200: jsonResponse(AnyObject, 'The sender'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => {
      const { domain, sender } = c.req.valid('param');
      const query = c.req.valid('query');
      const list = await listSenders(c.var.app, domain, { ...windowOf(c, query.days), offline: query.offline === 'true' });
      const found = list.senders.find((s) => s.key === sender);
      if (found === undefined) throw notFound('no-such-sender', 'path.sender', `no sender ${sender} sent as ${list.domain} over the window`);
      const history = await senderDecisionHistory(c.var.app, domain, { sender }, { limit: 100 });
      const reporters = await senderReporters(c.var.app, list.reportedUnder ?? list.domain, found.sourceIps, { since: list.since, until: list.until });
      return c.json({ ...found, reporters, history: history.items }, 200);
    },
  ),
  apiRoute(
    createRoute({
      method: 'post',
      path: '/api/v1/organizations/{org}/domains/{domain}/senders/{sender}/decision',
      tags: ['senders'],
      summary: 'Approve or reject a sender (null removes the decision), with a note; kept in its history',
      request: {
        params: senderParams,
        body: { content: { 'application/json': { schema: z.object({ decision: z.enum(['approved', 'rejected']).nullable(), note: z.string().max(2000).optional(), unseen: z.boolean().optional() }) } }, required: true },
      },
      responses: { 200: jsonResponse(AnyObject, 'The change recorded'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'analyse' },
    async (c) => {
      const { domain, sender } = c.req.valid('param');
      const body = c.req.valid('json');
      const change = await decideSender(c.var.app, domain, sender, { decision: body.decision, note: body.note, unseen: body.unseen, actor: actorOf(c.var.principal) });
      // id 0: removing a decision there was not changed nothing.
      if (change.id !== 0) await c.var.services.accounts.root.appendAudit({
        at: change.at,
        organizationId: c.var.organization.id,
        actor: actorOf(c.var.principal),
        action: 'sender.decide',
        subject: `${change.domain} ${change.key}`,
        before: { decision: change.previous },
        after: { decision: change.decision, note: change.note },
      });
      return c.json(change, 200);
    },
    { decision: 'approved', note: 'our newsletter platform' },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/domains/{domain}/decisions/history',
      tags: ['senders'],
      summary: "Every change of the domain's sender decisions, newest first",
      request: { params: domainParams, query: pageQuery.extend({ sender: z.string().max(300).optional() }) },
      responses: { 200: jsonResponse(pageSchema(AnyObject, 'DecisionHistoryPage'), 'A page of changes'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => {
      const query = c.req.valid('query');
      const page = await senderDecisionHistory(c.var.app, c.req.valid('param').domain, query.sender === undefined ? {} : { sender: query.sender }, { limit: query.limit, after: query.after });
      return listResponse(c, page, query.format);
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/domains/{domain}/plan',
      tags: ['plan'],
      summary: 'The rollout plan: verdict, stage, gates with their values, blockers by name, simulated impact and the next record',
      request: { params: domainParams, query: windowQuery },
      responses: { 200: jsonResponse(AnyObject, 'The plan (docs/senders.md, "Verdict and exit status")'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => {
      const query = c.req.valid('query');
      const planned = await planDomain(c.var.app, c.req.valid('param').domain, { ...(query.days !== undefined ? { days: query.days } : {}), offline: query.offline === 'true' });
      return c.json(planned, 200);
    },
  ),
];

function prefixed(dispositions: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(dispositions).map(([k, v]) => [`disposition_${k}`, v]));
}
