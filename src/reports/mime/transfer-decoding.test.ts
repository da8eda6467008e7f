import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { decodeBase64, decodeQuotedPrintable, decodeTransferEncoding } from './transfer-decoding.js';

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
