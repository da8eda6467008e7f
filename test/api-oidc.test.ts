/**
 * Single sign-on against a real OpenID provider (oidc-provider on 127.0.0.1, helpers/oidc-provider.ts):
 * the API runs in-process over a real SQLite store (helpers/api-fixture.ts) and the test is the
 * browser, following the redirects to the provider over HTTP and back to the API's callback.
 * Checked: the authorization request (state, nonce, PKCE S256), the sealed login cookie, the
 * session cookie working on /api/v1/me, users created and matched by e-mail, groups mapped to
 * roles (and changed at the next sign-in), the operator flag, the audit log, and every refusal:
 * a wrong or missing state, a sign-in older than 10 minutes, the provider's error, a code used
 * twice, no e-mail, an unverified e-mail, a disabled user, an unknown user when users are not
 * created, a provider that is down, and no single sign-on configured; and `serve`'s wiring over its
 * real HTTP listener with the secret from a file. Nothing secret is logged.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLI } from '../src/app/accounts/access.js';
import { findUser, setUserDisabled } from '../src/app/accounts/accounts.js';
import { resolveConfig } from '../src/app/config.js';
import type { OidcSettings } from '../src/app/http-settings.js';
import { createIngestPort } from '../src/app/ingest.js';
import { openApp } from '../src/app/open-app.js';
import { startWebApi } from '../src/server/web-api.js';
import type { OidcClient } from '../src/server/http/oidc-client.js';
import { createOidcClient } from '../src/server/http/oidc-client.js';
import type { ApiFixture } from './helpers/api-fixture.js';
import { NOW, ORIGIN, openApiFixture } from './helpers/api-fixture.js';
import type { TestProvider } from './helpers/oidc-provider.js';
import { startTestProvider } from './helpers/oidc-provider.js';

const REDIRECT_URI = `${ORIGIN}/api/v1/oidc/callback`;

let provider: TestProvider;
/** Everything the API logged, in every test: checked for secrets at the end. */
const logged: string[] = [];
/** Every secret seen: the client secret, codes, session cookies. */
const secrets = new Set<string>();

before(async () => {
  provider = await startTestProvider({ redirectUri: REDIRECT_URI });
  secrets.add(provider.clientSecret);
  provider.accounts.set('ann', { email: 'Ann@Alpha.example', email_verified: true, name: 'Ann Example', groups: ['alpha-admins', 'bravo-viewers', 'staff'] });
  provider.accounts.set('viewer', { email: 'Viewer@Alpha.example', email_verified: true, name: 'Vera', groups: ['alpha-analysts'] });
  provider.accounts.set('no-email', { name: 'No Mail', groups: ['alpha-admins'] });
  provider.accounts.set('unverified', { email: 'unverified@alpha.example', email_verified: false, groups: ['alpha-admins'] });
  provider.accounts.set('ops', { email: 'ops@central.example', email_verified: true, groups: ['dmarc-operators'] });
});

after(async () => {
  await provider.close();
});

function settingsFor(p: { issuer: string; clientId: string }, change: Partial<OidcSettings> = {}): OidcSettings {
  return {
    issuer: p.issuer,
    clientId: p.clientId,
    clientSecret: { env: 'UNUSED' },
    redirectUri: REDIRECT_URI,
    scopes: ['openid', 'email', 'profile', 'groups'],
    groupsClaim: 'groups',
    roleMappings: [
      { group: 'alpha-admins', organization: 'alpha', role: 'admin' },
      { group: 'alpha-analysts', organization: 'alpha', role: 'analyst' },
      { group: 'staff', organization: 'alpha', role: 'viewer' },
      { group: 'bravo-viewers', organization: 'bravo', role: 'viewer' },
      { group: 'staff', organization: 'no-such-org', role: 'viewer' },
    ],
    operatorGroups: ['dmarc-operators'],
    createUsers: true,
    ...change,
  };
}

async function withOidc(body: (f: ApiFixture, oidc: OidcClient) => Promise<void>, options: { readonly settings?: Partial<OidcSettings>; readonly provider?: TestProvider; readonly secret?: string } = {}): Promise<void> {
  const p = options.provider ?? provider;
  const log = (message: string) => void logged.push(message);
  const oidc = createOidcClient(settingsFor(p, options.settings), options.secret ?? p.clientSecret, log);
  const opened = await openApiFixture('sqlite', { oidc, log });
  if ('skip' in opened) throw new Error(opened.skip);
  try {
    await body(opened, oidc);
  } finally {
    await opened.close();
  }
}

/** Cookies of one browser at the provider (its session there: a second sign-in needs no login). */
type Jar = Map<string, string>;

function remember(jar: Jar, response: Response): void {
  for (const header of response.headers.getSetCookie()) {
    const pair = header.split(';')[0] as string;
    const eq = pair.indexOf('=');
    const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
    if (/max-age=0|expires=thu, 01 jan 1970/i.test(header) || value === '') jar.delete(name);
    else jar.set(name, value);
  }
}

function cookieHeader(jar: Jar): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

function cookieValue(response: Response, name: string): string | undefined {
  const header = response.headers.getSetCookie().find((h) => h.startsWith(`${name}=`));
  return header === undefined ? undefined : (header.split(';')[0] as string).slice(name.length + 1);
}

interface Started {
  /** The provider's authorization URL. */
  readonly authorize: URL;
  /** The sealed login cookie's value. */
  readonly loginCookie: string;
}

async function startLogin(f: ApiFixture): Promise<Started> {
  const login = await f.request('/api/v1/oidc/login');
  assert.equal(login.status, 302, await login.clone().text());
  const loginCookie = cookieValue(login, 'dmarcpilot_oidc');
  assert.ok(loginCookie, 'the login sets its cookie');
  return { authorize: new URL(login.headers.get('location') ?? ''), loginCookie };
}

/** Follows the provider's redirects as a browser would, signing in `account`; the callback URL it sends the browser to. */
async function atProvider(authorize: URL, account: string, jar: Jar, p: TestProvider = provider): Promise<URL> {
  p.signInAs = account;
  let next = authorize;
  for (let hop = 0; hop < 12; hop++) {
    if (next.href.startsWith(REDIRECT_URI)) {
      const code = next.searchParams.get('code');
      if (code !== null) secrets.add(code);
      return next;
    }
    const response = await fetch(next, { redirect: 'manual', headers: { cookie: cookieHeader(jar) } });
    remember(jar, response);
    const location = response.headers.get('location');
    assert.ok(response.status >= 300 && response.status < 400 && location !== null, `the provider answered ${response.status}: ${await response.text()}`);
    next = new URL(location, next);
  }
  throw new Error('the provider never sent the browser back');
}

async function callback(f: ApiFixture, url: URL, loginCookie: string | undefined): Promise<Response> {
  return f.request(`${url.pathname}${url.search}`, loginCookie === undefined ? {} : { headers: { cookie: `dmarcpilot_oidc=${loginCookie}` } });
}

/** The whole single sign-on of `account`; the callback's answer. */
async function signIn(f: ApiFixture, account: string, jar: Jar = new Map()): Promise<Response> {
  const started = await startLogin(f);
  const back = await atProvider(started.authorize, account, jar);
  const response = await callback(f, back, started.loginCookie);
  const session = cookieValue(response, 'dmarcpilot_session');
  if (session) secrets.add(session);
  return response;
}

async function problemOf(response: Response): Promise<{ status: number; code: string; detail: string }> {
  assert.equal(response.headers.get('content-type'), 'application/problem+json', `status ${response.status}`);
  const body = (await response.json()) as { code: string; detail: string };
  return { status: response.status, code: body.code, detail: body.detail };
}

interface Me {
  email: string;
  operator: boolean;
  organizations: { slug: string; role: string | null }[];
}

async function me(f: ApiFixture, signedIn: Response): Promise<Me> {
  const session = cookieValue(signedIn, 'dmarcpilot_session');
  assert.ok(session, 'the callback sets the session cookie');
  const response = await f.request('/api/v1/me', { headers: { cookie: `dmarcpilot_session=${session}` } });
  assert.equal(response.status, 200);
  return (await response.json()) as Me;
}

const roles = (body: Me): Record<string, string | null> => Object.fromEntries(body.organizations.map((o) => [o.slug, o.role]));

test('oidc: login redirects to the provider with state, nonce and PKCE S256, and keeps them in a sealed HttpOnly cookie for 10 minutes', async () => {
  await withOidc(async (f) => {
    const login = await f.request('/api/v1/oidc/login');
    assert.equal(login.status, 302);
    const url = new URL(login.headers.get('location') ?? '');
    assert.equal(url.origin, provider.issuer);
    assert.equal(url.pathname, '/auth');
    const q = url.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), provider.clientId);
    assert.equal(q.get('redirect_uri'), REDIRECT_URI);
    assert.equal(q.get('scope'), 'openid email profile groups');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.match(q.get('state') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.match(q.get('nonce') ?? '', /^[A-Za-z0-9_-]{43}$/);
    const header = login.headers.getSetCookie().find((h) => h.startsWith('dmarcpilot_oidc=')) ?? '';
    assert.match(header, /HttpOnly/);
    assert.match(header, /SameSite=Lax/);
    assert.match(header, /Path=\/api\/v1\/oidc/);
    assert.match(header, /Max-Age=600/);
    // Sealed: neither the state nor the nonce can be read from the cookie.
    const value = cookieValue(login, 'dmarcpilot_oidc') ?? '';
    const opened = Buffer.from(value, 'base64url').toString('latin1');
    assert.ok(!opened.includes(q.get('state') as string) && !opened.includes(q.get('nonce') as string));
    // A second login gets a state of its own.
    const again = new URL((await f.request('/api/v1/oidc/login')).headers.get('location') ?? '');
    assert.notEqual(again.searchParams.get('state'), q.get('state'));
  });
});

test('oidc: a first sign-in creates the user without a password, maps groups to roles, and its session cookie works on /me; the next sign-in follows changed groups', async () => {
  await withOidc(async (f) => {
    const tokenCalls = provider.hits.get('/token') ?? 0;
    const jar: Jar = new Map();
    const first = await signIn(f, 'ann', jar);
    assert.equal(first.status, 302, await first.clone().text());
    assert.equal(first.headers.get('location'), '/');
    assert.equal(provider.hits.get('/token'), tokenCalls + 1, 'the code was exchanged');
    const sessionHeader = first.headers.getSetCookie().find((h) => h.startsWith('dmarcpilot_session=')) ?? '';
    assert.match(sessionHeader, /^dmarcpilot_session=[A-Za-z0-9_-]{43};/);
    assert.match(sessionHeader, /HttpOnly/);
    assert.match(sessionHeader, /SameSite=Lax/);
    assert.match(sessionHeader, /Path=\//);
    assert.match(first.headers.getSetCookie().find((h) => h.startsWith('dmarcpilot_oidc=')) ?? '', /Max-Age=0/, 'the login cookie is spent');

    const ann = await me(f, first);
    assert.equal(ann.email, 'ann@alpha.example', 'stored lower-cased');
    assert.equal(ann.operator, false);
    // alpha-admins (admin) beats staff (viewer); bravo-viewers; no-such-org is skipped.
    assert.deepEqual(roles(ann), { alpha: 'admin', bravo: 'viewer' });
    const stored = await f.accounts.root.findUserByEmail('ann@alpha.example');
    assert.equal(stored?.passwordHash, null, 'a user made by single sign-on has no password');
    assert.equal(stored?.name, 'Ann Example');
    assert.ok(logged.some((line) => line.includes('no-such-org')), 'the unknown organisation of a mapping is logged');

    // The role really works: an admin of alpha reads its members.
    const session = cookieValue(first, 'dmarcpilot_session') as string;
    assert.equal((await f.request('/api/v1/organizations/alpha/members', { headers: { cookie: `dmarcpilot_session=${session}` } })).status, 200);

    // The audit log says who did it.
    const audit = await f.accounts.root.listAudit(f.alpha.id, { limit: 50 });
    const entry = audit.items.find((e) => e.subject === 'ann@alpha.example' && e.action === 'member.add');
    assert.ok(entry, JSON.stringify(audit.items));
    assert.equal(entry.actor, `oidc:${provider.issuer}`);
    assert.deepEqual([entry.before, entry.after], [null, { role: 'admin' }]);
    assert.ok(logged.some((line) => line.includes('ann@alpha.example signed in') && line.includes('alpha: not a member → admin (groups alpha-admins, staff)')), logged.join('\n'));
    const created = (await f.accounts.root.listAudit(null, { limit: 50 })).items.find((e) => e.action === 'user.add' && e.subject === 'ann@alpha.example');
    assert.equal(created?.actor, `oidc:${provider.issuer}`);

    // The provider now puts Ann in alpha-analysts only: alpha is lowered; bravo, mapped before, stays.
    provider.accounts.set('ann', { email: 'ann@alpha.example', email_verified: true, name: 'Ann Example', groups: ['alpha-analysts'] });
    const second = await signIn(f, 'ann', jar);
    assert.equal(second.status, 302, await second.clone().text());
    assert.deepEqual(roles(await me(f, second)), { alpha: 'analyst', bravo: 'viewer' });
    const lowered = (await f.accounts.root.listAudit(f.alpha.id, { limit: 50 })).items.find((e) => e.subject === 'ann@alpha.example' && e.action === 'member.role');
    assert.deepEqual([lowered?.actor, lowered?.before, lowered?.after], [`oidc:${provider.issuer}`, { role: 'admin' }, { role: 'analyst' }]);
    // The first session is still its own: sessions are new at each sign-in.
    assert.notEqual(cookieValue(second, 'dmarcpilot_session'), session);
  });
});

test('oidc: an existing user is matched by e-mail whatever its case; operator groups give the operator flag', async () => {
  await withOidc(async (f) => {
    const viewer = await signIn(f, 'viewer');
    assert.equal(viewer.status, 302, await viewer.clone().text());
    const body = await me(f, viewer);
    assert.equal(body.email, 'viewer@alpha.example');
    assert.deepEqual(roles(body), { alpha: 'analyst' }, 'raised from viewer by alpha-analysts');
    assert.equal((await f.accounts.root.findUserByEmail('viewer@alpha.example'))?.passwordHash === null, false, 'the local password stays');

    const ops = await signIn(f, 'ops');
    assert.equal(ops.status, 302, await ops.clone().text());
    const operator = await me(f, ops);
    assert.equal(operator.operator, true);
    assert.ok(operator.organizations.some((o) => o.slug === 'bravo'), 'an operator sees every organisation');
  });
});

test('oidc: claims only in the ID token are enough (no userinfo request)', async () => {
  const inToken = await startTestProvider({ redirectUri: REDIRECT_URI, claimsInIdToken: true });
  try {
    inToken.accounts.set('ann', { email: 'ann@alpha.example', email_verified: true, groups: ['alpha-admins'] });
    await withOidc(
      async (f) => {
        const started = await startLogin(f);
        const back = await atProvider(started.authorize, 'ann', new Map(), inToken);
        const response = await callback(f, back, started.loginCookie);
        assert.equal(response.status, 302, await response.clone().text());
        assert.deepEqual(roles(await me(f, response)), { alpha: 'admin' });
        assert.equal(inToken.hits.get('/me'), undefined, 'userinfo was not asked');
      },
      { provider: inToken },
    );
  } finally {
    await inToken.close();
  }
});

test('oidc: a callback whose state is not the browser’s, or without the login cookie, is refused (400 oidc-bad-state) before the code is exchanged', async () => {
  await withOidc(async (f) => {
    const started = await startLogin(f);
    const back = await atProvider(started.authorize, 'ann', new Map());
    const tokenCalls = provider.hits.get('/token') ?? 0;

    const tampered = new URL(back);
    tampered.searchParams.set('state', 'x'.repeat(43));
    const wrongStateResponse = await callback(f, tampered, started.loginCookie);
    assert.match(wrongStateResponse.headers.getSetCookie().find((h) => h.startsWith('dmarcpilot_oidc=')) ?? '', /Max-Age=0/, 'a refused callback spends the login cookie too');
    const wrongState = await problemOf(wrongStateResponse);
    assert.deepEqual([wrongState.status, wrongState.code], [400, 'oidc-bad-state']);

    const noCookie = await problemOf(await callback(f, back, undefined));
    assert.deepEqual([noCookie.status, noCookie.code], [400, 'oidc-bad-state']);

    // The cookie of another sign-in in this browser (a login started later) does not fit.
    const other = await startLogin(f);
    const otherCookie = await problemOf(await callback(f, back, other.loginCookie));
    assert.deepEqual([otherCookie.status, otherCookie.code], [400, 'oidc-bad-state']);

    const forged = await problemOf(await callback(f, back, `${started.loginCookie.slice(0, -4)}AAAA`));
    assert.deepEqual([forged.status, forged.code], [400, 'oidc-bad-state']);
    assert.equal(provider.hits.get('/token') ?? 0, tokenCalls, 'no code was exchanged');

    // The right cookie still works: nothing above spent the code.
    const good = await callback(f, back, started.loginCookie);
    assert.equal(good.status, 302, await good.clone().text());
  });
});

test('oidc: an ID token with another nonce, or a code issued for another PKCE challenge, is refused (401 oidc-exchange-failed)', async () => {
  await withOidc(async (f) => {
    const from = logged.length;
    for (const param of ['nonce', 'code_challenge']) {
      const started = await startLogin(f);
      // What an attacker who swapped the request would get: the provider signs what it was sent.
      const swapped = new URL(started.authorize);
      swapped.searchParams.set(param, param === 'nonce' ? 'n'.repeat(43) : 'c'.repeat(43));
      const back = await atProvider(swapped, 'ann', new Map());
      const refused = await callback(f, back, started.loginCookie);
      assert.equal(cookieValue(refused, 'dmarcpilot_session'), undefined, param);
      const problem = await problemOf(refused);
      assert.deepEqual([problem.status, problem.code], [401, 'oidc-exchange-failed'], param);
    }
    const lines = logged.slice(from);
    assert.ok(lines[0]?.includes('code exchange failed') && lines[0].includes('"nonce"'), lines.join('\n'));
    assert.ok(lines[1]?.includes('code exchange failed') && lines[1].includes('invalid_grant'), lines.join('\n'));
    assert.equal(await f.accounts.root.findUserByEmail('ann@alpha.example'), undefined, 'no user made');
  });
});

test('oidc: a login cookie sealed with another client secret does not open', async () => {
  let sealed = '';
  await withOidc(
    async (f) => {
      sealed = (await startLogin(f)).loginCookie;
    },
    { secret: 'another secret entirely' },
  );
  await withOidc(async (f) => {
    const started = await startLogin(f);
    const back = await atProvider(started.authorize, 'ann', new Map());
    const refused = await problemOf(await callback(f, back, sealed));
    assert.deepEqual([refused.status, refused.code], [400, 'oidc-bad-state']);
  });
});

test('oidc: a sign-in that took longer than 10 minutes is refused', async () => {
  await withOidc(async (f) => {
    const started = await startLogin(f);
    const back = await atProvider(started.authorize, 'ann', new Map());
    f.setNow(new Date(NOW.getTime() + 11 * 60_000));
    const late = await problemOf(await callback(f, back, started.loginCookie));
    assert.deepEqual([late.status, late.code], [400, 'oidc-bad-state']);
    assert.match(late.detail, /10 minutes/);
  });
});

test("oidc: the provider's error is answered 401 oidc-provider-error and logged; a code used twice is 401 oidc-exchange-failed", async () => {
  await withOidc(async (f) => {
    const started = await startLogin(f);
    const state = started.authorize.searchParams.get('state') as string;
    const denied = new URL(REDIRECT_URI);
    denied.search = new URLSearchParams({ error: 'access_denied', error_description: 'the user said no', state, iss: provider.issuer }).toString();
    const refused = await problemOf(await callback(f, denied, started.loginCookie));
    assert.deepEqual([refused.status, refused.code], [401, 'oidc-provider-error']);
    assert.match(refused.detail, /access_denied/);
    assert.ok(logged.some((line) => line.includes('access_denied') && line.includes('the user said no')));

    const again = await startLogin(f);
    const back = await atProvider(again.authorize, 'ann', new Map());
    assert.equal((await callback(f, back, again.loginCookie)).status, 302);
    const replay = await problemOf(await callback(f, back, again.loginCookie));
    assert.deepEqual([replay.status, replay.code], [401, 'oidc-exchange-failed']);
    assert.ok(logged.some((line) => line.includes('code exchange failed') && line.includes('invalid_grant')), logged.join('\n'));
  });
});

test('oidc: a user without an e-mail address, or with one the provider has not verified, is refused and not created', async () => {
  await withOidc(async (f) => {
    const noEmail = await problemOf(await signIn(f, 'no-email'));
    assert.deepEqual([noEmail.status, noEmail.code], [403, 'oidc-email-missing']);
    const unverified = await problemOf(await signIn(f, 'unverified'));
    assert.deepEqual([unverified.status, unverified.code], [403, 'oidc-email-unverified']);
    assert.equal(await f.accounts.root.findUserByEmail('unverified@alpha.example'), undefined);
    const users = await f.accounts.root.listUsers({ limit: 100 });
    assert.ok(users.items.every((u) => u.name !== 'No Mail'));
  });
});

test('oidc: a disabled user is refused and nothing about them changes', async () => {
  await withOidc(async (f) => {
    const viewer = await findUser(f.accounts, 'viewer@alpha.example');
    await setUserDisabled(f.accounts, CLI, viewer.id, true);
    const refused = await signIn(f, 'viewer');
    assert.equal(cookieValue(refused, 'dmarcpilot_session'), undefined);
    const problem = await problemOf(refused);
    assert.deepEqual([problem.status, problem.code], [403, 'user-disabled']);
    assert.equal((await f.accounts.root.getMembership(f.alpha.id, viewer.id))?.role, 'viewer', 'the mapping to analyst was not applied');
  });
});

test('oidc: with createUsers off, an unknown user is refused; a known one signs in', async () => {
  await withOidc(
    async (f) => {
      const unknown = await problemOf(await signIn(f, 'ann'));
      assert.deepEqual([unknown.status, unknown.code], [403, 'oidc-user-unknown']);
      assert.equal(await f.accounts.root.findUserByEmail('ann@alpha.example'), undefined);
      assert.equal((await signIn(f, 'viewer')).status, 302);
    },
    { settings: { createUsers: false } },
  );
});

test('oidc: a provider that does not answer gives 503 oidc-unavailable, and is tried again at the next sign-in', async () => {
  const down = await startTestProvider({ redirectUri: REDIRECT_URI });
  const issuer = down.issuer;
  await down.close();
  const log = (message: string) => void logged.push(message);
  const oidc = createOidcClient(settingsFor({ issuer, clientId: 'x' }), 'some secret', log);
  const opened = await openApiFixture('sqlite', { oidc, log });
  if ('skip' in opened) throw new Error(opened.skip);
  try {
    for (let i = 0; i < 2; i++) {
      const problem = await problemOf(await opened.request('/api/v1/oidc/login'));
      assert.deepEqual([problem.status, problem.code], [503, 'oidc-unavailable']);
    }
    assert.equal(logged.filter((line) => line.includes(`discovery of ${issuer} failed`)).length, 2, 'a failed discovery is not kept');
  } finally {
    await opened.close();
  }
});

test('oidc: without single sign-on configured both routes answer 404 oidc-not-configured', async () => {
  const opened = await openApiFixture('sqlite');
  if ('skip' in opened) throw new Error(opened.skip);
  try {
    for (const path of ['/api/v1/oidc/login', '/api/v1/oidc/callback?code=x&state=y']) {
      const problem = await problemOf(await opened.request(path));
      assert.deepEqual([problem.status, problem.code], [404, 'oidc-not-configured'], path);
    }
  } finally {
    await opened.close();
  }
});

test('oidc: serve wires it from the configuration: over its HTTP listener, a sign-in with the secret from http.oidc.clientSecretFile', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-oidc-'));
  const secretFile = join(dir, 'oidc-secret');
  writeFileSync(secretFile, `${provider.clientSecret}\n`);
  const text = JSON.stringify({
    db: join(dir, 'store.sqlite'),
    http: { listen: '127.0.0.1:0', publicOrigin: ORIGIN, oidc: { issuer: provider.issuer, clientId: provider.clientId, clientSecretFile: secretFile, scopes: 'openid email profile groups', operatorGroups: ['dmarc-operators'] } },
  });
  const config = resolveConfig({ path: 'serve.json', text }, {}, { dnsServers: ['127.0.0.1:9'], dnsTimeoutMs: 50 }, { receivers: true });
  assert.ok(config.http?.oidc);
  const app = await openApp(config, { log: { info: () => undefined, warn: () => undefined }, openStore: 'start' });
  const port = createIngestPort(app.context);
  const lines: string[] = [];
  const web = await startWebApi(app, config.http, port, 'test', (line) => void lines.push(line));
  try {
    assert.ok(lines.some((line) => line.includes(`single sign-on with ${provider.issuer}`)), lines.join('\n'));
    const login = await fetch(`${web.listener.url}/api/v1/oidc/login`, { redirect: 'manual' });
    assert.equal(login.status, 302);
    const loginCookie = cookieValue(login, 'dmarcpilot_oidc');
    const back = await atProvider(new URL(login.headers.get('location') ?? ''), 'ops', new Map());
    // The browser comes back to the registered callback (the public origin): here, straight to the listener.
    const signedIn = await fetch(`${web.listener.url}${back.pathname}${back.search}`, { redirect: 'manual', headers: { cookie: `dmarcpilot_oidc=${loginCookie ?? ''}` } });
    assert.equal(signedIn.status, 302, await signedIn.clone().text());
    const session = cookieValue(signedIn, 'dmarcpilot_session');
    assert.ok(session);
    secrets.add(session);
    const who = await fetch(`${web.listener.url}/api/v1/me`, { headers: { cookie: `dmarcpilot_session=${session}` } });
    assert.equal(who.status, 200);
    assert.deepEqual(((await who.json()) as Me).operator, true);
    logged.push(...lines);
  } finally {
    await web.listener.close();
    await port.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('oidc: nothing secret was logged (client secret, codes, session cookies)', () => {
  assert.ok(logged.length > 5, `the tests logged: ${logged.join('\n')}`);
  assert.ok(secrets.size > 5);
  for (const line of logged) for (const secret of secrets) assert.ok(!line.includes(secret), `logged a secret: ${line}`);
});
