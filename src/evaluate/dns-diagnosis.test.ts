import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DnsAnswer, DnsFailureCode, Resolver } from '../core/dns-resolver.js';
import type { FetchText } from '../core/fetch-text.js';
import type { MemoryZone } from '../dns/memory-resolver.js';
import { MemoryResolver } from '../dns/memory-resolver.js';
import { checkDomain } from './check-domain.js';

const fetchText: FetchText = () => Promise.resolve({ status: 'error', message: 'no HTTPS in this test' });
const now = (): Date => new Date('2026-11-22T00:00:00Z');
const check = (domain: string, resolver: Resolver) => checkDomain(domain, { resolver, fetchText, now, selectors: [{ selector: 's1', origin: 'given' }] });

/** A resolver that answers every question with one failure, and names its server. */
function deadResolver(code: DnsFailureCode, servers = ['192.0.2.53:53']): Resolver & { asked: number } {
  const fail = (name: string): Promise<DnsAnswer<never>> => {
    dead.asked++;
    return Promise.resolve({ status: 'error', code, message: `${name}: ${servers.join(', ')} ${code}` });
  };
  const dead = { asked: 0, txt: fail, a: fail, aaaa: fail, mx: fail, ptr: fail, servers };
  return dead;
}

const healthy: MemoryZone = {
  'example.com': { TXT: ['v=spf1 -all'], MX: [{ priority: 10, exchange: 'mx.example.com' }] },
  'mx.example.com': { A: ['192.0.2.25'] },
  '_dmarc.example.com': { TXT: ['v=DMARC1; p=reject; rua=mailto:d@example.com'] },
};

for (const code of ['timeout', 'refused', 'servfail'] as const) {
  test(`a resolver that fails everything (${code}): one dns-resolver-failed naming the server, every record unknown`, async () => {
    const resolver = deadResolver(code);
    const result = await check('example.com', resolver);
    assert.deepEqual(result.findings.map((f) => f.code), ['dns-resolver-failed']);
    const [only] = result.findings;
    assert.equal(only?.severity, 'error');
    assert.equal(only?.params['failure'], code);
    assert.deepEqual(only?.params['servers'], ['192.0.2.53:53']);
    assert.equal(only?.params['probe'], 'com');
    assert.match(only?.message ?? '', /The DNS resolver 192\.0\.2\.53:53 /);
    assert.equal(result.dns.status, 'resolver-failed');
    assert.deepEqual(Object.values(result.state).map((s) => s.state), Array(7).fill('unknown'));
    assert.ok(Object.values(result.state).every((s) => s.state === 'unknown' && s.failure === code && s.error !== ''));
    assert.deepEqual(result.summary, { error: 1, warning: 0, info: 0, ok: 0 });
  });
}

test('a resolver without a known address is named as the system resolver', async () => {
  const { servers: _servers, ...anonymous } = deadResolver('timeout');
  const result = await check('example.com', anonymous);
  assert.deepEqual(result.findings[0]?.params['servers'], ['the system resolver']);
});

test("the domain's own servers fail while the resolver answers other names: one dns-domain-servers-failed", async () => {
  const resolver = new ServfailBelow(new MemoryResolver(healthy), 'broken.example');
  const result = await check('broken.example', resolver);
  assert.deepEqual(result.findings.map((f) => f.code), ['dns-domain-servers-failed']);
  assert.equal(result.findings[0]?.params['failure'], 'servfail');
  assert.equal(result.findings[0]?.params['domain'], 'broken.example');
  assert.equal(result.dns.status, 'domain-servers-failed');
  assert.ok(Object.values(result.state).every((s) => s.state === 'unknown'));
  // The same resolver still checks a healthy domain in full.
  const fine = await check('example.com', resolver);
  assert.equal(fine.dns.status, 'answered');
  assert.ok(fine.findings.some((f) => f.code === 'dmarc-ok'));
});

test('a domain that does not exist: one domain-not-found, no advice to publish records', async () => {
  const result = await check('exmaple.com', new MemoryResolver(healthy));
  assert.deepEqual(result.findings.map((f) => `${f.severity}:${f.code}`), ['error:domain-not-found']);
  assert.match(result.findings[0]?.fix ?? '', /spelling/);
  assert.equal(result.dns.status, 'domain-not-found');
  assert.equal(result.state.dmarc.state, 'absent');
  assert.equal(result.state.mx.state, 'absent');
});

test('a name with records below it is not "not found" (an empty non-terminal answers NODATA)', async () => {
  const result = await check('ent.example.com', new MemoryResolver({ ...healthy, '_dmarc.ent.example.com': { TXT: ['v=DMARC1; p=none'] } }));
  assert.equal(result.dns.status, 'answered');
  assert.ok(!result.findings.some((f) => f.code === 'domain-not-found'));
});

test('some lookups fail: the per-area dns-error findings stay, each state says which is unknown', async () => {
  const zone: MemoryZone = { ...healthy, '_smtp._tls.example.com': 'timeout', '_mta-sts.example.com': 'refused' };
  const result = await check('example.com', new MemoryResolver(zone));
  assert.equal(result.dns.status, 'answered');
  const codes = result.findings.map((f) => f.code);
  assert.ok(codes.includes('tlsrpt-dns-error') && codes.includes('mta-sts-dns-error'), codes.join(', '));
  assert.ok(!codes.some((c) => c.startsWith('dns-') || c === 'domain-not-found'), codes.join(', '));
  assert.deepEqual(result.state.tlsRpt, { state: 'unknown', failure: 'timeout', error: 'TXT _smtp._tls.example.com: timeout (test zone)' });
  assert.equal(result.state.mtaSts.state, 'unknown');
  assert.equal(result.state.dmarc.state, 'found');
  assert.equal(result.state.spf.state, 'found');
  assert.equal(result.state.mx.state, 'found');
  assert.equal(result.state.dkim.state, 'absent');
  assert.equal(result.state.bimi.state, 'absent');
});

test('a DMARC lookup that fails is unknown, not absent, and gives no dmarc-missing', async () => {
  const result = await check('example.com', new MemoryResolver({ ...healthy, '_dmarc.example.com': 'servfail' }));
  assert.deepEqual(result.state.dmarc, { state: 'unknown', failure: 'servfail', error: 'TXT _dmarc.example.com: servfail (test zone)' });
  assert.ok(!result.findings.some((f) => f.code === 'dmarc-missing'));
});

/** Answers SERVFAIL for every name at or below `domain`, like a recursive resolver whose lookups there fail. */
class ServfailBelow implements Resolver {
  constructor(
    readonly inner: Resolver,
    readonly domain: string,
  ) {}
  #ask<T>(name: string, ask: () => Promise<DnsAnswer<T>>): Promise<DnsAnswer<T>> {
    const key = name.toLowerCase();
    if (key === this.domain || key.endsWith(`.${this.domain}`)) return Promise.resolve({ status: 'error', code: 'servfail', message: `${key}: SERVFAIL` });
    return ask();
  }
  txt = (name: string) => this.#ask(name, () => this.inner.txt(name));
  a = (name: string) => this.#ask(name, () => this.inner.a(name));
  aaaa = (name: string) => this.#ask(name, () => this.inner.aaaa(name));
  mx = (name: string) => this.#ask(name, () => this.inner.mx(name));
  ptr = (name: string) => this.#ask(name, () => this.inner.ptr(name));
}
