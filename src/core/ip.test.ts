import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalizeIp } from './ip.js';

const cases: [string, string | undefined, boolean?][] = [
  ['192.0.2.1', '192.0.2.1', true],
  ['192.000.002.001', '192.0.2.1', false],
  ['256.1.1.1', undefined],
  ['999.1.1.1', undefined],
  ['1.2.3', undefined],
  ['1.2.3.4.5', undefined],
  ['2001:db8::1', '2001:db8::1', true],
  ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1', false],
  ['2001:DB8::1', '2001:db8::1', false],
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', false], // RFC 5952 §4.2.3: first of equal runs
  ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', true], // §4.2.2: a single zero group is not compressed
  ['::', '::', true],
  ['::1', '::1', true],
  ['::ffff:192.0.2.1', '::ffff:192.0.2.1', true],
  ['0:0:0:0:0:ffff:c000:201', '::ffff:192.0.2.1', false],
  ['2001:db8::1::2', undefined],
  ['2001:db8:::1', undefined],
  ['2001:db8::g', undefined],
  ['fe80::1%eth0', undefined],
  ['1:2:3:4:5:6:7:8:9', undefined],
  ['', undefined],
  ['1::', '1::', true],
  [':1', undefined],
  [':::', undefined],
  ['1:2:3:4:5:6:192.0.2.1', '1:2:3:4:5:6:c000:201', false],
  ['1:2:3:4:5:6:7:192.0.2.1', undefined],
  ['2001:db8::192.0.2.300', undefined],
  ['12345::1', undefined],
  ['2001:db8::1 ', undefined],
  ['1.2.3.04', '1.2.3.4', false],
  ['1.2.3.0004', undefined],
  ['1..2.3', undefined],
];

for (const [input, expected, canonical] of cases) {
  test(`canonicalizeIp(${JSON.stringify(input)}) (RFC 5952 §4)`, () => {
    const result = canonicalizeIp(input);
    assert.equal(result?.ip, expected);
    if (canonical !== undefined) assert.equal(result?.wasCanonical, canonical);
  });
}
