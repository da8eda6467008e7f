/**
 * Header sections (RFC 5322 §2.2, §3.6) read from bytes: field lines, folded continuation lines
 * (unfolded by removing the line break, §2.2.3), CRLF or bare LF line endings. Only the header
 * bytes are turned into text: UTF-8 when valid (RFC 6532), otherwise Latin-1, so a raw 8-bit
 * header never fails. The body is left as bytes for the caller.
 */
import { Buffer } from 'node:buffer';
import type { MimeEntity, MimeHeader } from './mime-entity.js';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const COLON = 0x3a;

export interface HeaderBlock {
  readonly headers: readonly MimeHeader[];
  /** Offset just past the last header line: where the blank line (or the first non-field line) starts. */
  readonly headerEnd: number;
  /** Offset of the first body byte: after the blank line, or at the first line that is not a field. */
  readonly bodyStart: number;
  /** True when the section ended at a blank line; false when it ran to the end or into a non-field line. */
  readonly endedAtBlankLine: boolean;
  /** 1-based line number (within the section) of the first line that was neither a field nor a continuation. */
  readonly strayLine?: number;
}

/**
 * Reads the header section that starts at `start`. The section ends at the first empty line
 * (which is consumed), at the end of the bytes, or before the first line that is neither a
 * field (`name:`) nor a continuation (starts with white space); in that last case the stray
 * line starts the body, as most mail readers do.
 */
export function readHeaderBlock(bytes: Uint8Array, start = 0): HeaderBlock {
  const lineStarts: number[] = [];
  const lineEnds: number[] = [];
  let position = start;
  let headerEnd = bytes.length;
  let bodyStart = bytes.length;
  let endedAtBlankLine = false;
  let strayLine: number | undefined;
  while (position < bytes.length) {
    const newline = bytes.indexOf(LF, position);
    const next = newline === -1 ? bytes.length : newline + 1;
    let end = newline === -1 ? bytes.length : newline;
    if (end > position && bytes[end - 1] === CR) end--;
    if (end === position) {
      headerEnd = position;
      bodyStart = next;
      endedAtBlankLine = true;
      break;
    }
    const first = bytes[position] as number;
    const continuation = first === SPACE || first === TAB;
    if ((continuation && lineStarts.length === 0) || (!continuation && !isFieldStart(bytes, position, end))) {
      strayLine = lineStarts.length + 1;
      headerEnd = position;
      bodyStart = position;
      break;
    }
    lineStarts.push(position);
    lineEnds.push(end);
    position = next;
  }
  const headers = lineStarts.length === 0 ? [] : unfoldFields(bytes, lineStarts, lineEnds);
  const block = { headers, headerEnd, bodyStart, endedAtBlankLine };
  return strayLine === undefined ? block : { ...block, strayLine };
}

/** `name:` with a name of printable ASCII other than `:` (RFC 5322 §3.6.8), allowing white space before the colon (§4.5). */
export function isFieldStart(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = bytes[i] as number;
    if (c === COLON || c <= SPACE || c > 0x7e) break;
    i++;
  }
  if (i === start) return false;
  while (i < end && (bytes[i] === SPACE || bytes[i] === TAB)) i++;
  return i < end && bytes[i] === COLON;
}

function unfoldFields(bytes: Uint8Array, lineStarts: number[], lineEnds: number[]): MimeHeader[] {
  const firstStart = lineStarts[0] as number;
  const text = decodeHeaderText(bytes.subarray(firstStart, lineEnds[lineEnds.length - 1]));
  // Line boundaries are LF bytes, which both decodings keep one to one; split the text the same way.
  const lines = text.split('\n');
  const headers: { name: string; value: string }[] = [];
  for (let i = 0; i < lineStarts.length; i++) {
    let line = lines[i] ?? '';
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const c = line.charCodeAt(0);
    const last = headers[headers.length - 1];
    if ((c === SPACE || c === TAB) && last) {
      last.value += line;
      continue;
    }
    const colon = line.indexOf(':');
    headers.push({ name: line.slice(0, colon).trimEnd().toLowerCase(), value: line.slice(colon + 1) });
  }
  return headers.map(({ name, value }) => ({ name, value: value.trim() }));
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Header text: UTF-8 when the bytes are valid UTF-8 (RFC 6532), otherwise Latin-1. */
export function decodeHeaderText(bytes: Uint8Array): string {
  let ascii = true;
  for (const byte of bytes) {
    if (byte > 0x7f) {
      ascii = false;
      break;
    }
  }
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (ascii) return buffer.toString('latin1');
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return buffer.toString('latin1');
  }
}

/** The first value of field `name` (case-insensitive), unfolded and not RFC 2047-decoded. */
export function headerValue(entity: Pick<MimeEntity, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return entity.headers.find((header) => header.name === wanted)?.value;
}

/** Every value of field `name` (case-insensitive), in order. */
export function headerValues(entity: Pick<MimeEntity, 'headers'>, name: string): string[] {
  const wanted = name.toLowerCase();
  return entity.headers.filter((header) => header.name === wanted).map((header) => header.value);
}
