import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemoryZone } from '../dns/memory-resolver.js';
import { MemoryResolver } from '../dns/memory-resolver.js';
import { checkSpf, txtAnswerOctets } from './check-spf.js';

const provider: MemoryZone = {
  '_spf.provider.example': { TXT: ['v=spf1 include:_n1.provider.example include:_n2.provider.example ~all'] },
  '_n1.provider.example': { TXT: ['v=spf1 ip4:198.51.100.0/24 ~all'] },
  '_n2.provider.example': { TXT: ['v=spf1 ip6:2001:db8:100::/48 ~all'] },
  'mail.example.com': { A: ['192.0.2.10'], AAAA: ['2001:db8::10'] },
};

const zoneWith = (record: string | readonly (string | readonly string[])[], more: MemoryZone = {}): MemoryZone => ({
  ...provider,
  'example.com': { TXT: typeof record === 'string' ? [record] : record, MX: [{ priority: 10, exchange: 'mail.example.com' }] },
  ...more,
});

const many = (n: number): MemoryZone => Object.fromEntries(Array.from({ length: n }, (_, i) => [`s${i}.example.net`, { TXT: [`v=spf1 ip4:203.0.113.${i} ~all`] }]));
const includes = (n: number): string => Array.from({ length: n }, (_, i) => `include:s${i}.example.net`).join(' ');

// [clause, zone, codes that must be present (with severity), codes that must be absent]
const rows: [string, MemoryZone, [string, string][], string[]][] = [
  ['RFC 7208 §4.5 a clean record is spf-ok', zoneWith('v=spf1 mx include:_spf.provider.example -all'), [['spf-ok', 'ok'], ['spf-lookup-count', 'info']], ['spf-missing', 'spf-no-all']],
  ['RFC 7208 §4.5 no record is spf-missing', { 'example.com': { A: ['192.0.2.1'] } }, [['spf-missing', 'error']], ['spf-ok', 'spf-dns-error']],
  ['RFC 7208 §4.4 a timeout is spf-dns-error, never spf-missing', { 'example.com': 'timeout' }, [['spf-dns-error', 'error']], ['spf-missing', 'spf-ok']],
  ['RFC 7208 §4.4 SERVFAIL is spf-dns-error', { 'example.com': 'servfail' }, [['spf-dns-error', 'error']], ['spf-missing']],
  ['RFC 7208 §4.5 two records are spf-multiple-records', zoneWith(['v=spf1 mx -all', 'v=spf1 include:_spf.provider.example -all']), [['spf-multiple-records', 'error']], ['spf-ok']],
  ['RFC 7208 §4.6 a syntax error is spf-syntax-error with its column', zoneWith('v=spf1 ip4:192.0.2.300 -all'), [['spf-syntax-error', 'error']], ['spf-ok']],
  ['RFC 7208 §4.6.4 eleven lookups are spf-too-many-lookups', zoneWith(`v=spf1 ${includes(11)} -all`, many(11)), [['spf-too-many-lookups', 'error']], ['spf-ok', 'spf-lookup-count']],
  ['RFC 7208 §4.6.4 ten lookups are within the limit', zoneWith(`v=spf1 ${includes(10)} -all`, many(10)), [['spf-ok', 'ok']], ['spf-too-many-lookups']],
  ['RFC 7208 §4.6.4 three void lookups are spf-too-many-void-lookups', zoneWith('v=spf1 a:gone1.example.com a:gone2.example.com mx:gone3.example.com -all'), [['spf-too-many-void-lookups', 'error'], ['spf-void-lookup', 'warning']], ['spf-ok']],
  ['RFC 7208 §4.6.4 one void lookup is a warning', zoneWith('v=spf1 a:gone1.example.com -all'), [['spf-void-lookup', 'warning']], ['spf-too-many-void-lookups', 'spf-ok']],
  ['RFC 7208 §5.1 +all is spf-permissive-all', zoneWith('v=spf1 mx +all'), [['spf-permissive-all', 'error']], ['spf-ok']],
  ['RFC 7208 §5.1 a bare all is +all', zoneWith('v=spf1 mx all'), [['spf-permissive-all', 'error']], ['spf-ok']],
  ['RFC 7208 §5.1 +all inside an include passes everyone', zoneWith('v=spf1 include:open.example.net -all', { 'open.example.net': { TXT: ['v=spf1 +all'] } }), [['spf-permissive-all', 'error']], ['spf-ok']],
  ['RFC 7208 §5.1 ?all is spf-neutral-all', zoneWith('v=spf1 mx ?all'), [['spf-neutral-all', 'warning']], ['spf-permissive-all', 'spf-ok']],
  ['RFC 7208 §5.1 ?all inside an include is normal', zoneWith('v=spf1 include:n.example.net -all', { 'n.example.net': { TXT: ['v=spf1 ip4:192.0.2.0/24 ?all'] } }), [['spf-ok', 'ok']], ['spf-neutral-all']],
  ['RFC 7208 §4.7 no all is spf-no-all', zoneWith('v=spf1 mx'), [['spf-no-all', 'warning']], ['spf-ok']],
  ['RFC 7208 §6.1 a redirect instead of all is fine', zoneWith('v=spf1 redirect=_spf.provider.example'), [['spf-ok', 'ok']], ['spf-no-all']],
  ['RFC 7208 §6.1 redirect together with all is ignored', zoneWith('v=spf1 mx redirect=_spf.provider.example -all'), [['spf-redirect-ignored', 'warning']], ['spf-ok']],
  ['RFC 7208 §6.1 a redirect to nothing is spf-redirect-missing', zoneWith('v=spf1 redirect=gone.example.net'), [['spf-redirect-missing', 'error']], ['spf-ok']],
  ['RFC 7208 §5.5 ptr is spf-ptr-used', zoneWith('v=spf1 ptr -all'), [['spf-ptr-used', 'warning']], ['spf-ok']],
  ['RFC 7208 §4.6.4 an include loop is spf-include-loop', zoneWith('v=spf1 include:loop.example.net -all', { 'loop.example.net': { TXT: ['v=spf1 include:example.com ~all'] } }), [['spf-include-loop', 'error']], ['spf-ok']],
  ['RFC 7208 §4.6.4 a redirect loop is spf-include-loop', zoneWith('v=spf1 redirect=example.com'), [['spf-include-loop', 'error']], ['spf-ok']],
  ['RFC 7208 §5.2 an include with no record is spf-include-missing', zoneWith('v=spf1 include:gone.example.net -all'), [['spf-include-missing', 'error']], ['spf-ok']],
  ['RFC 7208 §5.2 an include with a broken record is spf-include-invalid', zoneWith('v=spf1 include:bad.example.net -all', { 'bad.example.net': { TXT: ['v=spf1 ip4:1.2.3 ~all'] } }), [['spf-include-invalid', 'error']], ['spf-ok']],
  ['RFC 7208 §5.2 an include that times out is spf-dns-error', zoneWith('v=spf1 include:slow.example.net -all', { 'slow.example.net': 'timeout' }), [['spf-dns-error', 'error']], ['spf-include-missing', 'spf-ok']],
  ['RFC 7208 §4.6.4 an mx with 11 names is spf-too-many-mx-names', zoneWith('v=spf1 mx:big.example.com -all', { 'big.example.com': { MX: Array.from({ length: 11 }, (_, i) => ({ priority: i, exchange: `m${i}.example.com` })) } }), [['spf-too-many-mx-names', 'error']], ['spf-ok']],
  ['RFC 7208 §7 macros are spf-macro-used (count is a lower bound)', zoneWith('v=spf1 exists:%{i}._spf.example.com -all'), [['spf-macro-used', 'info'], ['spf-ok', 'ok']], []],
  ['RFC 7208 §5.1 terms after all are spf-terms-after-all', zoneWith('v=spf1 -all mx'), [['spf-terms-after-all', 'warning']], ['spf-ok']],
  ['RFC 7208 §6.2 exp to a name without TXT is spf-exp-invalid', zoneWith('v=spf1 mx -all exp=why.example.com'), [['spf-exp-invalid', 'warning']], ['spf-ok']],
  ['RFC 7208 §3.4 an answer over 450 octets is spf-record-too-large', zoneWith([`v=spf1 ${Array.from({ length: 30 }, (_, i) => `ip4:198.51.${i}.0/24`).join(' ')} -all`]), [['spf-record-too-large', 'warning']], ['spf-ok']],
  ['RFC 1035 §3.3 a string over 255 octets is spf-string-too-long', zoneWith([[`v=spf1 ${Array.from({ length: 20 }, (_, i) => `ip4:198.51.${i}.0/24`).join(' ')} -all`]]), [['spf-string-too-long', 'error']], ['spf-ok']],
];

for (const [clause, zone, present, absent] of rows) {
  test(`checkSpf: ${clause}`, async () => {
    const check = await checkSpf('example.com', { resolver: new MemoryResolver(zone) });
    const found = check.findings.map((f) => `${f.code}/${f.severity}`);
    for (const [code, severity] of present) assert.ok(found.includes(`${code}/${severity}`), `${code}/${severity} missing from ${found.join(', ')}`);
    for (const code of absent) assert.ok(!check.findings.some((f) => f.code === code), `${code} should be absent: ${found.join(', ')}`);
    for (const f of check.findings) {
      assert.ok(f.message.endsWith('.'), `message is a sentence: ${f.message}`);
      assert.ok(f.rfc.length > 0);
      if (f.severity === 'error' || f.severity === 'warning') assert.ok(f.fix.length > 0, `${f.code} has a fix`);
    }
    assert.doesNotThrow(() => JSON.stringify(check));
  });
}

test('spf-too-many-lookups gives the cost of every include, nested one level', async () => {
  const zone = zoneWith(`v=spf1 mx a include:_spf.provider.example ${includes(8)} -all`, many(8));
  const check = await checkSpf('example.com', { resolver: new MemoryResolver(zone) });
  const tooMany = check.findings.find((f) => f.code === 'spf-too-many-lookups');
  assert.ok(tooMany);
  assert.match(tooMany.message, /needs 13 DNS-querying terms/);
  assert.match(tooMany.message, /mx 1, a 1, include:_spf\.provider\.example 3 \(include:_n1\.provider\.example 1, include:_n2\.provider\.example 1\), include:s0\.example\.net 1/);
  assert.equal(check.records.lookups, 13);
  const include = check.records.tree.terms.find((t) => t.term === 'include:_spf.provider.example');
  assert.equal(include?.lookups, 3);
  assert.equal(include?.child?.domain, '_spf.provider.example');
});

test('the flattened networks include ip4/ip6 of includes and what a/mx resolve to, with their result', async () => {
  const zone = zoneWith('v=spf1 mx a:mail.example.com/24 include:_spf.provider.example -ip4:192.0.2.99 -all');
  const check = await checkSpf('example.com', { resolver: new MemoryResolver(zone) });
  const networks = check.records.networks.map((n) => `${n.result} ${n.network} ${n.domain} ${n.term}`).sort();
  assert.deepEqual(networks, [
    'fail 192.0.2.99/32 example.com -ip4:192.0.2.99',
    'pass 192.0.2.0/24 example.com a:mail.example.com/24',
    'pass 192.0.2.10/32 example.com mx',
    'pass 198.51.100.0/24 _n1.provider.example ip4:198.51.100.0/24',
    'pass 2001:db8:100::/48 _n2.provider.example ip6:2001:db8:100::/48',
    'pass 2001:db8::10/128 example.com a:mail.example.com/24',
    'pass 2001:db8::10/128 example.com mx',
  ]);
});

test('a syntax error finding names the column and the record', async () => {
  const check = await checkSpf('example.com', { resolver: new MemoryResolver(zoneWith('v=spf1 mx ip4:192.0.2.0/33 -all')) });
  const error = check.findings.find((f) => f.code === 'spf-syntax-error');
  assert.equal(error?.location, 'column 24');
  assert.match(error?.message ?? '', /\/33/);
});

test('txtAnswerOctets counts header, question and each string with its length octet', () => {
  assert.equal(txtAnswerOctets('example.com', [['v=spf1 -all']]), 12 + (11 + 2 + 4) + (2 + 10 + 1 + 11));
});

test('params: spf-too-many-lookups gives the count, the limit and the costly terms', async () => {
  const { findings } = await checkSpf('example.com', { resolver: new MemoryResolver(zoneWith(`v=spf1 ${includes(11)} -all`, many(11))) });
  const f = findings.find((x) => x.code === 'spf-too-many-lookups');
  assert.deepEqual(f?.params, { domain: 'example.com', lookups: 11, limit: 10, lowerBound: false, costs: Array.from({ length: 11 }, (_, i) => `include:s${i}.example.net 1`) });
});

test('params: spf-void-lookup and spf-too-many-void-lookups name the terms and the limit', async () => {
  const { findings } = await checkSpf('example.com', { resolver: new MemoryResolver(zoneWith('v=spf1 a:gone1.example.com a:gone2.example.com mx:gone3.example.com -all')) });
  assert.deepEqual(findings.find((x) => x.code === 'spf-void-lookup')?.params, { domain: 'example.com', term: 'a:gone1.example.com', limit: 2 });
  assert.deepEqual(findings.find((x) => x.code === 'spf-too-many-void-lookups')?.params, { domain: 'example.com', voidLookups: 3, limit: 2, terms: ['a:gone1.example.com', 'a:gone2.example.com', 'mx:gone3.example.com'] });
});

test('params: spf-syntax-error gives the column and the parser code', async () => {
  const { findings } = await checkSpf('example.com', { resolver: new MemoryResolver(zoneWith('v=spf1 ip4:192.0.2.300 -all')) });
  assert.deepEqual(findings.find((x) => x.code === 'spf-syntax-error')?.params, { domain: 'example.com', record: 'v=spf1 ip4:192.0.2.300 -all', column: 12, diagnostic: 'spf-invalid-ip' });
});

test('params: spf-include-missing names the record, the term and its target', async () => {
  const { findings } = await checkSpf('example.com', { resolver: new MemoryResolver(zoneWith('v=spf1 include:nothing.example.net -all')) });
  assert.deepEqual(findings.find((x) => x.code === 'spf-include-missing')?.params, { domain: 'example.com', term: 'include:nothing.example.net', target: 'nothing.example.net' });
});
