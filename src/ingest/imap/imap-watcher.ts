/**
 * Watches an IMAP folder for `serve`: ingests what is there, then waits in IDLE (RFC 2177) and
 * ingests each new message as the server announces it (EXISTS), with a poll every
 * `pollIntervalMs` as a safety net. On a disconnect or error it reconnects with exponential
 * back-off (`backoff.initialMs` doubling to `backoff.maxMs`, with jitter), reset once a connection
 * stayed up `stableAfterMs`; it never gives up, and every change of state goes to `onEvent`.
 * `close()` stops it cleanly: no reconnect afterwards, and it resolves once the connection is
 * closed and no message is being ingested.
 *
 * Messages are moved exactly as in the back-fill (see ImapSourceConfig). With `move` or `delete`
 * every new connection and every poll look at the whole folder again (it holds only what is
 * left); with `keep` only messages above the last UID seen are read. A message left in the folder
 * by a store error (the database down or restarting) is tried again from its UID after
 * `storeRetry` (2 s doubling to the poll interval, while the store keeps failing), in every mode.
 */
import type { ImapFlow } from 'imapflow';
import type { IngestPort } from '../ingest-port.js';
import type { Backoff } from './backoff.js';
import { createBackoff, sleep } from './backoff.js';
import type { BackoffSettings, ImapSourceConfig } from './imap-config.js';
import { closeImapClient, createImapClient, describeImapError } from './imap-client.js';
import { describeImapLocation } from './imap-location.js';
import type { ImapHooks, ImapSummary, PassState } from './imap-mailbox-pass.js';
import { emptyImapSummary, ensureImapFolders, openSourceFolder, processNewMessages } from './imap-mailbox-pass.js';

/** What `serve` passes for one mailbox: the source, and how to wait. */
export interface ImapWatcherConfig extends ImapSourceConfig {
  /** Default 1 s doubling to 5 min. */
  readonly backoff?: BackoffSettings;
  /** Look at the folder this often even without news from the server. Default 5 min. */
  readonly pollIntervalMs?: number;
  /** A connection that lasted this long resets the back-off. Default 60 s. */
  readonly stableAfterMs?: number;
  /** Restart IDLE this often (servers end it after 30 min, RFC 2177 §3). Default 10 min. */
  readonly idleRestartMs?: number;
  /** After a pass that left messages by a store error, try them again after this; default 2 s doubling to the poll interval. */
  readonly storeRetry?: BackoffSettings;
}

export interface ImapWatcher {
  /** Totals since the start, for a status page. */
  readonly summary: Readonly<ImapSummary>;
  close(): Promise<void>;
}

export function startImapWatcher(config: ImapWatcherConfig, port: IngestPort, hooks: ImapHooks = {}): ImapWatcher {
  const summary = emptyImapSummary();
  const stop = new AbortController();
  let client: ImapFlow | undefined;
  let wake: (() => void) | undefined;
  const loop = watch(config, port, hooks, summary, stop.signal, {
    setClient: (value) => (client = value),
    setWake: (value) => (wake = value),
  });
  return {
    summary,
    close: async () => {
      if (stop.signal.aborted) return loop;
      stop.abort();
      wake?.();
      // Ends IDLE at once; a message being ingested finishes first (the loop waits for it).
      if (client?.idling) await closeImapClient(client);
      await loop;
    },
  };
}

interface WatchWiring {
  setClient(client: ImapFlow | undefined): void;
  setWake(wake: (() => void) | undefined): void;
}

async function watch(config: ImapWatcherConfig, port: IngestPort, hooks: ImapHooks, summary: ImapSummary, signal: AbortSignal, wiring: WatchWiring): Promise<void> {
  const where = describeImapLocation(config.location);
  const backoff = createBackoff(config.backoff ?? { initialMs: 1_000, maxMs: 5 * 60_000 });
  const state: PassState = { uidValidity: undefined, lastUid: 0 };
  const storeRetry = createBackoff(config.storeRetry ?? { initialMs: 2_000, maxMs: config.pollIntervalMs ?? 5 * 60_000 });
  while (!signal.aborted) {
    const client = createImapClient(config, port.limits.maxBufferedBytes, config.idleRestartMs ?? 10 * 60_000);
    wiring.setClient(client);
    const started = Date.now();
    try {
      await session(client, config, port, hooks, summary, state, signal, wiring, storeRetry);
      if (!signal.aborted) hooks.onEvent?.(`${where}: connection closed by the server`);
    } catch (caught) {
      if (!signal.aborted) hooks.onEvent?.(`${where}: ${describeImapError(caught, config.location)}`);
    } finally {
      wiring.setWake(undefined);
      await closeImapClient(client);
      wiring.setClient(undefined);
    }
    if (signal.aborted) break;
    if (Date.now() - started >= (config.stableAfterMs ?? 60_000)) backoff.reset();
    const delay = backoff.next();
    hooks.onEvent?.(`${where}: reconnecting in ${(delay / 1000).toFixed(1)} s`);
    await sleep(delay, signal);
  }
  hooks.onEvent?.(`${where}: stopped`);
}

/** One connection: process, then IDLE until news, a poll, the end of the connection or close(). */
async function session(
  client: ImapFlow,
  config: ImapWatcherConfig,
  port: IngestPort,
  hooks: ImapHooks,
  summary: ImapSummary,
  state: PassState,
  signal: AbortSignal,
  wiring: WatchWiring,
  storeRetry: Backoff,
): Promise<void> {
  let pending = true;
  let signalled: () => void = () => undefined;
  const nudge = (): void => {
    pending = true;
    signalled();
  };
  const closed = new Promise<void>((resolve) => client.once('close', resolve));
  client.on('error', () => undefined); // reported when the session ends
  client.on('exists', nudge);
  wiring.setWake(nudge);
  const poll = setInterval(() => {
    // A poll also retries what a store error left in the folder (with keep, the folder holds everything).
    if (config.afterIngest !== 'keep') state.lastUid = 0;
    retryLeft();
    nudge();
  }, config.pollIntervalMs ?? 5 * 60_000);
  /** Goes back to the lowest UID a store error left, so the next pass reads it again. */
  const retryLeft = (): void => {
    if (state.leftUid === undefined) return;
    state.lastUid = Math.min(state.lastUid, state.leftUid - 1);
    state.leftUid = undefined;
  };
  let retryTimer: NodeJS.Timeout | undefined;
  try {
    await client.connect();
    await ensureImapFolders(client, config, hooks);
    if (config.afterIngest !== 'keep') state.lastUid = 0;
    await openSourceFolder(client, config, state);
    hooks.onEvent?.(`${describeImapLocation(config.location)}: connected, watching (${client.mailbox ? client.mailbox.exists : 0} messages)`);
    let ended = false;
    void closed.then(() => (ended = true));
    while (!signal.aborted && !ended) {
      if (pending) {
        pending = false;
        const errorsBefore = summary.storeErrors;
        await processNewMessages(client, config, port, state, hooks, summary, signal);
        if (summary.storeErrors > errorsBefore && retryTimer === undefined) {
          const delay = storeRetry.next();
          hooks.onEvent?.(`${describeImapLocation(config.location)}: trying the messages left by store errors again in ${(delay / 1000).toFixed(1)} s`);
          retryTimer = setTimeout(() => {
            retryTimer = undefined;
            retryLeft();
            nudge();
          }, delay);
        } else if (summary.storeErrors === errorsBefore && state.leftUid === undefined) {
          storeRetry.reset();
        }
        continue;
      }
      const woken = new Promise<void>((resolve) => (signalled = resolve));
      const idling = client.idle().catch(() => undefined);
      // IDLE ends by itself after idleRestartMs; then it is simply started again.
      await Promise.race([woken, closed, idling.then(() => sleep(100))]);
    }
  } finally {
    clearInterval(poll);
    clearTimeout(retryTimer);
    // A new connection starts from the lowest UID left behind.
    retryLeft();
  }
}
