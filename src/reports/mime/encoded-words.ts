/**
 * RFC 2047 encoded-words in header text: `=?charset?B?base64?=` and `=?charset?Q?quoted_text?=`,
 * in any charset TextDecoder knows (plus an RFC 2231 §5 `*language` suffix). White space between
 * two adjacent encoded-words is dropped (§6.2). Adjacent words in the same charset are decoded
 * together, because encoders split multi-byte characters across words. A word that is malformed
 * or names an unknown charset is left as it is.
 */
import { Buffer } from 'node:buffer';

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;
const BASE64_TEXT = /^[A-Za-z0-9+/]*={0,2}$/;

interface Word {
  readonly start: number;
  readonly end: number;
  readonly charset: string;
  readonly bytes: Uint8Array;
}

export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  const words: (Word | undefined)[] = [];
  for (const match of value.matchAll(ENCODED_WORD)) {
    const start = match.index;
    const charset = (match[1] as string).replace(/\*.*$/, '').toLowerCase();
    const bytes = decodeWordText((match[2] as string).toUpperCase(), match[3] as string);
    words.push(bytes && knownCharset(charset) ? { start, end: start + match[0].length, charset, bytes } : undefined);
  }
  let out = '';
  let position = 0;
  let run: Word[] = [];
  const flush = (): void => {
    const first = run[0];
    if (!first) return;
    out += decoderFor(first.charset).decode(Buffer.concat(run.map((word) => word.bytes)));
    run = [];
  };
  for (const word of words) {
    if (!word) continue; // malformed words stay in the text between decoded ones
    const gap = value.slice(position, word.start);
    const previous = run[run.length - 1];
    const adjacent = previous !== undefined && /^[ \t\r\n]*$/.test(gap);
    if (adjacent && previous.charset === word.charset) {
      run.push(word);
    } else {
      flush();
      if (!adjacent) out += gap;
      run.push(word);
    }
    position = word.end;
  }
  flush();
  return out + value.slice(position);
}

/** The bytes of one word's encoded text, or undefined when it is not valid B or Q text. */
function decodeWordText(encoding: string, text: string): Uint8Array | undefined {
  if (encoding === 'B') {
    if (!BASE64_TEXT.test(text)) return undefined;
    return Buffer.from(text, 'base64');
  }
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '_') bytes.push(0x20);
    else if (c === '=') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(text.charCodeAt(i) & 0xff);
  }
  return Uint8Array.from(bytes);
}

const known = new Map<string, boolean>();
type Decoder = InstanceType<typeof TextDecoder>;
const decoders = new Map<string, Decoder>();

/** One decoder per charset (a value of many short words in turn would otherwise make one per word). */
function decoderFor(charset: string): Decoder {
  let decoder = decoders.get(charset);
  if (!decoder) {
    decoder = new TextDecoder(charset);
    if (decoders.size < 64) decoders.set(charset, decoder);
  }
  return decoder;
}

function knownCharset(charset: string): boolean {
  let ok = known.get(charset);
  if (ok === undefined) {
    try {
      new TextDecoder(charset);
      ok = true;
    } catch {
      ok = false;
    }
    if (known.size < 256) known.set(charset, ok);
  }
  return ok;
}
