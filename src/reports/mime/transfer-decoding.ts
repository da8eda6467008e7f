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
 * Base64 to bytes through Buffer (which skips white space and characters outside the alphabet).
 * Buffer stops at the first `=`, so text where padding is followed by more base64 (several
 * encoded pieces concatenated) is decoded piece by piece, in one pass over the bytes (never a
 * Buffer per piece: `QQ==QQ==…` would make millions of them).
 */
export function decodeBase64(body: Uint8Array): Uint8Array {
  const text = Buffer.from(body.buffer, body.byteOffset, body.length).toString('latin1');
  const firstPad = text.indexOf('=');
  if (firstPad === -1 || !/[A-Za-z0-9+/]/.test(text.slice(firstPad))) return asBytes(Buffer.from(text, 'base64'));
  return decodeBase64Pieces(body);
}

const SEXTETS = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) SEXTETS['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
SEXTETS[0x2d] = 62; // `-` and `_`: the URL-safe alphabet, which Buffer accepts too
SEXTETS[0x5f] = 63;

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

function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}
