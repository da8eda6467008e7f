import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store, WriteGroup } from '../store/store.js';
import { GroupedCommits } from './grouped-commits.js';

/** A store that only records the write-group calls it gets. */
function recordingStore(): { store: Store; calls: string[] } {
  const calls: string[] = [];
  let groups = 0;
  const store = {
    beginWriteGroup(): Promise<WriteGroup> {
      const n = ++groups;
      calls.push(`begin ${n}`);
      return Promise.resolve({
        commit: () => Promise.resolve(void calls.push(`commit ${n}`)),
        rollback: () => Promise.resolve(void calls.push(`rollback ${n}`)),
      });
    },
  } as unknown as Store;
  return { store, calls };
}

test('grouped commits: a group begins before the first input and commits once it holds maxRecords, at an input boundary', async () => {
  const { store, calls } = recordingStore();
  const groups = new GroupedCommits(store, { maxMs: 60_000, maxRecords: 100 }, () => 0);
  for (const records of [40, 50, 20, 100, 0]) {
    await groups.beforeInput();
    await groups.afterInput(records);
  }
  await groups.commit();
  assert.deepEqual(calls, ['begin 1', 'commit 1', 'begin 2', 'commit 2', 'begin 3', 'commit 3']);
});

test('grouped commits: a group commits once it is maxMs old, and the last one at the end', async () => {
  const { store, calls } = recordingStore();
  let now = 0;
  const groups = new GroupedCommits(store, { maxMs: 1_000, maxRecords: 1_000_000 }, () => now);
  for (const at of [0, 400, 999, 1_000, 1_500, 1_600]) {
    now = at;
    await groups.beforeInput();
    await groups.afterInput(1);
  }
  assert.deepEqual(calls, ['begin 1', 'commit 1', 'begin 2']);
  await groups.commit();
  await groups.commit();
  assert.deepEqual(calls, ['begin 1', 'commit 1', 'begin 2', 'commit 2'], 'a second commit with no group open does nothing');
});

test('grouped commits: rollback discards the open group only, and nothing when none is open', async () => {
  const { store, calls } = recordingStore();
  const groups = new GroupedCommits(store, { maxMs: 60_000, maxRecords: 10 }, () => 0);
  await groups.rollback();
  await groups.beforeInput();
  await groups.afterInput(3);
  await groups.rollback();
  await groups.rollback();
  assert.deepEqual(calls, ['begin 1', 'rollback 1']);
});
