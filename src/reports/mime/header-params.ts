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
}

export function parseParameterizedValue(field: string): ParameterizedValue {
  const text = stripComments(field);
  const semicolon = findUnquoted(text, ';', 0);
  const value = (semicolon === -1 ? text : text.slice(0, semicolon)).replace(/\s+/g, '').toLowerCase();
  const raw = semicolon === -1 ? [] : readParameters(text, semicolon + 1);
  return { value, params: combineParameters(raw) };
}

interface RawParameter {
  readonly name: string;
  readonly value: string;
}

function readParameters(text: string, from: number): RawParameter[] {
  const found: RawParameter[] = [];
  let i = from;
  while (i < text.length) {
    while (i < text.length && /[\s;]/.test(text.charAt(i))) i++;
    const equals = text.indexOf('=', i);
    const nextSemicolon = text.indexOf(';', i);
    if (equals === -1 || (nextSemicolon !== -1 && nextSemicolon < equals)) {
      if (nextSemicolon === -1) break;
      i = nextSemicolon + 1; // a parameter without `=`: skip it
      continue;
    }
    const name = text.slice(i, equals).trim().toLowerCase();
    i = equals + 1;
    while (i < text.length && (text.charAt(i) === ' ' || text.charAt(i) === '\t')) i++;
    let value: string;
    if (text.charAt(i) === '"') {
      const read = readQuoted(text, i);
      value = read.value;
      i = read.end;
      const rest = findUnquoted(text, ';', i);
      i = rest === -1 ? text.length : rest + 1;
    } else {
      const end = findUnquoted(text, ';', i);
      value = text.slice(i, end === -1 ? text.length : end).trim();
      i = end === -1 ? text.length : end + 1;
    }
    if (name.length > 0) found.push({ name, value });
  }
  return found;
}

/** A quoted-string from the `"` at `start` (RFC 5322 §3.2.4); an unclosed quote runs to the end. */
function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === '\\' && i + 1 < text.length) {
      value += text.charAt(i + 1);
      i += 2;
      continue;
    }
    if (c === '"') return { value, end: i + 1 };
    value += c;
    i++;
  }
  return { value, end: i };
}

function findUnquoted(text: string, wanted: string, from: number): number {
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === wanted && !quoted) return i;
  }
  return -1;
}

/** Removes `(comments)` outside quoted strings (RFC 5322 §3.2.2), nesting allowed. */
function stripComments(text: string): string {
  if (!text.includes('(')) return text;
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '\\' && i + 1 < text.length && (quoted || depth > 0)) {
      if (depth === 0) out += c + text.charAt(i + 1);
      i++;
    } else if (c === '"' && depth === 0) {
      quoted = !quoted;
      out += c;
    } else if (c === '(' && !quoted) depth++;
    else if (c === ')' && !quoted && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}

const EXTENDED_NAME = /^(.+?)\*(?:(\d{1,3})(\*)?)?$/;

interface Section {
  readonly index: number;
  readonly encoded: boolean;
  readonly value: string;
}

/** Plain parameters, then RFC 2231 ones (which win over a plain one of the same name). */
function combineParameters(raw: readonly RawParameter[]): Record<string, string> {
  const params: Record<string, string> = {};
  const extended = new Map<string, Section[]>();
  for (const { name, value } of raw) {
    const match = EXTENDED_NAME.exec(name);
    if (!match) {
      if (!(name in params)) params[name] = value;
      continue;
    }
    const base = match[1] as string;
    const index = match[2] === undefined ? 0 : Number(match[2]);
    const encoded = match[2] === undefined || match[3] === '*';
    const sections = extended.get(base) ?? [];
    sections.push({ index, encoded, value });
    extended.set(base, sections);
  }
  for (const [name, sections] of extended) params[name] = joinSections(sections);
  return params;
}

/** RFC 2231 §3-§4: sections in order; the first encoded one carries `charset'language'`. */
function joinSections(sections: Section[]): string {
  sections.sort((a, b) => a.index - b.index);
  let charset = 'utf-8';
  const bytes: number[] = [];
  sections.forEach((section, position) => {
    let value = section.value;
    if (section.encoded && position === 0) {
      const match = /^([^']*)'[^']*'/.exec(value);
      if (match) {
        charset = match[1] || 'utf-8';
        value = value.slice(match[0].length);
      }
    }
    if (section.encoded) appendPercentDecoded(value, bytes);
    else for (const byte of Buffer.from(value, 'utf8')) bytes.push(byte);
  });
  return decodeCharset(Uint8Array.from(bytes), charset);
}

function appendPercentDecoded(value: string, out: number[]): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) out.push(c);
    else for (const byte of Buffer.from(value.charAt(i), 'utf8')) out.push(byte);
  }
}

/** Text in `charset` (any label TextDecoder knows); UTF-8 when the label is unknown. */
export function decodeCharset(bytes: Uint8Array, charset: string): string {
  try {
    return new TextDecoder(charset.trim().toLowerCase() || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
