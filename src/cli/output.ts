/**
 * Everything the CLI prints goes through here (the lint forbids writing to process.stdout or
 * process.stderr elsewhere in cli/ and server/), so no report, DNS answer or input name can put
 * a control sequence on the terminal: text is passed through safeLines (core/safe-text.ts: every
 * control character but the line feeds and tabs of the layout is shown as an escape), and JSON
 * through safeJson (the same value, with DEL, C1 and direction controls written as `\u`
 * escapes). Printers escape each field that could hold a line feed or tab of its own with
 * `safe`/safeText first, so a value cannot forge a line or a column either. Bulk data (export,
 * parse) goes through stdout-writer.ts with the formatters of reports/output, which escape their
 * fields themselves; `quarantine show --raw` writes the bytes a person asked for as they are.
 */
import { safeJson, safeLines } from '../core/safe-text.js';

export { safe, safeText } from '../core/safe-text.js';

/** Text to standard output, made safe. */
export function printOut(text: string): void {
  process.stdout.write(safeLines(text));
}

/** Text to standard error, made safe. */
export function printErr(text: string): void {
  process.stderr.write(safeLines(text));
}

/** A JSON value and a line feed to standard output (`space` indents it). */
export function printJson(value: unknown, space?: number): void {
  process.stdout.write(`${safeJson(value, space)}\n`);
}

/** Bytes to standard output as they are: only for what a person asked for raw (`quarantine show --raw`). */
export function printRawBytes(bytes: Uint8Array): void {
  process.stdout.write(bytes);
}
