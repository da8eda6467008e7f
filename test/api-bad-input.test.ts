/**
 * Bad input, generated from the route table: every route gets malformed path parameters, query
 * parameters of the wrong type or range, cursors it never gave, and bodies that are not JSON, not
 * an object, or hold fields of the wrong type, from a caller who may use the route (alpha's owner,
 * or the operator for the instance's routes). Every answer must be a 4xx problem naming what is
 * wrong, never a 5xx, and nothing may be written: the audit logs are the same afterwards.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiRoute } from '../src/server/http/api-route.js';
import { API_ROUTES } from '../src/server/http/api.js';
import type { ApiFixture } from './helpers/api-fixture.js';
import { openApiFixture } from './helpers/api-fixture.js';

const BAD_PATH_VALUES = ['%00', 'x'.repeat(400), '..%2F..%2Fetc', "'%20OR%201=1--", '%F0%9F%92%A5', '-1', '9'.repeat(30)];
const BAD_QUERIES = ['limit=abc', 'limit=0', 'limit=100000', 'after=not-a-cursor', 'after=eyJ4IjoxfQ', 'format=xml', 'days=0', 'days=99999', 'since=yesterday', 'phase=done', 'state=gone', 'offline=maybe', 'domain=%00'];
const BAD_BODIES: readonly { readonly body: string; readonly type: string }[] = [
  { body: '{"unterminated":', type: 'application/json' },
  { body: '[1,2,3]', type: 'application/json' },
  { body: 'null', type: 'application/json' },
  { body: '"a string"', type: 'application/json' },
  { body: 'a=b', type: 'application/x-www-form-urlencoded' },
  { body: '{}', type: 'application/json' },
];

/** Each field of the example body set to a value of the wrong type. */
function wrongTypedBodies(example: unknown): string[] {
  if (typeof example !== 'object' || example === null) return [];
  const bodies: string[] = [];
  for (const key of Object.keys(example)) {
    // (null and '' are left out: some fields are nullable or optional, e.g. a decision removed, an empty note.)
    for (const wrong of [12345, { nested: true }, ['x'], 'x'.repeat(5000)]) bodies.push(JSON.stringify({ ...example, [key]: wrong }));
  }
  return bodies;
}

function pathWith(route: ApiRoute, f: ApiFixture, bad?: { name: string; value: string }): string {
  const good: Record<string, string> = {
    org: f.alpha.slug,
    domain: f.alpha.domain,
    sender: f.alpha.sender,
    email: f.alpha.victimEmail,
    tokenId: f.alpha.victimTokenId,
    invitationId: f.alpha.victimInvitationId,
    id: route.route.path.includes('/quarantine/') ? String(f.quarantineId) : route.route.path.includes('/tls-reports/') ? String(f.alpha.tlsReportId) : String(f.alpha.failureReportId),
  };
  return route.route.path.replace(/\{(\w+)\}/g, (_, name: string) => (bad?.name === name ? bad.value : encodeURIComponent(good[name] ?? '')));
}

function headersFor(route: ApiRoute, f: ApiFixture): Record<string, string> {
  const who = route.access.kind === 'instance' ? 'operator' : 'alpha owner';
  return { ...(f.callers.find((c) => c.name === who)?.headers ?? {}) };
}

async function auditCounts(f: ApiFixture): Promise<number[]> {
  const counts: number[] = [];
  for (const org of [null, f.alpha.id, f.bravo.id]) counts.push((await f.accounts.root.listAudit(org, { limit: 1000 })).items.length);
  return counts;
}

test('bad input: every route answers malformed paths, queries, cursors and bodies with a 4xx problem, never a 5xx, and writes nothing', async () => {
  const opened = await openApiFixture('sqlite');
  if ('skip' in opened) throw new Error(opened.skip);
  const f: ApiFixture = opened;
  try {
    const before = await auditCounts(f);
    let tried = 0;
    for (const route of API_ROUTES) {
      const method = route.route.method.toUpperCase();
      const headers = headersFor(route, f);
      const expect4xx = async (path: string, init: RequestInit, what: string): Promise<void> => {
        const response = await f.request(path, { method, ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } });
        const text = await response.text();
        tried++;
        assert.ok(response.status >= 400 && response.status < 500, `${method} ${route.route.path} with ${what}: ${response.status} ${text.slice(0, 300)}`);
        if (response.status !== 405) assert.equal(response.headers.get('content-type'), 'application/problem+json', `${method} ${route.route.path} with ${what}: not a problem document`);
      };
      const params = [...route.route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string).filter((name) => name !== 'org' || true);
      for (const name of params) {
        for (const value of BAD_PATH_VALUES) {
          if (name === 'email' && value === '-1') continue;
          await expect4xx(pathWith(route, f, { name, value }), bodyInit(route), `path ${name}=${value.slice(0, 20)}`);
        }
      }
      const queryNames = Object.keys((route.route.request?.query as { shape?: Record<string, unknown> } | undefined)?.shape ?? {});
      for (const query of BAD_QUERIES) {
        if (!queryNames.includes(query.split('=')[0] as string)) continue;
        await expect4xx(`${pathWith(route, f)}?${query}`, bodyInit(route), `query ${query}`);
      }
      if (route.route.request?.body !== undefined) {
        const bodies = [...BAD_BODIES.map((b) => ({ body: b.body, type: b.type })), ...wrongTypedBodies(route.exampleBody).map((body) => ({ body, type: 'application/json' }))];
        for (const { body, type } of bodies) {
          // {} is valid for a route whose fields are all optional; none of this table's are.
          await expect4xx(pathWith(route, f), { body, headers: { 'content-type': type } }, `body ${body.slice(0, 40)}`);
        }
      }
    }
    assert.ok(tried > 300, `only ${tried} bad requests were tried`);
    assert.deepEqual(await auditCounts(f), before, 'a refused request wrote something');
  } finally {
    await f.close();
  }
});

/** A route's usual body (its example, or an upload), so that only the part under test is bad. */
function bodyInit(route: ApiRoute): RequestInit {
  if (route.exampleBody !== undefined) return { body: JSON.stringify(route.exampleBody), headers: { 'content-type': 'application/json' } };
  return {};
}
