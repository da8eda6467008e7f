import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDkimKeyRecord, checkDkimSelector, formatDkimKeyName } from './dkim-build.js';

const key = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA';
const rows: [string, Parameters<typeof buildDkimKeyRecord>[0], boolean, RegExp][] = [
  ['RFC 8301 §3.2: RSA under 1024 bits refused', { keyType: 'rsa', publicKeyBase64: key, modulusBits: 768 }, false, /768 bits/],
  ['RFC 8301 §3.2: RSA 1024 bits warned', { keyType: 'rsa', publicKeyBase64: key, modulusBits: 1024 }, true, /at least 2048/],
  ['RSA 2048 bits clean', { keyType: 'rsa', publicKeyBase64: key, modulusBits: 2048 }, true, /^$/],
  ['RFC 8463 §4.2: Ed25519 raw key is 32 octets', { keyType: 'ed25519', publicKeyBase64: 'A'.repeat(43) + '=' }, true, /RSA key as well/],
  ['Ed25519 SPKI instead of raw key refused', { keyType: 'ed25519', publicKeyBase64: 'MCowBQYDK2VwAyEA' + 'A'.repeat(44) }, false, /32 octets/],
  ['not base64 refused', { keyType: 'rsa', publicKeyBase64: 'not base64!', modulusBits: 2048 }, false, /base64/],
];
for (const [name, input, ok, message] of rows) {
  test(`DKIM key record: ${name}`, () => {
    const built = buildDkimKeyRecord(input);
    assert.equal(built.ok, ok);
    assert.match(built.ok ? built.warnings.join(' ') : built.errors.join(' '), message);
  });
}

test('DKIM key record text and name (RFC 6376 §3.6.1, §3.6.2.1)', () => {
  const built = buildDkimKeyRecord({ keyType: 'rsa', publicKeyBase64: key, modulusBits: 2048, testing: true });
  assert.ok(built.ok);
  assert.equal(built.text, `v=DKIM1; k=rsa; t=y; p=${key}`);
  assert.equal(formatDkimKeyName('s1.2026', 'example.com'), 's1.2026._domainkey.example.com');
  assert.equal(checkDkimSelector('s1.2026'), undefined);
  assert.match(checkDkimSelector('bad_selector!') ?? '', /not a valid selector/);
});
