/**
 * better-sqlite3 is synchronous while the Store interface is promise-based: `settle` runs the
 * synchronous work now and turns its result, or what it threw, into a promise, so callers
 * using `.catch` see failures as rejections, never as a synchronous throw. A write refused because
 * the store was opened read-only says so in words.
 */
export function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(asError(err));
  }
}

function asError(err: unknown): Error {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_READONLY')) {
    return new Error(`the store is open read-only, and this needs to write to it (${code}: ${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
