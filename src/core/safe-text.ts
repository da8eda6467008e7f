/**
 * Text from reports, DNS and inputs made safe to show: defence in depth for every output a person
 * reads (the terminal, a spreadsheet), whatever the source (an aggregate report's org name, a
 * failure report, a TLS report, a TXT record, a file name in a zip, a quarantine source) and
 * whether it was stored before the parsers refused such text or not.
 *
 * What is neutralised: every control character (C0 including tab, line feed and carriage return,
 * DEL, and C1, whose U+009B is a terminal's CSI), the line and paragraph separators U+2028/U+2029,
 * and the invisible direction controls that reorder what a terminal shows (U+061C, U+200E, U+200F,
 * U+202A–U+202E, U+2066–U+2069, "Trojan Source"). Each becomes a visible escape, `\x1b` or
 * `\u202e`, so `ESC ] 0 ; title BEL` prints as `\x1b]0;title\x07` instead of retitling the window.
 * A backslash is left as it is: this is for reading, not a format to parse back.
 */

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- the same, but keeping line feeds and tabs
const UNSAFE_IN_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves as it is among UNSAFE (it escapes C0 itself). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `value` with every unsafe character (tab and line feed too) shown as an escape: for one field of a line. */
export function safeText(value: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(value) ? value.replace(UNSAFE, escapeOne) : value;
}

/**
 * A whole block of output: unsafe characters escaped except line feeds and tabs, which the
 * printers use for lines and columns. The last line of defence of every text output; fields that
 * could hold a line feed or a tab of their own go through safeText (or `safe`) first.
 */
export function safeLines(text: string): string {
  UNSAFE_IN_LINES.lastIndex = 0;
  return UNSAFE_IN_LINES.test(text) ? text.replace(UNSAFE_IN_LINES, escapeOne) : text;
}

/**
 * A template whose interpolated values go through safeText, its literal parts as written:
 * safe`${source}: ${code}: ${message}\n` escapes a line feed inside `source` but keeps the last.
 */
export function safe(strings: TemplateStringsArray, ...values: readonly unknown[]): string {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += safeText(String(values[i])) + (strings[i + 1] ?? '');
  return out;
}

/**
 * JSON.stringify, with the characters it leaves raw that a terminal may act on (DEL, C1, the
 * separators and direction controls) written as `\u` escapes: the same JSON value, safe to print.
 */
export function safeJson(value: unknown, space?: number): string {
  const text = JSON.stringify(value, null, space) ?? 'null';
  UNSAFE_IN_JSON.lastIndex = 0;
  return UNSAFE_IN_JSON.test(text) ? text.replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : text;
}

/** Whether `value` holds anything safeText would escape. */
export function hasUnsafeText(value: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(value);
}
