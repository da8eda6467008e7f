import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultLimits, withLimits } from '../../core/limits.js';
import { InputRejectedError } from '../../core/input-rejected.js';
import { DecompressionBudget, formatByteSize } from './decompression-budget.js';

const KiB = 1024;
const MiB = 1024 * KiB;

function rejectionOf(fn: () => void): { code: string; message: string; location?: string } | undefined {
  try {
    fn();
  } catch (caught) {
    assert.ok(caught instanceof InputRejectedError, 'only InputRejectedError is thrown');
    return caught.rejection;
  }
  return undefined;
}

test('ratio: output past the grace and over maxRatio times the input is refused, numbers in the message', () => {
  const budget = new DecompressionBudget(48 * KiB, defaultLimits);
  assert.equal(rejectionOf(() => budget.consume(9 * MiB, 'a.gz')), undefined, '9 MiB from 48 KiB is 192 times: allowed');
  const refused = rejectionOf(() => budget.consume(1 * MiB, 'a.gz'));
  assert.equal(refused?.code, 'decompression-ratio-exceeded');
  assert.equal(refused?.location, 'a.gz');
  assert.match(refused?.message ?? '', /inflates more than 200 times: 48 KiB became 10 MiB/);
  assert.equal(budget.producedBytes, 10 * MiB);
});

test('ratio: small inputs may compress very well while the output stays within the grace', () => {
  const budget = new DecompressionBudget(100, defaultLimits);
  assert.equal(rejectionOf(() => budget.consume(4 * MiB, 'x')), undefined, 'exactly the grace is allowed');
  assert.equal(rejectionOf(() => budget.consume(1, 'x'))?.code, 'decompression-ratio-exceeded');
});

test('ratio: an unknown (0) input size is treated as one byte, not as a division by zero', () => {
  const budget = new DecompressionBudget(0, withLimits({ ratioGraceBytes: 10 }));
  assert.equal(rejectionOf(() => budget.consume(200, 'x')), undefined, '200 bytes is 200 times one byte');
  assert.equal(rejectionOf(() => budget.consume(1, 'x'))?.code, 'decompression-ratio-exceeded');
});

test('size: every level shares one budget; the absolute cap applies whatever the ratio', () => {
  const budget = new DecompressionBudget(10 * MiB, withLimits({ maxDecompressedBytes: 16 * MiB }));
  assert.equal(rejectionOf(() => budget.consume(8 * MiB, 'outer.zip > a.xml.gz')), undefined);
  assert.equal(rejectionOf(() => budget.consume(8 * MiB, 'outer.zip > b.xml.gz')), undefined);
  const refused = rejectionOf(() => budget.consume(1, 'outer.zip > c.xml.gz'));
  assert.equal(refused?.code, 'decompressed-size-exceeded');
  assert.equal(refused?.location, 'outer.zip > c.xml.gz');
  assert.match(refused?.message ?? '', /more than 16 MiB.*10 MiB became over 16 MiB/);
});

const sizes: [number, string][] = [
  [0, '0 bytes'],
  [1023, '1023 bytes'],
  [1024, '1 KiB'],
  [1536, '1.5 KiB'],
  [48 * KiB, '48 KiB'],
  [10 * MiB + 5, '10 MiB'],
  [4 * 1024 * MiB, '4 GiB'],
];
for (const [bytes, text] of sizes) {
  test(`formatByteSize(${bytes}) is "${text}"`, () => assert.equal(formatByteSize(bytes), text));
}
