/**
 * Messages of an mbox file (RFC 4155; the mboxo / mboxrd / mboxcl family): each message starts
 * with a separator line `From <address> <date>` at the start of the file or of a line. The
 * separator line is dropped, and so is the blank line that writers put before the next separator.
 * mboxrd quoting is undone: a line `>From ` becomes `From `, `>>From ` becomes `>From ` (one `>`
 * removed).
 *
 * Not every line starting `From ` is a separator: mboxo writers leave some unquoted, and mboxcl
 * writers rely on Content-Length instead. A `From ` line starts a new message only when
 * - it looks like an envelope line (`From ` address, then a date with a digit; at most 1,000 bytes),
 * - the line after it is a header field (a message starts with its header block), and
 * - it is not inside the body that the current message's `Content-Length` declares (mboxcl);
 * otherwise it is kept as a line of the current message, and the message carries a warning
 * (`mbox-from-line-in-body`) naming the line and the convention assumed.
 *
 * Streaming: bytes are scanned chunk by chunk, each line start looked at once (a line start near
 * the end of a chunk waits, at most 1,100 bytes of it, for the next chunk); at most one message
 * (as views into the chunks it came in) plus the current chunk is held. A message larger than
 * `limits.maxBufferedBytes` is not held: its first bytes are kept and it is yielded with
 * `tooLarge` (refusal `input-too-large`), and the messages after it are read as usual.
 */
import { Buffer } from 'node:buffer';
import type { Diagnostic, Rejection } from '../../core/diagnostic.js';
import { rejection, warning } from '../../core/diagnostic.js';
import type { Limits } from '../../core/limits.js';
import { concatBytes } from '../extract/byte-stream.js';

export interface MboxMessage {
  /** 0-based position of the message in the file. */
  readonly index: number;
  /** The message, separator line removed and mboxrd quoting undone; only its first bytes when `tooLarge`. */
  readonly bytes: Uint8Array;
  /** How the file was read where its convention was in doubt (`mbox-from-line-in-body`). */
  readonly warnings: readonly Diagnostic[];
  /** Larger than `maxBufferedBytes`: `bytes` holds its first bytes (tooLargeHeadBytes), `size` is all of it. */
  readonly tooLarge?: { readonly size: number; readonly rejection: Rejection };
}

/** What is kept of an input too large to read: enough for a person to see what it was. */
export const TOO_LARGE_HEAD_BYTES = 64 * 1024;

/** The bytes kept of an input too large to read whole: TOO_LARGE_HEAD_BYTES, never more than the limit. */
export function tooLargeHeadBytes(limits: Limits): number {
  return Math.min(TOO_LARGE_HEAD_BYTES, limits.maxBufferedBytes);
}

const LF = 0x0a;
const CR = 0x0d;
const GT = 0x3e;
const FROM_SPACE = [0x46, 0x72, 0x6f, 0x6d, 0x20]; // "From "
/** More `>` than this before `From ` is not quoting worth undoing; it bounds what is carried between chunks. */
const MAX_QUOTE_DEPTH = 64;
/** A longer `From ` line is text, not an envelope line (RFC 4155: `From ` address date). */
const MAX_ENVELOPE_LINE = 1000;
/** A header field name longer than this is not looked for on the line after a `From ` line. */
const MAX_FIELD_NAME = 100;
/** A header line is looked at for Content-Length only when it is this short. */
const MAX_CONTENT_LENGTH_LINE = 100;

type InBody = 'not-envelope' | 'no-header' | 'content-length';

type LineStart =
  | { readonly kind: 'plain' }
  | { readonly kind: 'quoted' }
  | { readonly kind: 'separator'; readonly next: number }
  | { readonly kind: 'in-body'; readonly why: InBody }
  | { readonly kind: 'undecided' };

/** What one message's reading noted, for its warnings. */
interface Notes {
  first: Map<InBody, { line: number; count: number }>;
}

export async function* splitMbox(chunks: AsyncIterable<Uint8Array>, limits: Limits): AsyncGenerator<MboxMessage, void, undefined> {
  let pieces: Uint8Array[] = [];
  let size = 0;
  let index = 0;
  let hasContent = false; // any byte but white space in the message so far
  let tooLarge: Uint8Array | undefined; // the kept head once the message is past the limit
  let inHeader = true;
  let contentLength: number | undefined;
  let bodyStart = 0; // file offset of the current message's body
  let notes: Notes = { first: new Map() };
  let line = 0; // number of line starts looked at (so the 1-based number of the last one)
  let carry: Uint8Array = new Uint8Array(0); // an undecided line start from the previous chunk
  let consumed = 0; // bytes of the file received
  let atLineStart = true;
  const ready: MboxMessage[] = [];

  const append = (piece: Uint8Array): void => {
    if (piece.length === 0) return;
    size += piece.length;
    if (tooLarge) return;
    pieces.push(piece);
    if (size > limits.maxBufferedBytes) {
      tooLarge = concatBytes(pieces, size).slice(0, tooLargeHeadBytes(limits));
      pieces = [];
    }
  };
  const finish = (): void => {
    if (hasContent) {
      const warnings = noteWarnings(notes);
      if (tooLarge) {
        const reason = rejection(
          'input-too-large',
          `Message ${index + 1} of the mbox file is ${size} bytes, larger than ${limits.maxBufferedBytes} bytes, the most read into memory (--max-buffered).`,
          `message ${index + 1}`,
        );
        ready.push({ index: index++, bytes: tooLarge, warnings, tooLarge: { size, rejection: reason } });
      } else {
        ready.push({ index: index++, bytes: trimFinalLineBreak(concatBytes(pieces, size)), warnings });
      }
    }
    pieces = [];
    size = 0;
    hasContent = false;
    tooLarge = undefined;
    inHeader = true;
    contentLength = undefined;
    notes = { first: new Map() };
  };

  /** Reads `data` (whose first byte is at file offset `base`); `final`: nothing follows it. Returns the undecided rest. */
  const scan = (data: Uint8Array, base: number, final: boolean): Uint8Array => {
    let position = 0;
    let segmentStart = 0;
    while (position < data.length) {
      if (atLineStart) {
        // A header line is read whole (for Content-Length) when it is short: wait for its end.
        if (inHeader && !final && data.length - position <= MAX_CONTENT_LENGTH_LINE && data.indexOf(LF, position) === -1) {
          append(data.subarray(segmentStart, position));
          return data.slice(position);
        }
        const start = classifyLineStart(data, position, final, { blankSoFar: !hasContent, inHeader, bodyBytes: base + position - bodyStart, contentLength });
        if (start.kind === 'undecided') {
          append(data.subarray(segmentStart, position));
          return data.slice(position);
        }
        line++;
        if (start.kind === 'separator') {
          append(data.subarray(segmentStart, position));
          finish();
          segmentStart = position = start.next;
          continue;
        }
        if (start.kind === 'quoted') {
          append(data.subarray(segmentStart, position));
          segmentStart = position + 1; // drop one `>`
        } else if (start.kind === 'in-body') {
          const seen = notes.first.get(start.why);
          if (seen) seen.count++;
          else notes.first.set(start.why, { line, count: 1 });
        }
        if (inHeader) {
          const end = data.indexOf(LF, position);
          const lineEnd = end === -1 ? data.length : end;
          if (lineEnd === position || (lineEnd === position + 1 && data[position] === CR)) {
            inHeader = false;
            bodyStart = base + lineEnd + 1;
          } else if (lineEnd - position <= MAX_CONTENT_LENGTH_LINE) {
            const declared = /^content-length[ \t]*:[ \t]*(\d{1,15})[ \t\r]*$/i.exec(latin1(data.subarray(position, lineEnd)));
            if (declared) contentLength = Number(declared[1]);
          }
        }
      }
      const newline = data.indexOf(LF, position);
      // Each line is looked at for content only until the message has some: linear.
      if (!hasContent) hasContent = !isBlank(data.subarray(position, newline === -1 ? data.length : newline));
      if (newline === -1) {
        atLineStart = false;
        position = data.length;
      } else {
        atLineStart = true;
        position = newline + 1;
      }
    }
    append(data.subarray(segmentStart, data.length));
    return new Uint8Array(0);
  };

  for await (const chunk of chunks) {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const base = consumed - carry.length;
    consumed += chunk.length;
    carry = scan(data, base, false);
    yield* ready.splice(0);
  }
  if (carry.length > 0) scan(carry, consumed - carry.length, true);
  finish();
  yield* ready.splice(0);
}

interface MessageState {
  /** Nothing but white space in the message so far: a `From ` line here has nothing to belong to. */
  readonly blankSoFar: boolean;
  readonly inHeader: boolean;
  /** Bytes of the body read before this line (file bytes, quoting included). */
  readonly bodyBytes: number;
  readonly contentLength: number | undefined;
}

/** What the line starting at `at` is, or `undecided` when the chunk ends too early to tell (never when `final`). */
function classifyLineStart(data: Uint8Array, at: number, final: boolean, message: MessageState): LineStart {
  let i = at;
  while (i < data.length && data[i] === GT && i - at <= MAX_QUOTE_DEPTH) i++;
  const quotes = i - at;
  if (quotes > MAX_QUOTE_DEPTH) return { kind: 'plain' };
  for (let k = 0; k < FROM_SPACE.length; k++) {
    if (i + k >= data.length) return final ? { kind: 'plain' } : { kind: 'undecided' };
    if (data[i + k] !== FROM_SPACE[k]) return { kind: 'plain' };
  }
  if (quotes > 0) return { kind: 'quoted' };
  const newline = data.indexOf(LF, at);
  const lineEnd = newline === -1 ? data.length : newline;
  if (lineEnd - at > MAX_ENVELOPE_LINE) return { kind: 'in-body', why: 'not-envelope' };
  if (newline === -1 && !final) return { kind: 'undecided' };
  if (!isEnvelopeLine(data.subarray(at, lineEnd))) return { kind: 'in-body', why: 'not-envelope' };
  const next = newline === -1 ? data.length : newline + 1;
  if (message.blankSoFar) return { kind: 'separator', next };
  if (!message.inHeader && message.contentLength !== undefined && message.bodyBytes < message.contentLength) return { kind: 'in-body', why: 'content-length' };
  const field = fieldStart(data, next);
  if (field === undefined) return final ? { kind: 'separator', next } : { kind: 'undecided' };
  return field ? { kind: 'separator', next } : { kind: 'in-body', why: 'no-header' };
}

/** Whether the line at `at` starts `Name:` (RFC 5322 §3.6.8), or undefined when the bytes end before that is known. */
function fieldStart(data: Uint8Array, at: number): boolean | undefined {
  let i = at;
  while (i < data.length && i - at <= MAX_FIELD_NAME) {
    const c = data[i] as number;
    if (c === 0x3a) return i > at;
    if (c <= 0x20 || c > 0x7e) break;
    i++;
  }
  if (i === at && i < data.length) return false;
  while (i < data.length && i - at <= MAX_FIELD_NAME && (data[i] === 0x20 || data[i] === 0x09)) i++;
  if (i - at > MAX_FIELD_NAME) return false;
  if (i === data.length) return undefined;
  return data[i] === 0x3a && i > at;
}

/** `From sender@example.com Mon Jan  1 00:00:00 2024`, `From MAILER-DAEMON Fri Jul 8 12:08:34 2011`, `From - Mon …` */
function isEnvelopeLine(line: Uint8Array): boolean {
  return /^From [^\s:]+\s+\S.*\d/.test(latin1(line).replace(/\r$/, ''));
}

function noteWarnings(notes: Notes): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [why, { line, count }] of notes.first) {
    const reason =
      why === 'content-length'
        ? 'it lies inside the body that the message declares with Content-Length (mboxcl: Content-Length honoured)'
        : why === 'no-header'
          ? 'no header block follows it (mboxo: such body lines are not quoted)'
          : 'it is not an envelope line "From address date" (mboxo: such body lines are not quoted)';
    const more = count > 1 ? ` ${count - 1} more such line${count > 2 ? 's' : ''} too.` : '';
    const diagnostic = warning('mbox-from-line-in-body', `Line ${line} of the mbox file starts with "From " but was kept as a line of this message, not taken as the start of the next: ${reason}.${more}`, `line ${line}`);
    out.push(count > 1 ? { ...diagnostic, count } : diagnostic);
  }
  return out;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/** The blank line before a separator belongs to the mbox format, not the message (RFC 4155 §2). */
function trimFinalLineBreak(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === LF) {
    end--;
    if (end > 0 && bytes[end - 1] === CR) end--;
  }
  return bytes.subarray(0, end);
}

function isBlank(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte !== LF && byte !== CR && byte !== 0x20 && byte !== 0x09) return false;
  return true;
}

/** `From ` at byte 0, followed on the same line by something that looks like an address and a date, and then a second line. */
export function looksLikeMbox(head: Uint8Array): boolean {
  for (let k = 0; k < FROM_SPACE.length; k++) if (head[k] !== FROM_SPACE[k]) return false;
  const newline = head.indexOf(LF, 5);
  if (newline === -1 || newline + 1 >= head.length) return false;
  return isEnvelopeLine(head.subarray(0, newline));
}
