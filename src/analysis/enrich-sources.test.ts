import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryResolver } from '../dns/memory-resolver.js';
import type { MemoryZone } from '../dns/memory-resolver.js';
import { enrichSources, memoryEnrichmentCache } from './enrich-sources.js';
import type { EnrichmentCache } from './enrich-sources.js';
import type { SourceEnrichment } from '../core/source-facts.js';

const V6_REVERSE = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'; // 2001:db8::1

const zone: MemoryZone = {
  // confirmed: the PTR name resolves back to the IP
  '1.2.0.192.in-addr.arpa': { PTR: ['Mail-1.Relay.Example.co.uk.'] },
  'mail-1.relay.example.co.uk': { A: ['192.0.2.1'] },
  // unconfirmed: the PTR name resolves to another address, the second name does not exist
  '2.2.0.192.in-addr.arpa': { PTR: ['host.isp.example', 'gone.isp.example'] },
  'host.isp.example': { A: ['198.51.100.7'] },
  // none: no PTR (192.0.2.3 is not in the zone: NXDOMAIN)
  // unresolved: the reverse zone fails
  '4.2.0.192.in-addr.arpa': 'servfail',
  // second PTR name confirms
  '5.2.0.192.in-addr.arpa': { PTR: ['a.multi.example', 'b.multi.example'] },
  'b.multi.example': { A: ['192.0.2.5'] },
  // forward lookup fails: cannot tell, so unresolved rather than unconfirmed
  '6.2.0.192.in-addr.arpa': { PTR: ['flaky.example'] },
  'flaky.example': 'timeout',
  // IPv6, confirmed through AAAA
  [V6_REVERSE]: { PTR: ['v6.mail.example.net'] },
  'v6.mail.example.net': { AAAA: ['2001:db8::1'], A: ['192.0.2.200'] },
};

const NOW = new Date('2026-11-20T10:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
const run = (resolver: MemoryResolver, cache: EnrichmentCache = memoryEnrichmentCache(), extra: Partial<Parameters<typeof enrichSources>[1]> = {}) =>
  (ips: readonly string[]) => enrichSources(ips, { resolver, cache, now: () => NOW, ...extra });

const rows: { name: string; ip: string; expected: Omit<SourceEnrichment, 'ip' | 'resolvedAt'> }[] = [
  {
    name: 'RFC 8601 §3 iprev pass: PTR name resolves back (confirmed), names lower-cased, org domain from the PSL',
    ip: '192.0.2.1',
    expected: { ptrNames: ['mail-1.relay.example.co.uk'], confirmedName: 'mail-1.relay.example.co.uk', fcrdns: 'confirmed', organizationalDomain: 'example.co.uk' },
  },
  {
    name: 'RFC 8601 §3 iprev fail: PTR names exist but none resolves back (unconfirmed)',
    ip: '192.0.2.2',
    expected: { ptrNames: ['host.isp.example', 'gone.isp.example'], confirmedName: null, fcrdns: 'unconfirmed', organizationalDomain: null },
  },
  { name: 'no PTR record (NXDOMAIN): none', ip: '192.0.2.3', expected: { ptrNames: [], confirmedName: null, fcrdns: 'none', organizationalDomain: null } },
  { name: 'RFC 8601 §3 temperror: PTR lookup SERVFAIL is unresolved', ip: '192.0.2.4', expected: { ptrNames: [], confirmedName: null, fcrdns: 'unresolved', organizationalDomain: null } },
  {
    name: 'the first PTR name that resolves back is the confirmed one',
    ip: '192.0.2.5',
    expected: { ptrNames: ['a.multi.example', 'b.multi.example'], confirmedName: 'b.multi.example', fcrdns: 'confirmed', organizationalDomain: 'multi.example' },
  },
  {
    name: 'RFC 8601 §3 temperror: forward lookup timeout is unresolved, not unconfirmed',
    ip: '192.0.2.6',
    expected: { ptrNames: ['flaky.example'], confirmedName: null, fcrdns: 'unresolved', organizationalDomain: null },
  },
  {
    name: 'IPv6: ip6.arpa nibble name, confirmed through AAAA',
    ip: '2001:db8::1',
    expected: { ptrNames: ['v6.mail.example.net'], confirmedName: 'v6.mail.example.net', fcrdns: 'confirmed', organizationalDomain: 'example.net' },
  },
  { name: 'not an IP address: none, no query', ip: 'not-an-ip', expected: { ptrNames: [], confirmedName: null, fcrdns: 'none', organizationalDomain: null } },
];

for (const row of rows) {
  test(`enrichSources: ${row.name}`, async () => {
    const result = await run(new MemoryResolver(zone))([row.ip]);
    assert.deepEqual(result.get(row.ip), { ip: row.ip, resolvedAt: NOW.toISOString(), ...row.expected });
  });
}

test('enrichSources: IPv6 uses AAAA only, and the A record of the same name does not confirm', async () => {
  const resolver = new MemoryResolver(zone);
  await run(resolver)(['2001:db8::1']);
  assert.deepEqual(resolver.queries, [`PTR ${V6_REVERSE}`, 'AAAA v6.mail.example.net']);
});

test('enrichSources: IPv4 forward lookup asks A, stops at the first confirming name', async () => {
  const resolver = new MemoryResolver(zone);
  await run(resolver)(['192.0.2.5']);
  assert.deepEqual(resolver.queries, ['PTR 5.2.0.192.in-addr.arpa', 'A a.multi.example', 'A b.multi.example']);
});

test('enrichSources: at most 10 PTR names are checked (RFC 7208 §5.5 limit)', async () => {
  const names = Array.from({ length: 12 }, (_, i) => `n${i}.many.example`);
  const resolver = new MemoryResolver({ '7.2.0.192.in-addr.arpa': { PTR: names }, 'n11.many.example': { A: ['192.0.2.7'] } });
  const result = await run(resolver)(['192.0.2.7']);
  assert.equal(result.get('192.0.2.7')?.fcrdns, 'unconfirmed');
  assert.equal(resolver.queries.filter((q) => q.startsWith('A ')).length, 10);
});

test('enrichSources: one entry per distinct IP, in input order', async () => {
  const resolver = new MemoryResolver(zone);
  const result = await run(resolver)(['192.0.2.3', '192.0.2.1', '192.0.2.3']);
  assert.deepEqual([...result.keys()], ['192.0.2.3', '192.0.2.1']);
  assert.equal(resolver.queries.filter((q) => q === 'PTR 3.2.0.192.in-addr.arpa').length, 1);
});

test('enrichSources: the second run is answered from the cache (no DNS queries)', async () => {
  const cache = memoryEnrichmentCache();
  const ips = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '2001:db8::1'];
  const first = new MemoryResolver(zone);
  const before = await run(first, cache)(ips);
  assert.ok(first.queries.length > 0);
  const second = new MemoryResolver(zone);
  const after = await run(second, cache)(ips);
  assert.deepEqual(second.queries, []);
  assert.deepEqual(after, before);
});

test('enrichSources: an entry older than maxAgeMs is looked up again; a younger one is not', async () => {
  const cache = memoryEnrichmentCache();
  await enrichSources(['192.0.2.1'], { resolver: new MemoryResolver(zone), cache, now: () => new Date(NOW.getTime() - 8 * DAY) });
  const stale = new MemoryResolver(zone);
  const result = await enrichSources(['192.0.2.1'], { resolver: stale, cache, now: () => NOW }); // default 7 days
  assert.equal(stale.queries[0], 'PTR 1.2.0.192.in-addr.arpa');
  assert.equal(result.get('192.0.2.1')?.resolvedAt, NOW.toISOString());
  const fresh = new MemoryResolver(zone);
  await enrichSources(['192.0.2.1'], { resolver: fresh, cache, now: () => new Date(NOW.getTime() + 2 * DAY), maxAgeMs: 3 * DAY });
  assert.deepEqual(fresh.queries, []);
  const expired = new MemoryResolver(zone);
  await enrichSources(['192.0.2.1'], { resolver: expired, cache, now: () => new Date(NOW.getTime() + 2 * DAY), maxAgeMs: DAY });
  assert.equal(expired.queries.length, 2);
});

test('enrichSources: a DNS failure is cached only briefly (retried after unresolvedMaxAgeMs)', async () => {
  const cache = memoryEnrichmentCache();
  const at = (minutes: number) => () => new Date(NOW.getTime() + minutes * 60_000);
  await enrichSources(['192.0.2.4'], { resolver: new MemoryResolver(zone), cache, now: at(0) });
  const soon = new MemoryResolver(zone);
  assert.equal((await enrichSources(['192.0.2.4'], { resolver: soon, cache, now: at(5) })).get('192.0.2.4')?.fcrdns, 'unresolved');
  assert.deepEqual(soon.queries, [], 'within 15 minutes the failure is not retried');
  const later = new MemoryResolver({ '4.2.0.192.in-addr.arpa': { PTR: ['back.example'] }, 'back.example': { A: ['192.0.2.4'] } });
  const retried = await enrichSources(['192.0.2.4'], { resolver: later, cache, now: at(20) });
  assert.equal(retried.get('192.0.2.4')?.fcrdns, 'confirmed');
});

test('enrichSources: offline uses the cache only and marks the rest unresolved', async () => {
  const cache = memoryEnrichmentCache();
  await run(new MemoryResolver(zone), cache)(['192.0.2.1']);
  const resolver = new MemoryResolver(zone);
  const result = await run(resolver, cache, { offline: true })(['192.0.2.1', '192.0.2.2']);
  assert.deepEqual(resolver.queries, []);
  assert.equal(result.get('192.0.2.1')?.fcrdns, 'confirmed');
  assert.equal(result.get('192.0.2.2')?.fcrdns, 'unresolved');
});

test('enrichSources: a resolver that throws yields unresolved, not a failed run', async () => {
  const resolver = new MemoryResolver(zone);
  resolver.ptr = () => Promise.reject(new Error('socket closed'));
  const result = await run(resolver)(['192.0.2.1']);
  assert.equal(result.get('192.0.2.1')?.fcrdns, 'unresolved');
});

test('enrichSources: concurrency is bounded (default 16, or as given)', async () => {
  const inner = new MemoryResolver({});
  let active = 0;
  let peak = 0;
  const slow: MemoryResolver = Object.assign(Object.create(inner) as MemoryResolver, {
    ptr: async (name: string) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((resolve) => setTimeout(resolve, 2));
      active--;
      return inner.ptr(name);
    },
  });
  const ips = Array.from({ length: 60 }, (_, i) => `198.51.100.${i}`);
  await run(slow)(ips);
  assert.equal(peak, 16);
  peak = 0;
  await run(slow, memoryEnrichmentCache(), { concurrency: 3 })(ips);
  assert.equal(peak, 3);
});

test('enrichSources: networkLookup adds the network (ASN) when a database is plugged in', async () => {
  const network = { asn: 64500, organization: 'Example Networks', country: 'GB', prefix: '192.0.2.0/24' };
  const result = await run(new MemoryResolver(zone), memoryEnrichmentCache(), { networkLookup: (ip) => (ip.startsWith('192.0.2.') ? network : undefined) })(['192.0.2.1', '2001:db8::1']);
  assert.deepEqual(result.get('192.0.2.1')?.network, network);
  assert.equal(result.get('2001:db8::1')?.network, undefined);
  assert.equal('network' in (result.get('2001:db8::1') ?? {}), false);
});

test('enrichSources: results are written to the cache in batches, including failures', async () => {
  const puts: number[] = [];
  const inner = memoryEnrichmentCache();
  const cache: EnrichmentCache = { get: (ips) => inner.get(ips), put: (entries) => (puts.push(entries.length), inner.put(entries)) };
  const ips = Array.from({ length: 450 }, (_, i) => `10.0.${Math.floor(i / 256)}.${i % 256}`);
  await run(new MemoryResolver({}), cache)(ips);
  assert.deepEqual(puts, [200, 200, 50]);
  assert.equal((await inner.get(['10.0.0.0'])).get('10.0.0.0')?.fcrdns, 'none');
});

test('enrichSources: no IPs, no cache read and no queries', async () => {
  const resolver = new MemoryResolver(zone);
  const result = await run(resolver, { get: () => Promise.reject(new Error('not called')), put: () => Promise.reject(new Error('not called')) })([]);
  assert.equal(result.size, 0);
  assert.deepEqual(resolver.queries, []);
});
