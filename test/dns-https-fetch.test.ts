/**
 * The HTTPS fetcher of the MTA-STS policy against a real HTTPS server on loopback: certificate
 * verification, no redirects (RFC 8461 §3.3), the size limit and the deadline; then the MTA-STS
 * check end to end with that fetcher and a certificate made for `mta-sts.example.test`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createHttpsFetcher } from '../src/dns/https-fetch.js';
import { MemoryResolver } from '../src/dns/memory-resolver.js';
import { checkMtaSts } from '../src/evaluate/check-mta-sts.js';

const tls = fileURLToPath(new URL('./fixtures/tls/', import.meta.url));
const cert = readFileSync(join(tls, 'localhost-cert.pem'), 'utf8');
const key = readFileSync(join(tls, 'localhost-key.pem'), 'utf8');
const policy = 'version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmax_age: 1209600\r\n';

/** An HTTPS server on 127.0.0.1 with the routes the tests need. */
async function startPolicyServer(options: { cert: string; key: string }): Promise<{ server: Server; port: number }> {
  const server = createServer(options, (req, res) => {
    switch (req.url) {
      case '/.well-known/mta-sts.txt':
        res.writeHead(200, { 'content-type': 'text/plain' }).end(policy);
        return;
      case '/redirect':
        res.writeHead(301, { location: '/.well-known/mta-sts.txt', 'content-type': 'text/html' }).end('moved');
        return;
      case '/big':
        res.writeHead(200, { 'content-type': 'text/plain' });
        for (let i = 0; i < 70; i++) res.write('x'.repeat(1024));
        res.end();
        return;
      case '/declared-big':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(100_000) });
        res.write('x');
        return;
      case '/hang':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('version: STSv1\r\n'); // and never more
        return;
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('HTTPS fetcher against a loopback server (certificate for localhost)', () => {
  let server: Server;
  let base: string;
  const fetchText = createHttpsFetcher({ ca: cert, timeoutMs: 1500 });
  before(async () => {
    const started = await startPolicyServer({ cert, key });
    server = started.server;
    base = `https://localhost:${started.port}`;
  });
  after(() => stopServer(server));

  test('200 text/plain: the body and its media type', async () => {
    assert.deepEqual(await fetchText(`${base}/.well-known/mta-sts.txt`), { status: 'ok', httpStatus: 200, contentType: 'text/plain', body: policy });
  });

  test('RFC 8461 §3.3: a redirect is returned as it is, never followed', async () => {
    const result = await fetchText(`${base}/redirect`);
    assert.deepEqual(result.status === 'ok' && [result.httpStatus, result.body], [301, 'moved']);
  });

  test('a body over the limit (64 KiB by default) is refused', async () => {
    const result = await fetchText(`${base}/big`);
    assert.equal(result.status, 'error');
    assert.match(result.status === 'error' ? result.message : '', /more than the limit of 65536 bytes/);
    const declared = await fetchText(`${base}/declared-big`);
    assert.match(declared.status === 'error' ? declared.message : '', /100000 bytes, more than the limit/);
  });

  test('a server that stops mid-body hits the deadline', async () => {
    const started = Date.now();
    const result = await createHttpsFetcher({ ca: cert, timeoutMs: 300 })(`${base}/hang`);
    assert.match(result.status === 'error' ? result.message : '', /no complete answer within 300 ms/);
    assert.ok(Date.now() - started < 1500);
  });

  test('RFC 8461 §3.3: an untrusted certificate is refused (TLS verification on)', async () => {
    const result = await createHttpsFetcher({ timeoutMs: 1500 })(`${base}/.well-known/mta-sts.txt`);
    assert.match(result.status === 'error' ? result.message : '', /TLS certificate verification failed/);
  });

  test('RFC 8461 §3.3: a certificate for another name is refused', async () => {
    const port = (server.address() as AddressInfo).port;
    const misdirected = createHttpsFetcher({ ca: cert, timeoutMs: 1500, connectTo: () => ({ host: '127.0.0.1', port }) });
    const result = await misdirected('https://mta-sts.example.test/.well-known/mta-sts.txt');
    assert.match(result.status === 'error' ? result.message : '', /TLS certificate verification failed \(ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  test('only https: URLs are fetched', async () => {
    assert.deepEqual(await fetchText('http://localhost/'), { status: 'error', message: 'only https: URLs are fetched, not http:' });
  });
});

describe('MTA-STS check end to end with the real fetcher', () => {
  const openssl = spawnSync('openssl', ['version']).status === 0;
  const missing = 'openssl is not installed (needed to make a certificate for mta-sts.example.test)';
  if (!openssl && process.env['DMARCPILOT_REQUIRE_INTEGRATION'] === '1') throw new Error(`${missing}, and DMARCPILOT_REQUIRE_INTEGRATION=1`);
  const skip = openssl ? false : missing;
  let dir = '';
  let server: Server | undefined;
  let made: { cert: string; key: string } | undefined;
  before(async () => {
    if (!openssl) return;
    dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-mta-sts-'));
    const made1 = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '1', '-subj', '/CN=mta-sts.example.test', '-addext', 'subjectAltName=DNS:mta-sts.example.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
    assert.equal(made1.status, 0, made1.stderr);
    made = { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
    server = (await startPolicyServer(made)).server;
  });
  after(async () => {
    if (server) await stopServer(server);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('RFC 8461: record, policy over verified HTTPS, MX covered → mta-sts-ok', { skip }, async () => {
    const port = (server?.address() as AddressInfo).port;
    const fetchText = createHttpsFetcher({ ca: made?.cert ?? '', timeoutMs: 2000, connectTo: (host) => (host === 'mta-sts.example.test' ? { host: '127.0.0.1', port } : undefined) });
    const resolver = new MemoryResolver({ '_mta-sts.example.test': { TXT: ['v=STSv1; id=1'] }, 'example.test': { MX: [{ priority: 10, exchange: 'mx1.example.test' }] } });
    const { findings, records } = await checkMtaSts('example.test', { resolver, fetchText });
    assert.deepEqual(findings.map((f) => `${f.severity}:${f.code}`), ['ok:mta-sts-ok']);
    assert.equal(records.policy?.httpStatus, 200);
  });
});
