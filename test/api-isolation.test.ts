/**
 * Tenant isolation, proven from the route table (server/http/api.ts, API_ROUTES): for every route,
 * every kind of caller (nobody, each role in organisation alpha, an instance operator, alpha's read
 * and read-write tokens) and, for organisation routes, alpha's own organisation and bravo's, the
 * status is what the route's access declaration says (401 without credentials, 404 for an
 * organisation the caller cannot see, 403 for a permission it lacks, never 500), and no answer to
 * a caller who cannot see bravo holds any of bravo's data. Each route gets a fresh instance (writes
 * of one route cannot hide another's leak). The hono app's registered routes must all come from the
 * table: a route added any other way fails here. Run on SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holds, sees } from '../src/app/accounts/access.js';
import type { Principal } from '../src/app/accounts/access.js';
import type { ApiRoute } from '../src/server/http/api-route.js';
import { API_ROUTES, createApi } from '../src/server/http/api.js';
import type { ApiFixture, Caller, OrgFixture, StoreKind } from './helpers/api-fixture.js';
import { openApiFixture } from './helpers/api-fixture.js';

/** The caller as a principal, to ask the access rules what it may do. */
function principalOf(caller: Caller, alphaId: number): Principal {
  if (caller.token !== undefined) return { kind: 'token', tokenId: 'x', organizationId: alphaId, access: caller.token };
  if (caller.role === undefined && caller.operator !== true) return { kind: 'anonymous' };
  return { kind: 'user', userId: 1, email: 'x', operator: caller.operator === true, roles: new Map(caller.role ? [[alphaId, caller.role]] : []) };
}

function pathFor(route: ApiRoute, org: OrgFixture, fixture: ApiFixture): string {
  const values: Record<string, string> = {
    org: org.slug,
    domain: org.domain,
    sender: org.sender,
    email: org.victimEmail,
    tokenId: org.victimTokenId,
    invitationId: org.victimInvitationId,
    id: route.route.path.includes('/quarantine/') ? String(fixture.quarantineId) : route.route.path.includes('/tls-reports/') ? String(org.tlsReportId) : String(org.failureReportId),
  };
  return route.route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${route.route.path}: the isolation test has no value for {${name}}: add one`);
    return encodeURIComponent(value);
  });
}

function bodyFor(route: ApiRoute): RequestInit {
  if (route.route.request?.body === undefined) {
    return route.route.path.endsWith('/reports') && route.route.method === 'post' ? { body: 'not a report', headers: { 'content-type': 'application/octet-stream' } } : {};
  }
  if (route.exampleBody === undefined) throw new Error(`${route.route.method} ${route.route.path} takes a body but declares no exampleBody`);
  return { body: JSON.stringify(route.exampleBody), headers: { 'content-type': 'application/json' } };
}

type Expected = 'allowed' | 401 | 403 | 404;

/** The codes of refusals by the access layer (api.ts, accounts.ts requireHolds). */
const ACCESS_CODES = new Set(['not-signed-in', 'bad-token', 'operator-only', 'role-too-low', 'no-such-organization', 'cross-site-request']);

function expected(route: ApiRoute, caller: Caller, principal: Principal, target: OrgFixture | undefined): Expected {
  const access = route.access;
  if (access.kind === 'public') return 'allowed';
  if (principal.kind === 'anonymous') return 401;
  if (access.kind === 'signed-in') return 'allowed';
  if (access.kind === 'instance') return caller.operator === true ? 'allowed' : 403;
  const org = (target as OrgFixture).id;
  if (holds(principal, org, access.permission)) return 'allowed';
  return sees(principal, org) ? 403 : 404;
}

async function runRoute(kind: StoreKind, route: ApiRoute): Promise<void> {
  const opened = await openApiFixture(kind);
  if ('skip' in opened) throw new Error(opened.skip);
  const fixture: ApiFixture = opened;
  try {
    const targets: (OrgFixture | undefined)[] = route.access.kind === 'organization' || route.route.path.includes('{org}') ? [fixture.alpha, fixture.bravo] : [undefined];
    for (const target of targets) {
      for (const caller of fixture.callers) {
        const principal = principalOf(caller, fixture.alpha.id);
        const path = pathFor(route, target ?? fixture.alpha, fixture);
        const init = bodyFor(route);
        const response = await fixture.request(path, { method: route.route.method.toUpperCase(), ...init, headers: { ...caller.headers, ...(init.headers as Record<string, string> | undefined) } });
        const text = await response.text();
        const what: string = `${route.route.method.toUpperCase()} ${path} as ${caller.name}: ${response.status} ${text.slice(0, 300)}`;
        assert.ok(response.status < 500, what);
        const want = expected(route, caller, principal, target);
        if (want === 'allowed') {
          // The route's own answer may refuse (a wrong password, set-up closed); the access layer's never.
          const code = /"code":"([^"]+)"/.exec(text)?.[1];
          assert.ok(code === undefined || !ACCESS_CODES.has(code), `${what}: expected to be allowed`);
          if (route.access.kind !== 'public') assert.notEqual(response.status, 401, `${what}: expected to be allowed`);
        } else {
          assert.equal(response.status, want, what);
          if (want === 404) assert.match(text, /no-such-organization/, what);
        }
        // A caller that cannot see bravo never reads bravo's data; alpha's own answers never hold bravo's data either.
        const seesBravo = sees(principal, fixture.bravo.id);
        if (!seesBravo || target === fixture.alpha) {
          for (const marker of fixture.bravo.markers) assert.ok(!text.includes(marker), `${what}: holds bravo's ${marker}`);
        }
      }
    }
  } finally {
    await fixture.close();
  }
}

test('isolation: every route registered on the API comes from the route table, with an access declaration', () => {
  const api = createApi({} as never, { trustedProxies: [], tls: false }, 'test');
  const table = new Set(API_ROUTES.map((r) => `${r.route.method.toUpperCase()} ${r.route.path.replace(/\{(\w+)\}/g, ':$1')}`));
  const registered = api.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`);
  assert.ok(registered.length >= API_ROUTES.length);
  for (const route of registered) assert.ok(table.has(route), `${route} is registered outside the route table`);
  for (const route of API_ROUTES) {
    assert.ok(['public', 'signed-in', 'instance', 'organization'].includes(route.access.kind), `${route.route.path}: no access declaration`);
    if (route.route.path.includes('{org}')) assert.equal(route.access.kind, 'organization', `${route.route.path} names an organisation, so its access must be declared per organisation`);
  }
});

for (const kind of ['sqlite', 'postgres'] as const) {
  const probe = kind === 'postgres' ? await openApiFixture('postgres') : undefined;
  const skip = probe !== undefined && 'skip' in probe ? probe.skip : false;
  if (probe !== undefined && !('skip' in probe)) await probe.close();
  for (const route of API_ROUTES) {
    test(`isolation (${kind}): ${route.route.method.toUpperCase()} ${route.route.path}`, { skip }, () => runRoute(kind, route));
  }
}
