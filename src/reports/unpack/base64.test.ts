import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { gzipSync } from 'node:zlib';
import { decodeBase64Text } from './base64.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decodedText = (s: string): string | undefined => {
  const out = decodeBase64Text(text(s));
  return out === undefined ? undefined : Buffer.from(out).toString('latin1');
};

const cases: [string, string, string | undefined][] = [
  ['padded (RFC 4648 §4)', 'PGZlZWRiYWNrLz4=', '<feedback/>'],
  ['two padding characters', 'PGE+', '<a>'],
  ['missing padding is tolerated', 'PGZlZWRiYWNrLz4', '<feedback/>'],
  ['wrapped lines with CRLF (RFC 2045 §6.8)', 'PGZlZWRi\r\nYWNrLz4=\r\n', '<feedback/>'],
  ['leading and trailing white space', '\n  PGE+  \n', '<a>'],
  ['a character outside the alphabet', 'PGZl*ZWRiYWNrLz4=', undefined],
  ['padding in the middle', 'PGE=PGE=', undefined],
  ['three padding characters', 'PG===', undefined],
  ['a length of 4n+1 characters cannot be base64', 'PGZlZ', undefined],
  ['only white space', ' \r\n ', undefined],
  ['empty', '', undefined],
  ['XML text is not base64', '<feedback/>', undefined],
  ['URL-safe alphabet is not accepted', 'PGE-_w==', undefined],
];

for (const [name, input, expected] of cases) {
  test(`decodeBase64Text: ${name}`, () => assert.equal(decodedText(input), expected));
}

test('decodeBase64Text: a gzip report wrapped at 76 columns decodes byte for byte', () => {
  const gz = gzipSync('<?xml version="1.0"?><feedback>' + 'x'.repeat(5000) + '</feedback>');
  const wrapped = gz.toString('base64').replace(/.{76}/g, '$&\r\n');
  const out = decodeBase64Text(text(wrapped));
  assert.ok(out);
  assert.deepEqual(Buffer.from(out), gz);
});
