import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { ByteReader, sliceChunks } from './byte-reader.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('latin1'));

for (const size of [1, 2, 3, 100]) {
  test(`ByteReader: readExact, skip and skipThroughZero across ${size}-byte chunks`, async () => {
    const reader = new ByteReader(sliceChunks(text('abcdef\0ghij\0klmnop'), size));
    assert.equal(str(await reader.readExact(2)), 'ab');
    assert.equal(await reader.skip(1), 1);
    assert.equal(await reader.skipThroughZero(100), 'found');
    assert.equal(str(await reader.readExact(3)), 'ghi');
    assert.equal(await reader.skipThroughZero(1), 'too-long', 'the zero is 2 bytes on; only 1 may be looked at');
  });
}

test('ByteReader: short reads at the end of the stream, and unshift', async () => {
  const reader = new ByteReader(sliceChunks(text('xyz'), 2));
  assert.equal(str(await reader.readExact(5)), 'xyz');
  assert.equal(str(await reader.readExact(1)), '');
  reader.unshift(text('back'));
  assert.equal(str(await reader.next()), 'back');
  assert.equal(await reader.next(), undefined);
  assert.equal(await reader.skipThroughZero(10), 'end-of-stream');
});

test('ByteReader: drain counts what is left; close ends the source', async () => {
  let closed = false;
  const source: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.resolve({ done: false, value: text('0123456789') }),
      return: () => {
        closed = true;
        return Promise.resolve({ done: true, value: undefined });
      },
    }),
  };
  const reader = new ByteReader(source);
  assert.equal(str(await reader.readExact(4)), '0123');
  await reader.close();
  assert.equal(closed, true);
  assert.equal(await reader.next(), undefined);
  const finite = new ByteReader(sliceChunks(text('0123456789'), 3));
  await finite.readExact(4);
  assert.equal(await finite.drain(), 6);
});
