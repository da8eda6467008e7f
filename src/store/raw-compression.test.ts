import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { gzipRawInput } from './raw-compression.js';

test('gzipRawInput: gzip that gunzip reads back, for incompressible, compressible and empty inputs', async () => {
  for (const input of [randomBytes(3_000_000), Buffer.alloc(3_000_000, 'aggregate report '), new Uint8Array(0), Buffer.from('x')]) {
    const compressed = await gzipRawInput(input);
    assert.equal(compressed[0], 0x1f);
    assert.equal(compressed[1], 0x8b);
    assert.deepEqual(gunzipSync(compressed), Buffer.from(input));
  }
});

test('gzipRawInput: the output is one buffer of its own, grown when the room first made is too small', async () => {
  const input = randomBytes(2_500_000);
  const compressed = await gzipRawInput(input);
  assert.ok(compressed.length > input.length, 'random bytes do not compress');
  assert.ok(compressed.buffer.byteLength < input.length * 1.01 + 4096, `${compressed.buffer.byteLength} bytes of room for ${compressed.length}`);
  const grown = await gzipRawInput(input, 10);
  assert.deepEqual(grown, compressed);
});

test('gzipRawInput: compresses off the event loop (timers run while a large input is compressed)', async () => {
  const input = Buffer.concat([randomBytes(8_000_000), Buffer.alloc(12_000_000, '<record><row><source_ip>192.0.2.1</source_ip></row></record>')]);
  let immediate = false;
  setImmediate(() => (immediate = true));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  try {
    const compressed = await gzipRawInput(input);
    assert.ok(immediate, 'the event loop turned before the compression was done');
    assert.ok(ticks >= 2, `${ticks} timer ticks while compressing`);
    assert.ok(compressed.length < input.length);
  } finally {
    clearInterval(timer);
  }
});
