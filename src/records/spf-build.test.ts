import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSpfRecord } from './spf-build.js';

test('builds cheapest terms first and all last (RFC 7208 §4.6.4, §5.1)', () => {
  const built = buildSpfRecord({ includes: ['_spf.google.com', 'spf.protection.outlook.com'], ip4: ['192.0.2.0/24'], ip6: ['2001:DB8::/32'], mx: true, a: true, all: 'fail' });
  assert.equal(built.ok, true);
  assert.ok(built.ok);
  assert.equal(built.text, 'v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx include:_spf.google.com include:spf.protection.outlook.com -all');
  assert.equal(built.lookups, 4);
  assert.deepEqual(built.warnings.map((w) => [w.code, w.params]), [['spf-build-lookups', { lookups: 4, limit: 10, includes: 2, domain: null }]]);
  assert.ok(built.warnings.every((w) => !/dmarcpilot|--/.test(w.message)), 'no command or flag in the advice');
});

const refused: [string, Parameters<typeof buildSpfRecord>[0], RegExp][] = [
  ['+all is refused (RFC 7208 §5.1)', { all: 'pass' }, /every server/],
  ['an unknown all value is refused', { all: 'reject' }, /fail \(-all\)/],
  ['an IPv6 address in ip4 is refused (RFC 7208 §5.6)', { ip4: ['2001:db8::1'] }, /give it as ip6/],
  ['a prefix over 32 is refused (RFC 7208 §5.6)', { ip4: ['192.0.2.0/33'] }, /0 to 32/],
  ['a bad include is refused (RFC 7208 §7.1)', { includes: ['museum'] }, /single label/],
  ['eleven includes are refused (RFC 7208 §4.6.4)', { includes: Array.from({ length: 11 }, (_, i) => `s${i}.example.net`) }, /over the limit of 10/],
];
for (const [name, options, reason] of refused) {
  test(name, () => {
    const built = buildSpfRecord(options);
    assert.equal(built.ok, false);
    if (!built.ok) assert.match(built.errors.map((e) => `${e.option}: ${e.message}`).join(' '), reason);
  });
}

test('host bits after the prefix are cleared with a warning, duplicates written once', () => {
  const built = buildSpfRecord({ ip4: ['192.0.2.77/24', '192.0.2.0/24', '198.51.100.7/32'], all: 'softfail' });
  assert.ok(built.ok);
  assert.equal(built.text, 'v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.7 ~all');
  assert.deepEqual(built.warnings.map((w) => w.code).sort(), ['spf-build-duplicate', 'spf-build-host-bits', 'spf-build-lookups']);
  assert.match(built.warnings.map((w) => w.message).join(' '), /^|ip4 192\.0\.2\.77\/24 has bits set after the \/24/);
  assert.equal(built.warnings.find((w) => w.code === 'spf-build-host-bits')?.params['network'], '192.0.2.0/24');
  assert.match(built.warnings.map((w) => w.message).join(' '), /ip4 192\.0\.2\.0\/24 is given twice/);
});

test('a record with no senders and -all is the parked-domain record', () => {
  const built = buildSpfRecord({ all: 'fail' });
  assert.ok(built.ok);
  assert.equal(built.text, 'v=spf1 -all');
});
