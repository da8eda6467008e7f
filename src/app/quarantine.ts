/**
 * The quarantine: inputs (or parts of inputs) that were refused, kept with their raw bytes and
 * the reason, for a person to look at, retry after an upgrade or with other limits, dismiss or
 * purge. Retrying reads each kept input again the way it was first ingested (under the same input
 * name) without quarantining it twice; an entry whose refusal does not come back is marked
 * resolved and its reports are stored. An input too large to keep whole (`input-too-large`) is an
 * entry too, with its first bytes (or none) and the size of the whole; it cannot be retried from
 * what is kept. Dismissing keeps the entry and its bytes, as a record that someone looked (until
 * the retention of closed entries, if one is configured); purging deletes the entry, and the
 * input's bytes unless a stored report or another entry still needs them (docs/data-retention.md).
 */
import type { Limits } from '../core/limits.js';
import type { Page, PageRequest, QuarantineEntry } from '../store/store.js';
import type { AppContext } from './context.js';
import { ingestRunFor } from './ingest.js';
import { ingestBytes } from '../ingest/ingest-files.js';
import { applyRetention } from './maintenance.js';
import { eachItem } from './paging.js';
import { conflict, invalid, notFound, withAppErrors } from './problems.js';

export type { QuarantineEntry } from '../store/store.js';

export type QuarantineState = QuarantineEntry['state'];

/** Entries of one state (default `open`) or all of them, oldest first. */
export async function listQuarantine(ctx: AppContext, filter: { readonly state?: QuarantineState | 'all' } = {}, page: PageRequest = {}): Promise<Page<QuarantineEntry>> {
  const state = filter.state ?? 'open';
  return withAppErrors(() => ctx.store.listQuarantine(state === 'all' ? {} : { state }, page));
}

/** One entry; `not-found` when there is none with that id. */
export async function getQuarantineEntry(ctx: AppContext, id: number): Promise<QuarantineEntry> {
  const entry = await withAppErrors(() => ctx.store.getQuarantine(id));
  if (entry === undefined) throw notFound('quarantine-entry-not-found', 'id', `no quarantine entry ${id}`);
  return entry;
}

/**
 * An entry and the bytes of the input it was refused in; for an input too large to keep whole
 * (`entry.truncated`), only its first bytes, and `raw-input-not-kept` when none were kept.
 */
export async function readQuarantinedInput(ctx: AppContext, id: number): Promise<{ readonly entry: QuarantineEntry; readonly bytes: Uint8Array }> {
  const entry = await getQuarantineEntry(ctx, id);
  if (entry.truncated && entry.raw.size === 0) {
    throw notFound('raw-input-not-kept', 'id', `quarantine entry ${id}: the input (${entry.truncated.inputSize} bytes) was too large to keep, and none of its bytes were kept`);
  }
  const bytes = await ctx.store.readRawInput(entry.raw.sha256);
  if (bytes === undefined) throw notFound('raw-input-missing', 'id', `quarantine entry ${id}: its raw input (sha256 ${entry.raw.sha256}) is no longer kept`);
  return { entry, bytes };
}

/** What retrying one entry did. */
export type RetryOutcome =
  | { readonly id: number; readonly status: 'resolved' }
  /** The same refusal came back: `refusal` is `source: code: message`. */
  | { readonly id: number; readonly status: 'still-refused'; readonly refusal: string }
  /** Its raw input is no longer kept. */
  | { readonly id: number; readonly status: 'raw-missing' }
  /** The input was too large to keep whole: only its first `keptBytes` of `inputSize` are kept, so it cannot be read again (the entry stays open). */
  | { readonly id: number; readonly status: 'not-kept'; readonly keptBytes: number; readonly inputSize: number }
  /** The entry is resolved or dismissed already. */
  | { readonly id: number; readonly status: 'not-open' };

export interface RetryOptions {
  /** Entries to retry; default every open entry. */
  readonly ids?: readonly number[];
  /** Read under other limits than the context's (e.g. a larger maxRatio). */
  readonly limits?: Limits;
  /** Hears each outcome as it happens (a long retry shows progress). */
  readonly onOutcome?: (outcome: RetryOutcome) => void;
}

/**
 * Retries entries, each raw input read once however many of its parts were refused. Every id
 * given must name an entry (`not-found` otherwise, before anything is retried); one that is not
 * open is reported `not-open`. When an entry is resolved the retention is applied afterwards, so
 * the bytes of a failure report that now goes through are not kept longer than the settings say.
 */
export async function retryQuarantine(ctx: AppContext, options: RetryOptions = {}): Promise<RetryOutcome[]> {
  for (const id of new Set(options.ids ?? [])) await getQuarantineEntry(ctx, id);
  const open = await allOpenEntries(ctx);
  const wanted = options.ids === undefined ? open : open.filter((entry) => options.ids?.includes(entry.id));
  const outcomes: RetryOutcome[] = [];
  const report = (outcome: RetryOutcome): void => {
    outcomes.push(outcome);
    options.onOutcome?.(outcome);
  };
  for (const id of options.ids ?? []) if (!wanted.some((entry) => entry.id === id)) report({ id, status: 'not-open' });
  /** Refusals from re-reading each raw input under its input name, once per input. */
  const refusalsByInput = new Map<string, string[] | undefined>();
  for (const entry of wanted) {
    if (entry.truncated) {
      report({ id: entry.id, status: 'not-kept', keptBytes: entry.raw.size, inputSize: entry.truncated.inputSize });
      continue;
    }
    const name = ingestNameOf(entry.source);
    const key = `${entry.raw.sha256} ${name}`;
    if (!refusalsByInput.has(key)) refusalsByInput.set(key, await reread(ctx, entry, name, options.limits));
    const refusals = refusalsByInput.get(key);
    if (refusals === undefined) {
      report({ id: entry.id, status: 'raw-missing' });
      continue;
    }
    const again = refusals.find((line) => line.startsWith(`${entry.source}: ${entry.code}:`));
    if (again !== undefined) {
      report({ id: entry.id, status: 'still-refused', refusal: again });
    } else {
      await ctx.store.setQuarantineState(entry.id, 'resolved');
      report({ id: entry.id, status: 'resolved' });
    }
  }
  if (outcomes.some((outcome) => outcome.status === 'resolved')) await applyRetention(ctx);
  return outcomes;
}

/**
 * Marks open entries dismissed (looked at, nothing to do), each id once. Nothing changes unless
 * every id names an open entry: `not-found` for an id with no entry, `conflict` for one that is
 * resolved or dismissed already.
 */
export async function dismissQuarantine(ctx: AppContext, ids: readonly number[]): Promise<QuarantineEntry[]> {
  if (ids.length === 0) throw invalid('ids-missing', 'ids', 'give the ids of the entries to dismiss');
  const entries: QuarantineEntry[] = [];
  for (const id of new Set(ids)) {
    const entry = await getQuarantineEntry(ctx, id);
    if (entry.state !== 'open') throw conflict('quarantine-entry-not-open', 'ids', `quarantine entry ${id} is ${entry.state} already`);
    entries.push(entry);
  }
  for (const entry of entries) await ctx.store.setQuarantineState(entry.id, 'dismissed');
  return entries.map((entry) => ({ ...entry, state: 'dismissed' as const }));
}

/** What purging one entry did. */
export interface PurgeOutcome {
  readonly id: number;
  /** The input's bytes were deleted too; false when a stored report or another entry still needs them. */
  readonly rawBytesDropped: boolean;
}

/**
 * Deletes entries for good (of any state), each id once, and the bytes of their inputs unless a
 * stored report or another entry still refers to them. Nothing is deleted unless every id names
 * an entry (`not-found`).
 */
export async function purgeQuarantine(ctx: AppContext, ids: readonly number[]): Promise<PurgeOutcome[]> {
  if (ids.length === 0) throw invalid('ids-missing', 'ids', 'give the ids of the entries to purge');
  const unique = [...new Set(ids)];
  for (const id of unique) await getQuarantineEntry(ctx, id);
  const outcomes: PurgeOutcome[] = [];
  for (const id of unique) {
    const purged = await withAppErrors(() => ctx.store.purgeQuarantine(id));
    if (purged === undefined) throw notFound('quarantine-entry-not-found', 'id', `no quarantine entry ${id}`);
    outcomes.push({ id, rawBytesDropped: purged.rawBytesDropped });
  }
  return outcomes;
}

/**
 * The name an input was ingested under, from the source of a refusal in it: a file path, `-`,
 * or `path > message N` for a message of an mbox file (each message is its own input).
 */
export function ingestNameOf(source: string): string {
  const message = /^(.*? > message \d+)(?= > |$)/.exec(source);
  if (message) return message[1] as string;
  const cut = source.indexOf(' > ');
  return cut === -1 ? source : source.slice(0, cut);
}

/** The refusals re-reading the entry's raw input gives (nothing is quarantined again); undefined when the bytes are gone. */
async function reread(ctx: AppContext, entry: QuarantineEntry, name: string, limits: Limits | undefined): Promise<string[] | undefined> {
  const bytes = await ctx.store.readRawInput(entry.raw.sha256);
  if (bytes === undefined) return undefined;
  const found: string[] = [];
  const run = ingestRunFor(ctx, { onRejected: (r, source) => void found.push(`${source}: ${r.code}: ${r.message}`) }, limits ?? ctx.limits);
  await ingestBytes(bytes, name, run, false);
  return found;
}

async function allOpenEntries(ctx: AppContext): Promise<QuarantineEntry[]> {
  const entries: QuarantineEntry[] = [];
  for await (const entry of eachItem((page) => listQuarantine(ctx, { state: 'open' }, page))) entries.push(entry);
  return entries;
}
