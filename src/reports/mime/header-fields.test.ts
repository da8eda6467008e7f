import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { headerValue, headerValues, readHeaderBlock } from './header-fields.js';

const bytes = (value: string, encoding: BufferEncoding = 'utf8'): Uint8Array => Buffer.from(value, encoding);

test('readHeaderBlock: RFC 5322 §2.2.3 unfolding with CRLF, names lower-cased, body offset', () => {
  const input = 'Subject: a\r\n  folded\r\n\tagain\r\nX-Two : value \r\n\r\nbody';
  const block = readHeaderBlock(bytes(input));
  assert.deepEqual(block.headers, [
    { name: 'subject', value: 'a  folded\tagain' },
    { name: 'x-two', value: 'value' },
  ]);
  assert.equal(block.endedAtBlankLine, true);
  assert.equal(input.slice(block.bodyStart), 'body');
  assert.equal(input.slice(0, block.headerEnd), 'Subject: a\r\n  folded\r\n\tagain\r\nX-Two : value \r\n');
});

test('readHeaderBlock: bare LF line endings', () => {
  const input = 'A: 1\nB: 2\n continued\n\nbody\n';
  const block = readHeaderBlock(bytes(input));
  assert.deepEqual(block.headers, [
    { name: 'a', value: '1' },
    { name: 'b', value: '2 continued' },
  ]);
  assert.equal(input.slice(block.bodyStart), 'body\n');
});

test('readHeaderBlock: headers without a body or final line break', () => {
  const block = readHeaderBlock(bytes('A: 1\nB: 2'));
  assert.equal(block.headers.length, 2);
  assert.equal(block.endedAtBlankLine, false);
  assert.equal(block.bodyStart, 9);
});

test('readHeaderBlock: a line that is not a field starts the body (stray line reported)', () => {
  const input = 'A: 1\nthis is not a field\nB: 2\n';
  const block = readHeaderBlock(bytes(input));
  assert.deepEqual(block.headers, [{ name: 'a', value: '1' }]);
  assert.equal(block.strayLine, 2);
  assert.equal(input.slice(block.bodyStart), 'this is not a field\nB: 2\n');
});

test('readHeaderBlock: a continuation line first is not a header block', () => {
  const block = readHeaderBlock(bytes(' indented\nA: 1\n'));
  assert.equal(block.headers.length, 0);
  assert.equal(block.strayLine, 1);
});

test('readHeaderBlock: RFC 6532 UTF-8 header text, Latin-1 when not valid UTF-8', () => {
  assert.equal(readHeaderBlock(bytes('Subject: Grüße\n\n')).headers[0]?.value, 'Grüße');
  assert.equal(readHeaderBlock(bytes('Subject: Gr\xfc\xdfe\n\n', 'latin1')).headers[0]?.value, 'Grüße');
});

test('readHeaderBlock: starts at an offset', () => {
  const block = readHeaderBlock(bytes('junk\nA: 1\n\nbody'), 5);
  assert.deepEqual(block.headers, [{ name: 'a', value: '1' }]);
});

test('headerValue / headerValues: case-insensitive, first and all', () => {
  const entity = { headers: [{ name: 'received', value: 'one' }, { name: 'subject', value: 's' }, { name: 'received', value: 'two' }] };
  assert.equal(headerValue(entity, 'Received'), 'one');
  assert.deepEqual(headerValues(entity, 'RECEIVED'), ['one', 'two']);
  assert.equal(headerValue(entity, 'to'), undefined);
  assert.deepEqual(headerValues(entity, 'to'), []);
});
