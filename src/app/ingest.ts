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
 */
import type { Rejection } from '../core/diagnostic.js';
import type { Limits } from '../core/limits.js';
import { listInputs } from '../ingest/file-inputs.js';
import type { IngestInput, IngestPort, TooLargeInput } from '../ingest/ingest-port.js';
import type { IngestRun, IngestSummary } from '../ingest/ingest-files.js';
import { ingestBytes, ingestFiles, keepTooLarge } from '../ingest/ingest-files.js';
import type { IngestCounts } from '../ingest/store-sink.js';

export { addIngestCounts } from '../ingest/store-sink.js';
import type { AppContext } from './context.js';

export type { IngestCounts } from '../ingest/store-sink.js';
export type { IngestSummary } from '../ingest/ingest-files.js';
export type { IngestInput, IngestPort, TooLargeInput } from '../ingest/ingest-port.js';

/** What a caller hears about while inputs are stored. */
export interface IngestReporting {
  /** A refusal (the input, or a part of it, is kept in the quarantine): `source: code: message`. */
  readonly onRejected?: (rejection: Rejection, source: string) => void;
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
  return ingestBytes(input.bytes, input.name, ingestRunFor(ctx, reporting));
}

/**
 * Records an input refused before it was read whole (too large to download): reported, kept in the
 * quarantine with its first bytes (if any) flagged as truncated, and in the ingest log.
 */
export function refuseInput(ctx: AppContext, name: string, rejection: Rejection, input: TooLargeInput, reporting: IngestReporting = {}): Promise<IngestCounts> {
  return keepTooLarge(input.head ?? new Uint8Array(0), input.size, name, rejection, ingestRunFor(ctx, reporting));
}

/** The port the SMTP listener, the IMAP sources and uploads store through. */
export function createIngestPort(ctx: AppContext, reporting: IngestReporting = {}): IngestPort {
  return {
    limits: ctx.limits,
    ingest: (input) => ingestInput(ctx, input, reporting),
    refuse: (name, rejection, input) => refuseInput(ctx, name, rejection, input, reporting),
  };
}

export interface IngestPathsOptions extends IngestReporting {
  /** Threads in all (workers parse, this thread stores); 1: everything on this thread. */
  readonly threads: number;
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
  const summary = await ctx.ingestQueue.run(() => ingestFiles(listed.files, run, options.threads));
  return { summary, files: listed.files.length, stdin: listed.stdin, unreadable: listed.problems.length, interrupted: options.signal?.aborted === true };
}
