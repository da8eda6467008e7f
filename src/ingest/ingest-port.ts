/**
 * How a source hands its inputs to the ingest pipeline: one port, implemented by the application
 * core (app/ingest.ts) for every source alike (the SMTP listener, the IMAP watcher and back-fill,
 * HTTP uploads). The port stores one input at a time in the application's one ingest queue, so a
 * source never queues on its own and two sources sharing a store can never wait on each other.
 */
import type { Rejection } from '../core/diagnostic.js';
import type { Limits } from '../core/limits.js';
import type { IngestCounts } from './store-sink.js';

/** One input: its bytes, and its name in the ingest log and the quarantine. */
export interface IngestInput {
  readonly bytes: Uint8Array;
  /** `smtp:<session> from … to … via …`, `imaps://user@host/INBOX;UIDVALIDITY=…/;UID=…`, a path. */
  readonly name: string;
}

/** What is known of an input too large to read whole. */
export interface TooLargeInput {
  /** Its size in bytes. */
  readonly size: number;
  /** Its first bytes, when they could be read. */
  readonly head?: Uint8Array;
}

export interface IngestPort {
  /** The limits inputs are read under; a source checks `maxBufferedBytes` before reading an input whole. */
  readonly limits: Limits;
  /**
   * Stores one input: its raw bytes kept, every report in it stored, each refusal quarantined with
   * its reason. Resolves once all of it is committed; rejects when the store fails (nothing of the
   * input is then left half-stored), so the source can leave the input where it is and retry.
   */
  ingest(input: IngestInput): Promise<IngestCounts>;
  /**
   * Records an input refused before it was read whole (too large to download): reported, kept in
   * the quarantine with its first bytes (`input.head`, maybe none) flagged as truncated, and logged.
   */
  refuse(name: string, rejection: Rejection, input: TooLargeInput): Promise<IngestCounts>;
}
