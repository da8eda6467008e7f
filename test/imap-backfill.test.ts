/**
 * The IMAP back-fill against a real Dovecot on loopback: every report stored once, messages
 * moved only after their reports were committed (to the archive folder, or to the failed folder
 * with their reason in the quarantine), nothing moved with `keep`, a failing store leaving its
 * message in place, oversized messages refused without download, and a server restart mid-way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImapSourceConfig } from '../src/ingest/imap/imap-config.js';
import { makeImapConfig } from '../src/ingest/imap/imap-config.js';
import { backfillImapMailbox } from '../src/ingest/imap/imap-backfill.js';
import type { ImapHooks } from '../src/ingest/imap/imap-mailbox-pass.js';
import type { Store } from '../src/store/store.js';
import type { TestDovecot } from './helpers/dovecot.js';
import { appendMessages, countMessages, dovecotForTests } from './helpers/dovecot.js';
import { REPORT_TOTALS, hostileMessage, noReportMessage, openTestStore, paddedReportMessage, readEmail, recordingRun, reportMessages } from './helpers/imap-seed.js';

const FOLDERS = ['INBOX', 'dmarcpilot-archive', 'dmarcpilot-failed'];

function configFor(server: TestDovecot, overrides: Partial<Parameters<typeof makeImapConfig>[0]> = {}): ImapSourceConfig {
  const made = makeImapConfig({ url: server.url(), envPassword: server.password, batchSize: 3, ...overrides });
  assert.ok(made.config, made.problems.map((problem) => problem.message).join('; '));
  return made.config;
}

/** Runs `body` with a fresh Dovecot, skipping with the reason when there is none. */
async function withDovecot(t: { skip(reason: string): void }, body: (server: TestDovecot) => Promise<void>): Promise<void> {
  const server = await dovecotForTests();
  if ('skip' in server) return t.skip(server.skip);
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

test('back-fill: every report stored once, stored messages archived, refused ones in the failed folder and the quarantine; a re-run does nothing', { timeout: 60_000 }, async (t) => {
  await withDovecot(t, async (server) => {
    await appendMessages(server, 'INBOX', [...(await reportMessages()), noReportMessage(), hostileMessage()]);
    const { store } = await openTestStore();
    try {
      const { run, rejected } = recordingRun(store);
      const summary = await backfillImapMailbox(configFor(server), run);
      assert.equal(summary.inputs, REPORT_TOTALS.messages + 2);
      assert.equal(summary.newReports, REPORT_TOTALS.newReports);
      assert.equal(summary.duplicateReports, REPORT_TOTALS.duplicates);
      assert.equal(summary.rejected, 2);
      assert.deepEqual([summary.archived, summary.failed, summary.storeErrors], [REPORT_TOTALS.messages, 2, 0]);
      assert.deepEqual(await countMessages(server, FOLDERS), { INBOX: 0, 'dmarcpilot-archive': REPORT_TOTALS.messages, 'dmarcpilot-failed': 2 });
      const counts = await store.countReports();
      assert.equal(counts.aggregate, REPORT_TOTALS.aggregate);
      assert.equal(counts.tls, REPORT_TOTALS.tls);
      const quarantined = (await store.listQuarantine({ state: 'open' })).items.map((entry) => entry.code).sort();
      assert.deepEqual(quarantined, ['no-report-found', 'xml-dtd-forbidden']);
      assert.equal(rejected.length, 2);
      assert.ok(rejected.every((line) => /^imap:\/\/dmarc@127\.0\.0\.1:\d+\/INBOX;UIDVALIDITY=\d+\/;UID=\d+ > /.test(line) || /;UID=\d+: /.test(line)), rejected.join('\n'));
      const log = (await store.listIngestLog({ limit: 100 })).items;
      assert.equal(log.length, REPORT_TOTALS.messages + 2);

      const again = await backfillImapMailbox(configFor(server), recordingRun(store).run);
      assert.deepEqual([again.inputs, again.newReports, again.duplicateReports, again.rejected], [0, 0, 0, 0]);
      assert.deepEqual(await store.countReports(), counts);
    } finally {
      await store.close();
    }
  });
});

test('back-fill with keep: nothing moved, a second run stores no duplicates', { timeout: 60_000 }, async (t) => {
  await withDovecot(t, async (server) => {
    await appendMessages(server, 'INBOX', await reportMessages());
    const { store } = await openTestStore();
    try {
      const first = await backfillImapMailbox(configFor(server, { afterIngest: 'keep' }), recordingRun(store).run);
      assert.deepEqual([first.newReports, first.archived, first.failed], [REPORT_TOTALS.newReports, 0, 0]);
      const counts = await store.countReports();
      const second = await backfillImapMailbox(configFor(server, { afterIngest: 'keep' }), recordingRun(store).run);
      assert.deepEqual([second.inputs, second.newReports, second.duplicateReports], [REPORT_TOTALS.messages, 0, REPORT_TOTALS.messages]);
      assert.deepEqual({ ...(await store.countReports()), raw: 0 }, { ...counts, raw: 0 });
      assert.deepEqual(await countMessages(server, FOLDERS), { INBOX: REPORT_TOTALS.messages, 'dmarcpilot-archive': 0, 'dmarcpilot-failed': 0 });
    } finally {
      await store.close();
    }
  });
});

test('back-fill with delete: stored messages deleted, refused ones still kept in the failed folder', { timeout: 60_000 }, async (t) => {
  await withDovecot(t, async (server) => {
    await appendMessages(server, 'INBOX', [readEmail('google-zip-attachment.eml'), noReportMessage()]);
    const { store } = await openTestStore();
    try {
      const summary = await backfillImapMailbox(configFor(server, { afterIngest: 'delete' }), recordingRun(store).run);
      assert.deepEqual([summary.newReports, summary.archived, summary.failed], [1, 1, 1]);
      assert.deepEqual(await countMessages(server, FOLDERS), { INBOX: 0, 'dmarcpilot-archive': 0, 'dmarcpilot-failed': 1 });
    } finally {
      await store.close();
    }
  });
});

/** A real store that fails for inputs containing `marker`. */
function failingFor(store: Store, marker: string): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'saveRawInput') {
        return (bytes: Uint8Array) => (Buffer.from(bytes).includes(marker) ? Promise.reject(new Error('disk full (test)')) : target.saveRawInput(bytes));
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

test('a store error on one message leaves that message in the folder while the others move', { timeout: 60_000 }, async (t) => {
  await withDovecot(t, async (server) => {
    await appendMessages(server, 'INBOX', await reportMessages());
    const { store } = await openTestStore();
    try {
      const errors: string[] = [];
      const hooks: ImapHooks = { onStoreError: (name, error) => errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`) };
      // Only amazonses-octet-stream-gzip.eml mentions Amazon SES.
      const summary = await backfillImapMailbox(configFor(server), recordingRun(failingFor(store, 'Amazon SES')).run, hooks);
      assert.equal(summary.storeErrors, 1);
      assert.equal(errors.length, 1);
      assert.match(errors[0] ?? '', /;UID=3: disk full \(test\)$/);
      assert.deepEqual(await countMessages(server, FOLDERS), { INBOX: 1, 'dmarcpilot-archive': REPORT_TOTALS.messages - 1, 'dmarcpilot-failed': 0 });
      assert.equal((await store.countReports()).aggregate, REPORT_TOTALS.aggregate - 1);

      // With the store working again, the next run stores it and moves it.
      const next = await backfillImapMailbox(configFor(server), recordingRun(store).run);
      assert.deepEqual([next.inputs, next.newReports, next.archived], [1, 1, 1]);
      assert.equal((await store.countReports()).aggregate, REPORT_TOTALS.aggregate);
    } finally {
      await store.close();
    }
  });
});

test('a message larger than --max-buffered is refused without being downloaded whole, quarantined with its first bytes, and goes to the failed folder', { timeout: 60_000 }, async (t) => {
  await withDovecot(t, async (server) => {
    await appendMessages(server, 'INBOX', [readEmail('google-multipart-gzip.eml'), paddedReportMessage(40_000)]);
    const { store } = await openTestStore();
    try {
      const { run, rejected } = recordingRun(store, { maxBufferedBytes: 20_000 });
      const summary = await backfillImapMailbox(configFor(server), run);
      assert.deepEqual([summary.newReports, summary.rejected, summary.archived, summary.failed], [1, 1, 1, 1]);
      assert.deepEqual(rejected.map((line) => line.replace(/^.*;UID=/, 'UID=')), ['UID=2: input-too-large']);
      const big = paddedReportMessage(40_000);
      const [entry] = (await store.listQuarantine({ state: 'open' })).items;
      assert.ok(entry && entry.source.endsWith(';UID=2'));
      assert.equal(entry.code, 'input-too-large');
      assert.ok((entry.truncated?.inputSize ?? 0) >= big.length, 'the size of the whole message, as the server counts it');
      assert.equal(entry.raw.size, 20_000, 'only the first bytes (up to --max-buffered) were downloaded');
      assert.deepEqual(await store.readRawInput(entry.raw.sha256), new Uint8Array(big.subarray(0, entry.raw.size)));
      assert.match(entry.message, /^The message is \d+ bytes, more than --max-buffered \(20000 bytes\); only its first \d+ bytes were downloaded and kept/);
      assert.ok((await store.listIngestLog({ limit: 10 })).items.some((entry) => entry.input.endsWith(';UID=2') && entry.rejected === 1 && entry.raw !== null));
      assert.deepEqual(await countMessages(server, FOLDERS), { INBOX: 0, 'dmarcpilot-archive': 1, 'dmarcpilot-failed': 1 });
    } finally {
      await store.close();
    }
  });
});

test('the back-fill reconnects when the server restarts mid-way, and still stores every report once', { timeout: 60_000 }, async (t) => {
  await withDovecot(t, async (server) => {
    await appendMessages(server, 'INBOX', await reportMessages());
    const { store } = await openTestStore();
    try {
      const events: string[] = [];
      // The server restarts while the third message is being stored: its batch is not moved yet.
      let calls = 0;
      const restartingStore = new Proxy(store, {
        get(target, property, receiver) {
          if (property === 'saveRawInput') {
            return async (bytes: Uint8Array) => {
              if (++calls === 3) {
                await server.stop();
                await server.start();
              }
              return target.saveRawInput(bytes);
            };
          }
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      const hooks: ImapHooks = { onEvent: (message) => events.push(message) };
      const summary = await backfillImapMailbox(configFor(server, { batchSize: 2 }), recordingRun(restartingStore).run, hooks, { backoff: { initialMs: 100, maxMs: 400 }, maxReconnects: 20 });
      assert.ok(events.some((event) => /reconnecting in/.test(event)), events.join('\n'));
      assert.ok(events.filter((event) => /^connected to/.test(event)).length >= 2, events.join('\n'));
      assert.equal(summary.newReports, REPORT_TOTALS.newReports);
      const counts = await store.countReports();
      assert.deepEqual([counts.aggregate, counts.tls], [REPORT_TOTALS.aggregate, REPORT_TOTALS.tls]);
      assert.deepEqual(await countMessages(server, FOLDERS), { INBOX: 0, 'dmarcpilot-archive': REPORT_TOTALS.messages, 'dmarcpilot-failed': 0 });
    } finally {
      await store.close();
    }
  });
});

test('a wrong password stops the back-fill at once, naming the mailbox', { timeout: 30_000 }, async (t) => {
  await withDovecot(t, async (server) => {
    const { store } = await openTestStore();
    try {
      const config = configFor(server, { envPassword: 'wrong' });
      await assert.rejects(backfillImapMailbox(config, recordingRun(store).run, {}, { backoff: { initialMs: 10, maxMs: 10 } }), (error: Error) => {
        assert.match(error.message, /^imap:\/\/dmarc@127\.0\.0\.1:\d+\/INBOX: /);
        assert.equal((error.cause as { authenticationFailed?: boolean }).authenticationFailed, true);
        return true;
      });
    } finally {
      await store.close();
    }
  });
});
