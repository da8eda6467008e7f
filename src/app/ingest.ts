/**
 * Ingest, one path for every source: `ingestInput` stores one input (an SMTP message, an IMAP
 * message, an HTTP upload, standard input, a file) through the context's one ingest queue; the
 * sources get it as an IngestPort (`createIngestPort`), so none keeps a queue of its own and none
 * can wait on another's. `ingestPaths` is the bulk back-fill of files, directories, mbox files and
 * maildirs: the same storing (ingest/ingest-files.ts, storeInput) with worker threads parsing and
 * commits in groups of about a second.
 *
 * Write groups hold SQLite's transaction across inputs, so anything stored meanwhile through the
 * same connection would not be durable until the group commits (a listener would answer 250 too
 * early). ingestPaths therefore holds the context's queue for the whole back-fill: another source
 * of the same process (a listener, an upload) waits until the back-fill is committed.
 *
 * `serve`'s port (createIngestPort with parseThreads) parses every input on worker threads
 * (ingest/ingest-pool.ts, MessageParsers) and only stores on this thread, so that a message that
 * takes long to parse never keeps the listener from answering others. A store that stops
 * answering (a lost PostgreSQL connection, a server restarting) is an `unavailable` AppError
 * (`store-connection-lost`); the port tries such an input again after the delays it is given
 * (every write is idempotent: the raw input, each report and each refusal are stored once).
 */
import type { Rejection } from '../core/diagnostic.js';
import type { Limits } from '../core/limits.js';
import { listInputs } from '../ingest/file-inputs.js';
import type { IngestInput, IngestPort, TooLargeInput } from '../ingest/ingest-port.js';
import type { IngestRun, IngestSummary } from '../ingest/ingest-files.js';
import { ingestBytes, ingestFiles, keepTooLarge, replayBatches, storeInput } from '../ingest/ingest-files.js';
import { MessageParsers, shareBytes } from '../ingest/ingest-pool.js';
import type { IngestCounts } from '../ingest/store-sink.js';
import { isAppError, unavailable } from './problems.js';

export { addIngestCounts } from '../ingest/store-sink.js';
import type { AppContext } from './context.js';

export type { IngestCounts } from '../ingest/store-sink.js';
export type { IngestSummary } from '../ingest/ingest-files.js';
export type { IngestInput, IngestPort, TooLargeInput } from '../ingest/ingest-port.js';

/** What a caller hears about while inputs are stored. */
export interface IngestReporting {
  /** A refusal (the input, or a part of it, is kept in the quarantine): `source: code: message`. */
  readonly onRejected?: (rejection: Rejection, source: string) => void;
  /** The store's connection was lost while storing `source`; it is tried again in `delayMs`. */
  readonly onRetry?: (source: string, error: unknown, delayMs: number) => void;
}

/** The pipeline's settings for this context; every input goes through the context's queue. */
export function ingestRunFor(ctx: AppContext, reporting: IngestReporting = {}, limits: Limits = ctx.limits): IngestRun {
  return {
    store: ctx.store,
    limits,
    keepFailureHeaders: ctx.keepFailureHeaders,
    keepFailureRaw: ctx.keepFailureRaw,
    now: ctx.now,
    onRejected: reporting.onRejected ?? (() => undefined),
    queue: ctx.ingestQueue,
  };
}

/**
 * Stores one input from any source: its raw bytes kept, its reports stored (duplicates
 * recognised), each refusal quarantined. Resolves once committed; rejects when the store fails,
 * with nothing of the input left half-stored.
 */
export function ingestInput(ctx: AppContext, input: IngestInput, reporting: IngestReporting = {}): Promise<IngestCounts> {
  return connectionLossIsUnavailable(() => ingestBytes(input.bytes, input.name, ingestRunFor(ctx, reporting)));
}

/**
 * Records an input refused before it was read whole (too large to download): reported, kept in the
 * quarantine with its first bytes (if any) flagged as truncated, and in the ingest log.
 */
export function refuseInput(ctx: AppContext, name: string, rejection: Rejection, input: TooLargeInput, reporting: IngestReporting = {}): Promise<IngestCounts> {
  return connectionLossIsUnavailable(() => keepTooLarge(input.head ?? new Uint8Array(0), input.size, name, rejection, ingestRunFor(ctx, reporting)));
}

export interface IngestPortOptions {
  /**
   * Parse inputs on this many worker threads, storing on this one (`serve`: so that no message
   * holds the thread that answers clients). Default 0: everything on this thread.
   */
  readonly parseThreads?: number;
  /**
   * When the store's connection is lost while storing an input, wait each of these in turn and
   * try again; after the last, the input fails with `store-connection-lost`. Default none.
   */
  readonly retryDelaysMs?: readonly number[];
}

/** A port that may hold worker threads: close() stops them, once its sources have stopped. */
export interface ServiceIngestPort extends IngestPort {
  close(): Promise<void>;
}

/** The port the SMTP listener, the IMAP sources and uploads store through. */
export function createIngestPort(ctx: AppContext, reporting: IngestReporting = {}, options: IngestPortOptions = {}): ServiceIngestPort {
  const threads = options.parseThreads ?? 0;
  const parsers = threads > 0 ? new MessageParsers(ctx.limits, threads) : undefined;
  const delays = options.retryDelaysMs ?? [];
  const once = (input: IngestInput): Promise<IngestCounts> => (parsers ? ingestParsed(ctx, parsers, input, reporting) : ingestInput(ctx, input, reporting));
  return {
    limits: ctx.limits,
    ingest: async (input) => {
      // Shared once, so that every attempt's worker reads the same memory (no copy per try).
      const shared = parsers ? { ...input, bytes: shareBytes(input.bytes) } : input;
      for (let attempt = 0; ; attempt++) {
        try {
          return await once(shared);
        } catch (caught) {
          const delay = delays[attempt];
          if (delay === undefined || !isStoreConnectionLost(caught)) throw caught;
          reporting.onRetry?.(input.name, isAppError(caught) && caught.cause !== undefined ? caught.cause : caught, delay);
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    },
    refuse: (name, rejection, input) => refuseInput(ctx, name, rejection, input, reporting),
    close: async () => {
      await parsers?.close();
    },
  };
}

/** One input parsed by the worker threads, stored here in the context's queue, as ingestInput stores it. */
async function ingestParsed(ctx: AppContext, parsers: MessageParsers, input: IngestInput, reporting: IngestReporting): Promise<IngestCounts> {
  const bytes = shareBytes(input.bytes);
  const id = parsers.parse(bytes, input.name);
  try {
    // The queue's turn is asked for once parsing has begun to give something (ingest-pool.ts:
    // inputs are stored in the order their threads start on them, so none waits on another).
    const first = await parsers.next(id);
    if (first.type !== 'batch') throw new Error(`${input.name}: ${first.message}`);
    const run = ingestRunFor(ctx, reporting);
    return await connectionLossIsUnavailable(() => ctx.ingestQueue.run(() => storeInput(bytes, input.name, run, true, (sink) => replayBatches(first, parsers, input.name, sink))));
  } catch (caught) {
    parsers.discard(id);
    throw caught;
  }
}

/** SQLSTATEs of a server that ended the connection or is not taking any (PostgreSQL class 57P, 08). */
const LOST_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57P05', '08000', '08001', '08003', '08004', '08006']);
/** System errors of a connection that broke or could not be made. */
const LOST_SYSCALLS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTCONN', 'ECONNABORTED']);
/** What the PostgreSQL driver says when the connection went away or none could be had in time. */
const LOST_MESSAGES = /Connection terminated|not queryable|timeout exceeded when trying to connect|connection timeout/i;

/**
 * Whether `caught` says the store's connection was lost or cannot be made now (the server
 * restarting, shut down, unreachable): nothing wrong with the input, so try again later. Looks
 * through AggregateErrors (a refused connection to each of several addresses) and causes.
 */
export function isStoreConnectionLost(caught: unknown, depth = 0): boolean {
  if (depth > 4 || typeof caught !== 'object' || caught === null) return false;
  const { code, message, errors, cause } = caught as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  if (isAppError(caught)) return caught.code === 'store-connection-lost';
  if (typeof code === 'string' && (LOST_SQLSTATES.has(code) || LOST_SYSCALLS.has(code))) return true;
  if (typeof message === 'string' && LOST_MESSAGES.test(message)) return true;
  if (Array.isArray(errors) && errors.some((e) => isStoreConnectionLost(e, depth + 1))) return true;
  return cause !== undefined && isStoreConnectionLost(cause, depth + 1);
}

/** Runs `work`; a lost store connection becomes the `unavailable` AppError `store-connection-lost`. */
async function connectionLossIsUnavailable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (caught) {
    if (isAppError(caught) || !isStoreConnectionLost(caught)) throw caught;
    throw unavailable(
      'store-connection-lost',
      `the store stopped answering (${describeLoss(caught)}): what was stored before is kept, the input in hand was rolled back, and it can be stored again once the store is back`,
      caught,
    );
  }
}

function describeLoss(caught: unknown): string {
  const { code, message, errors } = caught as { code?: unknown; message?: unknown; errors?: unknown };
  const text = typeof message === 'string' && message !== '' ? message : Array.isArray(errors) && errors[0] !== undefined ? describeLoss(errors[0]) : '';
  if (typeof code !== 'string') return text || 'connection lost';
  return text ? `${text}, ${code}` : code;
}

export interface IngestPathsOptions extends IngestReporting {
  /** Threads in all (workers parse, this thread stores); 1: everything on this thread. */
  readonly threads: number;
  /** New reports after which the store's statistics are refreshed (default REFRESH_STATISTICS_AFTER_REPORTS). */
  readonly refreshStatisticsAfter?: number;
  /** Once aborted, stops after the input being stored, with what was stored committed. */
  readonly signal?: AbortSignal;
  /** Called once the paths are listed, with the number of files found. */
  readonly onListed?: (files: number) => void;
  readonly onUnreadable?: (path: string, message: string) => void;
  readonly onProgress?: (done: number, counts: IngestSummary) => void;
}

export interface IngestPathsResult {
  readonly summary: IngestSummary;
  /** Files found (mbox files count once; their messages count in summary.inputs). */
  readonly files: number;
  /** `-` was among the paths: the caller reads standard input and gives it to ingestInput. */
  readonly stdin: boolean;
  /** Paths that could not be read. */
  readonly unreadable: number;
  /** The signal stopped it before every input was stored. */
  readonly interrupted: boolean;
}

/** New reports after which a back-fill refreshes the store's statistics (store.refreshStatistics). */
export const REFRESH_STATISTICS_AFTER_REPORTS = 1_000;

/** Back-fills files, directories (recursively, skipping hidden files), mbox files and maildirs, in order. */
export async function ingestPaths(ctx: AppContext, paths: readonly string[], options: IngestPathsOptions): Promise<IngestPathsResult> {
  const listed = await listInputs(paths);
  for (const problem of listed.problems) options.onUnreadable?.(problem.path, problem.message);
  options.onListed?.(listed.files.length);
  // The whole back-fill is one turn of the queue (see above); inside it, inputs are not queued again.
  const { queue: _one, ...unqueued } = ingestRunFor(ctx, options);
  const run: IngestRun = {
    ...unqueued,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { progress: options.onProgress } : {}),
  };
  const summary = await connectionLossIsUnavailable(() => ctx.ingestQueue.run(() => ingestFiles(listed.files, run, options.threads)));
  // A large back-fill leaves the planner's statistics stale: the first queries after it would scan every report.
  // Everything is stored by then: a failure here is only told, never the back-fill's.
  if (summary.newReports >= (options.refreshStatisticsAfter ?? REFRESH_STATISTICS_AFTER_REPORTS)) {
    try {
      await ctx.store.refreshStatistics();
    } catch (caught) {
      ctx.log.warn(`could not refresh the store's statistics after the back-fill (the first queries may be slow until the database does): ${caught instanceof Error ? caught.message : String(caught)}`);
    }
  }
  return { summary, files: listed.files.length, stdin: listed.stdin, unreadable: listed.problems.length, interrupted: options.signal?.aborted === true };
}
