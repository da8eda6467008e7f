/**
 * The IMAP watcher of `serve` against a real Dovecot: it ingests what is there, picks up a
 * message appended while it IDLEs, survives a server restart (reconnecting with back-off), and
 * stops cleanly on close() without reconnecting afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeImapConfig } from '../src/ingest/imap/imap-config.js';
import type { ImapMessageOutcome } from '../src/ingest/imap/imap-mailbox-pass.js';
import { startImapWatcher } from '../src/ingest/imap/imap-watcher.js';
import { appendMessages, countMessages, dovecotForTests } from './helpers/dovecot.js';
import { openTestStore, readEmail, recordingRun } from './helpers/imap-seed.js';

/** Resolves once `check()` is true; fails after `ms` with what was seen. */
async function waitFor(what: string, check: () => boolean, seen: () => string, ms = 15_000): Promise<void> {
  for (let waited = 0; !check(); waited += 25) {
    if (waited > ms) assert.fail(`timed out waiting for ${what}; seen:\n${seen()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('watcher: ingests what is there, then a message appended during IDLE, then survives a Dovecot restart', { timeout: 60_000 }, async (t) => {
  const server = await dovecotForTests();
  if ('skip' in server) return t.skip(server.skip);
  const { store } = await openTestStore();
  const events: string[] = [];
  const outcomes: ImapMessageOutcome[] = [];
  const made = makeImapConfig({ url: server.url(), envPassword: server.password });
  assert.ok(made.config);
  const seen = (): string => [...events, ...outcomes.map((o) => `${o.name} -> ${o.disposition}`)].join('\n');
  const archived = (): number => outcomes.filter((o) => o.disposition === 'archived').length;
  try {
    await appendMessages(server, 'INBOX', [readEmail('google-multipart-gzip.eml')]);
    const watcher = startImapWatcher({ ...made.config, backoff: { initialMs: 100, maxMs: 500 }, stableAfterMs: 60_000 }, recordingRun(store).run, {
      onEvent: (message) => events.push(message),
      onMessage: (outcome) => outcomes.push(outcome),
    });
    try {
      await waitFor('the first message', () => archived() === 1, seen);
      // Give it time to enter IDLE, then deliver a new report.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await appendMessages(server, 'INBOX', [readEmail('google-zip-attachment.eml')]);
      await waitFor('the message appended during IDLE', () => archived() === 2, seen);

      await server.stop();
      await waitFor('a reconnection attempt', () => events.filter((e) => /reconnecting in/.test(e)).length >= 2, seen);
      await server.start();
      await waitFor('the new connection', () => events.filter((e) => /connected, watching/.test(e)).length >= 2, seen);
      await appendMessages(server, 'INBOX', [readEmail('microsoft-tlsrpt-json.eml'), readEmail('bounce-no-report.eml')]);
      await waitFor('the messages delivered after the restart', () => outcomes.length === 4, seen);
    } finally {
      await watcher.close();
    }
    const eventsAtClose = events.length;
    assert.match(events[events.length - 1] ?? '', /stopped$/);
    assert.deepEqual(outcomes.map((o) => o.disposition), ['archived', 'archived', 'archived', 'failed']);
    assert.deepEqual([watcher.summary.newReports, watcher.summary.rejected], [3, 1]);
    const counts = await store.countReports();
    assert.deepEqual([counts.aggregate, counts.tls, counts.quarantine], [2, 1, 1]);
    assert.deepEqual(await countMessages(server, ['INBOX', 'dmarcpilot-archive', 'dmarcpilot-failed']), { INBOX: 0, 'dmarcpilot-archive': 3, 'dmarcpilot-failed': 1 });

    // Closed means closed: a restart of the server does not bring it back.
    await server.stop();
    await server.start();
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.equal(events.length, eventsAtClose, events.slice(eventsAtClose).join('\n'));
  } finally {
    await server.stop();
    await store.close();
  }
});

test('watcher: close() while it cannot connect ends the back-off at once', { timeout: 30_000 }, async (t) => {
  const server = await dovecotForTests();
  if ('skip' in server) return t.skip(server.skip);
  await server.stop();
  const { store } = await openTestStore();
  try {
    const made = makeImapConfig({ url: server.url(), envPassword: server.password });
    assert.ok(made.config);
    const events: string[] = [];
    const watcher = startImapWatcher({ ...made.config, backoff: { initialMs: 60_000, maxMs: 60_000 } }, recordingRun(store).run, { onEvent: (message) => events.push(message) });
    await waitFor('a failed connection', () => events.some((e) => /reconnecting in/.test(e)), () => events.join('\n'));
    const started = Date.now();
    await watcher.close();
    assert.ok(Date.now() - started < 2_000, 'close() did not wait for the back-off');
    assert.match(events.join('\n'), /ECONNREFUSED/);
  } finally {
    await store.close();
  }
});
