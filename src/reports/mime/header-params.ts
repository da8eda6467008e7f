/**
 * Fields of the form `value; name=value; ...`: Content-Type (RFC 2045 §5.1) and
 * Content-Disposition (RFC 2183). Parameter values may be quoted strings with backslash escapes,
 * and RFC 2231 extended values: `name*=charset'lang'percent%20encoded` and continuations
 * `name*0=...; name*1*=...`. Lenient where senders are sloppy: comments, unquoted values with
 * spaces or `=` in them, missing semicolons before the end.
 */
import { Buffer } from 'node:buffer';

export interface ParameterizedValue {
  /** The value before the first `;`, lower-cased, comments and white space removed (e.g. `multipart/report`). */
  readonly value: string;
  /** Parameters, names lower-cased, values unquoted and RFC 2231-decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** True when the field had more than MAX_PARAMETERS parameters: the rest were not read. */
  readonly tooManyParameters?: true;
}

/**
 * Parameters read from one field. Real senders use a handful (type, boundary, charset, name,
 * RFC 2231 sections of a long file name); a field with thousands is hostile, and past this many
 * the rest are not read, so memory stays bounded whatever the size of the field.
 */
export const MAX_PARAMETERS = 1000;

/** Linear in the length of `field`: every character is looked at a bounded number of times. */
export function parseParameterizedValue(field: string): ParameterizedValue {
  const text = stripComments(field);
  const semicolon = findUnquoted(text, SEMICOLON, 0);
  const value = (semicolon === -1 ? text : text.slice(0, semicolon)).replace(/\s+/g, '').toLowerCase();
  const raw = semicolon === -1 ? { found: [], complete: true } : readParameters(text, semicolon + 1);
  const params = combineParameters(raw.found);
  return raw.complete ? { value, params } : { value, params, tooManyParameters: true };
}

interface RawParameter {
  readonly name: string;
  readonly value: string;
}

const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWhiteSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

/**
 * `name=value` pairs after the first `;`. One pass: the position only moves forward, so a field
 * of a million `; x` (parameters without `=`, which are skipped) costs one scan, not a scan per
 * parameter.
 */
function readParameters(text: string, from: number): { found: RawParameter[]; complete: boolean } {
  const found: RawParameter[] = [];
  const length = text.length;
  let i = from;
  while (i < length) {
    while (i < length && (text.charCodeAt(i) === SEMICOLON || isWhiteSpace(text.charCodeAt(i)))) i++;
    let equals = i;
    while (equals < length && text.charCodeAt(equals) !== EQUALS && text.charCodeAt(equals) !== SEMICOLON) equals++;
    if (equals === length) break; // a last parameter without `=`
    if (text.charCodeAt(equals) === SEMICOLON) {
      i = equals + 1; // a parameter without `=`: skipped
      continue;
    }
    if (found.length === MAX_PARAMETERS) return { found, complete: false };
    const name = text.slice(i, equals).trim().toLowerCase();
    i = equals + 1;
    while (i < length && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i++;
    let value: string;
    if (text.charCodeAt(i) === QUOTE) {
      const read = readQuoted(text, i);
      value = read.value;
      const rest = findUnquoted(text, SEMICOLON, read.end);
      i = rest === -1 ? length : rest + 1;
    } else {
      const end = findUnquoted(text, SEMICOLON, i);
      value = text.slice(i, end === -1 ? length : end).trim();
      i = end === -1 ? length : end + 1;
    }
    if (name.length > 0) found.push({ name, value });
  }
  return { found, complete: true };
}

/** A quoted-string from the `"` at `start` (RFC 5322 §3.2.4); an unclosed quote runs to the end. */
function readQuoted(text: string, start: number): { value: string; end: number } {
  const pieces: string[] = [];
  let pieceStart = start + 1;
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH && i + 1 < text.length) {
      pieces.push(text.slice(pieceStart, i));
      pieceStart = i + 1; // the escaped character starts the next piece
      i += 2;
      continue;
    }
    if (c === QUOTE) {
      pieces.push(text.slice(pieceStart, i));
      return { value: pieces.join(''), end: i + 1 };
    }
    i++;
  }
  pieces.push(text.slice(pieceStart, i));
  return { value: pieces.join(''), end: i };
}

function findUnquoted(text: string, wanted: number, from: number): number {
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH && quoted) i++;
    else if (c === QUOTE) quoted = !quoted;
    else if (c === wanted && !quoted) return i;
  }
  return -1;
}

/**
 * Removes `(comments)` outside quoted strings (RFC 5322 §3.2.2), nesting allowed; an unclosed
 * comment runs to the end. Linear: the text is copied in slices between comments.
 */
export function stripComments(text: string): string {
  if (!text.includes('(')) return text;
  const kept: string[] = [];
  let runStart = 0;
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH && i + 1 < text.length && (quoted || depth > 0)) i++;
    else if (c === QUOTE && depth === 0) quoted = !quoted;
    else if (c === 0x28 && !quoted) {
      if (depth === 0) kept.push(text.slice(runStart, i));
      depth++;
    } else if (c === 0x29 && !quoted && depth > 0) {
      depth--;
      if (depth === 0) runStart = i + 1;
    }
  }
  if (depth === 0) kept.push(text.slice(runStart));
  return kept.join('');
}

interface Section {
  readonly index: number;
  readonly encoded: boolean;
  readonly value: string;
}

/**
 * An RFC 2231 name: `base*` (one encoded value), `base*N` (section N) or `base*N*` (encoded
 * section N), N of one to three digits; undefined for a plain name.
 */
function extendedName(name: string): { base: string; index: number; encoded: boolean } | undefined {
  let end = name.length;
  const encodedLast = name.charCodeAt(end - 1) === 0x2a; // `*`
  if (encodedLast) end--;
  let digits = end;
  while (digits > 0 && end - digits < 4 && name.charCodeAt(digits - 1) >= 0x30 && name.charCodeAt(digits - 1) <= 0x39) digits--;
  const count = end - digits;
  if (count >= 1 && count <= 3 && digits >= 2 && name.charCodeAt(digits - 1) === 0x2a) {
    return { base: name.slice(0, digits - 1), index: Number(name.slice(digits, end)), encoded: encodedLast };
  }
  if (encodedLast && end >= 1) return { base: name.slice(0, end), index: 0, encoded: true };
  return undefined;
}

/** Plain parameters, then RFC 2231 ones (which win over a plain one of the same name). */
function combineParameters(raw: readonly RawParameter[]): Record<string, string> {
  const params = new Map<string, string>();
  const extended = new Map<string, Section[]>();
  for (const { name, value } of raw) {
    const parsed = extendedName(name);
    if (!parsed) {
      if (!params.has(name)) params.set(name, value);
      continue;
    }
    const sections = extended.get(parsed.base) ?? [];
    sections.push({ index: parsed.index, encoded: parsed.encoded, value });
    extended.set(parsed.base, sections);
  }
  for (const [name, sections] of extended) params.set(name, joinSections(sections));
  // Own properties only: a parameter named `__proto__` or `constructor` is just a parameter.
  return Object.fromEntries(params);
}

/** RFC 2231 §3-§4: sections in order; the first encoded one carries `charset'language'`. */
function joinSections(sections: Section[]): string {
  sections.sort((a, b) => a.index - b.index);
  let charset = 'utf-8';
  const pieces: Uint8Array[] = [];
  sections.forEach((section, position) => {
    let value = section.value;
    if (section.encoded && position === 0) {
      const first = value.indexOf("'");
      const second = first === -1 ? -1 : value.indexOf("'", first + 1);
      if (second !== -1) {
        charset = value.slice(0, first) || 'utf-8';
        value = value.slice(second + 1);
      }
    }
    const bytes = Buffer.from(value, 'utf8');
    pieces.push(section.encoded ? percentDecodeInPlace(bytes) : bytes);
  });
  return decodeCharset(Buffer.concat(pieces), charset);
}

/** `%XX` escapes decoded in the buffer itself (the output is never longer than the input). */
function percentDecodeInPlace(bytes: Buffer): Uint8Array {
  let out = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x25 && i + 2 < bytes.length) {
      const high = hexValue(bytes[i + 1] as number);
      const low = hexValue(bytes[i + 2] as number);
      if (high !== -1 && low !== -1) {
        bytes[out++] = (high << 4) | low;
        i += 2;
        continue;
      }
    }
    bytes[out++] = b;
  }
  return bytes.subarray(0, out);
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  return -1;
}

/** Text in `charset` (any label TextDecoder knows); UTF-8 when the label is unknown. */
export function decodeCharset(bytes: Uint8Array, charset: string): string {
  try {
    return new TextDecoder(charset.trim().toLowerCase() || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
