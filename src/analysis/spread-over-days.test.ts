import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spreadOverDays } from '../core/spread-over-days.js';

const DAY = 86400;
const day0 = 1700006400; // 2023-11-15T00:00:00Z

test('a one-day report stays on its day', () => {
  assert.deepEqual(spreadOverDays(17, day0, day0 + DAY - 1), [{ day: day0, count: 17 }]);
});

test('a report of exactly three days is spread evenly, remainders to the earliest days', () => {
  assert.deepEqual(spreadOverDays(10, day0, day0 + 3 * DAY - 1), [
    { day: day0, count: 4 },
    { day: day0 + DAY, count: 3 },
    { day: day0 + 2 * DAY, count: 3 },
  ]);
});

test('a period not aligned to midnight is spread by seconds covered, and sums exactly', () => {
  const shares = spreadOverDays(1001, day0 + DAY / 2, day0 + 2 * DAY + DAY / 4 - 1);
  assert.deepEqual(shares.map((s) => s.day), [day0, day0 + DAY, day0 + 2 * DAY]);
  assert.equal(shares.reduce((n, s) => n + s.count, 0), 1001);
  assert.deepEqual(shares.map((s) => s.count), [286, 572, 143]);
});

test('weeks-long reports and tiny counts still sum exactly', () => {
  for (const count of [0, 1, 2, 7, 999_999]) {
    const shares = spreadOverDays(count, day0 + 123, day0 + 47 * DAY);
    assert.equal(shares.length, 48);
    assert.equal(shares.reduce((n, s) => n + s.count, 0), count);
  }
});
