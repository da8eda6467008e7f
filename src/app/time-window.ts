/**
 * A time window as callers give it (`--since`/`--until`, query parameters): its start must be
 * before its end, or the request is refused (`window-empty`, field `since`) instead of silently
 * answering nothing. The one check every service that takes a window applies.
 */
import { invalid } from './problems.js';

/** Throws `window-empty` unless `since` is before `until` (each optional: nothing to compare without both). */
export function requireWindow(since: Date | undefined, until: Date | undefined): void {
  if (since === undefined || until === undefined) return;
  if (!(since.getTime() < until.getTime())) throw invalid('window-empty', 'since', `the window is empty: ${since.toISOString()} is not before ${until.toISOString()}`);
}
