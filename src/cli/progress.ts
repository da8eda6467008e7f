/**
 * A one-line progress display on standard error, shown only when standard error is a terminal
 * and the work takes more than a moment. Redrawn at most five times a second. Its own escapes
 * (`\r`, erase to the end of the line) are written as they are; the note is made safe.
 */
import { safeText } from '../core/safe-text.js';

/** What the progress line shows besides inputs done. */
export interface ProgressCounts {
  readonly records: number;
  readonly rejected: number;
}

export interface Progress {
  update(done: number, counts: ProgressCounts): void;
  clear(): void;
}

const REDRAW_MS = 200;
const SHOW_AFTER_MS = 500;

export function createProgress(total: number, stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): Progress | undefined {
  const line = createCountProgress(total, 'inputs', stream, now);
  if (!line) return undefined;
  const n = (value: number): string => value.toLocaleString('en-GB');
  return {
    update: (done, counts) => line.update(done, (seconds) => `${n(counts.records)} records (${n(Math.round(counts.records / seconds))}/s) · ${n(counts.rejected)} refused`),
    clear: () => line.clear(),
  };
}

/** A progress line for work counted in items of one kind (`domains`), with a note after the count. */
export interface CountProgress {
  /** `note` is text, or made from the seconds elapsed (for rates). */
  update(done: number, note: string | ((seconds: number) => string)): void;
  clear(): void;
}

export function createCountProgress(total: number, noun: string, stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): CountProgress | undefined {
  if (!stream.isTTY) return undefined;
  const started = now();
  let lastDraw = 0;
  let shown = false;
  const n = (value: number): string => value.toLocaleString('en-GB');
  return {
    update(done, note) {
      const time = now();
      if (time - started < SHOW_AFTER_MS || (time - lastDraw < REDRAW_MS && done < total)) return;
      lastDraw = time;
      shown = true;
      const width = 24;
      const filled = total > 0 ? Math.round((done / total) * width) : width;
      const seconds = Math.max(0.001, (time - started) / 1000);
      const text = typeof note === 'string' ? `${(done / seconds).toFixed(1)} ${noun}/s · ${note}` : note(seconds);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n(done)}/${n(total)} ${noun} · ${safeText(text)}\x1b[K`);
    },
    clear() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}

/** A progress line for work whose total is not known in advance (DNS lookups): a count and a note. */
export interface ActivityProgress {
  update(text: string): void;
  clear(): void;
}

export function createActivityProgress(stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): ActivityProgress | undefined {
  if (!stream.isTTY) return undefined;
  const started = now();
  let lastDraw = 0;
  let shown = false;
  return {
    update(text) {
      const time = now();
      if (time - started < SHOW_AFTER_MS || time - lastDraw < REDRAW_MS) return;
      lastDraw = time;
      shown = true;
      stream.write(`\r${text}\x1b[K`);
    },
    clear() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
