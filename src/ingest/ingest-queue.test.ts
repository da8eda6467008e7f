import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createIngestQueue } from './ingest-queue.js';

test('ingest queue: never more than `concurrency` tasks at once, in arrival order, failures passed on', async () => {
  for (const concurrency of [1, 3]) {
    const queue = createIngestQueue(concurrency);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        queue.run(async () => {
          started.push(i);
          most = Math.max(most, ++running);
          await sleep(2);
          running--;
          if (i === 4) throw new Error('store down');
          return i;
        }),
      ),
    );
    assert.equal(most, concurrency);
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(results[4]?.status, 'rejected');
    assert.deepEqual(results.filter((r) => r.status === 'fulfilled').map((r) => r.value), [0, 1, 2, 3, 5, 6, 7, 8, 9]);
    assert.equal(queue.pending, 0);
  }
});

test('ingest queue: idle() waits for running and waiting tasks', async () => {
  const queue = createIngestQueue();
  let done = 0;
  void queue.run(async () => void (await sleep(5), done++));
  void queue.run(async () => void (await sleep(5), done++));
  assert.equal(queue.pending, 2);
  await queue.idle();
  assert.equal(done, 2);
  await queue.idle();
  assert.throws(() => createIngestQueue(0), RangeError);
});
