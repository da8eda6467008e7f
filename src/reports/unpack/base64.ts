/**
 * A whole input that is base64 text (RFC 4648 §4), e.g. a report attachment saved without its
 * MIME wrapper, possibly wrapped at 76 columns (RFC 2045 §6.8). Strict about the alphabet, so
 * ordinary text is not mistaken for base64; lenient about missing padding.
 */
import { Buffer } from 'node:buffer';

/** Base64 characters, white space between them, and up to two `=` of padding at the end. */
const BASE64_TEXT = /^[\sA-Za-z0-9+/]*(?:=\s*){0,2}$/;

/** The decoded bytes, or undefined when `bytes` is not base64 text (or decodes to nothing). */
export function decodeBase64Text(bytes: Uint8Array): Uint8Array | undefined {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  if (!BASE64_TEXT.test(text)) return undefined;
  const significant = countAlphabetBytes(bytes);
  if (significant === 0 || significant % 4 === 1) return undefined;
  const decoded = Buffer.from(text, 'base64');
  return decoded.length === 0 ? undefined : new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.length);
}

/** Bytes that are base64 characters, not white space or padding (the regex vouched for the rest). */
function countAlphabetBytes(bytes: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b > 0x20 && b !== 0x3d) count++;
  }
  return count;
}
