/**
 * Bytes to text for XML documents (XML 1.0 §4.3.3, App. F): a byte-order mark or the encoding
 * declaration picks the decoder; UTF-8 is the default and is decoded strictly, so invalid
 * bytes are refused (`invalid-utf8`, with the offset of the first bad byte) rather than
 * silently replaced. Declared single-byte encodings such as ISO-8859-1 are honoured (warning
 * `declared-encoding`).
 *
 * windows-1252 (and the labels WHATWG maps to it: iso-8859-1, latin1, us-ascii, cp1252 ...) is
 * decoded here, not by TextDecoder: Node 20's TextDecoder decodes it as ISO-8859-1, so 0x80-0x9F
 * came out as C1 controls instead of € “ ” and the rest. The five bytes windows-1252 leaves
 * undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) decode to the C1 control of the same value, as in
 * WHATWG, and the scanner then replaces them (warning `control-character`). Other single-byte
 * encodings (windows-1250, iso-8859-2, koi8-r ...) are decoded correctly by TextDecoder; in
 * ISO-8859-2 and the other ISO-8859 parts, 0x80-0x9F are the C1 controls by definition.
 *
 * Speed: most reports are pure ASCII. While every byte so far has been ASCII, chunks are checked
 * with node:buffer's native isAscii and decoded as Latin-1 (the same characters, much faster
 * than TextDecoder); the first non-ASCII chunk switches to the strict streaming decoder.
 */
import { Buffer, isAscii } from 'node:buffer';
import type { DiagnosticLog, Rejection } from '../../core/diagnostic.js';
import { rejection } from '../../core/diagnostic.js';

/** Bytes needed to see a BOM and an encoding declaration. */
const DECLARATION_WINDOW = 1024;

export class XmlDecoder {
  #decoder: InstanceType<typeof TextDecoder> | undefined;
  #label = 'utf-8';
  /** Chunks held until the declaration window is full. */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #bytesDecoded = 0;
  /** Every byte so far was ASCII, so the streaming decoder holds no partial character. */
  #asciiSoFar = true;
  readonly #log: DiagnosticLog;
  rejection: Rejection | undefined;

  constructor(log: DiagnosticLog) {
    this.#log = log;
  }

  /** Text of `chunk`, or '' while the declaration window is still filling. Undefined once rejected. */
  decode(chunk: Uint8Array): string | undefined {
    if (this.rejection) return undefined;
    if (!this.#decoder) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#pendingBytes < DECLARATION_WINDOW) return '';
      return this.#start(this.#takePending(), false);
    }
    return this.#run(chunk, true);
  }

  /** The rest of the text at the end of input. */
  end(): string | undefined {
    if (this.rejection) return undefined;
    if (!this.#decoder) return this.#start(this.#takePending(), true);
    return this.#run(new Uint8Array(0), false);
  }

  #takePending(): Uint8Array {
    const chunks = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (chunks.length === 1) return chunks[0] as Uint8Array;
    return Buffer.concat(chunks);
  }

  #start(head: Uint8Array, final: boolean): string | undefined {
    let offset = 0;
    if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
      this.#log.warn('bom', 'The report starts with a UTF-8 byte-order mark.');
      offset = 3;
    } else if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
      this.#label = head[0] === 0xff ? 'utf-16le' : 'utf-16be';
      this.#log.warn('bom', `The report is ${this.#label.toUpperCase()} with a byte-order mark.`);
      offset = 2;
    } else {
      const declared = readDeclaredEncoding(head);
      if (declared !== undefined && !/^utf-?8$/i.test(declared)) {
        let decoder: InstanceType<typeof TextDecoder>;
        try {
          decoder = new TextDecoder(declared);
        } catch {
          this.rejection = rejection('unsupported-encoding', `The XML declaration names the encoding "${declared}", which is not supported.`);
          return undefined;
        }
        if (decoder.encoding === 'utf-16le' || decoder.encoding === 'utf-16be') {
          // A UTF-16 document without a BOM cannot have an ASCII-readable declaration (XML 1.0 App. F).
          this.rejection = rejection('unsupported-encoding', `The XML declaration names "${declared}" but the bytes are not UTF-16.`);
          return undefined;
        }
        this.#label = decoder.encoding;
        this.#log.warn('declared-encoding', `The report declares encoding="${declared}"; decoded as ${decoder.encoding}.`);
      }
    }
    this.#decoder = new TextDecoder(this.#label, { fatal: true, ignoreBOM: true });
    return this.#run(offset === 0 ? head : head.subarray(offset), !final, offset);
  }

  #run(bytes: Uint8Array, stream: boolean, skipped = 0): string | undefined {
    if (this.#label === 'windows-1252') {
      this.#bytesDecoded += bytes.length + skipped;
      return decodeWindows1252(bytes);
    }
    if (this.#asciiSoFar && this.#label === 'utf-8' && isAscii(bytes)) {
      this.#bytesDecoded += bytes.length + skipped;
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
    }
    this.#asciiSoFar = false;
    const decoder = this.#decoder as InstanceType<typeof TextDecoder>;
    try {
      const text = decoder.decode(bytes, { stream });
      this.#bytesDecoded += bytes.length + skipped;
      return text;
    } catch {
      const at = this.#bytesDecoded + skipped + firstInvalidUtf8(bytes);
      this.rejection = rejection('invalid-utf8', `The report is not valid ${this.#label.toUpperCase()}: bad byte sequence at byte offset ${at}.`, `byte ${at}`);
      return undefined;
    }
  }
}

/** The `encoding` of an XML declaration at the start of `head`, read as ASCII. */
function readDeclaredEncoding(head: Uint8Array): string | undefined {
  let text = '';
  const limit = Math.min(head.length, 200);
  for (let i = 0; i < limit; i++) {
    const byte = head[i] as number;
    if (byte === 0x3e) break; // '>'
    text += String.fromCharCode(byte);
  }
  if (!/^\s*<\?xml\s/.test(text)) return undefined;
  const match = /\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(text);
  return match?.[1];
}

/** Index of the first byte that starts an invalid UTF-8 sequence (RFC 3629 §4); `bytes.length` if none. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    if (i + need >= bytes.length + 1) return i; // cut short at the end of input
    let value = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      value = (value << 6) | (c & 0x3f);
    }
    if (value < min || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}

/**
 * windows-1252 0x80-0x9F (WHATWG Encoding, index-windows-1252); the undefined 0x81, 0x8D, 0x8F,
 * 0x90 and 0x9D stay the C1 control of the same value. Every other byte is its Latin-1 character.
 */
const WINDOWS_1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
].map((code) => String.fromCharCode(code));

const C1_RANGE = /[\x80-\x9f]/g;

/** `bytes` as windows-1252: Latin-1 (native), then the 32 characters of 0x80-0x9F mapped (one pass, only when present). */
export function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  return latin1.replace(C1_RANGE, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80] as string);
}
