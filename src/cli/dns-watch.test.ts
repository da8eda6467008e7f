import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DnsAnswer } from '../core/dns-resolver.js';
import { TIMEOUTS_BEFORE_NOTICE, watchDns } from './dns-watch.js';
import { createActivityProgress } from './progress.js';

const timeout: DnsAnswer<never> = { status: 'error', code: 'timeout', message: 'PTR x: 127.0.0.1:5353 timed out' };
const ok: DnsAnswer<string> = { status: 'ok', records: ['mail.example.com'] };

function fakeProgress(): { lines: string[]; progress: { update(text: string): void; clear(): void } } {
  const lines: string[] = [];
  return { lines, progress: { update: (text) => lines.push(text), clear: () => lines.push('(cleared)') } };
}

test('dns watch: after the first timeouts one notice names the resolver and --offline; answers alone say nothing', () => {
  const written: string[] = [];
  const watch = watchDns('senders', { write: (text) => written.push(text), progress: undefined });
  watch.setServers(['127.0.0.1:5353']);
  for (let i = 0; i < 50; i++) watch.onLookup('PTR')(ok);
  assert.deepEqual(written, []);
  for (let i = 0; i < TIMEOUTS_BEFORE_NOTICE - 1; i++) watch.onLookup('PTR')(timeout);
  assert.deepEqual(written, [], 'one or two timeouts can be bad luck');
  for (let i = 0; i < 20; i++) watch.onLookup('PTR')(timeout);
  assert.equal(written.length, 1, 'said once');
  assert.equal(written[0], `dmarcpilot senders: DNS is not answering (127.0.0.1:5353): ${TIMEOUTS_BEFORE_NOTICE} lookups timed out so far, so looking up every source may take a while; --offline uses only the reverse DNS earlier runs cached\n`);
});

test('dns watch: the progress line counts answers, failures and lookups waiting, and is cleared as soon as none is in flight', () => {
  const { lines, progress } = fakeProgress();
  const watch = watchDns('plan', { write: () => undefined, progress });
  const first = watch.onLookup('PTR');
  const second = watch.onLookup('PTR');
  const third = watch.onLookup('A');
  first(ok);
  second(timeout);
  assert.deepEqual(lines, ['dmarcpilot plan: DNS lookups: 1 answered, 0 failed, 2 waiting', 'dmarcpilot plan: DNS lookups: 1 answered, 1 failed (1 timed out), 1 waiting']);
  third(ok);
  assert.equal(lines.at(-1), '(cleared)', 'nothing in flight: cleared before the command prints');
  watch.done();
});

test('activity progress: nothing on a pipe; on a terminal after half a second, redrawn at most five times a second', () => {
  const pipe = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
  assert.equal(createActivityProgress(pipe), undefined);
  const written: string[] = [];
  const terminal = { isTTY: true, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
  let clock = 0;
  const line = createActivityProgress(terminal, () => clock);
  line?.update('early');
  clock = 600;
  line?.update('shown');
  clock = 700;
  line?.update('too soon');
  assert.deepEqual(written, ['\rshown\x1b[K']);
  line?.clear();
  line?.clear();
  assert.deepEqual(written, ['\rshown\x1b[K', '\r\x1b[K']);
});
