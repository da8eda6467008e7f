/**
 * Content-Transfer-Encoding (RFC 2045 §6): base64 (§6.8) and quoted-printable (§6.7) decoded,
 * 7bit / 8bit / binary passed through. Lenient like mail readers: base64 with line breaks, stray
 * characters or missing padding; base64 glued together from several padded pieces; bare `=` and
 * lower-case hex in quoted-printable.
 */
import { Buffer } from 'node:buffer';

export interface DecodedBody {
  readonly bytes: Uint8Array;
  /** False for an encoding this decoder does not know (the bytes are then passed through). */
  readonly known: boolean;
}

const IDENTITY = new Set(['', '7bit', '8bit', 'binary', '7-bit', '8-bit']);

/** `encoding`: the lower-cased Content-Transfer-Encoding value. */
export function decodeTransferEncoding(body: Uint8Array, encoding: string): DecodedBody {
  if (encoding === 'base64') return { bytes: decodeBase64(body), known: true };
  if (encoding === 'quoted-printable') return { bytes: decodeQuotedPrintable(body), known: true };
  return { bytes: body, known: IDENTITY.has(encoding) };
}

/**
 * Encoded bytes handed to Buffer at a time, as a Latin-1 string of about this length: small
 * enough to be an ordinary young string, gone at the next scavenge (strings of a megabyte are
 * kept outside the heap, and tens of them piled up before a collection took them).
 */
const BASE64_CHUNK_BYTES = 1 << 16;

/**
 * Base64 to bytes through Buffer (which skips white space and characters outside the alphabet,
 * and stops at the first `=`). The body is decoded a chunk at a time, straight into one output
 * buffer, never as one string: a 250 MB attachment costs its decoded bytes and a megabyte, not
 * a 250 MB string and a copy. Text where padding is followed by more base64 (several encoded
 * pieces concatenated) is decoded piece by piece, in one pass over the bytes (never a Buffer per
 * piece: `QQ==QQ==…` would make millions of them).
 *
 * `chunkBytes`: for tests (chunk boundaries at every position); the output does not depend on it.
 */
export function decodeBase64(body: Uint8Array, chunkBytes = BASE64_CHUNK_BYTES): Uint8Array {
  const region = bufferRegion(body);
  if (region === undefined) return decodeBase64Pieces(body);
  // At most 3 bytes per 4 characters; white space and strays make the real length shorter.
  const out = Buffer.from(new ArrayBuffer(Math.floor((region.length * 3) / 4)));
  let o = 0;
  for (const [start, end] of wholeGroupChunks(region, chunkBytes)) o += out.write(region.toString('latin1', start, end), o, 'base64');
  return new Uint8Array(out.buffer, 0, o);
}

/**
 * The bytes decodeBase64 gives, a chunk at a time (about 48 KiB each, none empty): a body
 * streamed into a parser is never held decoded whole. Padding followed by more base64 (the
 * piece decoder's case) gives the whole in one chunk.
 */
export function* decodeBase64Chunks(body: Uint8Array, chunkBytes = BASE64_CHUNK_BYTES): Generator<Uint8Array, void, undefined> {
  const region = bufferRegion(body);
  if (region === undefined) {
    const whole = decodeBase64Pieces(body);
    if (whole.length > 0) yield whole;
    return;
  }
  for (const [start, end] of wholeGroupChunks(region, chunkBytes)) {
    const out = Buffer.from(new ArrayBuffer(Math.floor(((end - start) * 3) / 4)));
    const length = out.write(region.toString('latin1', start, end), 0, 'base64');
    if (length > 0) yield new Uint8Array(out.buffer, 0, length);
  }
}

/** The length of what decodeBase64 gives, counted without decoding. */
export function decodedBase64Length(body: Uint8Array): number {
  const region = bufferRegion(body);
  if (region !== undefined) return groupBytes(countAlphabet(region, 0, region.length));
  let length = 0;
  let count = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i] as number;
    if (b === EQUALS) {
      length += groupBytes(count);
      count = 0;
    } else {
      count += ALPHABET[b] as number;
    }
  }
  return length + groupBytes(count);
}

/** Bytes that `count` alphabet characters decode to (a last 2 or 3 give 1 or 2; a single one nothing). */
function groupBytes(count: number): number {
  const rest = count % 4;
  return ((count - rest) / 4) * 3 + (rest === 0 ? 0 : rest - 1);
}

/**
 * The stretch of `body` that Buffer decodes of the whole (it stops at the first `=`), or
 * undefined when padding is followed by more base64: pieces glued together, for decodeBase64Pieces.
 */
function bufferRegion(body: Uint8Array): Buffer | undefined {
  const text = Buffer.from(body.buffer, body.byteOffset, body.length);
  const firstPad = text.indexOf(EQUALS);
  if (firstPad === -1) return text;
  return hasStandardAlphabetFrom(body, firstPad + 1) ? undefined : text.subarray(0, firstPad);
}

const SEXTETS = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) SEXTETS['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
SEXTETS[0x2d] = 62; // `-` and `_`: the URL-safe alphabet, which Buffer accepts too
SEXTETS[0x5f] = 63;

/** 1 for a base64 character of either alphabet (what SEXTETS maps), else 0. */
const ALPHABET = Uint8Array.from(SEXTETS, (sextet) => (sextet === -1 ? 0 : 1));

/**
 * `[start, end)` chunks of `text` (no `=` in it) of about `chunkBytes`, each but the last holding
 * a multiple of 4 alphabet characters: each then decodes to whole 3-byte groups, exactly the
 * bytes Buffer gives for that stretch of the whole text (a group never spans two chunks).
 */
function* wholeGroupChunks(text: Uint8Array, chunkBytes: number): Generator<[number, number], void, undefined> {
  for (let start = 0; start < text.length; ) {
    let end = Math.min(text.length, start + Math.max(1, chunkBytes));
    let significant = countAlphabet(text, start, end);
    while (end < text.length && significant % 4 !== 0) significant += ALPHABET[text[end++] as number] as number;
    yield [start, end];
    start = end;
  }
}

/** Bytes of `text[start, end)` that Buffer decodes (either alphabet). */
function countAlphabet(text: Uint8Array, start: number, end: number): number {
  let count = 0;
  for (let i = start; i < end; i++) count += ALPHABET[text[i] as number] as number;
  return count;
}

/** Whether a character of the standard alphabet (`A-Za-z0-9+/`, not the URL-safe `-_`) comes at or after `from`. */
function hasStandardAlphabetFrom(body: Uint8Array, from: number): boolean {
  for (let i = from; i < body.length; i++) {
    const b = body[i] as number;
    if (ALPHABET[b] === 1 && b !== 0x2d && b !== 0x5f) return true;
  }
  return false;
}

/** Base64 where `=` ends a piece: each piece decoded as Buffer would (a last 2 or 3 characters give 1 or 2 bytes). */
function decodeBase64Pieces(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.floor((body.length * 3) / 4) + 3);
  let o = 0;
  let quantum = 0;
  let count = 0;
  const flush = (): void => {
    if (count === 2) out[o++] = (quantum >> 4) & 0xff;
    else if (count === 3) {
      out[o++] = (quantum >> 10) & 0xff;
      out[o++] = (quantum >> 2) & 0xff;
    }
    quantum = 0;
    count = 0;
  };
  for (let i = 0; i < body.length; i++) {
    const b = body[i] as number;
    if (b === EQUALS) {
      flush();
      continue;
    }
    const sextet = SEXTETS[b] as number;
    if (sextet === -1) continue;
    quantum = (quantum << 6) | sextet;
    if (++count === 4) {
      out[o++] = (quantum >> 16) & 0xff;
      out[o++] = (quantum >> 8) & 0xff;
      out[o++] = quantum & 0xff;
      quantum = 0;
      count = 0;
    }
  }
  flush();
  return out.subarray(0, o);
}

const EQUALS = 0x3d;
const CR = 0x0d;
const LF = 0x0a;

/** Quoted-printable to bytes: `=XX` escapes, `=` soft line breaks, trailing white space on lines dropped (§6.7 rule 3). */
export function decodeQuotedPrintable(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length);
  let o = 0;
  const length = body.length;
  for (let i = 0; i < length; i++) {
    const b = body[i] as number;
    if (b === EQUALS) {
      const high = hexValue(body[i + 1]);
      const low = hexValue(body[i + 2]);
      if (high !== -1 && low !== -1) {
        out[o++] = (high << 4) | low;
        i += 2;
        continue;
      }
      let j = i + 1;
      while (j < length && isBlank(body[j] as number)) j++;
      if (j === length) break; // `=` at the very end: a soft break before nothing
      if (body[j] === LF) {
        i = j;
        continue;
      }
      if (body[j] === CR && body[j + 1] === LF) {
        i = j + 1;
        continue;
      }
      out[o++] = b; // a bare `=`: kept as it is
      continue;
    }
    if (isBlank(b)) {
      let j = i;
      while (j < length && isBlank(body[j] as number)) j++;
      const trailing = j === length || body[j] === LF || (body[j] === CR && body[j + 1] === LF);
      if (!trailing) {
        out.set(body.subarray(i, j), o);
        o += j - i;
      }
      i = j - 1;
      continue;
    }
    out[o++] = b;
  }
  return out.subarray(0, o);
}

function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x09;
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  return -1;
}
