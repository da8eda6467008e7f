/**
 * Deleting what has been kept long enough, for both dialects (sql/sql-program.ts; run in one
 * transaction): purging a quarantine entry, and the retention rules (store.ts RetentionRules,
 * docs/data-retention.md). A raw input's row is never deleted, only its bytes (`bytes_kept`
 * false, `compressed` empty): reports and ingest log lines name it by hash and size.
 */
import type { RetentionOutcome, RetentionRules } from '../store.js';
import type { Dialect } from '../sql/dialect.js';
import type { SqlProgram } from '../sql/sql-program.js';
import { execute, rowOf, rowsOf } from '../sql/sql-program.js';
import { NO_BYTES, OPEN_QUARANTINE_NEEDS } from './raw-input-queries.js';

/** Nothing else keeps the input: no stored report and no quarantine entry refers to it. */
const UNREFERENCED =
  'NOT EXISTS (SELECT 1 FROM aggregate_reports a WHERE a.raw_sha256 = raw_inputs.sha256) ' +
  'AND NOT EXISTS (SELECT 1 FROM failure_reports f WHERE f.raw_sha256 = raw_inputs.sha256) ' +
  'AND NOT EXISTS (SELECT 1 FROM tls_reports t WHERE t.raw_sha256 = raw_inputs.sha256) ' +
  'AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.raw_sha256 = raw_inputs.sha256)';

/** Drops the bytes of these inputs where nothing else keeps them; how many were dropped. */
function* dropUnreferenced(d: Dialect, hashes: readonly string[]): SqlProgram<number> {
  let dropped = 0;
  for (const sha256 of new Set(hashes)) {
    dropped += yield* execute(`UPDATE raw_inputs SET compressed = ?, bytes_kept = ? WHERE sha256 = ? AND bytes_kept AND ${UNREFERENCED}`, [NO_BYTES, d.bool(false), sha256]);
  }
  return dropped;
}

export function* purgeQuarantine(d: Dialect, id: number): SqlProgram<{ readonly rawBytesDropped: boolean } | undefined> {
  const entry = yield* rowOf<{ raw_sha256: string }>('SELECT raw_sha256 FROM quarantine WHERE id = ?', [id]);
  if (entry === undefined) return undefined;
  yield* execute('DELETE FROM quarantine WHERE id = ?', [id]);
  return { rawBytesDropped: (yield* dropUnreferenced(d, [entry.raw_sha256])) > 0 };
}

/** Inputs holding failure-report data (the partial index raw_inputs_failure covers them). */
const FAILURE_INPUTS = 'SELECT sha256 FROM raw_inputs WHERE failure_data';

/** A failure report or quarantine entry still refers to the input (after the expired ones are deleted: one within the retention). */
const STILL_NEEDED =
  'EXISTS (SELECT 1 FROM failure_reports f WHERE f.raw_sha256 = raw_inputs.sha256) OR EXISTS (SELECT 1 FROM quarantine q WHERE q.raw_sha256 = raw_inputs.sha256)';

/**
 * Every cut is by when dmarcpilot received the data (received_at of the report or entry), never
 * by the date a report claims: a back-fill of old mail is kept for the whole retention from its
 * ingest. The bytes of an input holding failure-report data go with the last failure report or
 * quarantine entry that refers to it, or at once when they are not kept on purpose.
 */
export function* applyRetention(d: Dialect, rules: RetentionRules): SqlProgram<RetentionOutcome> {
  const before = d.time(rules.failureDataBefore);
  const failureReports = yield* execute('DELETE FROM failure_reports WHERE received_at < ?', [before]);
  let quarantineEntries = yield* execute(`DELETE FROM quarantine WHERE received_at < ? AND (code = 'arf-invalid' OR raw_sha256 IN (${FAILURE_INPUTS}))`, [before]);
  let rawInputsEmptied = 0;
  if (rules.closedQuarantineBefore !== undefined) {
    const closedBefore = d.time(rules.closedQuarantineBefore);
    const closed = yield* rowsOf<{ raw_sha256: string }>("SELECT raw_sha256 FROM quarantine WHERE state <> 'open' AND received_at < ?", [closedBefore]);
    quarantineEntries += yield* execute("DELETE FROM quarantine WHERE state <> 'open' AND received_at < ?", [closedBefore]);
    rawInputsEmptied += yield* dropUnreferenced(d, closed.map((row) => row.raw_sha256));
  }
  // Kept on purpose: while a report or entry within the retention refers to them. Otherwise only
  // while an open quarantine entry needs them for its retry.
  const unneeded = rules.keepFailureRaw ? `NOT (${STILL_NEEDED})` : `NOT ${OPEN_QUARANTINE_NEEDS}`;
  rawInputsEmptied += yield* execute(`UPDATE raw_inputs SET compressed = ?, bytes_kept = ? WHERE failure_data AND bytes_kept AND ${unneeded}`, [NO_BYTES, d.bool(false)]);
  return { failureReports, quarantineEntries, rawInputsEmptied };
}
