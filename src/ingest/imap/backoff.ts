/**
 * Exponential back-off with jitter for reconnecting to a mail server: the first wait is about
 * `initialMs`, each next one doubles, capped at `maxMs`; `reset()` after a connection that went
 * well. Jitter (the wait drawn between half and all of the step) keeps many clients from
 * reconnecting in step after a server restart.
 */
import type { BackoffSettings } from './imap-config.js';

export interface Backoff {
  /** The next wait in milliseconds; doubles the step for the time after. */
  next(): number;
  reset(): void;
}

export function createBackoff(settings: BackoffSettings, random: () => number = Math.random): Backoff {
  let step = settings.initialMs;
  return {
    next() {
      const current = Math.min(step, settings.maxMs);
      step = Math.min(step * 2, settings.maxMs);
      return Math.round(current / 2 + (random() * current) / 2);
    },
    reset() {
      step = settings.initialMs;
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
