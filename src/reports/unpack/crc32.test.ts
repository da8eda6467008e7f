import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32Table, updateCrc32 } from './crc32.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

const vectors: [string, Uint8Array, number][] = [
  ['empty input', new Uint8Array(0), 0],
  ['"123456789" check value (RFC 1952 §8 CRC-32)', ascii('123456789'), 0xcbf43926],
  ['"a"', ascii('a'), 0xe8b7be43],
  ['quick brown fox', ascii('The quick brown fox jumps over the lazy dog'), 0x414fa339],
];

for (const [name, data, expected] of vectors) {
  test(`CRC-32 of ${name}`, () => {
    assert.equal(crc32Table(data), expected);
    assert.equal(updateCrc32(0, data), expected);
  });
}

test('CRC-32 continues across chunks of every length (slice-by-8 tail handling)', () => {
  const data = new Uint8Array(1000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
  const whole = crc32Table(data);
  for (const split of [1, 3, 7, 8, 9, 15, 16, 17, 500, 999]) {
    assert.equal(crc32Table(data.subarray(split), crc32Table(data.subarray(0, split))), whole, `split at ${split}`);
    assert.equal(updateCrc32(updateCrc32(0, data.subarray(0, split)), data.subarray(split)), whole, `native split at ${split}`);
  }
});
