/**
 * The node:dns adapter against real servers on loopback: nsd serving test/fixtures/dns (answer
 * shapes, NXDOMAIN vs NODATA) and a deliberately misbehaving server (timeouts, SERVFAIL, REFUSED,
 * truncation, several servers).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createNodeResolver, worstCaseLookupMs } from '../src/dns/node-resolver.js';
import type { MisbehavingDns } from './helpers/misbehaving-dns.js';
import { startMisbehavingDns } from './helpers/misbehaving-dns.js';
import type { TestDnsServer } from './helpers/nsd.js';
import { startNsd } from './helpers/nsd.js';

describe('node resolver against nsd', async () => {
  const nsd: TestDnsServer = await startNsd();
  const skip = 'skip' in nsd ? nsd.skip : false;
  const resolver = () => createNodeResolver({ servers: ['server' in nsd ? nsd.server : '127.0.0.1:9'], timeoutMs: 1000, tries: 1 });
  after(() => ('stop' in nsd ? nsd.stop() : undefined));

  const cases: { name: string; run: () => Promise<unknown>; expected: unknown }[] = [
    {
      name: 'TXT with several character-strings keeps them apart (RFC 1035 §3.3.14)',
      run: () => resolver().txt('multi-string.resolver.example.test'),
      expected: { status: 'ok', records: [['v=spf1 ip4:192.0.2.0/24 ', 'include:_spf.example.test', ' -all']] },
    },
    {
      name: 'TXT: two records at one name stay two records',
      run: async () => sortRecords(await resolver().txt('two-records.resolver.example.test')),
      expected: { status: 'ok', records: [['first record'], ['second record']] },
    },
    {
      name: 'A records',
      run: async () => sortRecords(await resolver().a('addresses.resolver.example.test')),
      expected: { status: 'ok', records: ['192.0.2.1', '192.0.2.2'] },
    },
    {
      name: 'AAAA is canonical (RFC 5952)',
      run: () => resolver().aaaa('addresses.resolver.example.test'),
      expected: { status: 'ok', records: ['2001:db8::1'] },
    },
    {
      name: 'MX exchanges lower case without the trailing dot',
      run: async () => sortRecords(await resolver().mx('mail.resolver.example.test')),
      expected: { status: 'ok', records: [{ priority: 10, exchange: 'mail.example.test' }, { priority: 20, exchange: 'mx2.example.test' }] },
    },
    {
      name: 'null MX "0 ." has the exchange "" (RFC 7505 §3)',
      run: () => resolver().mx('null-mx.resolver.example.test'),
      expected: { status: 'ok', records: [{ priority: 0, exchange: '' }] },
    },
    {
      name: 'NODATA: the name exists without records of the type',
      run: () => resolver().txt('only-a.resolver.example.test'),
      expected: { status: 'nodata' },
    },
    {
      name: 'NODATA: an empty non-terminal (RFC 8020)',
      run: () => resolver().txt('empty-non-terminal.resolver.example.test'),
      expected: { status: 'nodata' },
    },
    {
      name: 'NXDOMAIN: the name does not exist',
      run: () => resolver().txt('missing.resolver.example.test'),
      expected: { status: 'nxdomain' },
    },
    {
      name: 'a CNAME is followed to its TXT record',
      run: () => resolver().txt('alias.resolver.example.test'),
      expected: { status: 'ok', records: [['v=spf1 ip4:192.0.2.0/24 ', 'include:_spf.example.test', ' -all']] },
    },
    {
      name: 'PTR names lower case without the trailing dot',
      run: () => resolver().ptr('1.2.0.192.in-addr.arpa'),
      expected: { status: 'ok', records: ['host.example.test'] },
    },
    {
      name: 'a trailing dot on the query name is accepted',
      run: () => resolver().a('only-a.resolver.example.test.'),
      expected: { status: 'ok', records: ['192.0.2.3'] },
    },
  ];
  for (const row of cases) {
    test(row.name, { skip }, async () => {
      assert.deepEqual(await row.run(), row.expected);
    });
  }
});

describe('node resolver against a misbehaving server', () => {
  let dns: MisbehavingDns;
  let dead: MisbehavingDns;
  const big = Array.from({ length: 12 }, (_, i) => [`${String(i).padStart(2, '0')} ${'x'.repeat(250)}`, 'second string']);
  before(async () => {
    dns = await startMisbehavingDns({
      'silent.test': { kind: 'silent' },
      'servfail.test': { kind: 'rcode', rcode: 'servfail' },
      'refused.test': { kind: 'rcode', rcode: 'refused' },
      'truncated.test': { kind: 'records', txt: [['v=DKIM1; ', 'p=AAAA'], ['other']], truncateUdp: true },
      'large.test': { kind: 'records', txt: big },
      'answer.test': { kind: 'records', a: ['192.0.2.7'] },
    });
    dead = await startMisbehavingDns({}, { kind: 'silent' });
  });
  after(async () => {
    await dns.stop();
    await dead.stop();
  });
  const queriesFor = (name: string) => dns.queries.filter((q) => q.name === name).map((q) => q.transport);

  test('timeout → error timeout, within the configured time', async () => {
    const options = { servers: [dns.server], timeoutMs: 300, tries: 2, backoffMs: 50 };
    const started = Date.now();
    const answer = await createNodeResolver(options).txt('silent.test');
    const elapsed = Date.now() - started;
    assert.equal(answer.status, 'error');
    assert.equal(answer.status === 'error' && answer.code, 'timeout');
    assert.ok(elapsed >= 500, `two tries of 300 ms took only ${elapsed} ms`);
    assert.ok(elapsed <= worstCaseLookupMs(options) + 150, `took ${elapsed} ms, more than ${worstCaseLookupMs(options)} ms`);
    assert.deepEqual(queriesFor('silent.test'), ['udp', 'udp']);
  });

  test('SERVFAIL → error servfail, retried once per try', async () => {
    const answer = await createNodeResolver({ servers: [dns.server], timeoutMs: 500, tries: 3, backoffMs: 10 }).txt('servfail.test');
    assert.deepEqual(answer.status === 'error' && [answer.code, queriesFor('servfail.test').length], ['servfail', 3]);
  });

  test('REFUSED → error refused, not retried', async () => {
    const answer = await createNodeResolver({ servers: [dns.server], timeoutMs: 500, tries: 3 }).txt('refused.test');
    assert.deepEqual(answer.status === 'error' && [answer.code, queriesFor('refused.test').length], ['refused', 1]);
  });

  test('TC=1 over UDP → the answer comes over TCP (c-ares falls back by itself)', async () => {
    const answer = await createNodeResolver({ servers: [dns.server], timeoutMs: 1000, tries: 1 }).txt('truncated.test');
    assert.deepEqual(answer, { status: 'ok', records: [['v=DKIM1; ', 'p=AAAA'], ['other']] });
    assert.deepEqual(queriesFor('truncated.test'), ['udp', 'tcp']);
  });

  test('a TXT answer larger than UDP allows arrives whole over TCP, strings kept apart', async () => {
    const answer = await createNodeResolver({ servers: [dns.server], timeoutMs: 1000, tries: 1 }).txt('large.test');
    assert.equal(answer.status, 'ok');
    assert.deepEqual(sortRecords(answer), { status: 'ok', records: big });
    assert.deepEqual(queriesFor('large.test'), ['udp', 'tcp']);
  });

  test('several servers: the first never answers, the second does', async () => {
    const answer = await createNodeResolver({ servers: [dead.server, dns.server], timeoutMs: 300, tries: 1 }).a('answer.test');
    assert.deepEqual(answer, { status: 'ok', records: ['192.0.2.7'] });
    assert.equal(dead.queries.length, 1);
  });

  test('several servers: the first port is closed, the second answers', async () => {
    const closed = await startMisbehavingDns({});
    const closedServer = closed.server;
    await closed.stop();
    const answer = await createNodeResolver({ servers: [closedServer, dns.server], timeoutMs: 300, tries: 1 }).a('answer.test');
    assert.deepEqual(answer, { status: 'ok', records: ['192.0.2.7'] });
  });

  test('several servers all failing: the error names each attempt', async () => {
    const answer = await createNodeResolver({ servers: [dead.server, dns.server], timeoutMs: 200, tries: 1 }).txt('servfail.test');
    assert.equal(answer.status, 'error');
    assert.equal(answer.status === 'error' && answer.code, 'servfail');
    assert.match(answer.status === 'error' ? answer.message : '', new RegExp(`${dead.server} timed out; ${dns.server} SERVFAIL`));
  });
});

function sortRecords<T>(answer: { status: string; records?: readonly T[] }): unknown {
  return answer.records ? { ...answer, records: [...answer.records].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) } : answer;
}
