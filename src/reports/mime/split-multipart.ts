/**
 * The body parts of a multipart entity (RFC 2046 §5.1.1): delimiter lines `--boundary` at the
 * start of a line, optional transport padding after them, the close delimiter `--boundary--`.
 * The line break before a delimiter belongs to the delimiter. Preamble and epilogue are dropped.
 * Works on bytes with Buffer.indexOf, so a multi-megabyte attachment costs one native scan.
 */
import { Buffer } from 'node:buffer';

export interface MultipartSplit {
  /** Each part's bytes (headers and body), as views into the input. */
  readonly parts: Uint8Array[];
  /** False when no delimiter line was found at all. */
  readonly foundDelimiter: boolean;
  /** False when the close delimiter is missing (the last part then runs to the end). */
  readonly closed: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;

/** `maxParts`: stop after this many parts (the caller refuses the message then). */
export function splitMultipart(body: Uint8Array, boundary: string, maxParts: number): MultipartSplit {
  const haystack = Buffer.from(body.buffer, body.byteOffset, body.length);
  const delimiter = Buffer.from(`--${boundary}`, 'utf8');
  const parts: Uint8Array[] = [];
  let found = findDelimiter(haystack, delimiter, 0);
  if (!found) return { parts, foundDelimiter: false, closed: false };
  while (found && !found.close) {
    const partStart = found.lineEnd;
    const next = findDelimiter(haystack, delimiter, partStart);
    if (!next) {
      parts.push(body.subarray(partStart));
      return { parts, foundDelimiter: true, closed: false };
    }
    parts.push(body.subarray(partStart, contentEnd(body, partStart, next.start)));
    if (parts.length > maxParts) break;
    found = next;
  }
  return { parts, foundDelimiter: true, closed: true };
}

interface Delimiter {
  /** Offset of the first `-` of the delimiter line. */
  readonly start: number;
  /** Offset after the delimiter line's line break (or the end of the body). */
  readonly lineEnd: number;
  readonly close: boolean;
}

function findDelimiter(haystack: Buffer, delimiter: Buffer, from: number): Delimiter | undefined {
  let at = from;
  for (;;) {
    const index = haystack.indexOf(delimiter, at);
    if (index === -1) return undefined;
    if (index === 0 || haystack[index - 1] === LF) {
      const after = index + delimiter.length;
      const close = haystack[after] === DASH && haystack[after + 1] === DASH;
      const lineEnd = restOfLine(haystack, close ? after + 2 : after, close);
      if (lineEnd !== -1) return { start: index, lineEnd, close };
    }
    at = index + 1;
  }
}

/**
 * Offset after the line break that ends a delimiter line, or -1 when the line holds more than
 * transport padding (then it is a longer boundary that merely starts with ours). After a close
 * delimiter anything may follow on the line.
 */
function restOfLine(haystack: Buffer, from: number, close: boolean): number {
  let i = from;
  while (i < haystack.length) {
    const c = haystack[i] as number;
    if (c === LF) return i + 1;
    if (!close && c !== 0x20 && c !== 0x09 && c !== CR) return -1;
    i++;
  }
  return haystack.length;
}

/** A part ends before the CRLF or LF that precedes the next delimiter. */
function contentEnd(body: Uint8Array, partStart: number, delimiterStart: number): number {
  let end = delimiterStart;
  if (end > partStart && body[end - 1] === LF) end--;
  if (end > partStart && body[end - 1] === CR) end--;
  return end;
}
