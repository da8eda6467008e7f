/**
 * Raw inputs, for both dialects (sql/sql-program.ts): one row per content (SHA-256), holding the
 * bytes compressed, or only the hash and size (`bytes_kept` false, `compressed` empty). Inputs that
 * hold failure-report data are marked (`failure_data`), for the failure-report retention
 * (retention-queries.ts). Compressing is the dialect store's (both off the event loop:
 * raw-compression.ts), so an operation is two programs: the row's state, then the write it needs,
 * given the compressed bytes only when it needs them (so re-ingesting a mailbox costs a hash,
 * not a gzip).
 */
import { createHash } from 'node:crypto';
import type { RawInputOptions, RawInputRef } from '../store.js';
import type { Dialect } from '../sql/dialect.js';
import type { SqlProgram } from '../sql/sql-program.js';
import { execute, rowOf } from '../sql/sql-program.js';

/** What `compressed` holds when only the hash and size are kept. */
export const NO_BYTES = Buffer.alloc(0);

/** The refs of byte arrays already hashed: an input is saved twice (first as a reference), hashed once. */
const refs = new WeakMap<Uint8Array, RawInputRef>();

export function rawInputRef(bytes: Uint8Array): RawInputRef {
  let ref = refs.get(bytes);
  if (ref === undefined) {
    ref = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
    refs.set(bytes, ref);
  }
  return ref;
}

export interface RawInputState {
  readonly bytesKept: boolean;
  readonly failureData: boolean;
}

export function* rawInputState(d: Dialect, sha256: string): SqlProgram<RawInputState | undefined> {
  const row = yield* rowOf<{ bytes_kept: unknown; failure_data: unknown }>('SELECT bytes_kept, failure_data FROM raw_inputs WHERE sha256 = ?', [sha256]);
  return row === undefined ? undefined : { bytesKept: d.readBool(row.bytes_kept), failureData: d.readBool(row.failure_data) };
}

/** Whether saving with `options` over `state` needs the compressed bytes. */
export function needsBytes(state: RawInputState | undefined, options: RawInputOptions): boolean {
  return (options.bytes ?? 'keep') === 'keep' && state?.bytesKept !== true;
}

/** An open quarantine entry refers to the input: its retry needs the bytes. */
export const OPEN_QUARANTINE_NEEDS = "EXISTS (SELECT 1 FROM quarantine q WHERE q.raw_sha256 = raw_inputs.sha256 AND q.state = 'open')";

/**
 * Writes what saving the input with `options` changes, given its state before; `compressed` is
 * given when needsBytes said so. A row inserted meanwhile by another process is kept as it is
 * (ON CONFLICT DO NOTHING) and then updated like an existing one.
 */
export function* writeRawInput(
  d: Dialect,
  ref: RawInputRef,
  state: RawInputState | undefined,
  options: RawInputOptions,
  compressed: Uint8Array | undefined,
  now: Date,
): SqlProgram<void> {
  const mode = options.bytes ?? 'keep';
  const failureData = options.failureData === true;
  if (state === undefined) {
    const keep = mode === 'keep' && compressed !== undefined;
    const inserted = yield* execute(
      'INSERT INTO raw_inputs (sha256, size, compressed, created_at, bytes_kept, failure_data) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING',
      [ref.sha256, ref.size, keep ? compressed : NO_BYTES, d.time(now), d.bool(keep), d.bool(failureData)],
    );
    if (inserted > 0) return;
  }
  if (mode === 'keep' && compressed !== undefined) {
    yield* execute('UPDATE raw_inputs SET compressed = ?, bytes_kept = ? WHERE sha256 = ? AND NOT bytes_kept', [compressed, d.bool(true), ref.sha256]);
  } else if (mode === 'drop' && state?.bytesKept !== false) {
    yield* execute(`UPDATE raw_inputs SET compressed = ?, bytes_kept = ? WHERE sha256 = ? AND bytes_kept AND NOT ${OPEN_QUARANTINE_NEEDS}`, [NO_BYTES, d.bool(false), ref.sha256]);
  }
  if (failureData && state?.failureData !== true) yield* execute('UPDATE raw_inputs SET failure_data = ? WHERE sha256 = ?', [d.bool(true), ref.sha256]);
}
