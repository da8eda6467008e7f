/**
 * An instance with two organisations for the HTTP API's tests: `alpha` owns alpha.example and
 * `bravo` owns bravo.example (both proven), each with an aggregate report, a failure report and a
 * TLS report of its own; members of alpha in every role, an instance operator, alpha's read and
 * read-write API tokens, and bravo's owner. The API (server/http/api.ts) runs in-process
 * (`request`, no network) over a real store: SQLite in a temporary folder, or a fresh PostgreSQL
 * database. Sessions are made directly (startSession): sign-in itself is tested on its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccountsContext, User } from '../../src/app/accounts/accounts.js';
import { createApiToken, createOrganization, inviteMember, startSession } from '../../src/app/accounts/accounts.js';
import { CLI } from '../../src/app/accounts/access.js';
import { accountsContextFor } from '../../src/app/accounts/accounts-context.js';
import { resolveConfig } from '../../src/app/config.js';
import { createIngestPort } from '../../src/app/ingest.js';
import type { App } from '../../src/app/open-app.js';
import { openApp } from '../../src/app/open-app.js';
import type { MemberRole } from '../../src/store/store.js';
import type { Resolver } from '../../src/core/dns-resolver.js';
import { hashPassword } from '../../src/core/secrets.js';
import type { ApiServices } from '../../src/server/http/api-route.js';
import type { OidcClient } from '../../src/server/http/oidc-client.js';
import { createApi } from '../../src/server/http/api.js';
import { failureReportEml } from './failure-reports.js';
import { reportXml } from './sender-history.js';
import { postgresForTests } from './postgres.js';

export const NOW = new Date('2026-12-01T12:00:00Z');
export const PASSWORD = 'correct horse battery staple';
let passwordHash: Promise<string> | undefined;

export interface OrgFixture {
  readonly slug: string;
  readonly id: number;
  readonly domain: string;
  /** A sender key seen in its report. */
  readonly sender: string;
  readonly failureReportId: number;
  readonly tlsReportId: number;
  /** A member who is not one of the callers (for member changes). */
  readonly victimEmail: string;
  /** A token that is not one of the callers' (for revocation). */
  readonly victimTokenId: string;
  /** A pending invitation (for withdrawal). */
  readonly victimInvitationId: string;
  /** Strings only this organisation's data holds: none may appear in another's answers. */
  readonly markers: readonly string[];
}

export interface Caller {
  readonly name: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Role in alpha, if a member. */
  readonly role?: MemberRole;
  readonly operator?: boolean;
  readonly token?: 'read' | 'write';
}

export interface ApiFixture {
  readonly app: App;
  readonly accounts: AccountsContext;
  readonly services: ApiServices;
  readonly alpha: OrgFixture;
  readonly bravo: OrgFixture;
  readonly callers: readonly Caller[];
  readonly quarantineId: number;
  /** Moves the instance's clock (the API's and the store's). */
  setNow(date: Date): void;
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export const ORIGIN = 'http://dmarcpilot.test';

function tlsReportJson(domain: string, id: string): string {
  return JSON.stringify({
    'organization-name': `tls-reporter-${domain}`,
    'date-range': { 'start-datetime': '2026-11-29T00:00:00Z', 'end-datetime': '2026-11-29T23:59:59Z' },
    'contact-info': `tls@${domain}`,
    'report-id': id,
    policies: [{ policy: { 'policy-type': 'sts', 'policy-domain': domain }, summary: { 'total-successful-session-count': 10, 'total-failure-session-count': 0 } }],
  });
}

async function makeUser(accounts: AccountsContext, email: string, operator = false): Promise<User> {
  return accounts.root.createUser({ email, name: email, passwordHash: await (passwordHash ??= hashPassword(PASSWORD)), operator, at: NOW }, { at: NOW, organizationId: null, actor: 'test', action: 'user.add', subject: email, before: null, after: null });
}

async function cookieFor(accounts: AccountsContext, user: User): Promise<Record<string, string>> {
  const session = await startSession(accounts, user);
  return { cookie: `dmarcpilot_session=${session.sessionToken}`, origin: ORIGIN };
}

export type StoreKind = 'sqlite' | 'postgres';

/** Skips (returns the reason) when PostgreSQL is wanted and not reachable. */
export interface ApiFixtureOptions {
  readonly resolver?: Resolver;
  readonly ruaMailboxes?: readonly string[];
  /** Single sign-on (absent: its routes answer 404). */
  readonly oidc?: OidcClient;
  /** The API's log (default: dropped). */
  readonly log?: (message: string) => void;
}

export async function openApiFixture(kind: StoreKind, options: ApiFixtureOptions = {}): Promise<ApiFixture | { skip: string }> {
  let db: string;
  let cleanup: () => Promise<void>;
  if (kind === 'postgres') {
    const pg = await postgresForTests();
    if ('skip' in pg) return { skip: pg.skip };
    db = pg.url;
    cleanup = pg.drop;
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-api-'));
    db = join(dir, 'store.sqlite');
    cleanup = () => Promise.resolve(rmSync(dir, { recursive: true, force: true }));
  }
  const config = resolveConfig(undefined, {}, { db, dnsServers: ['127.0.0.1:9'], dnsTimeoutMs: 50 });
  const clock = { now: NOW.getTime() };
  const app = await openApp(config, { log: { info: () => undefined, warn: () => undefined }, now: () => new Date(clock.now), openStore: 'start' });
  const accounts: AccountsContext = { ...(await accountsContextFor(app)), now: () => new Date(clock.now), ...(options.resolver ? { resolver: options.resolver } : {}) };
  const port = createIngestPort(app.context);
  const services: ApiServices = {
    accounts,
    instance: app.instance,
    upload: async (_ctx, name, bytes) => port.ingest({ name, bytes }),
    maxUploadBytes: 1024 * 1024,
    secureCookies: false,
    ruaMailboxes: options.ruaMailboxes ?? [],
    localSignIn: true,
    ...(options.oidc ? { oidc: options.oidc } : {}),
    setup: { token: undefined },
    log: options.log ?? (() => undefined),
  };
  const api = createApi(services, { publicOrigin: ORIGIN, trustedProxies: [], tls: false }, 'test');
  const root = accounts.root;
  const audit = { at: NOW, organizationId: null, actor: 'test', action: 'fixture', subject: 'fixture', before: null, after: null };

  const orgFixture = async (slug: string, ip: string): Promise<OrgFixture> => {
    const domain = `${slug}.example`;
    const organization = await createOrganization(accounts, CLI, { slug, name: `${slug} council` });
    await root.claimDomain(organization.id, domain, `token-${slug}`, NOW, { ...audit, organizationId: organization.id });
    await root.recordDomainCheck(organization.id, domain, { at: NOW, proven: 'dns-txt', error: null }, null);
    const begin = Date.UTC(2026, 10, 29) / 1000;
    const xml = reportXml({
      org: `reporter-${slug}.example`,
      reportId: `r-${slug}`,
      domain,
      begin,
      end: begin + 86_399,
      p: 'none',
      rows: [{ ip, count: 7, dkim: 'fail', spf: 'fail', authDkim: [], authSpf: [{ domain: `bounce.${slug}-sender.example`, result: 'pass' }] }],
    });
    await port.ingest({ name: `${slug}.xml`, bytes: new TextEncoder().encode(xml) });
    await port.ingest({ name: `${slug}.eml`, bytes: new TextEncoder().encode(failureReportEml({ id: `f-${slug}`, sourceIp: ip, arrival: '2026-11-29T10:00:00Z', reportedDomain: domain })) });
    await port.ingest({ name: `${slug}.json`, bytes: new TextEncoder().encode(tlsReportJson(domain, `tls-${slug}`)) });
    const view = await app.instance.contextFor(organization.id);
    const failure = (await view.store.listFailureReports({})).items[0];
    const tls = (await view.store.listTlsReports({})).items[0];
    if (failure === undefined || tls === undefined) throw new Error(`fixture: the reports of ${slug} were not stored`);
    const victim = await makeUser(accounts, `victim@${slug}.example`);
    await root.setMembership(organization.id, victim.id, 'viewer', NOW, { ...audit, organizationId: organization.id });
    const victimToken = await createApiToken(accounts, CLI, organization.id, { name: 'victim', access: 'read' });
    const victimInvitation = await inviteMember(accounts, CLI, organization.id, { email: `invited@${slug}.example`, role: 'viewer' });
    return {
      slug,
      id: organization.id,
      domain,
      sender: `net:${ip.split('.').slice(0, 3).join('.')}.0/24`,
      failureReportId: failure.id,
      tlsReportId: tls.id,
      victimEmail: victim.email,
      victimTokenId: victimToken.info.id,
      victimInvitationId: victimInvitation.invitation.id,
      markers: [domain, `reporter-${slug}.example`, ip, victim.email, victimToken.info.id, `tls-reporter-${domain}`, `invited@${slug}.example`, victimInvitation.invitation.id],
    };
  };
  const alpha = await orgFixture('alpha', '198.51.100.31');
  const bravo = await orgFixture('bravo', '203.0.113.41');
  // A refused input for the quarantine (which belongs to the instance).
  await port.ingest({ name: 'junk.txt', bytes: new TextEncoder().encode('this is not a report') });
  const quarantineId = (await (await app.instance.contextFor(1)).store.listQuarantine({})).items[0]?.id ?? 0;

  const callers: Caller[] = [{ name: 'nobody', headers: { origin: ORIGIN } }];
  for (const role of ['owner', 'admin', 'analyst', 'viewer'] as const) {
    const user = await makeUser(accounts, `${role}@alpha.example`);
    await root.setMembership(alpha.id, user.id, role, NOW, { ...audit, organizationId: alpha.id });
    callers.push({ name: `alpha ${role}`, role, headers: await cookieFor(accounts, user) });
  }
  const operator = await makeUser(accounts, 'operator@central.example', true);
  callers.push({ name: 'operator', operator: true, headers: await cookieFor(accounts, operator) });
  for (const access of ['read', 'write'] as const) {
    const made = await createApiToken(accounts, CLI, alpha.id, { name: `${access} token`, access });
    callers.push({ name: `alpha ${access} token`, token: access, headers: { authorization: `Bearer ${made.token}` } });
  }
  const bravoOwner = await makeUser(accounts, 'owner@bravo.example');
  await root.setMembership(bravo.id, bravoOwner.id, 'owner', NOW, { ...audit, organizationId: bravo.id });

  return {
    app,
    accounts,
    services,
    alpha,
    bravo,
    callers,
    quarantineId,
    setNow: (date) => {
      clock.now = date.getTime();
    },
    request: (path, init) => Promise.resolve(api.request(`${ORIGIN}${path}`, init)),
    close: async () => {
      await port.close();
      await app.close();
      await cleanup();
    },
  };
}
