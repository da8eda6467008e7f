import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { defaultLimits } from '../../core/limits.js';
import { bodyChunks, bodyHead, bodySize } from './entity-body.js';
import type { MimeEntity } from './mime-entity.js';
import { parseMime } from './parse-mime.js';
import { decodeBase64 } from './transfer-decoding.js';

/** A two-part e-mail: a short text part, then `attachment` (already encoded) under the transfer encoding given. */
function email(attachment: string, encoding = 'base64', type = 'application/gzip'): Buffer {
  return Buffer.from(
    [
      'From: reports@example.net',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('A report.').toString('base64'),
      '--b1',
      `Content-Type: ${type}; name="r.xml.gz"`,
      `Content-Transfer-Encoding: ${encoding}`,
      '',
      attachment,
      '--b1--',
      '',
    ].join('\r\n'),
    'latin1',
  );
}

function attachmentOf(message: Uint8Array): MimeEntity {
  const parsed = parseMime(message, defaultLimits, 'test.eml');
  const part = parsed.entity?.children[1];
  assert.ok(part, JSON.stringify(parsed.rejection));
  return part;
}

const isLazy = (entity: MimeEntity): boolean => Object.getOwnPropertyDescriptor(entity, 'body')?.get !== undefined;

test('a base64 attachment streams, with its size and head, without being decoded whole; then reads whole the same', () => {
  const content = Buffer.alloc(2_000_000);
  for (let i = 0; i < content.length; i++) content[i] = (i * 7919) % 251;
  const entity = attachmentOf(email(content.toString('base64').replace(/.{76}/g, '$&\r\n')));
  assert.equal(bodySize(entity), content.length);
  assert.deepEqual(Buffer.from(bodyHead(entity, 4096)), content.subarray(0, 4096));
  const chunks = [...bodyChunks(entity)];
  assert.ok(chunks.length > 30 && chunks.every((chunk) => chunk.buffer.byteLength <= 50_000), 'small chunks, each in a buffer of its own');
  assert.deepEqual(Buffer.concat(chunks), content);
  assert.ok(isLazy(entity), 'streaming, the size and the head left the body undecoded');
  assert.deepEqual(Buffer.from(entity.body), content);
  assert.equal(isLazy(entity), false, 'read once, the body is kept');
  assert.equal(entity.body, entity.body);
  const views = [...bodyChunks(entity)];
  assert.ok(views.every((view) => view.buffer === entity.body.buffer), 'then streamed as views of the body');
  assert.deepEqual(Buffer.concat(views), content);
});

test('every way of reading a base64 body gives what decodeBase64 gives (pieces, URL-safe, strays, nothing)', () => {
  const bodies = ['', '=', 'YQ==\r\nYmM=\r\n', 'YWJj-_8-\r\n', 'aGVs*bG8g!d29ybGQ=', 'Q', 'QUJD\r\nRA', '====', `${'QUJD'.repeat(40_000)}\r\n=`];
  for (const encoded of bodies) {
    const expected = Buffer.from(decodeBase64(Buffer.from(encoded, 'latin1')));
    const entity = attachmentOf(email(encoded));
    assert.equal(bodySize(entity), expected.length, encoded.slice(0, 20));
    assert.deepEqual(Buffer.from(bodyHead(entity, 5)), expected.subarray(0, 5), encoded.slice(0, 20));
    assert.deepEqual(Buffer.concat([...bodyChunks(entity)]), expected, encoded.slice(0, 20));
    assert.ok([...bodyChunks(entity)].every((chunk) => chunk.length > 0));
    assert.deepEqual(Buffer.from(entity.body), expected, encoded.slice(0, 20));
  }
});

test('bodies that are not base64 are read as before (views of the input), and compare equal as plain objects', () => {
  const plain = attachmentOf(email('<feedback/>', '7bit', 'text/xml'));
  assert.equal(isLazy(plain), false);
  assert.equal(bodySize(plain), 11);
  assert.deepEqual(Buffer.concat([...bodyChunks(plain)]).toString(), '<feedback/>');
  const lazy = attachmentOf(email(Buffer.from('<feedback/>').toString('base64'), 'base64', 'text/xml'));
  assert.deepEqual({ ...lazy, body: Buffer.from(lazy.body).toString() }, { ...lazy, transferEncoding: 'base64', body: '<feedback/>' });
  assert.deepEqual(Object.keys(lazy), Object.keys(plain), 'the same fields, in the same order');
});
