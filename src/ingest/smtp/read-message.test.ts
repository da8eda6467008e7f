import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { readMessage } from './read-message.js';

const chunks = (...texts: string[]): Readable => Readable.from(texts.map((t) => Buffer.from(t)));

test('DATA up to the limit is kept whole; one byte over (RFC 1870 §6) is refused with the size, bytes dropped', async () => {
  assert.deepEqual(await readMessage(chunks('abc', 'def'), 6), { oversized: false, bytes: new Uint8Array(Buffer.from('abcdef')) });
  assert.deepEqual(await readMessage(chunks('abc', 'defg', 'hij'), 6), { oversized: true, size: 10 });
  assert.deepEqual(await readMessage(chunks(), 6), { oversized: false, bytes: new Uint8Array(0) });
});

test('a client gone before the final dot: the read fails, nothing partial is returned', async () => {
  const stream = new PassThrough();
  const reading = readMessage(stream, 100);
  stream.write(Buffer.from('Subject: half a message\r\n'));
  stream.destroy(new Error('Connection closed before the message was received in full'));
  await assert.rejects(reading, /received in full/);
});
