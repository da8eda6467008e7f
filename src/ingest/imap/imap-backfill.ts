/**
 * A one-off back-fill of an IMAP folder (`dmarcpilot ingest --imap URL`): every message there
 * is ingested and then moved (see ImapSourceConfig), in bounded rounds, with flat memory.
 *
 * When the connection drops mid-way (big mailboxes, servers that cut long sessions), it
 * reconnects with back-off and carries on after the last round that was finished: re-reading a
 * message is harmless (reports are deduplicated) and nothing is moved before it was committed.
 * A failure of the first connection, a permanent error (wrong password, missing folder, bad
 * certificate) or `maxReconnects` failed attempts in a row stop it with that error, naming the
 * mailbox (the original error is its `cause`).
 */
import type { ImapFlow } from 'imapflow';
import type { IngestPort } from '../ingest-port.js';
import { createBackoff, sleep } from './backoff.js';
import type { BackoffSettings, ImapSourceConfig } from './imap-config.js';
import { closeImapClient, createImapClient, describeImapError, isPermanentImapError } from './imap-client.js';
import { describeImapLocation } from './imap-location.js';
import type { ImapHooks, ImapSummary, PassState } from './imap-mailbox-pass.js';
import { ImapStoreError, emptyImapSummary, ensureImapFolders, openSourceFolder, processNewMessages } from './imap-mailbox-pass.js';

export interface ImapBackfillOptions {
  /** Failed connection attempts in a row before giving up. Default 5. */
  readonly maxReconnects?: number;
  /** Default 1 s doubling to 60 s. */
  readonly backoff?: BackoffSettings;
}

export async function backfillImapMailbox(config: ImapSourceConfig, port: IngestPort, hooks: ImapHooks = {}, options: ImapBackfillOptions = {}): Promise<ImapSummary> {
  const summary = emptyImapSummary();
  const state: PassState = { uidValidity: undefined, lastUid: 0 };
  const backoff = createBackoff(options.backoff ?? { initialMs: 1_000, maxMs: 60_000 });
  const maxReconnects = options.maxReconnects ?? 5;
  const where = describeImapLocation(config.location);
  let failures = 0;
  let connected = false;
  for (;;) {
    const client = createImapClient(config, port.limits.maxBufferedBytes);
    client.on('error', (error: Error) => hooks.onEvent?.(`${where}: connection error: ${describeImapError(error, config.location)}`));
    const before = summary.inputs + summary.storeErrors;
    try {
      await connectAndOpen(client, config, state, hooks);
      connected = true;
      await processNewMessages(client, config, port, state, hooks, summary);
      await closeImapClient(client);
      return summary;
    } catch (caught) {
      await closeImapClient(client);
      if (caught instanceof ImapStoreError) throw caught;
      // The first connection failing is a setting to fix, not a drop to ride out.
      if (!connected || isPermanentImapError(caught)) throw new Error(`${where}: ${describeImapError(caught, config.location)}`, { cause: caught });
      failures = summary.inputs + summary.storeErrors > before ? 1 : failures + 1;
      if (failures > maxReconnects) throw new Error(`${where}: gave up after ${maxReconnects} attempts to reconnect: ${describeImapError(caught, config.location)}`, { cause: caught });
      if (failures === 1) backoff.reset();
      const delay = backoff.next();
      hooks.onEvent?.(`${where}: ${describeImapError(caught, config.location)}; reconnecting in ${(delay / 1000).toFixed(1)} s (attempt ${failures} of ${maxReconnects})`);
      await sleep(delay);
    }
  }
}

async function connectAndOpen(client: ImapFlow, config: ImapSourceConfig, state: PassState, hooks: ImapHooks): Promise<void> {
  await client.connect();
  await ensureImapFolders(client, config, hooks);
  await openSourceFolder(client, config, state);
  hooks.onEvent?.(`connected to ${describeImapLocation(config.location)} (${client.mailbox ? client.mailbox.exists : 0} messages)`);
}
