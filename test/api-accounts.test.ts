/**
 * The HTTP API's accounts and guards, in-process over a real SQLite store (helpers/api-fixture.ts):
 * sign-in and its cookie, failures throttled per account, a session ending when idle or too old,
 * a revoked or expired token refused, CSRF refused for cookie writes, bad input answered 4xx
 * naming the field (never 500, nothing written), domain ownership proven by a TXT record, and an
 * upload stored and visible only once its domain is proven.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resolver } from '../src/core/dns-resolver.js';
import { MemoryResolver } from '../src/dns/memory-resolver.js';
import type { ApiFixture } from './helpers/api-fixture.js';
import { NOW, ORIGIN, PASSWORD, openApiFixture } from './helpers/api-fixture.js';
import { reportXml } from './helpers/sender-history.js';

async function withFixture(body: (f: ApiFixture) => Promise<void>, options: Parameters<typeof openApiFixture>[1] = {}): Promise<void> {
  const opened = await openApiFixture('sqlite', options);
  if ('skip' in opened) throw new Error(opened.skip);
  try {
    await body(opened);
  } finally {
    await opened.close();
  }
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', origin: ORIGIN, ...headers } });

async function problem(response: Response): Promise<{ code: string; errors: { field?: string; code: string }[] }> {
  assert.equal(response.headers.get('content-type'), 'application/problem+json');
  return (await response.json()) as { code: string; errors: { field?: string; code: string }[] };
}

function callerHeaders(f: ApiFixture, name: string): Record<string, string> {
  const caller = f.callers.find((c) => c.name === name);
  if (caller === undefined) throw new Error(name);
  return { ...caller.headers };
}

test('api: sign-in sets an HttpOnly SameSite cookie that works; sign-out ends it', async () => {
  await withFixture(async (f) => {
    const signedIn = await f.request('/api/v1/session', json({ email: 'Viewer@Alpha.example', password: PASSWORD }));
    assert.equal(signedIn.status, 200);
    const cookie = signedIn.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^dmarcpilot_session=[A-Za-z0-9_-]{43};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    const session = cookie.split(';')[0] as string;
    const me = await f.request('/api/v1/me', { headers: { cookie: session } });
    assert.equal(me.status, 200);
    const body = (await me.json()) as { email: string; organizations: { slug: string; role: string }[] };
    assert.equal(body.email, 'viewer@alpha.example');
    assert.deepEqual(body.organizations.map((o) => [o.slug, o.role]), [['alpha', 'viewer']]);
    // Signing in again from the same browser replaces its session.
    const again = await f.request('/api/v1/session', json({ email: 'viewer@alpha.example', password: PASSWORD }, { cookie: session }));
    const rotated = (again.headers.get('set-cookie') ?? '').split(';')[0] as string;
    assert.notEqual(rotated, session);
    assert.equal((await f.request('/api/v1/me', { headers: { cookie: session } })).status, 401, 'the old session ended');
    assert.equal((await f.request('/api/v1/session', { method: 'DELETE', headers: { cookie: rotated, origin: ORIGIN } })).status, 204);
    assert.equal((await f.request('/api/v1/me', { headers: { cookie: rotated } })).status, 401);
    assert.equal((await f.request('/api/v1/me', { headers: { cookie: session } })).status, 401);
  });
});

test('api: a wrong password and an unknown user get the same 401; the sixth failure in a row is throttled (429, Retry-After)', async () => {
  await withFixture(async (f) => {
    const unknown = await f.request('/api/v1/session', json({ email: 'nobody@alpha.example', password: PASSWORD }));
    assert.equal(unknown.status, 401);
    assert.equal((await problem(unknown)).code, 'sign-in-failed');
    for (let i = 0; i < 5; i++) assert.equal((await f.request('/api/v1/session', json({ email: 'admin@alpha.example', password: 'wrong password!' }))).status, 401);
    const throttled = await f.request('/api/v1/session', json({ email: 'admin@alpha.example', password: PASSWORD }));
    assert.equal(throttled.status, 429);
    assert.ok(Number(throttled.headers.get('retry-after')) > 0);
    assert.equal((await problem(throttled)).code, 'sign-in-throttled');
    // Another account from elsewhere is not locked out by it.
    assert.equal((await f.request('/api/v1/session', json({ email: 'analyst@alpha.example', password: PASSWORD }))).status, 200);
  });
});

test('api: a session ends after its idle time and after its absolute lifetime', async () => {
  await withFixture(async (f) => {
    const headers = callerHeaders(f, 'alpha viewer');
    const minute = 60_000;
    f.setNow(new Date(NOW.getTime() + 119 * minute));
    assert.equal((await f.request('/api/v1/me', { headers })).status, 200, 'used within the 2-hour idle time');
    f.setNow(new Date(NOW.getTime() + (119 + 121) * minute));
    assert.equal((await f.request('/api/v1/me', { headers })).status, 401, 'idle for more than 2 hours');
    const other = callerHeaders(f, 'alpha analyst');
    for (let hour = 1; hour <= 13; hour++) {
      f.setNow(new Date(NOW.getTime() + hour * 60 * minute));
      const status = (await f.request('/api/v1/me', { headers: other })).status;
      assert.equal(status, hour < 12 ? 200 : 401, `after ${hour} h of use`);
    }
  });
});

test('api: a revoked token is refused at once; an expired one too; a malformed one is 401, never ignored', async () => {
  await withFixture(async (f) => {
    const owner = callerHeaders(f, 'alpha owner');
    const made = await f.request('/api/v1/organizations/alpha/tokens', json({ name: 'short', access: 'read', expiresInDays: 1 }, owner));
    assert.equal(made.status, 201);
    const { token, info } = (await made.json()) as { token: string; info: { id: string } };
    const bearer = { authorization: `Bearer ${token}` };
    assert.equal((await f.request('/api/v1/organizations/alpha/domains', { headers: bearer })).status, 200);
    const listed = await (await f.request('/api/v1/organizations/alpha/tokens', { headers: owner })).text();
    assert.ok(!listed.includes(token.slice('dpk_'.length + 13)), 'a token list never shows the secret');
    assert.equal((await f.request(`/api/v1/organizations/alpha/tokens/${info.id}`, { method: 'DELETE', headers: owner })).status, 200);
    const revoked = await f.request('/api/v1/organizations/alpha/domains', { headers: bearer });
    assert.equal(revoked.status, 401);
    assert.equal((await problem(revoked)).code, 'bad-token');
    const short = await f.request('/api/v1/organizations/alpha/tokens', json({ name: 'one day', access: 'read', expiresInDays: 1 }, owner));
    const shortBearer = { authorization: `Bearer ${((await short.json()) as { token: string }).token}` };
    const read = callerHeaders(f, 'alpha read token');
    f.setNow(new Date(NOW.getTime() + 23 * 3_600_000));
    assert.equal((await f.request('/api/v1/organizations/alpha/domains', { headers: shortBearer })).status, 200, 'within its day');
    f.setNow(new Date(NOW.getTime() + 25 * 3_600_000));
    assert.equal((await f.request('/api/v1/organizations/alpha/domains', { headers: shortBearer })).status, 401, 'expired after its day');
    assert.equal((await f.request('/api/v1/organizations/alpha/domains', { headers: read })).status, 200, 'a token without expiry lasts');
    assert.equal((await f.request('/api/v1/organizations/alpha/domains', { headers: { authorization: 'Bearer dpk_nonsense' } })).status, 401);
    assert.equal((await f.request('/api/v1/organizations/alpha/domains', { headers: { authorization: 'Basic YTpi' } })).status, 401);
  });
});

test('api: a cookie-authenticated write from another origin, or with none, is refused (403); a bearer token needs no Origin', async () => {
  await withFixture(async (f) => {
    const { cookie } = callerHeaders(f, 'alpha owner');
    const body = { method: 'POST', body: JSON.stringify({ domain: 'new.example' }), headers: { 'content-type': 'application/json', cookie: cookie as string } };
    const none = await f.request('/api/v1/organizations/alpha/domains', body);
    assert.equal(none.status, 403);
    assert.equal((await problem(none)).code, 'cross-site-request');
    const evil = await f.request('/api/v1/organizations/alpha/domains', { ...body, headers: { ...body.headers, origin: 'https://evil.example' } });
    assert.equal(evil.status, 403);
    assert.equal((await f.request('/api/v1/organizations/alpha/domains', { ...body, headers: { ...body.headers, origin: ORIGIN } })).status, 201);
    const write = callerHeaders(f, 'alpha write token');
    const decided = await f.request(`/api/v1/organizations/alpha/domains/alpha.example/senders/${encodeURIComponent(f.alpha.sender)}/decision`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'rejected', note: 'spoofing' }),
      headers: { 'content-type': 'application/json', ...write },
    });
    assert.equal(decided.status, 200, await decided.clone().text());
    const detail = (await (await f.request(`/api/v1/organizations/alpha/domains/alpha.example/senders/${encodeURIComponent(f.alpha.sender)}?days=30&offline=true`, { headers: write })).json()) as {
      sourceIps: string[];
      decision: string;
      reporters: { orgName: string; messages: number }[];
      history: { decision: string; note: string }[];
    };
    assert.deepEqual(detail.sourceIps, ['198.51.100.31']);
    assert.deepEqual(detail.reporters.map((r) => [r.orgName, r.messages]), [['reporter-alpha.example', 7]]);
    assert.deepEqual([detail.decision, detail.history[0]?.decision, detail.history[0]?.note], ['rejected', 'rejected', 'spoofing']);
  });
});

test('api: bad input is a 400 naming each field, never a 500, and writes nothing', async () => {
  await withFixture(async (f) => {
    const owner = callerHeaders(f, 'alpha owner');
    const auditBefore = ((await (await f.request('/api/v1/organizations/alpha/audit', { headers: owner })).json()) as { items: unknown[] }).items.length;
    const limit = await problem(await f.request('/api/v1/organizations/alpha/members?limit=0', { headers: owner }));
    assert.deepEqual(limit.errors.map((e) => e.field), ['query.limit']);
    const cursor = await problem(await f.request('/api/v1/organizations/alpha/members?after=bm90LWEtY3Vyc29y', { headers: owner }));
    assert.equal(cursor.code, 'invalid-page');
    assert.equal(cursor.errors[0]?.field, 'query.after');
    const malformed = await f.request('/api/v1/organizations/alpha/domains', { method: 'POST', body: '{"domain":', headers: { 'content-type': 'application/json', ...owner } });
    assert.equal(malformed.status, 400);
    const notDomain = await problem(await f.request('/api/v1/organizations/alpha/domains', json({ domain: 'not a domain' }, owner)));
    assert.equal(notDomain.code, 'not-a-domain');
    assert.equal(notDomain.errors[0]?.field, 'body.domain');
    const tokens = await problem(await f.request('/api/v1/organizations/alpha/tokens', json({ name: '', access: 'admin', expiresInDays: 0 }, owner)));
    assert.deepEqual(tokens.errors.map((e) => e.field).sort(), ['body.access', 'body.expiresInDays'], 'every schema problem at once');
    const role = await problem(await f.request(`/api/v1/organizations/alpha/members/${f.alpha.victimEmail}`, { ...json({ role: 'king' }, owner), method: 'PUT' }));
    assert.equal(role.code, 'not-a-role');
    const big = await f.request('/api/v1/organizations/alpha/domains', json({ domain: 'x'.repeat(2 * 1024 * 1024) }, owner));
    assert.equal(big.status, 413);
    assert.equal((await f.request('/api/v1/nothing-here', { headers: owner })).status, 404);
    const domains = (await (await f.request('/api/v1/organizations/alpha/domains', { headers: owner })).json()) as { items: { domain: string }[] };
    assert.deepEqual(domains.items.map((d) => d.domain), ['alpha.example'], 'nothing was added by the refused requests');
    const audit = (await (await f.request('/api/v1/organizations/alpha/audit', { headers: owner })).json()) as { items: unknown[] };
    assert.equal(audit.items.length, auditBefore, 'nothing refused was audited as done');
  });
});

test('api: a claimed domain is proven by its TXT record; a DNS failure proves nothing; its reports then appear to the organisation', async () => {
  const zone: Record<string, { TXT: string[] } | 'servfail'> = { '_dmarcpilot.broken.example': 'servfail' };
  // The zone as it is at each lookup (the test publishes the record half-way).
  const resolver: Resolver = { ...new MemoryResolver({}), txt: (name) => new MemoryResolver(zone).txt(name), a: () => Promise.resolve({ status: 'nxdomain' }), aaaa: () => Promise.resolve({ status: 'nxdomain' }), mx: () => Promise.resolve({ status: 'nxdomain' }), ptr: () => Promise.resolve({ status: 'nxdomain' }) };
  await withFixture(
    async (f) => {
      const owner = callerHeaders(f, 'alpha owner');
      const claimed = (await (await f.request('/api/v1/organizations/alpha/domains', json({ domain: 'Newly.Example' }, owner))).json()) as { verification: { txtName: string; txtValue: string }; verified: boolean };
      assert.equal(claimed.verification.txtName, '_dmarcpilot.newly.example');
      assert.equal(claimed.verified, false);
      // A report for the domain, uploaded before proof: stored, not shown.
      const begin = Date.UTC(2026, 10, 30) / 1000;
      const xml = reportXml({ org: 'upload-reporter.example', reportId: 'up-1', domain: 'newly.example', begin, end: begin + 86_399, p: 'none', rows: [{ ip: '192.0.2.99', count: 3, dkim: 'pass', spf: 'pass', authDkim: [{ domain: 'newly.example', selector: 's1', result: 'pass' }], authSpf: [{ domain: 'newly.example', result: 'pass' }] }] });
      const uploaded = await f.request('/api/v1/organizations/alpha/reports', { method: 'POST', body: xml, headers: { 'content-type': 'application/xml', origin: ORIGIN, cookie: owner['cookie'] as string } });
      assert.deepEqual(await uploaded.json(), { newReports: 1, duplicateReports: 0, records: 1, rejected: 0 });
      const uploads = (await (await f.request('/api/v1/organizations/alpha/audit', { headers: owner })).json()) as { items: { action: string; after: { bytes: number; newReports: number } }[] };
      assert.deepEqual([uploads.items[0]?.action, uploads.items[0]?.after.bytes, uploads.items[0]?.after.newReports], ['reports.upload', xml.length, 1], 'the upload is audited');
      const tooBig = await f.request('/api/v1/organizations/alpha/reports', { method: 'POST', body: new Uint8Array(1024 * 1024 + 1), headers: { 'content-type': 'application/octet-stream', origin: ORIGIN, cookie: owner['cookie'] as string } });
      assert.equal(tooBig.status, 413, 'past the upload limit (1 MiB in the fixture)');
      assert.equal((await problem(tooBig)).code, 'body-too-large');
      assert.equal((await f.request('/api/v1/organizations/alpha/domains/newly.example/series?days=30', { headers: owner })).status, 404, 'not proven yet: not visible');
      const notYet = (await (await f.request('/api/v1/organizations/alpha/domains/newly.example/verify', { method: 'POST', headers: owner })).json()) as { verified: boolean; checkError: string };
      assert.equal(notYet.verified, false);
      assert.match(notYet.checkError, /no TXT record at _dmarcpilot\.newly\.example/);
      zone['_dmarcpilot.newly.example'] = { TXT: ['some-other=thing', claimed.verification.txtValue] };
      const proven = (await (await f.request('/api/v1/organizations/alpha/domains/newly.example/verify', { method: 'POST', headers: owner })).json()) as { verified: boolean; method: string };
      assert.deepEqual([proven.verified, proven.method], [true, 'dns-txt']);
      const series = (await (await f.request('/api/v1/organizations/alpha/domains/newly.example/series?days=30', { headers: owner })).json()) as { items: { messages: number }[] };
      assert.deepEqual(series.items.map((d) => d.messages), [3]);
      // bravo cannot claim it away, nor see it.
      await f.request('/api/v1/organizations/alpha/domains', json({ domain: 'broken.example' }, owner));
      const broken = (await (await f.request('/api/v1/organizations/alpha/domains/broken.example/verify', { method: 'POST', headers: owner })).json()) as { verified: boolean; checkError: string };
      assert.equal(broken.verified, false);
      assert.match(broken.checkError, /DNS lookup of _dmarcpilot\.broken\.example failed \(servfail/);
      const csv = await f.request('/api/v1/organizations/alpha/domains?format=csv', { headers: owner });
      assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
      const lines = (await csv.text()).trim().split('\r\n');
      assert.equal(lines[0], 'domain,verified,phase,policy,messages30d,passRate30d,lastReportDay');
      assert.ok(lines.some((l) => l.startsWith('newly.example,true,deploy,none,3,1,2026-11-30')), lines.join('\n'));
    },
    { resolver },
  );
});

test('api: the OpenAPI document describes every route of the table', async () => {
  await withFixture(async (f) => {
    const response = await f.request('/api/v1/openapi.json');
    assert.equal(response.status, 200);
    const doc = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.equal(doc.openapi, '3.1.0');
    const { API_ROUTES } = await import('../src/server/http/api.js');
    for (const route of API_ROUTES) assert.ok(doc.paths[route.route.path]?.[route.route.method], `${route.route.method} ${route.route.path} is missing from the document`);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.doesNotMatch(response.headers.get('content-security-policy') ?? '', /unsafe-inline/);
  });
});

test("api: a domain is proven by the organisation's rua address in its DMARC record, also when reports arrive there; a forged report alone proves nothing", async () => {
  const zone: Record<string, { TXT: string[] }> = {};
  const resolver: Resolver = { ...new MemoryResolver({}), txt: (name) => new MemoryResolver(zone).txt(name), a: () => Promise.resolve({ status: 'nxdomain' }), aaaa: () => Promise.resolve({ status: 'nxdomain' }), mx: () => Promise.resolve({ status: 'nxdomain' }), ptr: () => Promise.resolve({ status: 'nxdomain' }) };
  await withFixture(
    async (f) => {
      const owner = callerHeaders(f, 'alpha owner');
      const claim = (await (await f.request('/api/v1/organizations/alpha/domains', json({ domain: 'ruaproof.example' }, owner))).json()) as { verification: { ruaAddresses: string[] } };
      const [address] = claim.verification.ruaAddresses;
      assert.match(address ?? '', /^dmarc\+[a-z0-9]{16}@reports\.example$/);
      const tag = /\+([a-z0-9]+)@/.exec(address as string)?.[1] as string;
      // A report for the domain arrives at the address, but the domain's record does not list it: nothing is proven.
      const { checkClaimsOnArrival } = await import('../src/app/accounts/domain-ownership.js');
      zone['_dmarc.ruaproof.example'] = { TXT: ['v=DMARC1; p=none; rua=mailto:someone@elsewhere.example'] };
      const [notYet] = await checkClaimsOnArrival(f.accounts, tag, ['ruaproof.example', 'bravo.example'], ['dmarc@reports.example']);
      assert.equal(notYet?.verifiedAt, null);
      assert.match(notYet?.checkError ?? '', /does not list dmarc\+[a-z0-9]+@reports\.example in rua/);
      assert.deepEqual(await checkClaimsOnArrival(f.accounts, 'not-a-token', ['ruaproof.example'], ['dmarc@reports.example']), []);
      // Published: the next arrival (or a check) proves it.
      zone['_dmarc.ruaproof.example'] = { TXT: [`v=DMARC1; p=none; rua=mailto:someone@elsewhere.example,mailto:${(address as string).toUpperCase()}!10m`] };
      const [proven] = await checkClaimsOnArrival(f.accounts, tag, ['ruaproof.example'], ['dmarc@reports.example']);
      assert.deepEqual([proven?.verifiedAt !== null, proven?.method], [true, 'rua-address']);
      const audit = (await (await f.request('/api/v1/organizations/alpha/audit', { headers: owner })).json()) as { items: { action: string; actor: string; subject: string }[] };
      assert.deepEqual(audit.items[0], { ...audit.items[0], action: 'domain.verify', actor: 'smtp', subject: 'ruaproof.example' });
      // The verify route checks the same way.
      await f.request('/api/v1/organizations/alpha/domains', json({ domain: 'second.example' }, owner));
      zone['_dmarc.second.example'] = { TXT: [`v=DMARC1; p=reject; rua=mailto:${address as string}`] };
      const verified = (await (await f.request('/api/v1/organizations/alpha/domains/second.example/verify', { method: 'POST', headers: owner })).json()) as { verified: boolean; method: string };
      assert.deepEqual([verified.verified, verified.method], [true, 'rua-address']);
      // bravo's address is not alpha's.
      const bravoClaim = await f.request('/api/v1/organizations/alpha/domains', json({ domain: 'third.example' }, owner));
      assert.equal(bravoClaim.status, 201);
      const { ruaAddressesOf } = await import('../src/app/accounts/domain-ownership.js');
      const [bravoAddress] = await ruaAddressesOf(f.accounts, f.bravo.id, ['dmarc@reports.example']);
      zone['_dmarc.third.example'] = { TXT: [`v=DMARC1; p=none; rua=mailto:${bravoAddress as string}`] };
      const third = (await (await f.request('/api/v1/organizations/alpha/domains/third.example/verify', { method: 'POST', headers: owner })).json()) as { verified: boolean };
      assert.equal(third.verified, false);
    },
    { resolver, ruaMailboxes: ['dmarc@reports.example'] },
  );
});

test("api: exports stream the organisation's own records, failure and TLS reports (JSON lines or CSV), none of another's", async () => {
  await withFixture(async (f) => {
    const viewer = callerHeaders(f, 'alpha viewer');
    const records = await f.request('/api/v1/organizations/alpha/exports/records?format=csv', { headers: viewer });
    assert.equal(records.status, 200);
    assert.equal(records.headers.get('content-type'), 'text/csv; charset=utf-8');
    const csv = await records.text();
    assert.match(csv.split('\r\n')[0] ?? '', /^org_name,report_id,policy_domain,/);
    assert.match(csv, /198\.51\.100\.31,7,/);
    assert.doesNotMatch(csv, /bravo/);
    const failures = (await (await f.request('/api/v1/organizations/alpha/exports/failure-reports', { headers: viewer })).text()).trim().split('\n');
    assert.equal(failures.length, 1);
    assert.equal((JSON.parse(failures[0] as string) as { reported_domain: string }).reported_domain, 'alpha.example');
    const tls = await (await f.request('/api/v1/organizations/alpha/exports/tls-reports?format=csv', { headers: viewer })).text();
    assert.match(tls, /alpha\.example/);
    assert.doesNotMatch(tls, /bravo/);
    const reports = (await (await f.request('/api/v1/organizations/alpha/aggregate-reports', { headers: viewer })).json()) as { items: { reportId: string; policyDomain: string; records: number; messages: number }[] };
    assert.deepEqual(reports.items.map((r) => [r.reportId, r.policyDomain, r.records, r.messages]), [['r-alpha', 'alpha.example', 1, 7]]);
    const reportsCsv = await (await f.request('/api/v1/organizations/alpha/aggregate-reports?format=csv', { headers: viewer })).text();
    assert.match(reportsCsv.split('\r\n')[0] ?? '', /^id,orgName,reportId,policyDomain,begin,end,/);
    const bad = await f.request('/api/v1/organizations/alpha/exports/records?format=csv&domain=not%20a%20domain', { headers: viewer });
    assert.equal(bad.status, 400, 'a refused query is a problem, not a truncated export');
    assert.equal((await problem(bad)).errors[0]?.field, 'query.domain');
  });
});

test('api: an invitation makes a new account once; an existing account accepts it signed in as the invited e-mail; admins cannot invite admins', async () => {
  await withFixture(async (f) => {
    const owner = callerHeaders(f, 'alpha owner');
    const admin = callerHeaders(f, 'alpha admin');
    const refused = await f.request('/api/v1/organizations/alpha/invitations', json({ email: 'boss@alpha.example', role: 'admin' }, admin));
    assert.equal(refused.status, 403);
    assert.equal((await problem(refused)).code, 'owner-only');
    const made = await f.request('/api/v1/organizations/alpha/invitations', json({ email: 'New.Person@Alpha.example', role: 'analyst' }, admin));
    assert.equal(made.status, 201);
    const { token } = (await made.json()) as { token: string };
    const short = await problem(await f.request('/api/v1/invitations/accept', json({ token, name: 'New Person', password: 'short' })));
    assert.equal(short.code, 'password-too-short');
    const accepted = await f.request('/api/v1/invitations/accept', json({ token, name: 'New Person', password: 'a new and long passphrase' }));
    assert.equal(accepted.status, 200, await accepted.clone().text());
    assert.deepEqual(await accepted.json(), { userId: (await f.accounts.root.findUserByEmail('new.person@alpha.example'))?.id, email: 'new.person@alpha.example', organizationId: f.alpha.id, role: 'analyst' });
    assert.equal((await problem(await f.request('/api/v1/invitations/accept', json({ token, name: 'Again', password: 'a new and long passphrase' })))).code, 'invitation-used');
    assert.equal((await f.request('/api/v1/session', json({ email: 'new.person@alpha.example', password: 'a new and long passphrase' }))).status, 200);
    // An existing account: the viewer is invited to be an analyst.
    const raise = (await (await f.request('/api/v1/organizations/alpha/invitations', json({ email: 'viewer@alpha.example', role: 'analyst' }, owner))).json()) as { token: string };
    assert.equal((await problem(await f.request('/api/v1/invitations/accept', json({ token: raise.token })))).code, 'sign-in-first');
    assert.equal((await problem(await f.request('/api/v1/invitations/accept', json({ token: raise.token }, callerHeaders(f, 'alpha analyst'))))).code, 'invitation-for-another');
    assert.equal((await f.request('/api/v1/invitations/accept', json({ token: raise.token }, callerHeaders(f, 'alpha viewer')))).status, 200);
    const members = (await (await f.request('/api/v1/organizations/alpha/members', { headers: owner })).json()) as { items: { email: string; role: string }[] };
    assert.equal(members.items.find((m) => m.email === 'viewer@alpha.example')?.role, 'analyst');
    // Withdrawn and expired invitations do nothing.
    assert.equal((await f.request(`/api/v1/organizations/alpha/invitations/${f.alpha.victimInvitationId}`, { method: 'DELETE', headers: owner })).status, 200);
    const late = (await (await f.request('/api/v1/organizations/alpha/invitations', json({ email: 'late@alpha.example', role: 'viewer', expiresInDays: 1 }, owner))).json()) as { token: string };
    f.setNow(new Date(NOW.getTime() + 2 * 86_400_000));
    assert.equal((await problem(await f.request('/api/v1/invitations/accept', json({ token: late.token, password: 'a new and long passphrase' })))).code, 'invitation-expired');
    assert.equal((await problem(await f.request('/api/v1/invitations/accept', json({ token: 'nonsense' })))).code, 'no-such-invitation');
    const listed = await (await f.request('/api/v1/organizations/alpha/invitations', { headers: callerHeaders(f, 'alpha read token') })).text();
    assert.match(listed, /role-too-low/, 'a read token may not list invitations');
  });
});

test("api: the instance's audit log holds the operators' writes (users, quarantine), for operators only", async () => {
  await withFixture(async (f) => {
    const operator = callerHeaders(f, 'operator');
    assert.equal((await f.request(`/api/v1/quarantine/${f.quarantineId}/dismiss`, { method: 'POST', headers: operator })).status, 200);
    assert.equal((await f.request('/api/v1/users', json({ email: 'added@central.example', password: 'a long enough password' }, operator))).status, 201);
    const log = (await (await f.request('/api/v1/audit', { headers: operator })).json()) as { items: { action: string; actor: string; subject: string }[] };
    const actor = `user:${(await f.accounts.root.findUserByEmail('operator@central.example'))?.id ?? 0} operator@central.example`;
    assert.deepEqual(log.items.slice(0, 2).map((e) => [e.action, e.actor, e.subject]), [
      ['user.add', actor, 'added@central.example'],
      ['quarantine.dismiss', actor, `quarantine:${f.quarantineId}`],
    ]);
    assert.equal((await f.request('/api/v1/audit', { headers: callerHeaders(f, 'alpha owner') })).status, 403);
  });
});
