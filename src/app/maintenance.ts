/**
 * The store itself: what it holds (`db status`), and giving an SQLite file's free space back to
 * the disk (`db compact`). Opening the store already applied its migrations (open-app.ts).
 */
import type { StoreCounts } from '../store/store.js';
import type { AppContext } from './context.js';
import { withAppErrors } from './problems.js';

export type { StoreCounts } from '../store/store.js';

export function storeStatus(ctx: AppContext): Promise<StoreCounts> {
  return withAppErrors(() => ctx.store.countReports());
}

/** Bytes before and after; undefined when the store has nothing of the kind to do (PostgreSQL). */
export function compactStore(ctx: AppContext): Promise<{ readonly bytesBefore: number; readonly bytesAfter: number } | undefined> {
  return withAppErrors(() => ctx.store.compact());
}
