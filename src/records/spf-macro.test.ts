import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpfMacroContext } from './spf-macro.js';
import { expandSpfMacros, scanMacroString, truncateDomainName } from './spf-macro.js';
import { dotFormat, parseSpfIp } from './spf-network.js';

// RFC 7208 §7.4 examples: sender strong-bad@email.example.com, client 192.0.2.3 / 2001:db8::cb01.
const v4 = parseSpfIp('192.0.2.3');
const v6 = parseSpfIp('2001:db8::cb01');
const base = (ip = v4): SpfMacroContext => ({
  sender: 'strong-bad@email.example.com',
  domain: 'email.example.com',
  ipDotFormat: dotFormat(ip!),
  clientIp: ip!.text,
  ipVersion: ip!.version,
  helo: 'mx.example.org',
});

const cases: [string, string, SpfMacroContext?][] = [
  ['%{s}', 'strong-bad@email.example.com'],
  ['%{o}', 'email.example.com'],
  ['%{d}', 'email.example.com'],
  ['%{d4}', 'email.example.com'],
  ['%{d3}', 'email.example.com'],
  ['%{d2}', 'example.com'],
  ['%{d1}', 'com'],
  ['%{dr}', 'com.example.email'],
  ['%{d2r}', 'example.email'],
  ['%{l}', 'strong-bad'],
  ['%{l-}', 'strong.bad'],
  ['%{lr}', 'strong-bad'],
  ['%{lr-}', 'bad.strong'],
  ['%{l1r-}', 'strong'],
  ['%{ir}.%{v}._spf.%{d2}', '3.2.0.192.in-addr._spf.example.com'],
  ['%{lr-}.lp._spf.%{d2}', 'bad.strong.lp._spf.example.com'],
  ['%{lr-}.lp.%{ir}.%{v}._spf.%{d2}', 'bad.strong.lp.3.2.0.192.in-addr._spf.example.com'],
  ['%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}', '3.2.0.192.in-addr.strong.lp._spf.example.com'],
  ['%{d2}.trusted-domains.example.net', 'example.com.trusted-domains.example.net'],
  ['%{ir}.%{v}._spf.%{d2}', '1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com', base(v6)],
  ['%{h}', 'mx.example.org'],
  ['%{p}', 'unknown'],
  ['%%%_%-', '% %20'],
  ['%{L}', 'strong-bad'],
  ['%{S}', 'strong-bad%40email.example.com'],
];
for (const [macro, expected, context] of cases) {
  test(`${macro} expands to ${expected} (RFC 7208 §7.4 examples, §7.3 transformers)`, () => {
    const result = expandSpfMacros(macro, context ?? base());
    assert.deepEqual(result, { ok: true, value: expected });
  });
}

test('c, r and t expand only in explanation text (RFC 7208 §7.2)', () => {
  assert.equal(scanMacroString('%{c}').ok, false);
  const explained = expandSpfMacros('%{c} via %{r} at %{t}', { ...base(v6), receiver: 'mx.example.net', timestamp: 1700000000 }, { explanation: true });
  assert.deepEqual(explained, { ok: true, value: '2001:db8::cb01 via mx.example.net at 1700000000' });
});

test('an expanded name over 253 characters loses labels from the left (RFC 7208 §7.3)', () => {
  const long = `${'label.'.repeat(50)}example.com.`;
  const cut = truncateDomainName(long);
  assert.ok(cut.length <= 253);
  assert.ok(cut.endsWith('label.example.com'));
  assert.ok(!cut.startsWith('.'));
});
