import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryResolver } from '../dns/memory-resolver.js';
import { evaluateSpf, evaluateSpfForIp } from './spf-evaluate.js';
import { rfc7208Groups } from './spf-rfc7208-vectors.test-helper.js';

for (const group of rfc7208Groups) {
  for (const scenario of group.scenarios) {
    test(`RFC 7208 suite, ${group.description}: ${scenario.name} (§${scenario.spec}) is ${scenario.result}`, async () => {
      const domain = scenario.mailfrom === '' ? scenario.helo : scenario.mailfrom.slice(scenario.mailfrom.lastIndexOf('@') + 1);
      const sender = scenario.mailfrom === '' ? `postmaster@${scenario.helo}` : scenario.mailfrom;
      const evaluation = await evaluateSpf(domain, scenario.host, { resolver: new MemoryResolver(group.zone), sender, helo: scenario.helo });
      assert.equal(evaluation.result, scenario.result, evaluation.reason);
      if (scenario.explanation !== undefined) assert.equal(evaluation.explanation ?? null, scenario.explanation);
    });
  }
}

test('evaluateSpfForIp names the matched term and the include path to it', async () => {
  const resolver = new MemoryResolver({
    'example.com': { TXT: ['v=spf1 ip4:198.51.100.0/24 include:_spf.example.net -all'] },
    '_spf.example.net': { TXT: ['v=spf1 include:_netblocks.example.net ~all'] },
    '_netblocks.example.net': { TXT: ['v=spf1 ip4:192.0.2.0/25 ip6:2001:db8::/32 ~all'] },
  });
  const pass = await evaluateSpfForIp('example.com', '192.0.2.7', { resolver });
  assert.equal(pass.result, 'pass');
  assert.deepEqual(pass.match, { domain: '_netblocks.example.net', term: 'ip4:192.0.2.0/25', offset: 7 });
  assert.deepEqual(pass.path, ['example.com', '_spf.example.net', '_netblocks.example.net']);
  assert.deepEqual(pass.via, ['include:_spf.example.net', 'include:_netblocks.example.net']);
  assert.equal(pass.lookups, 2);
  const fail = await evaluateSpfForIp('example.com', '203.0.113.9', { resolver });
  assert.equal(fail.result, 'fail');
  assert.deepEqual(fail.match, { domain: 'example.com', term: '-all', offset: 52 });
  assert.deepEqual(fail.path, ['example.com']);
  const v6 = await evaluateSpfForIp('example.com', '2001:DB8::25', { resolver });
  assert.equal(v6.result, 'pass');
  assert.equal(v6.match?.term, 'ip6:2001:db8::/32');
});

test('an include whose target times out is temperror, with the path to it (RFC 7208 §5.2)', async () => {
  const resolver = new MemoryResolver({ 'example.com': { TXT: ['v=spf1 include:broken.example.net -all'] }, 'broken.example.net': 'servfail' });
  const result = await evaluateSpfForIp('example.com', '192.0.2.1', { resolver });
  assert.equal(result.result, 'temperror');
  assert.deepEqual(result.path, ['example.com', 'broken.example.net']);
  assert.equal(result.errorTerm, undefined);
});

test('an include with no SPF record is permerror naming the include (RFC 7208 §5.2)', async () => {
  const resolver = new MemoryResolver({ 'example.com': { TXT: ['v=spf1 include:gone.example.net -all'] } });
  const result = await evaluateSpfForIp('example.com', '192.0.2.1', { resolver });
  assert.equal(result.result, 'permerror');
  assert.equal(result.errorTerm, 'include:gone.example.net');
  assert.deepEqual(result.path, ['example.com', 'gone.example.net']);
  assert.match(result.reason, /no SPF record/);
});

test('an include loop is a permerror reported as a loop, before the lookup limit (RFC 7208 §4.6.4)', async () => {
  const resolver = new MemoryResolver({ 'example.com': { TXT: ['v=spf1 include:a.example.net -all'] }, 'a.example.net': { TXT: ['v=spf1 include:example.com ~all'] } });
  const result = await evaluateSpfForIp('example.com', '192.0.2.1', { resolver });
  assert.equal(result.result, 'permerror');
  assert.match(result.reason, /loops back to example\.com/);
});

test('a DNS failure on an a lookup is temperror, never a void lookup (RFC 7208 §5, §4.6.4)', async () => {
  const resolver = new MemoryResolver({ 'example.com': { TXT: ['v=spf1 a:down.example.net -all'] }, 'down.example.net': 'timeout' });
  const result = await evaluateSpfForIp('example.com', '192.0.2.1', { resolver });
  assert.equal(result.result, 'temperror');
  assert.equal(result.voidLookups, 0);
});

test('evaluateSpf refuses an invalid client address (a programmer error)', async () => {
  await assert.rejects(evaluateSpf('example.com', 'not-an-ip', { resolver: new MemoryResolver({}) }), RangeError);
});
