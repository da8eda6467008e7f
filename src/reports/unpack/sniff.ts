/**
 * What an input is, told from its first bytes, never from its name or declared media type:
 * reporters send zip files named `.gz`, gzip declared `application/octet-stream`, bare base64 text
 * and XML with byte-order marks.
 */
import { Buffer } from 'node:buffer';
import { looksLikeMbox } from '../mbox/split-mbox.js';

export type ContentKind = 'gzip' | 'zip' | 'xml' | 'json' | 'email' | 'mbox' | 'base64' | 'empty' | 'unknown';

/** Decoded base64 looked at to confirm that base64 text wraps a known kind. */
const BASE64_PROBE_CHARS = 1024;

/** Bytes looked at to decide what an input is: a file, a container member and an e-mail part alike. */
export const SNIFF_BYTES = 4096;

/** `head`: the first bytes of the input (up to SNIFF_BYTES; fewer when the input is shorter). */
export function sniffContent(head: Uint8Array): ContentKind {
  return sniffBytes(head, true);
}

/**
 * What a payload is, from its first SNIFF_BYTES bytes (`head`), as extraction decides it for a
 * file and for a part of an e-mail alike. `complete`: the head is the whole payload. Only white
 * space in a head that is not the whole payload is XML with padding (nothing else starts so),
 * not an empty input.
 */
export function sniffPayload(head: Uint8Array, complete: boolean): ContentKind {
  const kind = sniffContent(head);
  return kind === 'empty' && !complete ? 'xml' : kind;
}

function sniffBytes(head: Uint8Array, allowBase64: boolean): ContentKind {
  if (head.length === 0) return 'empty';
  const b0 = head[0];
  const b1 = head[1];
  if (b0 === 0x1f && b1 === 0x8b) return 'gzip'; // RFC 1952 §2.3.1 ID1 ID2
  if (b0 === 0x50 && b1 === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) return 'zip'; // local header, or EOCD of an empty archive
  const utf16 = sniffUtf16(head);
  if (utf16) return utf16;
  const start = b0 === 0xef && b1 === 0xbb && head[2] === 0xbf ? 3 : 0; // UTF-8 BOM
  let i = start;
  while (i < head.length && isSpace(head[i] as number)) i++;
  if (i === head.length) return 'empty';
  const first = head[i];
  if (first === 0x3c) return 'xml'; // '<'
  if (first === 0x7b) return 'json'; // '{'
  if (start === 0 && looksLikeMbox(head)) return 'mbox';
  if (looksLikeEmail(head, start)) return 'email';
  if (allowBase64 && looksLikeBase64(head)) return 'base64';
  return 'unknown';
}

/** XML or JSON in UTF-16, with a byte-order mark or (XML only) a `<` as the first code unit. */
function sniffUtf16(head: Uint8Array): ContentKind | undefined {
  let littleEndian: boolean;
  let i: number;
  if (head[0] === 0xff && head[1] === 0xfe) [littleEndian, i] = [true, 2];
  else if (head[0] === 0xfe && head[1] === 0xff) [littleEndian, i] = [false, 2];
  else if (head[0] === 0x3c && head[1] === 0x00) return 'xml';
  else if (head[0] === 0x00 && head[1] === 0x3c) return 'xml';
  else return undefined;
  for (; i + 1 < head.length; i += 2) {
    const unit = littleEndian ? (head[i] as number) | ((head[i + 1] as number) << 8) : ((head[i] as number) << 8) | (head[i + 1] as number);
    if (unit < 0x80 && isSpace(unit)) continue;
    if (unit === 0x3c) return 'xml';
    if (unit === 0x7b) return 'json';
    return 'unknown';
  }
  return 'empty';
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** RFC 5322 §2.2 header fields: `Name:` on the first line, and a header or a folded line next. */
function looksLikeEmail(head: Uint8Array, start: number): boolean {
  const firstEnd = head.indexOf(0x0a, start);
  if (firstEnd === -1 || !isHeaderLine(head, start)) return false;
  const second = firstEnd + 1;
  if (second >= head.length) return false;
  const next = head[second] as number;
  if (next === 0x20 || next === 0x09) return true; // folded continuation of the first field
  return isHeaderLine(head, second);
}

/** `[A-Za-z0-9-]+:` from `at`. */
function isHeaderLine(head: Uint8Array, at: number): boolean {
  let i = at;
  while (i < head.length && i - at < 100) {
    const c = head[i] as number;
    const nameChar = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d;
    if (!nameChar) break;
    i++;
  }
  return i > at && head[i] === 0x3a;
}

const BASE64_HEAD = /^[A-Za-z0-9+/\r\n\t ]*(?:=[=\r\n\t ]*)?$/;

/** Only base64 characters and white space, and the decoded start is itself a known kind. */
function looksLikeBase64(head: Uint8Array): boolean {
  const text = latin1(head);
  if (!BASE64_HEAD.test(text)) return false;
  let compact = text.replace(/[\r\n\t =]/g, '').slice(0, BASE64_PROBE_CHARS);
  compact = compact.slice(0, compact.length - (compact.length % 4));
  if (compact.length < 8) return false;
  const decoded = Buffer.from(compact, 'base64');
  const kind = sniffBytes(decoded, false);
  if (kind === 'xml' || kind === 'json') return startsLikeMarkup(decoded);
  return kind !== 'unknown' && kind !== 'empty';
}

/** After BOM and white space: `<` then a name start, `?` or `!`; or `{` then `"` or `}`. */
function startsLikeMarkup(decoded: Uint8Array): boolean {
  const text = latin1(decoded.subarray(0, 64)).replace(/^\xef\xbb\xbf/, '');
  return /^\s*(?:<[A-Za-z_?!]|\{\s*["}])/.test(text);
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}
