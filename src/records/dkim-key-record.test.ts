import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { parseDkimKeyRecord } from './dkim-key-record.js';
import { inspectRsaPublicKey, isEd25519SubjectPublicKeyInfo } from './public-key-der.js';

/** Real keys from node:crypto, as DKIM tools publish them. */
function rsaSpki(bits: number): string {
  return generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}
function rsaPkcs1(bits: number): string {
  return generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ type: 'pkcs1', format: 'der' }).toString('base64');
}
const ed25519Spki = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
const ed25519Raw = ed25519Spki.subarray(-32).toString('base64');

/** A DER RSAPublicKey with a modulus of `bits` bits (not a real key: only its size matters here). */
function fakeRsaPkcs1(bits: number): string {
  const modulus = Buffer.alloc(Math.ceil(bits / 8) + 1, 0xab);
  modulus[0] = 0;
  modulus[1] = bits % 8 === 0 ? 0xff : (1 << bits % 8) - 1;
  const integer = (content: Buffer): Buffer => Buffer.concat([Buffer.from([0x02]), derLength(content.length), content]);
  const body = Buffer.concat([integer(modulus), integer(Buffer.from([1, 0, 1]))]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]).toString('base64');
}
function derLength(length: number): Buffer {
  if (length < 128) return Buffer.from([length]);
  return length < 256 ? Buffer.from([0x81, length]) : Buffer.from([0x82, length >> 8, length & 0xff]);
}

const key2048 = rsaSpki(2048);
const codes = (text: string): string[] => parseDkimKeyRecord(text).diagnostics.map((d) => `${d.severity}:${d.code}`);

test('RFC 6376 §3.6.1: a plain 2048-bit RSA key in SubjectPublicKeyInfo form is usable, no diagnostics', () => {
  const { record, diagnostics } = parseDkimKeyRecord(`v=DKIM1; k=rsa; p=${key2048}`);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual({ keyType: record.keyType, keyBits: record.keyBits, keyEncoding: record.keyEncoding, usable: record.usable, revoked: record.revoked }, { keyType: 'rsa', keyBits: 2048, keyEncoding: 'spki', usable: true, revoked: false });
});

test('the DER reader agrees with node:crypto on real keys of several sizes and both RSA encodings', () => {
  for (const bits of [512, 1024, 1536, 2048, 3072]) {
    assert.deepEqual(inspectRsaPublicKey(Buffer.from(rsaSpki(bits), 'base64')), { ok: true, encoding: 'spki', modulusBits: bits, exponent: 65537 });
    assert.deepEqual(inspectRsaPublicKey(Buffer.from(rsaPkcs1(bits), 'base64')), { ok: true, encoding: 'pkcs1', modulusBits: bits, exponent: 65537 });
  }
  assert.equal(isEd25519SubjectPublicKeyInfo(ed25519Spki), true);
  assert.equal(inspectRsaPublicKey(ed25519Spki).ok, false);
});

const rows: { name: string; text: string; expected: string[]; check?: (r: ReturnType<typeof parseDkimKeyRecord>) => void }[] = [
  { name: 'RFC 6376 §3.6.1: v is optional, k defaults to rsa', text: `p=${key2048}`, expected: [], check: ({ record }) => assert.equal(record.keyType, 'rsa') },
  { name: 'RFC 6376 §3.6.1: p= folded with whitespace (FWS) is one key', text: `v=DKIM1; p=${key2048.slice(0, 100)} ${key2048.slice(100, 200)}\r\n\t${key2048.slice(200)}`, expected: [], check: ({ record }) => assert.equal(record.keyBits, 2048) },
  { name: 'RFC 6376 §3.6.1: RSAPublicKey (PKCS#1) form is read too', text: `v=DKIM1; p=${rsaPkcs1(2048)}`, expected: [], check: ({ record }) => assert.equal(record.keyEncoding, 'pkcs1') },
  { name: 'RFC 6376 §3.6.1: empty p= means revoked', text: 'v=DKIM1; p=', expected: ['warning:dkim-key-revoked'], check: ({ record }) => assert.deepEqual([record.revoked, record.usable], [true, false]) },
  { name: 'RFC 6376 §3.6.1: p missing is invalid', text: 'v=DKIM1; k=rsa', expected: ['error:dkim-key-invalid'] },
  { name: 'RFC 6376 §3.6.1: corrupt base64 (a stray character)', text: `v=DKIM1; p=${key2048.slice(0, 50)}!${key2048.slice(51)}`, expected: ['error:dkim-key-invalid'], check: ({ diagnostics }) => assert.match(diagnostics[0]?.message ?? '', /corrupt base64: the character "!"/) },
  { name: 'RFC 6376 §3.6.1: truncated base64 (length not a multiple of 4)', text: `v=DKIM1; p=${key2048.slice(0, -3)}`, expected: ['error:dkim-key-invalid'], check: ({ diagnostics }) => assert.match(diagnostics[0]?.message ?? '', /multiple of 4/) },
  { name: 'RFC 6376 §3.6.1: base64 that is not a key', text: 'v=DKIM1; p=aGVsbG8gd29ybGQh', expected: ['error:dkim-key-invalid'] },
  { name: 'RFC 6376 §3.6.1: v not first discards the record', text: `k=rsa; v=DKIM1; p=${key2048}`, expected: ['error:dkim-key-invalid'] },
  { name: 'RFC 6376 §3.6.1: v other than DKIM1 discards the record', text: `v=DKIM2; p=${key2048}`, expected: ['error:dkim-key-invalid'] },
  { name: 'RFC 6376 §3.2: a repeated tag invalidates the tag list', text: `v=DKIM1; p=${key2048}; p=${key2048}`, expected: ['error:dkim-key-invalid'] },
  { name: 'RFC 6376 §3.2: tag names are case-sensitive (P= is not p=)', text: `v=DKIM1; P=${key2048}`, expected: ['info:dkim-unknown-tag', 'error:dkim-key-invalid'] },
  { name: 'RFC 6376 §3.2: a stray word is a syntax error', text: `v=DKIM1; rsa; p=${key2048}`, expected: ['error:dkim-key-invalid'] },
  { name: 'RFC 6376 §3.2: ";;" is tolerated with a warning', text: `v=DKIM1;; p=${key2048}`, expected: ['warning:dkim-key-syntax-lenient'] },
  { name: 'RFC 6376 §3.6.1: unknown tags are ignored', text: `v=DKIM1; x=1; p=${key2048}`, expected: ['info:dkim-unknown-tag'], check: ({ record }) => assert.equal(record.usable, true) },
  { name: 'RFC 6376 §3.6.1: unknown key type k=dsa', text: `v=DKIM1; k=dsa; p=${key2048}`, expected: ['error:dkim-key-invalid'] },
  { name: 'RFC 8301 §3.2: RSA under 1024 bits is too short', text: `v=DKIM1; p=${rsaSpki(512)}`, expected: ['error:dkim-key-too-short'], check: ({ record }) => assert.deepEqual([record.keyBits, record.usable], [512, false]) },
  { name: 'RFC 8301 §3.2: RSA of 1024 bits is weak', text: `v=DKIM1; p=${rsaSpki(1024)}`, expected: ['warning:dkim-key-weak'], check: ({ record }) => assert.equal(record.usable, true) },
  { name: 'RFC 8301 §3.2: RSA over 4096 bits may not be verified', text: `v=DKIM1; p=${fakeRsaPkcs1(8192)}`, expected: ['warning:dkim-key-too-long'], check: ({ record }) => assert.equal(record.keyBits, 8192) },
  { name: 'RFC 8301 §3.1: h=sha1 only', text: `v=DKIM1; h=sha1; p=${key2048}`, expected: ['error:dkim-sha1-only'] },
  { name: 'RFC 6376 §3.6.1: h=sha1:sha256 is fine', text: `v=DKIM1; h=sha1:sha256; p=${key2048}`, expected: [] },
  { name: 'RFC 6376 §3.6.1: h naming no known hash', text: `v=DKIM1; h=md5; p=${key2048}`, expected: ['error:dkim-key-invalid'] },
  { name: 'RFC 6376 §3.6.1: t=y testing flag', text: `v=DKIM1; t=y; p=${key2048}`, expected: ['warning:dkim-testing-flag'], check: ({ record }) => assert.equal(record.testing, true) },
  { name: 'RFC 6376 §3.6.1: t=s is recorded, not a fault', text: `v=DKIM1; t=s; p=${key2048}`, expected: [], check: ({ record }) => assert.deepEqual([record.strictSubdomain, record.testing], [true, false]) },
  { name: 'RFC 6376 §3.6.1: s= without email or *', text: `v=DKIM1; s=other; p=${key2048}`, expected: ['error:dkim-service-not-email'] },
  { name: 'RFC 6376 §3.6.1: s=email is fine', text: `v=DKIM1; s=email; p=${key2048}`, expected: [] },
  { name: 'RFC 8463 §4.2: Ed25519 raw 32-octet key', text: `v=DKIM1; k=ed25519; p=${ed25519Raw}`, expected: [], check: ({ record }) => assert.deepEqual([record.keyBits, record.keyEncoding], [256, 'raw']) },
  { name: 'RFC 8463 §4.2: Ed25519 published as SubjectPublicKeyInfo', text: `v=DKIM1; k=ed25519; p=${ed25519Spki.toString('base64')}`, expected: ['error:dkim-key-invalid'], check: ({ diagnostics }) => assert.match(diagnostics[0]?.message ?? '', /last 32 octets/) },
  { name: 'RFC 8463 §4.2: Ed25519 key without k=ed25519', text: `v=DKIM1; p=${ed25519Raw}`, expected: ['error:dkim-key-invalid'], check: ({ diagnostics }) => assert.match(diagnostics[0]?.message ?? '', /k=ed25519/) },
];

for (const row of rows) {
  test(row.name, () => {
    assert.deepEqual(codes(row.text), row.expected);
    row.check?.(parseDkimKeyRecord(row.text));
  });
}

test('diagnostics carry the tag and offset of the fault', () => {
  const text = `v=DKIM1; t=y; p=${key2048}`;
  const [testing] = parseDkimKeyRecord(text).diagnostics;
  assert.deepEqual([testing?.tag, testing?.offset], ['t', text.indexOf('y')]);
});
