/**
 * Runs ingests a bounded number at a time, in arrival order. Both stores allow one open
 * AggregateWriter at a time (SQLite: one connection whose writes join the open transaction), so
 * the listener ingests one message at a time by default; the queue also bounds how many parsed
 * reports are in memory at once. Waiting messages are bounded by the connection limit, since a
 * connection has at most one message in DATA.
 *
 * One queue can be shared by every source that writes to the same store (SMTP, IMAP, ...).
 */

/** What a source needs from a queue; `run` resolves or rejects with the task. */
export interface IngestQueue {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running or waiting. */
  readonly pending: number;
  /** Resolves once nothing is running or waiting. */
  idle(): Promise<void>;
}

/** A queue running at most `concurrency` tasks at once (1: strictly one after another). */
export function createIngestQueue(concurrency = 1): IngestQueue {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`ingest concurrency must be a positive integer, not ${concurrency}`);
  const waiting: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];
  let running = 0;
  let pending = 0;

  const release = (): void => {
    running--;
    pending--;
    const next = waiting.shift();
    if (next) {
      running++;
      next();
    } else if (pending === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  };

  return {
    get pending() {
      return pending;
    },
    async run<T>(task: () => Promise<T>): Promise<T> {
      pending++;
      if (running < concurrency) running++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
    idle(): Promise<void> {
      return pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
