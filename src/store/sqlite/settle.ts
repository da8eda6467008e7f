/**
 * better-sqlite3 is synchronous while the Store interface is promise-based: `settle` runs the
 * synchronous work now and turns its result, or what it threw, into a promise, so callers
 * using `.catch` see failures as rejections, never as a synchronous throw.
 */
export function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
