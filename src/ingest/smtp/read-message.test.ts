import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import type { MessageBudget } from './read-message.js';
import { readMessage } from './read-message.js';

const chunks = (...texts: string[]): Readable => Readable.from(texts.map((t) => Buffer.from(t)));
const text = (result: Awaited<ReturnType<typeof readMessage>>): string => (result.kind === 'read' ? Buffer.from(result.bytes).toString() : result.kind);

/** A budget of `max` bytes that records what it holds. */
function budgetOf(max: number): MessageBudget & { held: number } {
  const budget = {
    held: 0,
    take(bytes: number): boolean {
      if (budget.held + bytes > max) return false;
      budget.held += bytes;
      return true;
    },
    give(bytes: number): void {
      budget.held -= bytes;
    },
  };
  return budget;
}

test('DATA up to the limit is kept whole, in shared memory; one byte over (RFC 1870 §6) is refused with the size, bytes dropped', async () => {
  const whole = await readMessage(chunks('abc', 'def'), 6);
  assert.equal(text(whole), 'abcdef');
  assert.ok(whole.kind === 'read' && whole.bytes.buffer instanceof SharedArrayBuffer, 'the parser thread reads it where it is');
  assert.deepEqual(await readMessage(chunks('abc', 'defg', 'hij'), 6), { kind: 'oversized', size: 10 });
  assert.equal(text(await readMessage(chunks(), 6)), '');
});

test('the shared budget: a message is held within it until given back; one that does not fit is deferred, its bytes given back and dropped', async () => {
  const budget = budgetOf(10);
  const first = await readMessage(chunks('abcd', 'efgh'), 100, budget);
  assert.equal(text(first), 'abcdefgh');
  assert.equal(budget.held, 8, 'held until the caller has stored it');
  assert.deepEqual(await readMessage(chunks('ab', 'cd', 'ef'), 100, budget), { kind: 'deferred', size: 6 });
  assert.equal(budget.held, 8, 'the deferred message holds nothing');
  budget.give(8);
  assert.equal(text(await readMessage(chunks('ab', 'cd', 'ef'), 100, budget)), 'abcdef');
  // Oversized after part of it was taken: what was taken is given back.
  const other = budgetOf(100);
  assert.deepEqual(await readMessage(chunks('abcd', 'efgh'), 6, other), { kind: 'oversized', size: 8 });
  assert.equal(other.held, 0);
});

test('a client gone before the final dot: the read fails, nothing partial is returned, the budget is given back', async () => {
  const stream = new PassThrough();
  const budget = budgetOf(1000);
  const reading = readMessage(stream, 100, budget);
  stream.write(Buffer.from('Subject: half a message\r\n'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(budget.held > 0);
  stream.destroy(new Error('Connection closed before the message was received in full'));
  await assert.rejects(reading, /received in full/);
  assert.equal(budget.held, 0);
});
