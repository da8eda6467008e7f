import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCountProgress, createProgress } from './progress.js';

function fakeTerminal(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

test('progress: nothing on a pipe; on a terminal only after half a second, then at most five redraws a second, cleared at the end', () => {
  assert.equal(createProgress(10, fakeTerminal(false).stream), undefined);
  let clock = 0;
  const { stream, written } = fakeTerminal(true);
  const progress = createProgress(4, stream, () => clock);
  progress?.update(1, { records: 100, rejected: 0 });
  assert.deepEqual(written, [], 'too early to show');
  clock = 1000;
  progress?.update(2, { records: 2000, rejected: 1 });
  assert.match(written.at(-1) ?? '', /\[#{12}\.{12}\] 2\/4 inputs · 2,000 records \(2,000\/s\) · 1 refused/);
  clock = 1100;
  progress?.update(3, { records: 3000, rejected: 1 });
  assert.equal(written.length, 1, 'redraws are spaced');
  progress?.clear();
  assert.equal(written.at(-1), '\r\x1b[K');
});

test('count progress: items per second and a note', () => {
  let clock = 0;
  const { stream, written } = fakeTerminal(true);
  const progress = createCountProgress(10, 'domains', stream, () => clock);
  clock = 2000;
  progress?.update(10, '3 with errors');
  assert.match(written.at(-1) ?? '', /10\/10 domains · 5\.0 domains\/s · 3 with errors/);
});
