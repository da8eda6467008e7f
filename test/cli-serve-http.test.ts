/**
 * `dmarcpilot serve` with its HTTP API, as an operator first meets it: the built CLI on loopback
 * ports, the one-time set-up token from the log, the first administrator created with it (once),
 * sign-in, an organisation created, a report sent through the SMTP listener and read back through
 * the API, an upload for a domain not proven (stored, not shown), security headers on the wire,
 * and a clean stop.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readEmail } from './helpers/imap-seed.js';
import { startNsd } from './helpers/nsd.js';
import { send, smtpClient } from './helpers/smtp.js';
import { reportXml } from './helpers/sender-history.js';
import { ServeProcess } from './helpers/serve-process.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const skip = existsSync(join(root, 'dist/cli/main.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';


test('serve: the HTTP API on loopback: set-up once, sign in, mail sent by SMTP read back, an unproven upload kept out of sight, a clean stop', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-serve-http-'));
  const metricsToken = 'scraper-secret-0123456789';
  const server = new ServeProcess(['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', join(dir, 'store.sqlite')], { DMARCPILOT_METRICS_TOKEN: metricsToken });
  try {
    const [, url] = await server.waitFor(/http: the API answers at (http:\/\/127\.0\.0\.1:\d+)\/api\/v1/);
    const [, token] = await server.waitFor(/"token":"([A-Za-z0-9_-]+)"/);
    const [, smtpPort] = await server.waitFor(/smtp: listening on 127\.0\.0\.1:(\d+)/);
    const origin = url as string;
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${origin}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', origin, ...headers } });

    const health = await fetch(`${origin}/healthz`);
    assert.equal(health.status, 200);
    assert.match(health.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(health.headers.get('referrer-policy'), 'no-referrer');

    const admin = { token, email: 'security@council.example', password: 'a long and secret passphrase' };
    const setup = await post('/api/v1/setup', admin);
    assert.equal(setup.status, 201, await setup.clone().text());
    assert.equal((await post('/api/v1/setup', { ...admin, email: 'second@council.example' })).status, 403, 'the set-up token works once');

    assert.equal((await post('/api/v1/session', { email: admin.email, password: 'wrong' })).status, 401);
    const signedIn = await post('/api/v1/session', { email: admin.email, password: admin.password });
    assert.equal(signedIn.status, 200);
    const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const me = (await (await fetch(`${origin}/api/v1/me`, { headers: { cookie } })).json()) as { operator: boolean; organizations: { slug: string; role: string }[] };
    assert.equal(me.operator, true);
    assert.deepEqual(me.organizations.map((o) => [o.slug, o.role]), [['default', 'owner']]);
    assert.equal((await post('/api/v1/users', { email: 'it@camden.example', password: 'camden admin passphrase' }, { cookie })).status, 201);
    assert.equal((await post('/api/v1/organizations', { slug: 'camden', name: 'Camden Council', owner: 'it@camden.example' }, { cookie })).status, 201);
    const camdenSignIn = await post('/api/v1/session', { email: 'it@camden.example', password: 'camden admin passphrase' });
    const camden = (camdenSignIn.headers.get('set-cookie') ?? '').split(';')[0] as string;

    // A report by SMTP, read back in the default organisation (which sees every domain).
    const reply = await send(smtpClient(Number(smtpPort)), { envelope: { from: 'noreply@reporter.example', to: ['dmarc@reports.example'] }, raw: readEmail('google-zip-attachment.eml') });
    assert.equal(reply.code, 250, reply.response);
    const failures = await fetch(`${origin}/api/v1/organizations/default/failure-reports`, { headers: { cookie } });
    assert.equal(failures.status, 200);
    const domains = await fetch(`${origin}/api/v1/organizations/default/domains`, { headers: { cookie } });
    assert.equal(domains.status, 200);
    const list = (await (await fetch(`${origin}/api/v1/organizations/camden/domains`, { headers: { cookie: camden } })).json()) as { items: unknown[] };
    assert.deepEqual(list.items, []);

    // An upload to camden for a domain it has not proven: stored, and camden still cannot read it.
    const begin = Date.UTC(2026, 10, 30) / 1000;
    const xml = reportXml({ org: 'reporter.example', reportId: 'http-1', domain: 'camden.example', begin, end: begin + 86_399, p: 'none', rows: [{ ip: '192.0.2.7', count: 2, dkim: 'pass', spf: 'pass', authDkim: [], authSpf: [] }] });
    const form = new FormData();
    form.set('file', new Blob([xml], { type: 'application/xml' }), 'camden.xml');
    const uploaded = await fetch(`${origin}/api/v1/organizations/camden/reports`, { method: 'POST', body: form, headers: { cookie: camden, origin } });
    assert.equal(uploaded.status, 200, await uploaded.clone().text());
    assert.deepEqual(await uploaded.json(), { newReports: 1, duplicateReports: 0, records: 1, rejected: 0 });
    assert.equal((await fetch(`${origin}/api/v1/organizations/camden/domains/camden.example/series`, { headers: { cookie: camden } })).status, 404);
    assert.equal((await fetch(`${origin}/api/v1/organizations/default/domains`, { headers: { cookie: camden } })).status, 404, "camden cannot see the instance's organisation");
    const series = (await (await fetch(`${origin}/api/v1/organizations/default/domains/camden.example/series?days=366`, { headers: { cookie } })).json()) as { items: { messages: number }[] };
    assert.deepEqual(series.items.map((d) => d.messages), [2], 'the operator’s organisation sees it');

    // Metrics: for a scraper with the token, or an operator; nobody else.
    assert.equal((await fetch(`${origin}/metrics`)).status, 401);
    assert.equal((await fetch(`${origin}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
    assert.equal((await fetch(`${origin}/metrics`, { headers: { cookie: camden } })).status, 401);
    const scraped = await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
    assert.equal(scraped.status, 200);
    const text = await scraped.text();
    assert.match(text, /dmarcpilot_reports_total\{source="smtp",outcome="new"\} [1-9]/);
    assert.match(text, /dmarcpilot_reports_total\{source="upload",outcome="new"\} 1/);
    assert.match(text, /dmarcpilot_domains\{organization="camden",state="waiting"\} 0/);
    assert.match(text, /dmarcpilot_http_requests_total\{method="POST",route="\/api\/v1\/session",status="401"\} 1/);
    assert.match(text, /dmarcpilot_process_resident_memory_bytes/);
    assert.doesNotMatch(text, /camden\.example/, 'no domain names in the labels');
    assert.equal((await fetch(`${origin}/metrics`, { headers: { cookie } })).status, 200);

    assert.equal(await server.stop(), 0, server.log);
    assert.match(server.log, /stopped/);
    assert.doesNotMatch(server.log, /a long and secret passphrase/, 'no password in the log');
  } finally {
    if (server.child.exitCode === null) await server.stop('SIGKILL');
  }
});

test("serve: a report sent to an organisation's rua address proves its domain once the domain's DMARC record lists that address (real nsd)", { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-serve-rua-'));
  const db = join(dir, 'store.sqlite');
  // The organisation and its claim, made the way the CLI does, before serve starts.
  const { openApp } = await import('../src/app/open-app.js');
  const { resolveConfig } = await import('../src/app/config.js');
  const { accountsContextFor } = await import('../src/app/accounts/accounts-context.js');
  const { createOrganization } = await import('../src/app/accounts/accounts.js');
  const { claimDomain, ruaAddressesOf } = await import('../src/app/accounts/domain-ownership.js');
  const { CLI } = await import('../src/app/accounts/access.js');
  const app = await openApp(resolveConfig(undefined, {}, { db }), { log: { info: () => undefined, warn: () => undefined } });
  const accounts = await accountsContextFor(app);
  const camden = await createOrganization(accounts, CLI, { slug: 'camden', name: 'Camden' });
  await claimDomain(accounts, CLI, camden.id, 'camden.test');
  const [address] = await ruaAddressesOf(accounts, camden.id, ['dmarc@reports.example']);
  await app.close();
  const zones = join(dir, 'zones', 'camden.test');
  mkdirSync(zones, { recursive: true });
  writeFileSync(
    join(zones, '00-soa.zone'),
    `$TTL 300\n@ IN SOA ns.camden.test. hostmaster.camden.test. ( 2026120601 3600 600 86400 300 )\n@ IN NS ns.camden.test.\nns IN A 127.0.0.1\n_dmarc IN TXT "v=DMARC1; p=none; rua=mailto:${address as string}"\n`,
  );
  const dns = await startNsd(join(dir, 'zones'));
  if ('skip' in dns) {
    t.skip(dns.skip);
    return;
  }
  writeFileSync(join(dir, 'serve.json'), JSON.stringify({ db, dns: { servers: [dns.server] }, smtp: { port: 0, recipients: ['dmarc@reports.example'] }, http: { listen: '127.0.0.1:0' } }));
  const server = new ServeProcess(['--config', join(dir, 'serve.json')], { DMARCPILOT_HTTP: '' });
  try {
    const [, smtpPort] = await server.waitFor(/smtp: listening on 127\.0\.0\.1:(\d+)/);
    await server.waitFor(/http: the API answers/);
    const begin = Date.UTC(2026, 10, 30) / 1000;
    const xml = reportXml({ org: 'reporter.example', reportId: 'rua-1', domain: 'camden.test', begin, end: begin + 86_399, p: 'none', rows: [{ ip: '192.0.2.8', count: 4, dkim: 'pass', spf: 'pass', authDkim: [], authSpf: [] }] });
    const other = await send(smtpClient(Number(smtpPort)), { envelope: { from: 'noreply@reporter.example', to: ['someone@reports.example'] }, raw: 'Subject: x\r\n\r\nx\r\n' });
    assert.equal(other.code, 550, 'an address not configured is still refused');
    const reply = await send(smtpClient(Number(smtpPort)), {
      envelope: { from: 'noreply@reporter.example', to: [address as string] },
      from: 'noreply@reporter.example',
      to: address,
      subject: 'Report domain: camden.test',
      text: 'aggregate report attached',
      attachments: [{ filename: 'report.xml', content: xml, contentType: 'application/xml' }],
    });
    assert.equal(reply.code, 250, reply.response);
    await server.waitFor(/domains: camden\.test is proven by its DMARC record's rua address/);
    assert.equal(await server.stop(), 0, server.log);
    const listed = spawnSync(process.execPath, [bin, 'org', 'domains', 'camden', '--db', db], { cwd: root, encoding: 'utf8' });
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /camden\.test\tproven \(rua-address\)/);
  } finally {
    if (server.child.exitCode === null) await server.stop('SIGKILL');
    await dns.stop();
  }
});
