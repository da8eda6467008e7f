import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressDomain, readIp, readReportFields, spfDnsDomain, stripAngles, stripMtaType } from './report-fields.js';

const ips: [string, string | undefined][] = [
  ['192.0.2.1', '192.0.2.1'],
  ['192.0.2.1 (host.example.net)', '192.0.2.1'],
  ['[192.0.2.1]', '192.0.2.1'],
  ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
  ['IPv6:2001:db8::1', '2001:db8::1'],
  ['[IPv6:2001:db8::1]', '2001:db8::1'],
  ['::ffff:203.0.113.68', '::ffff:203.0.113.68'],
  ['192.0.2.256', undefined],
  ['unknown', undefined],
];
for (const [input, expected] of ips) {
  test(`readIp: RFC 5965 §3.2 Source-IP ${JSON.stringify(input)}`, () => assert.equal(readIp(input), expected));
}

const domains: [string, string | null][] = [
  ['"Name" <User@Example.COM>', 'example.com'],
  ['user@example.net', 'example.net'],
  ['<bounces+1=example.com@mailer.example.org>', 'mailer.example.org'],
  ['Group: a@one.example, b@two.example;', 'one.example'],
  ['<> ', null],
  ['no address here', null],
];
for (const [input, expected] of domains) {
  test(`addressDomain: ${JSON.stringify(input)}`, () => assert.equal(addressDomain(input), expected));
}

const spfDns: [string, string | null][] = [
  ['txt : example.com "v=spf1 -all"', 'example.com'],
  ['SPF:Mail.Example.NET. "v=spf1 ip4:192.0.2.0/24 -all"', 'mail.example.net'],
  ['example.org', 'example.org'],
  ['"v=spf1 -all"', null],
];
for (const [input, expected] of spfDns) {
  test(`spfDnsDomain: RFC 6591 §3.1 SPF-DNS ${JSON.stringify(input)}`, () => assert.equal(spfDnsDomain(input), expected));
}

test('stripAngles and stripMtaType', () => {
  assert.equal(stripAngles('<a@example.com>'), 'a@example.com');
  assert.equal(stripAngles(' a@example.com '), 'a@example.com');
  assert.equal(stripAngles('<>'), null);
  assert.equal(stripAngles(null), null);
  assert.equal(stripMtaType('dns; mx.example.net'), 'mx.example.net', 'RFC 5965 §3.2 mta-name-type');
  assert.equal(stripMtaType('mx.example.net'), 'mx.example.net');
  assert.equal(stripMtaType('dns;'), null);
});

test('readReportFields: folded values, blank lines skipped, stray lines counted', () => {
  const { fields, strayLines } = readReportFields('A: 1\r\nB: two\r\n  lines\r\n\r\nnot a field\r\nC:3\r\n');
  assert.deepEqual(fields, [
    { name: 'A', value: '1' },
    { name: 'B', value: 'two  lines' },
    { name: 'C', value: '3' },
  ]);
  assert.equal(strayLines, 1);
});
