import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { decodeBase64, decodeBase64Chunks, decodeQuotedPrintable, decodeTransferEncoding, decodedBase64Length } from './transfer-decoding.js';

const text = (value: string): Uint8Array => Buffer.from(value, 'latin1');
const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

const base64Cases: [string, string, string][] = [
  ['RFC 2045 §6.8 plain', 'aGVsbG8gd29ybGQ=', 'hello world'],
  ['RFC 2045 §6.8 line breaks (CRLF and LF) ignored', 'aGVsbG8g\r\nd29y\nbGQ=', 'hello world'],
  ['missing padding tolerated', 'aGVsbG8gd29ybGQ', 'hello world'],
  ['characters outside the alphabet ignored (§6.8)', 'aGVs*bG8g!d29ybGQ=', 'hello world'],
  ['several padded pieces glued together', 'YQ==\r\nYmM=\r\n', 'abc'],
  ['empty body', '', ''],
];

for (const [name, input, expected] of base64Cases) {
  test(`decodeBase64: ${name}`, () => {
    assert.equal(latin1(decodeBase64(text(input))), expected);
  });
}

const qpCases: [string, string, string][] = [
  ['RFC 2045 §6.7 rule 1 =XX escapes', 'caf=E9 =3D ok', 'caf\xe9 = ok'],
  ['lower-case hex accepted', 'caf=e9', 'caf\xe9'],
  ['RFC 2045 §6.7 rule 5 soft line break (CRLF)', 'long=\r\nline', 'longline'],
  ['soft line break (LF)', 'long=\nline', 'longline'],
  ['soft line break with trailing white space after =', 'long=  \r\nline', 'longline'],
  ['RFC 2045 §6.7 rule 3 trailing white space on a line dropped', 'end   \r\nnext\t\nlast  ', 'end\r\nnext\nlast'],
  ['white space inside a line kept', 'a  b', 'a  b'],
  ['encoded trailing space kept', 'end=20\r\n', 'end \r\n'],
  ['bare = that is not an escape kept', 'a=b=', 'a=b'],
  ['= followed by one hex digit kept', 'x=A', 'x=A'],
];

for (const [name, input, expected] of qpCases) {
  test(`decodeQuotedPrintable: ${name}`, () => {
    assert.equal(latin1(decodeQuotedPrintable(text(input))), expected);
  });
}

test('decodeTransferEncoding: 7bit, 8bit and binary pass through; unknown is reported', () => {
  const body = text('=41 AQ==');
  for (const encoding of ['7bit', '8bit', 'binary', '']) {
    const decoded = decodeTransferEncoding(body, encoding);
    assert.equal(decoded.known, true);
    assert.equal(decoded.bytes, body);
  }
  const unknown = decodeTransferEncoding(body, 'x-uuencode');
  assert.equal(unknown.known, false);
  assert.equal(latin1(unknown.bytes), '=41 AQ==');
  assert.equal(latin1(decodeTransferEncoding(body, 'quoted-printable').bytes), 'A AQ='); // a final `=` is a soft break
});

/** decodeBase64 as it was before it decoded in chunks (one Latin-1 string, one Buffer.from), kept to test against. */
function wholeStringDecodeBase64(body: Uint8Array): Uint8Array {
  const whole = Buffer.from(body.buffer, body.byteOffset, body.length).toString('latin1');
  const firstPad = whole.indexOf('=');
  if (firstPad === -1 || !/[A-Za-z0-9+/]/.test(whole.slice(firstPad))) return Buffer.from(whole, 'base64');
  return decodeBase64(body); // padding followed by more base64: the piece decoder, which did not change
}

/** A small seeded generator (mulberry32), so a failure can be reproduced. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function assertSameDecoding(body: Uint8Array, chunkBytes: number | undefined, what: string): void {
  const expected = Buffer.from(wholeStringDecodeBase64(body));
  const actual = Buffer.from(chunkBytes === undefined ? decodeBase64(body) : decodeBase64(body, chunkBytes));
  const shown = `${what} (chunks of ${chunkBytes ?? 'default'}): ${JSON.stringify(latin1(body).slice(0, 200))}`;
  if (!actual.equals(expected)) assert.fail(`${shown} gave ${actual.toString('hex').slice(0, 80)}, expected ${expected.toString('hex').slice(0, 80)}`);
  const chunks = [...(chunkBytes === undefined ? decodeBase64Chunks(body) : decodeBase64Chunks(body, chunkBytes))];
  if (!Buffer.concat(chunks).equals(expected)) assert.fail(`${shown}: the streamed chunks differ`);
  if (chunks.some((chunk) => chunk.length === 0)) assert.fail(`${shown}: an empty chunk was streamed`);
  if (decodedBase64Length(body) !== expected.length) assert.fail(`${shown}: decodedBase64Length gave ${decodedBase64Length(body)}, expected ${expected.length}`);
}

test('decodeBase64 in chunks: a line break at every position, every chunk size, gives what one Buffer.from gave', () => {
  for (const encoded of ['aGVsbG8gd29ybGQ=', 'aGVsbG8gd29ybGQ', 'aGVsbG8gd29ybA', 'aGVsbG8gd29yb', 'YQ==YmM=', 'YWJj-_8-', 'YWJj+/8+==']) {
    for (let at = 0; at <= encoded.length; at++) {
      for (const lineBreak of ['\r\n', '\n', ' ', '*', '\x80']) {
        const body = text(encoded.slice(0, at) + lineBreak + encoded.slice(at));
        for (let chunk = 1; chunk <= body.length + 1; chunk++) assertSameDecoding(body, chunk, `break at ${at}`);
      }
    }
  }
});

test('decodeBase64 in chunks: fuzzed bodies (strays, padding mid-stream, both alphabets, any length) give what one Buffer.from gave', () => {
  const next = random(12);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const strays = ['\r\n', '\n', ' ', '\t', '=', '==', '-', '_', '*', '!', '\x00', '\x80', '\xff', '.', '=\r\n'];
  for (let round = 0; round < 3000; round++) {
    const length = Math.floor(next() * 120);
    let body = '';
    const strayRate = [0, 0.02, 0.2, 0.6][round % 4] as number;
    for (let i = 0; i < length; i++) {
      body += next() < strayRate ? (strays[Math.floor(next() * strays.length)] as string) : alphabet[Math.floor(next() * 64)];
    }
    if (round % 5 === 0) body += '=='.slice(0, Math.floor(next() * 3));
    const bytes = text(body);
    assertSameDecoding(bytes, undefined, `round ${round}`);
    assertSameDecoding(bytes, 1 + Math.floor(next() * 16), `round ${round}`);
  }
});

test('decodeBase64 in chunks: a body of several default chunks (76-column lines, URL-safe and stray bytes) gives what one Buffer.from gave', () => {
  const next = random(7);
  const content = Buffer.alloc(3_500_000);
  for (let i = 0; i < content.length; i++) content[i] = Math.floor(next() * 256);
  const lines = content.toString('base64').replace(/.{76}/g, '$&\r\n');
  assertSameDecoding(text(lines), undefined, 'plain lines');
  assert.deepEqual(Buffer.from(decodeBase64(text(lines))), content);
  // Strays every few thousand characters (so chunk ends fall on all kinds of groups), the URL-safe alphabet, a final `=`.
  let messy = '';
  for (let i = 0; i < lines.length; i += 3001) messy += `${lines.slice(i, i + 3001)}${['*', ' ', '\x80', '\n'][i % 4]}`;
  messy = messy.replace(/\+/g, '-').replace(/\//g, '_');
  assertSameDecoding(text(messy), undefined, 'messy lines');
  assertSameDecoding(text(`${messy}=\r\n`), undefined, 'messy lines, padded');
  assertSameDecoding(text(messy), 65_537, 'messy lines');
});

test('decodeBase64Chunks: a large body streams in chunks of about 48 KiB, never decoded whole', () => {
  const content = Buffer.alloc(1_000_000, 'report ');
  const chunks = [...decodeBase64Chunks(text(content.toString('base64').replace(/.{76}/g, '$&\r\n')))];
  assert.ok(chunks.length > 20, `${chunks.length} chunks`);
  assert.ok(chunks.every((chunk) => chunk.length <= 50_000 && chunk.buffer.byteLength <= 50_000), 'each chunk is small and owns a small buffer');
  assert.deepEqual(Buffer.concat(chunks), content);
});
