import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concatBytes, readAll, streamBytes } from './byte-stream.js';

test('readAll of streamBytes: the same bytes, as a view of the same memory (an input read whole is not copied again)', async () => {
  const bytes = new Uint8Array(3 * 1024 + 5).map((_, i) => i % 251);
  const all = await readAll(streamBytes(bytes, 1024), bytes.length, 'The input');
  assert.deepEqual(all, bytes);
  assert.equal(all.buffer, bytes.buffer);
  assert.equal(all.byteOffset, bytes.byteOffset);
  const inner = bytes.subarray(7, 2_000);
  const view = await readAll(streamBytes(inner, 100), inner.length, 'The input');
  assert.equal(view.buffer, bytes.buffer);
  assert.equal(view.byteOffset, 7);
  assert.deepEqual(view, inner);
});

test('concatBytes: parts that do not lie one after another are copied, in order', () => {
  const memory = new Uint8Array([1, 2, 3, 4, 5, 6]);
  const gap = concatBytes([memory.subarray(0, 2), memory.subarray(3, 5)]);
  assert.deepEqual(gap, new Uint8Array([1, 2, 4, 5]));
  assert.notEqual(gap.buffer, memory.buffer);
  const swapped = concatBytes([memory.subarray(3, 6), memory.subarray(0, 3)]);
  assert.deepEqual(swapped, new Uint8Array([4, 5, 6, 1, 2, 3]));
  const other = new Uint8Array([9, 9]);
  const twoBuffers = concatBytes([memory.subarray(4, 6), other.subarray(0, 1)]);
  assert.deepEqual(twoBuffers, new Uint8Array([5, 6, 9]));
  assert.notEqual(twoBuffers.buffer, memory.buffer);
  // Adjacent, but a length that does not add up: copied as before (the caller's length), not a wrong view.
  assert.deepEqual(concatBytes([memory.subarray(0, 2), memory.subarray(2, 3)], 4), new Uint8Array([1, 2, 3, 0]));
  assert.deepEqual(concatBytes([]), new Uint8Array(0));
});

test('readAll still refuses a stream past its limit', async () => {
  await assert.rejects(readAll(streamBytes(new Uint8Array(10), 4), 9, 'The e-mail message'), /The e-mail message is larger than/);
});
