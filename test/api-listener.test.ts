/**
 * The HTTP listener itself (server/http/http-server.ts) on loopback: HTTPS from a key and
 * certificate with Secure cookies and HSTS; the client address behind a trusted reverse proxy
 * (X-Forwarded-For believed only from it), which is what sign-in limits count per address.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { test } from 'node:test';
import type { HttpSettings } from '../src/app/http-settings.js';
import { DEFAULT_SESSION_SETTINGS } from '../src/app/accounts/accounts.js';
import { startHttpListener } from '../src/server/http/http-server.js';
import type { ApiFixture } from './helpers/api-fixture.js';
import { PASSWORD, openApiFixture } from './helpers/api-fixture.js';
import { tlsFixture } from './helpers/smtp.js';

function settings(overrides: Partial<HttpSettings>): HttpSettings {
  return {
    host: '127.0.0.1',
    port: 0,
    tls: undefined,
    publicOrigin: undefined,
    trustedProxies: [],
    behindTls: false,
    session: DEFAULT_SESSION_SETTINGS,
    domainSuffixes: [],
    localSignIn: true,
    oidc: undefined,
    metricsToken: undefined,
    ...overrides,
  };
}

async function withFixture(body: (f: ApiFixture) => Promise<void>): Promise<void> {
  const opened = await openApiFixture('sqlite');
  if ('skip' in opened) throw new Error(opened.skip);
  try {
    await body(opened);
  } finally {
    await opened.close();
  }
}

/** A POST over HTTPS to the test's own certificate (self-signed for localhost). */
function httpsPost(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

test('listener: HTTPS from a key and certificate; the session cookie is Secure and HSTS is sent', async () => {
  await withFixture(async (f) => {
    const listener = await startHttpListener(settings({ tls: tlsFixture }), { ...f.services, secureCookies: true }, 'test');
    try {
      assert.match(listener.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const signedIn = await httpsPost(`${listener.url}/api/v1/session`, { email: 'viewer@alpha.example', password: PASSWORD });
      assert.equal(signedIn.status, 200, signedIn.text);
      const cookie = String(signedIn.headers['set-cookie']);
      assert.match(cookie, /; Secure/);
      assert.match(cookie, /HttpOnly/);
      assert.equal(signedIn.headers['strict-transport-security'], 'max-age=31536000');
    } finally {
      await listener.close();
    }
  });
});

test('listener: behind a trusted proxy the client is the forwarded address (sign-in limits count it); from anyone else X-Forwarded-For is ignored', async () => {
  await withFixture(async (f) => {
    const fail = (url: string, forwardedFor: string, email: string) =>
      fetch(`${url}/api/v1/session`, { method: 'POST', body: JSON.stringify({ email, password: 'wrong password' }), headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor } });
    const proxied = await startHttpListener(settings({ trustedProxies: ['127.0.0.1'] }), f.services, 'test');
    try {
      // 20 failures from one client (different accounts) behind the proxy: that client is throttled, another is not.
      for (let i = 0; i < 20; i++) assert.equal((await fail(proxied.url, '203.0.113.9', `nobody${i}@alpha.example`)).status, 401);
      assert.equal((await fail(proxied.url, '203.0.113.9', 'someone@alpha.example')).status, 429);
      assert.equal((await fail(proxied.url, '198.51.100.9, 127.0.0.1', 'someone@alpha.example')).status, 401, 'another client, through two proxies');
    } finally {
      await proxied.close();
    }
    const direct = await startHttpListener(settings({}), f.services, 'test');
    try {
      // Without a trusted proxy the header is the client's own claim: the peer (127.0.0.1) is counted, whatever it says.
      for (let i = 0; i < 20; i++) await fail(direct.url, `192.0.2.${i}`, `other${i}@alpha.example`);
      assert.equal((await fail(direct.url, '192.0.2.200', 'fresh@alpha.example')).status, 429);
    } finally {
      await direct.close();
    }
  });
});
