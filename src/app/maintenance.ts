/**
 * The store itself: what it holds (`db status`), giving an SQLite file's free space back to the
 * disk (`db compact`), and the retention (docs/data-retention.md): deleting the failure-report
 * data (and, when configured, the closed quarantine entries) that has been kept long enough.
 * `serve` applies the retention at start and every hour, `ingest` after a back-fill, `quarantine
 * retry` after resolving entries, and `db prune` on demand. Opening the store already applied its
 * migrations (open-app.ts).
 */
import type { RetentionOutcome, RetentionRules, StoreCounts } from '../store/store.js';
import type { AppContext } from './context.js';
import { withAppErrors } from './problems.js';

export type { RetentionOutcome, StoreCounts } from '../store/store.js';

export function storeStatus(ctx: AppContext): Promise<StoreCounts> {
  return withAppErrors(() => ctx.store.countReports());
}

/** Bytes before and after; undefined when the store has nothing of the kind to do (PostgreSQL). */
export function compactStore(ctx: AppContext): Promise<{ readonly bytesBefore: number; readonly bytesAfter: number } | undefined> {
  return withAppErrors(() => ctx.store.compact());
}

const DAY_MS = 86_400_000;

/** The rules the context's settings give at `now`. */
export function retentionRules(ctx: AppContext, now: Date = ctx.now()): RetentionRules {
  const { failureReportDays, closedQuarantineDays } = ctx.retention;
  return {
    failureDataBefore: new Date(now.getTime() - failureReportDays * DAY_MS),
    keepFailureRaw: ctx.keepFailureRaw,
    ...(closedQuarantineDays !== null ? { closedQuarantineBefore: new Date(now.getTime() - closedQuarantineDays * DAY_MS) } : {}),
  };
}

export interface RetentionResult extends RetentionOutcome {
  readonly rules: RetentionRules;
}

/**
 * Applies the retention now, in one transaction, as a turn of the context's ingest queue (so it
 * never joins an input's uncommitted writes). Never call it from inside a task of that queue.
 */
export async function applyRetention(ctx: AppContext): Promise<RetentionResult> {
  const rules = retentionRules(ctx);
  const outcome = await withAppErrors(() => ctx.ingestQueue.run(() => ctx.store.applyRetention(rules)));
  return { ...outcome, rules };
}

/** Whether a retention deleted anything. */
export function retentionDeleted(outcome: RetentionOutcome): boolean {
  return outcome.failureReports + outcome.quarantineEntries + outcome.rawInputsEmptied > 0;
}
