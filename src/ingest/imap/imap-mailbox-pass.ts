/**
 * One pass over an IMAP folder: every message with a UID above the last one dealt with, in
 * rounds of `batchSize` UIDs. A round fetches the sizes of its messages, then downloads and
 * ingests them one at a time through the ingest port (memory holds one message), then moves them
 * in one command per destination. Nothing is moved before the port resolved, that is before its reports were
 * committed or the input quarantined; a crash in between only means the message is read again
 * next time and its reports are recognised as already stored.
 *
 * A message larger than `limits.maxBufferedBytes` (by its RFC822.SIZE) is not downloaded: it is
 * refused (`input-too-large`), logged, and moved to the failed folder. A store error leaves the
 * message where it is; several in a row stop the pass (the store is down, not one message bad).
 */
import type { ImapFlow } from 'imapflow';
import { rejection } from '../../core/diagnostic.js';
import { tooLargeHeadBytes } from '../../reports/mbox/split-mbox.js';
import type { IngestSummary } from '../ingest-files.js';
import type { IngestPort } from '../ingest-port.js';
import type { IngestCounts } from '../store-sink.js';
import { addIngestCounts, emptyIngestCounts } from '../store-sink.js';
import type { ImapSourceConfig } from './imap-config.js';
import { describeImapMessage } from './imap-location.js';

/** Where one message went. `left`: a store error, the message stays in the folder. */
export type ImapDisposition = 'archived' | 'failed' | 'deleted' | 'kept' | 'left';

export interface ImapMessageOutcome {
  readonly uid: number;
  readonly name: string;
  readonly counts: IngestCounts;
  readonly disposition: ImapDisposition;
}

/** Callbacks for the one who runs a source: a CLI prints them, `serve` logs them. */
export interface ImapHooks {
  /** A change of state: connected, disconnected, reconnecting in 4 s, folder created, ... */
  readonly onEvent?: (message: string) => void;
  /** A message dealt with (after it was moved). */
  readonly onMessage?: (outcome: ImapMessageOutcome) => void;
  /** The store failed on a message; it stays in its folder and is tried again on a later run. */
  readonly onStoreError?: (name: string, error: unknown) => void;
}

export interface ImapSummary extends IngestSummary {
  /** Messages moved to the archive folder (or deleted, with `delete`). */
  archived: number;
  /** Messages moved to the failed folder. */
  failed: number;
  /** Messages left in place by a store error. */
  storeErrors: number;
}

export function emptyImapSummary(): ImapSummary {
  return { ...emptyIngestCounts(), inputs: 0, archived: 0, failed: 0, storeErrors: 0 };
}

/** What a source remembers between passes of one folder. */
export interface PassState {
  uidValidity: bigint | undefined;
  /** Every UID up to this one was dealt with in this UIDVALIDITY. */
  lastUid: number;
  /** The lowest UID a store error left in the folder since the last retry (the watcher tries again from it). */
  leftUid?: number | undefined;
}

/** Store errors in a row after which a pass stops. */
const STORE_ERRORS_IN_A_ROW = 5;

/** The store failed (not the mail server): the pass stops, nothing is moved. */
export class ImapStoreError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'ImapStoreError';
  }
}

/** Creates the archive and failed folders when missing (not with `keep`). */
export async function ensureImapFolders(client: ImapFlow, config: ImapSourceConfig, hooks: ImapHooks): Promise<void> {
  if (config.afterIngest === 'keep') return;
  for (const folder of [config.archiveFolder, config.failedFolder]) {
    let created: boolean;
    try {
      created = (await client.mailboxCreate(folder)).created;
    } catch (caught) {
      // Servers that answer NO without ALREADYEXISTS: the folder is fine if it can be looked at.
      if ((await client.status(folder, { messages: true }).catch(() => false)) === false) throw caught;
      created = false;
    }
    if (created) hooks.onEvent?.(`created folder ${folder}`);
  }
}

/** Opens the source folder; a new UIDVALIDITY (RFC 3501 §2.3.1.1) forgets what was dealt with. */
export async function openSourceFolder(client: ImapFlow, config: ImapSourceConfig, state: PassState): Promise<void> {
  const mailbox = await client.mailboxOpen(config.location.folder);
  if (state.uidValidity !== mailbox.uidValidity) {
    state.uidValidity = mailbox.uidValidity;
    state.lastUid = 0;
  }
}

/** Processes every message above `state.lastUid`, until a search finds nothing new or `signal` aborts (checked between rounds). */
export async function processNewMessages(
  client: ImapFlow,
  config: ImapSourceConfig,
  port: IngestPort,
  state: PassState,
  hooks: ImapHooks,
  summary: ImapSummary,
  signal?: AbortSignal,
): Promise<void> {
  const uidValidity = state.uidValidity ?? 0n;
  const errors = { inARow: 0 };
  while (!signal?.aborted) {
    const found = await client.search({ uid: `${state.lastUid + 1}:*` }, { uid: true });
    // imapflow answers a failed SEARCH with false, not an error: never take that for "no mail".
    if (!Array.isArray(found)) throw new Error(`could not search ${config.location.folder}${client.usable ? '' : ' (connection lost)'}`);
    // "N:*" includes the highest UID even when it is below N (RFC 3501 §6.4.8).
    const uids = found.filter((uid) => uid > state.lastUid).sort((a, b) => a - b);
    if (uids.length === 0) return;
    for (let start = 0; start < uids.length; start += config.batchSize) {
      if (signal?.aborted) return;
      const batch = uids.slice(start, start + config.batchSize);
      await processBatch(client, config, port, uidValidity, batch, hooks, summary, errors, state);
      state.lastUid = batch[batch.length - 1] ?? state.lastUid;
    }
  }
}

async function processBatch(
  client: ImapFlow,
  config: ImapSourceConfig,
  port: IngestPort,
  uidValidity: bigint,
  uids: readonly number[],
  hooks: ImapHooks,
  summary: ImapSummary,
  errors: { inARow: number },
  state: PassState,
): Promise<void> {
  const sizes = new Map<number, number>();
  for (const message of await client.fetchAll(uids.join(','), { uid: true, size: true }, { uid: true })) {
    if (message.size !== undefined) sizes.set(message.uid, message.size);
  }
  const done: { uid: number; name: string; counts: IngestCounts; stored: boolean }[] = [];
  for (const uid of uids) {
    const size = sizes.get(uid);
    if (size === undefined) continue; // expunged meanwhile by someone else
    const name = describeImapMessage(config.location, uidValidity, uid);
    const counts = size > port.limits.maxBufferedBytes ? await refuseTooLarge(client, uid, name, size, port) : await ingestMessage(client, uid, name, port, hooks, errors);
    if (counts === undefined) {
      summary.storeErrors++;
      state.leftUid = Math.min(state.leftUid ?? uid, uid);
      hooks.onMessage?.({ uid, name, counts: emptyIngestCounts(), disposition: 'left' });
      continue;
    }
    summary.inputs++;
    addIngestCounts(summary, counts);
    done.push({ uid, name, counts, stored: counts.newReports + counts.duplicateReports > 0 });
  }
  const stored = done.filter((entry) => entry.stored);
  const failed = done.filter((entry) => !entry.stored);
  const storedAs = await disposeStored(client, config, stored.map((entry) => entry.uid));
  const failedAs = await disposeFailed(client, config, failed.map((entry) => entry.uid));
  if (storedAs !== 'kept') summary.archived += stored.length;
  if (failedAs !== 'kept') summary.failed += failed.length;
  for (const entry of done) hooks.onMessage?.({ uid: entry.uid, name: entry.name, counts: entry.counts, disposition: entry.stored ? storedAs : failedAs });
}

/** Downloads and ingests one message; undefined when the store failed (the message stays). */
async function ingestMessage(client: ImapFlow, uid: number, name: string, port: IngestPort, hooks: ImapHooks, errors: { inARow: number }): Promise<IngestCounts | undefined> {
  const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
  if (!message || !message.source) {
    if (!client.usable) throw new Error(`connection lost while fetching ${name}`);
    return emptyIngestCounts(); // expunged meanwhile by someone else
  }
  try {
    const counts = await port.ingest({ bytes: message.source, name });
    errors.inARow = 0;
    return counts;
  } catch (caught) {
    hooks.onStoreError?.(name, caught);
    if (++errors.inARow >= STORE_ERRORS_IN_A_ROW) {
      throw new ImapStoreError(`the store failed on ${errors.inARow} messages in a row, the last one ${name}: ${caught instanceof Error ? caught.message : String(caught)}`, { cause: caught });
    }
    return undefined;
  }
}

/** A message too big to buffer: refused without downloading it whole; its first bytes are kept in the quarantine. */
async function refuseTooLarge(client: ImapFlow, uid: number, name: string, size: number, port: IngestPort): Promise<IngestCounts> {
  const partial = await client.fetchOne(String(uid), { uid: true, source: { start: 0, maxLength: tooLargeHeadBytes(port.limits) } }, { uid: true });
  if (!partial && !client.usable) throw new Error(`connection lost while fetching ${name}`);
  const head = partial && partial.source ? partial.source.subarray(0, tooLargeHeadBytes(port.limits)) : new Uint8Array(0);
  const kept = head.length > 0 ? `only its first ${head.length} bytes were downloaded and kept` : 'it was not downloaded';
  const reason = rejection('input-too-large', `The message is ${size} bytes, more than --max-buffered (${port.limits.maxBufferedBytes} bytes); ${kept}, and it goes to the failed folder.`);
  try {
    return await port.refuse(name, reason, { size, head });
  } catch (caught) {
    throw new ImapStoreError(`the store failed logging ${name}: ${caught instanceof Error ? caught.message : String(caught)}`, { cause: caught });
  }
}

async function disposeStored(client: ImapFlow, config: ImapSourceConfig, uids: number[]): Promise<ImapDisposition> {
  if (config.afterIngest === 'keep') return 'kept';
  if (uids.length === 0) return config.afterIngest === 'delete' ? 'deleted' : 'archived';
  if (config.afterIngest === 'delete') {
    if (!(await client.messageDelete(uids, { uid: true }))) throw new Error(`could not delete messages ${uids.join(',')}`);
    return 'deleted';
  }
  await moveMessages(client, uids, config.archiveFolder);
  return 'archived';
}

async function disposeFailed(client: ImapFlow, config: ImapSourceConfig, uids: number[]): Promise<ImapDisposition> {
  if (config.afterIngest === 'keep') return 'kept';
  if (uids.length > 0) await moveMessages(client, uids, config.failedFolder);
  return 'failed';
}

/** imapflow answers a failed MOVE with `false`, not an error: make it one, so that the pass stops and retries. */
async function moveMessages(client: ImapFlow, uids: number[], folder: string): Promise<void> {
  if (!(await client.messageMove(uids, folder, { uid: true }))) throw new Error(`could not move messages ${uids.join(',')} to ${folder}`);
}
