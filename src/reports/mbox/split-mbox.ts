/**
 * Messages of an mbox file (RFC 4155; the mboxo / mboxrd family): each message starts with a
 * separator line `From <address> <date>` at the start of the file or of a line. The separator line
 * is dropped, and so is the blank line that writers put before the next separator. mboxrd quoting
 * is undone: a line `>From ` becomes `From `, `>>From ` becomes `>From ` (one `>` removed).
 *
 * Streaming: bytes are scanned chunk by chunk; at most one message (as views into the chunks it
 * came in) plus the current chunk is held. A message larger than `limits.maxBufferedBytes` is
 * refused with InputRejectedError(`input-too-large`).
 */
import { Buffer } from 'node:buffer';
import { rejection } from '../../core/diagnostic.js';
import { InputRejectedError } from '../../core/input-rejected.js';
import type { Limits } from '../../core/limits.js';
import { concatBytes } from '../extract/byte-stream.js';

export interface MboxMessage {
  /** 0-based position of the message in the file. */
  readonly index: number;
  /** The message, separator line removed and mboxrd quoting undone. */
  readonly bytes: Uint8Array;
}

const LF = 0x0a;
const CR = 0x0d;
const GT = 0x3e;
const FROM_SPACE = [0x46, 0x72, 0x6f, 0x6d, 0x20]; // "From "
/** More `>` than this before `From ` is not quoting worth undoing; it bounds what is carried between chunks. */
const MAX_QUOTE_DEPTH = 64;

type LineStart = 'separator' | 'quoted' | 'plain' | 'undecided';

export async function* splitMbox(chunks: AsyncIterable<Uint8Array>, limits: Limits): AsyncGenerator<MboxMessage, void, undefined> {
  let pieces: Uint8Array[] = [];
  let size = 0;
  let index = 0;
  let skippingSeparator = false; // inside a separator line whose end is in a later chunk
  let carry: Uint8Array = new Uint8Array(0); // an undecided line start from the previous chunk
  let atLineStart = true;

  const append = (piece: Uint8Array): void => {
    if (piece.length === 0) return;
    size += piece.length;
    if (size > limits.maxBufferedBytes) {
      throw new InputRejectedError(
        rejection('input-too-large', `Message ${index + 1} of the mbox file is larger than ${limits.maxBufferedBytes} bytes, the most read into memory (--max-buffered).`, `message ${index + 1}`),
      );
    }
    pieces.push(piece);
  };
  const finish = (): MboxMessage | undefined => {
    const bytes = trimFinalLineBreak(concatBytes(pieces, size));
    pieces = [];
    size = 0;
    if (isBlank(bytes)) return undefined; // nothing before the first separator, or an empty message
    return { index: index++, bytes };
  };

  for await (const chunk of chunks) {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    carry = new Uint8Array(0);
    let position = 0;
    let segmentStart = 0;
    if (skippingSeparator) {
      const newline = data.indexOf(LF);
      if (newline === -1) continue;
      skippingSeparator = false;
      position = segmentStart = newline + 1;
      atLineStart = true;
    }
    while (position < data.length) {
      if (atLineStart) {
        const kind = classifyLineStart(data, position);
        if (kind === 'undecided') {
          append(data.subarray(segmentStart, position));
          carry = data.slice(position);
          segmentStart = data.length;
          break;
        }
        if (kind === 'separator') {
          append(data.subarray(segmentStart, position));
          const message = finish();
          if (message) yield message;
          const newline = data.indexOf(LF, position);
          if (newline === -1) {
            skippingSeparator = true;
            segmentStart = data.length;
            break;
          }
          segmentStart = position = newline + 1;
          continue;
        }
        if (kind === 'quoted') {
          append(data.subarray(segmentStart, position));
          segmentStart = position + 1; // drop one `>`
        }
      }
      const newline = data.indexOf(LF, position);
      if (newline === -1) {
        atLineStart = false;
        position = data.length;
      } else {
        atLineStart = true;
        position = newline + 1;
      }
    }
    append(data.subarray(segmentStart, data.length));
  }
  if (carry.length > 0) append(carry);
  const last = finish();
  if (last) yield last;
}

/** What the line starting at `at` is, or `undecided` when the chunk ends too early to tell. */
function classifyLineStart(data: Uint8Array, at: number): LineStart {
  let i = at;
  while (i < data.length && data[i] === GT && i - at <= MAX_QUOTE_DEPTH) i++;
  const quotes = i - at;
  if (quotes > MAX_QUOTE_DEPTH) return 'plain';
  for (let k = 0; k < FROM_SPACE.length; k++) {
    if (i + k >= data.length) return 'undecided';
    if (data[i + k] !== FROM_SPACE[k]) return 'plain';
  }
  return quotes === 0 ? 'separator' : 'quoted';
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
  const line = Buffer.from(head.buffer, head.byteOffset, newline).toString('latin1').replace(/\r$/, '');
  // `From sender@example.com Mon Jan  1 00:00:00 2024`, `From MAILER-DAEMON Fri Jul 8 12:08:34 2011`
  return /^From [^\s:]+\s+\S.*\d/.test(line);
}
