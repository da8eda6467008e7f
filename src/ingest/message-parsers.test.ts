import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultLimits } from '../core/limits.js';
import type { FromIngestWorker } from './ingest-messages.js';
import { MessageParsers, shareBytes } from './ingest-pool.js';

const crashing = new URL('../../test/helpers/crashing-ingest-worker.ts', import.meta.url);

const eventsOf = (message: FromIngestWorker): unknown => (message.type === 'batch' ? message.events.map((e) => (e.kind === 'rejected' ? `${e.kind} ${e.rejection.code}` : e.kind)) : message.type);

test('a parser thread that dies: the input it was reading ends refused (internal-error, so it is quarantined, not retried for ever); the one queued behind it goes to a new thread', async () => {
  const parsers = new MessageParsers(defaultLimits, 1, crashing);
  try {
    const crash = parsers.parse(shareBytes(new Uint8Array([1, 2, 3])), 'crash');
    const behind = parsers.parse(shareBytes(new Uint8Array([4, 5])), 'behind');
    const stopped = await parsers.next(crash);
    assert.deepEqual(eventsOf(stopped), ['abandoned', 'rejected internal-error']);
    assert.ok(stopped.type === 'batch' && stopped.last);
    const rejected = stopped.type === 'batch' ? stopped.events[1] : undefined;
    assert.match(rejected?.kind === 'rejected' ? rejected.rejection.message : '', /the parser thread stopped while reading it \(exit code 3\)/);
    parsers.release(stopped);
    const next = await parsers.next(behind);
    assert.deepEqual(eventsOf(next), ['rejected no-report-found']);
    parsers.release(next);
    assert.equal(parsers.pending, 0);
    // The new thread takes new inputs too.
    const later = parsers.parse(shareBytes(new Uint8Array(7)), 'later');
    const answer = await parsers.next(later);
    assert.ok(answer.type === 'batch');
    assert.deepEqual(answer.events[0]?.kind === 'rejected' ? answer.events[0].rejection.message : '', '7 bytes read');
    parsers.release(answer);
  } finally {
    await parsers.close();
  }
});

test('closing the parsers fails the inputs still waiting (their source keeps them: SMTP 451), it does not refuse them', async () => {
  const parsers = new MessageParsers(defaultLimits, 1, crashing);
  const waiting = parsers.parse(shareBytes(new Uint8Array(1)), 'slow');
  const next = parsers.next(waiting);
  await parsers.close();
  await assert.rejects(next, /the service stopped before the input was read/);
  assert.throws(() => parsers.parse(new Uint8Array(1), 'after'), /closed/);
});

test('shareBytes: bytes in shared memory are used where they are, others copied once', () => {
  const shared = new Uint8Array(new SharedArrayBuffer(3));
  assert.equal(shareBytes(shared), shared);
  const copy = shareBytes(new Uint8Array([1, 2, 3]));
  assert.ok(copy.buffer instanceof SharedArrayBuffer);
  assert.deepEqual([...copy], [1, 2, 3]);
});
