import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackoff, sleep } from './backoff.js';

test('back-off doubles from initialMs to maxMs, each wait between half and all of its step', () => {
  const low = createBackoff({ initialMs: 1_000, maxMs: 8_000 }, () => 0);
  assert.deepEqual([1, 2, 3, 4, 5].map(() => low.next()), [500, 1_000, 2_000, 4_000, 4_000]);
  const high = createBackoff({ initialMs: 1_000, maxMs: 8_000 }, () => 1);
  assert.deepEqual([1, 2, 3, 4, 5].map(() => high.next()), [1_000, 2_000, 4_000, 8_000, 8_000]);
});

test('back-off reset() starts again from initialMs', () => {
  const backoff = createBackoff({ initialMs: 100, maxMs: 1_000 }, () => 1);
  backoff.next();
  backoff.next();
  backoff.reset();
  assert.equal(backoff.next(), 100);
});

test('sleep ends at once when its signal aborts', async () => {
  const stop = new AbortController();
  const started = Date.now();
  const waiting = sleep(60_000, stop.signal);
  stop.abort();
  await waiting;
  assert.ok(Date.now() - started < 1_000);
});
