import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemoryZone } from '../dns/memory-resolver.js';
import { MemoryResolver } from '../dns/memory-resolver.js';
import { compareDiscoveries, discoverDmarc, discoverDmarcRfc7489, discoverDmarcRfc9989, listTreeWalkNames } from './dmarc-discovery.js';

test('RFC 9989 §4.10: the walk queries at most 8 names, jumping to 7 labels, down to the TLD', () => {
  assert.deepEqual(listTreeWalkNames('a.b.c.d.e.f.g.h.i.j.mail.example.com'), [
    'a.b.c.d.e.f.g.h.i.j.mail.example.com',
    'g.h.i.j.mail.example.com',
    'h.i.j.mail.example.com',
    'i.j.mail.example.com',
    'j.mail.example.com',
    'mail.example.com',
    'example.com',
    'com',
  ]);
  assert.deepEqual(listTreeWalkNames('mail.example.com'), ['mail.example.com', 'example.com', 'com']);
  assert.deepEqual(listTreeWalkNames('a.b.c.d.e.f.g.h'), ['a.b.c.d.e.f.g.h', 'b.c.d.e.f.g.h', 'c.d.e.f.g.h', 'd.e.f.g.h', 'e.f.g.h', 'f.g.h', 'g.h', 'h']);
  assert.ok(listTreeWalkNames('a.b.c.d.e.f.g.h.i.j.k.l.m.n').length <= 8);
});

interface Row {
  readonly name: string;
  readonly zone: MemoryZone;
  readonly domain: string;
  readonly rfc7489: { outcome: string; policyDomain?: string; organizationalDomain?: string };
  readonly rfc9989: { outcome: string; policyDomain?: string; organizationalDomain?: string };
  readonly differs?: 'warning' | 'info';
}
const r = (text: string): { TXT: string[] } => ({ TXT: [text] });
const rows: Row[] = [
  { name: 'own record: both apply it', zone: { '_dmarc.example.com': r('v=DMARC1; p=reject') }, domain: 'example.com', rfc7489: { outcome: 'found', policyDomain: 'example.com' }, rfc9989: { outcome: 'found', policyDomain: 'example.com', organizationalDomain: 'example.com' } },
  { name: 'RFC 7489 §6.6.3: subdomain falls back to the PSL Organizational Domain', zone: { '_dmarc.example.co.uk': r('v=DMARC1; p=reject') }, domain: 'a.b.example.co.uk', rfc7489: { outcome: 'found', policyDomain: 'example.co.uk', organizationalDomain: 'example.co.uk' }, rfc9989: { outcome: 'found', policyDomain: 'example.co.uk', organizationalDomain: 'example.co.uk' } },
  { name: 'nothing anywhere', zone: {}, domain: 'mail.example.com', rfc7489: { outcome: 'none' }, rfc9989: { outcome: 'none', organizationalDomain: 'mail.example.com' } },
  { name: 'non-DMARC TXT is filtered out', zone: { '_dmarc.example.com': r('v=spf1 -all') }, domain: 'example.com', rfc7489: { outcome: 'none' }, rfc9989: { outcome: 'none' } },
  {
    name: 'RFC 9989 §4.10.2 rule 1: psd=n makes an intermediate name the Organizational Domain',
    zone: { '_dmarc.dept.example.com': r('v=DMARC1; p=quarantine; psd=n'), '_dmarc.example.com': r('v=DMARC1; p=reject') },
    domain: 'host.dept.example.com',
    rfc7489: { outcome: 'found', policyDomain: 'example.com' },
    rfc9989: { outcome: 'found', policyDomain: 'dept.example.com', organizationalDomain: 'dept.example.com' },
    differs: 'warning',
  },
  {
    name: 'RFC 9989 §4.10.2 rule 3: an intermediate record without psd does not govern a deeper name',
    zone: { '_dmarc.dept.example.com': r('v=DMARC1; p=none'), '_dmarc.example.com': r('v=DMARC1; p=reject') },
    domain: 'host.dept.example.com',
    rfc7489: { outcome: 'found', policyDomain: 'example.com' },
    rfc9989: { outcome: 'found', policyDomain: 'example.com', organizationalDomain: 'example.com' },
  },
  {
    name: 'RFC 9989 §4.10.1: a PSD record (psd=y) applies when the Organizational Domain has none',
    zone: { '_dmarc.test': r('v=DMARC1; p=reject; psd=y') },
    domain: 'shop.example.test',
    rfc7489: { outcome: 'none' },
    rfc9989: { outcome: 'found', policyDomain: 'test', organizationalDomain: 'example.test' },
    differs: 'warning',
  },
  {
    name: 'RFC 9989 §4.10.1 note: a PSD policy never overrides an Organizational Domain record',
    zone: { '_dmarc.test': r('v=DMARC1; p=reject; psd=y'), '_dmarc.example.test': r('v=DMARC1; p=none') },
    domain: 'shop.example.test',
    rfc7489: { outcome: 'found', policyDomain: 'example.test' },
    rfc9989: { outcome: 'found', policyDomain: 'example.test', organizationalDomain: 'example.test' },
  },
  {
    name: 'RFC 9989 App. C.3: own record, no parent record: same record, different Organizational Domain',
    zone: { '_dmarc.mail.example.com': r('v=DMARC1; p=reject') },
    domain: 'mail.example.com',
    rfc7489: { outcome: 'found', policyDomain: 'mail.example.com', organizationalDomain: 'example.com' },
    rfc9989: { outcome: 'found', policyDomain: 'mail.example.com', organizationalDomain: 'mail.example.com' },
    differs: 'info',
  },
  {
    name: 'RFC 7489 stops at several records; RFC 9989 discards them and walks on',
    zone: { '_dmarc.sub.example.com': { TXT: ['v=DMARC1; p=none', 'v=DMARC1; p=reject'] }, '_dmarc.example.com': r('v=DMARC1; p=quarantine') },
    domain: 'sub.example.com',
    rfc7489: { outcome: 'multiple' },
    rfc9989: { outcome: 'found', policyDomain: 'example.com' },
    differs: 'warning',
  },
  {
    name: 'a DNS failure at the domain is temperror for both, never none',
    zone: { '_dmarc.example.com': 'servfail' },
    domain: 'example.com',
    rfc7489: { outcome: 'dns-error' },
    rfc9989: { outcome: 'dns-error' },
  },
  {
    name: 'a DNS failure higher up: RFC 7489 (own record) unaffected, RFC 9989 still applies the own record',
    zone: { '_dmarc.sub.example.com': r('v=DMARC1; p=reject'), '_dmarc.example.com': 'timeout' },
    domain: 'sub.example.com',
    rfc7489: { outcome: 'found', policyDomain: 'sub.example.com' },
    rfc9989: { outcome: 'found', policyDomain: 'sub.example.com' },
  },
  {
    name: 'a DNS failure at the Organizational Domain while inheriting is temperror',
    zone: { '_dmarc.example.com': 'timeout' },
    domain: 'sub.example.com',
    rfc7489: { outcome: 'dns-error' },
    rfc9989: { outcome: 'dns-error' },
  },
  {
    name: 'a failure at the TLD stops the walk as temperror when nothing lower applies',
    zone: { '_dmarc.com': 'refused' },
    domain: 'example.com',
    rfc7489: { outcome: 'none' },
    rfc9989: { outcome: 'dns-error' },
  },
];
for (const row of rows) {
  test(`discovery: ${row.name}`, async () => {
    const found = await discoverDmarc(row.domain, new MemoryResolver(row.zone));
    for (const generation of ['rfc7489', 'rfc9989'] as const) {
      for (const [key, value] of Object.entries(row[generation])) assert.equal((found[generation] as unknown as Record<string, unknown>)[key], value, `${generation}.${key}`);
    }
    const differs = compareDiscoveries(found);
    assert.deepEqual(differs.map((f) => f.severity), row.differs ? [row.differs] : []);
  });
}

test('both walks share one cache: each _dmarc name is queried once', async () => {
  const resolver = new MemoryResolver({ '_dmarc.example.com': r('v=DMARC1; p=reject') });
  await discoverDmarc('mail.example.com', resolver);
  assert.deepEqual(resolver.queries, ['TXT _dmarc.mail.example.com', 'TXT _dmarc.example.com', 'TXT _dmarc.com']);
});

test('RFC 9989: the walk stops at psd=y or psd=n', async () => {
  const resolver = new MemoryResolver({ '_dmarc.example.com': r('v=DMARC1; p=reject; psd=n') });
  await discoverDmarcRfc9989('a.example.com', resolver);
  assert.deepEqual(resolver.queries, ['TXT _dmarc.a.example.com', 'TXT _dmarc.example.com']);
});

test('RFC 7489: no second query when the domain is its own Organizational Domain', async () => {
  const resolver = new MemoryResolver({});
  await discoverDmarcRfc7489('example.com', resolver);
  assert.deepEqual(resolver.queries, ['TXT _dmarc.example.com']);
});
