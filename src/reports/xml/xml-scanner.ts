/**
 * A small, fast, streaming XML tokenizer for report documents. It checks well-formedness
 * (matching tags, one root, names, references) and refuses every DTD (`<!DOCTYPE`, `<!ENTITY`):
 * without a DTD no entity can be declared, so XXE and entity-expansion bombs cannot happen
 * (RFC 9990 §8.1). Only the five predefined entities and character references are decoded.
 *
 * Why not a general XML library: the measured fastest streaming parser here (saxes) managed
 * 50k-97k records/s; report documents need only elements, text and a few attributes, and this
 * scanner does that with `indexOf` over large string chunks. Memory is bounded by
 * `Limits.maxXmlTokenBytes` (the longest tag, text run or comment it will buffer).
 */
import type { DiagnosticLog, Rejection } from '../../core/diagnostic.js';
import { rejection } from '../../core/diagnostic.js';
import type { Limits } from '../../core/limits.js';

export interface XmlHandler {
  /** True while the handler wants the text at the current position (inside a value it keeps). */
  readonly collecting: boolean;
  /** A start tag. `name` is the qualified name as written; `attributes` the raw attribute text. */
  open(name: string, attributes: string): void;
  /** Character data inside an element, entities decoded; may arrive in several pieces. */
  text(value: string): void;
  close(name: string): void;
}

const GT = 62; // >
const SLASH = 47; // /
const LESS_THAN = 60; // <
const BANG = 33; // !
const QUESTION = 63; // ?

const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6})|([A-Za-z_][A-Za-z0-9._-]*));/g;

export class XmlScanner {
  readonly #handler: XmlHandler;
  readonly #log: DiagnosticLog;
  readonly #maxToken: number;
  readonly #maxDepth: number;
  #buffer = '';
  /** Characters consumed before `#buffer[0]`, for error locations. */
  #offset = 0;
  readonly #stack: string[] = [];
  readonly #names = new Map<number, string>();
  #rootSeen = false;
  #rootClosed = false;
  #stopped = false;
  #sawCr = false;
  rejection: Rejection | undefined;

  constructor(handler: XmlHandler, limits: Limits, log: DiagnosticLog) {
    this.#handler = handler;
    this.#log = log;
    this.#maxToken = limits.maxXmlTokenBytes;
    this.#maxDepth = limits.maxXmlDepth;
  }

  /** Open elements, outermost first. */
  get openElements(): readonly string[] {
    return this.#stack;
  }

  /** Stop scanning: the handler has seen enough (or refused the document). */
  stop(): void {
    this.#stopped = true;
    this.#buffer = '';
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  write(text: string): void {
    if (this.#stopped || text.length === 0) return;
    if (!this.#sawCr && text.includes('\r')) {
      this.#sawCr = true;
      this.#log.warn('crlf-line-endings', 'The report uses CR LF line endings.');
    }
    const pending = this.#buffer;
    if (pending.length === 0) {
      this.#buffer = text;
      return this.#scan(false, 0);
    }
    // Finish the token left over from the last chunk with the start of this one, then scan this
    // chunk in place. Gluing the whole chunk onto the leftover would make every later character
    // access go through a concatenated string, which made scanning about twice as slow.
    const start = this.#offset;
    if (pending.charCodeAt(0) !== LESS_THAN) {
      // A text run: it ends at the first '<' of this chunk.
      const lt = text.indexOf('<');
      if (lt === -1) return this.#append(text);
      if (this.#handler.collecting || this.#stack.length === 0) this.#textRun(pending + text.slice(0, lt), 0);
      if (this.#stopped) return;
      this.#buffer = text;
      this.#offset = start + pending.length;
      return this.#scan(false, lt);
    }
    // Markup: most likely it ends at the first '>' of this chunk (not so for a '>' inside a
    // comment, CDATA or quoted attribute: then the general path below takes over).
    const gt = text.indexOf('>');
    if (gt === -1) return this.#append(text);
    this.#buffer = pending + text.slice(0, gt + 1);
    this.#scan(false, 0);
    if (this.#stopped) return;
    const rest = this.#buffer;
    if (rest.length === 0) {
      this.#buffer = text;
      this.#offset = start + pending.length;
      return this.#scan(false, gt + 1);
    }
    this.#buffer = rest;
    this.#append(text.slice(gt + 1));
  }

  /** The general path: append `text` to what is pending and scan the whole. */
  #append(text: string): void {
    this.#buffer += text;
    this.#scan(false, 0);
  }

  /** End of input. Open elements are left for the caller to judge (see `openElements`). */
  end(): void {
    if (this.#stopped) return;
    this.#scan(true, 0);
    if (this.#stopped) return;
    if (!this.#rootSeen) this.#fail('xml-malformed', 'The document has no root element.');
  }

  /** Scan `#buffer` from `from` (everything before it is consumed); keep what is incomplete. */
  #scan(final: boolean, from = 0): void {
    const buffer = this.#buffer;
    const length = buffer.length;
    let pos = from;
    while (pos < length && !this.#stopped) {
      const lt = buffer.indexOf('<', pos);
      if (lt === -1) {
        if (final) this.#textRun(buffer.slice(pos), pos);
        else if (length - pos > this.#maxToken) this.#tooLarge('text', pos);
        else break;
        pos = length;
        break;
      }
      if (lt > pos) {
        if (this.#handler.collecting || this.#stack.length === 0) {
          this.#textRun(buffer.slice(pos, lt), pos);
          if (this.#stopped) return;
        }
        pos = lt;
      }
      const next = buffer.charCodeAt(lt + 1);
      let end: number;
      if (next === SLASH) {
        // Fast path: the close tag of the open element, compared in place.
        const expected = this.#stack[this.#stack.length - 1];
        if (expected !== undefined && buffer.startsWith(expected, lt + 2) && buffer.charCodeAt(lt + 2 + expected.length) === GT) {
          this.#stack.pop();
          if (this.#stack.length === 0) this.#rootClosed = true;
          this.#handler.close(expected);
          pos = lt + 3 + expected.length;
          continue;
        }
        end = buffer.indexOf('>', lt + 2);
        if (end === -1) break;
        this.#closeTag(buffer.slice(lt + 2, end).trimEnd(), lt);
        pos = end + 1;
      } else if (next === QUESTION) {
        end = buffer.indexOf('?>', lt + 2);
        if (end === -1) break;
        pos = end + 2;
      } else if (next === BANG) {
        if (length - lt < 9 && !final) break;
        if (buffer.startsWith('<!--', lt)) {
          end = buffer.indexOf('-->', lt + 4);
          if (end === -1) break;
          pos = end + 3;
        } else if (buffer.startsWith('<![CDATA[', lt)) {
          end = buffer.indexOf(']]>', lt + 9);
          if (end === -1) break;
          if (this.#stack.length === 0) return this.#fail('xml-malformed', 'Character data outside the root element.', lt);
          this.#handler.text(buffer.slice(lt + 9, end));
          pos = end + 3;
        } else if (/^<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST)/i.test(buffer.slice(lt, lt + 10))) {
          return this.#fail('xml-dtd-forbidden', 'The document contains a DTD or entity declaration; these are refused so that no entity can be expanded (XXE, "billion laughs").', lt);
        } else {
          return this.#fail('xml-malformed', 'Unexpected markup after "<!".', lt);
        }
      } else if (Number.isNaN(next)) {
        break;
      } else {
        // Start tag: the name, then '>', '/>' or attributes.
        let i = lt + 1;
        let hash = 0;
        for (let c = buffer.charCodeAt(i); i < length && isNameChar(c); c = buffer.charCodeAt(++i)) hash = (hash * 31 + c) | 0;
        if (i >= length) break;
        const after = buffer.charCodeAt(i);
        const name = this.#internName(buffer, lt + 1, i, hash);
        if (i === lt + 1 || !isNameStart(next)) {
          return this.#fail('xml-malformed', `"<${truncate(buffer.slice(lt + 1, lt + 40))}" is not a valid start tag (an unescaped "<" in a value?).`, lt);
        }
        if (after === GT) {
          this.#openTag(name, '', false, lt);
          pos = i + 1;
        } else if (after === SLASH && buffer.charCodeAt(i + 1) === GT) {
          this.#openTag(name, '', true, lt);
          pos = i + 2;
        } else if (after === 32 || after === 9 || after === 10 || after === 13) {
          end = findTagEnd(buffer, i);
          if (end === -1) break;
          const selfClosing = buffer.charCodeAt(end - 1) === SLASH;
          const attributes = buffer.slice(i, selfClosing ? end - 1 : end);
          if (attributes.includes('<')) return this.#fail('xml-malformed', `A "<" inside the start tag of <${name}>.`, lt);
          this.#openTag(name, attributes, selfClosing, lt);
          pos = end + 1;
        } else if (after === SLASH && i + 1 >= length) {
          break;
        } else {
          return this.#fail('xml-malformed', `"<${truncate(buffer.slice(lt + 1, lt + 40))}" is not a valid start tag (an unescaped "<" in a value?).`, lt);
        }
      }
    }
    if (this.#stopped) return;
    if (final && pos < length) {
      return this.#fail('xml-malformed', 'The document ends inside a tag, comment or CDATA section (truncated?).', pos);
    }
    if (length - pos > this.#maxToken) return this.#tooLarge('markup', pos);
    this.#offset += pos;
    this.#buffer = pos === 0 ? buffer : buffer.slice(pos);
  }

  /**
   * The element name at buffer[start, end): the same string object each time a name recurs, so
   * the hot path allocates nothing per tag and later Map lookups hit a cached hash.
   */
  #internName(buffer: string, start: number, end: number, hash: number): string {
    const known = this.#names.get(hash);
    if (known !== undefined && known.length === end - start && buffer.startsWith(known, start)) return known;
    const name = buffer.slice(start, end);
    // A copy, not a view: a long substring would keep the whole input chunk alive.
    if (this.#names.size < MAX_INTERNED_NAMES) this.#names.set(hash, (` ${name}`).slice(1));
    return name;
  }

  #openTag(name: string, attributes: string, selfClosing: boolean, at: number): void {
    if (this.#stack.length === 0) {
      if (this.#rootClosed) return this.#fail('xml-malformed', `A second root element <${name}> after the first one closed.`, at);
      this.#rootSeen = true;
    }
    if (this.#stack.length >= this.#maxDepth) {
      return this.#fail('xml-limit-exceeded', `Elements nest more than ${this.#maxDepth} levels deep.`, at);
    }
    this.#stack.push(name);
    this.#handler.open(name, attributes);
    if (selfClosing && !this.#stopped) this.#closeTag(name, at);
  }

  #closeTag(name: string, at: number): void {
    const open = this.#stack.pop();
    if (open !== name) {
      const expected = open === undefined ? 'no open element' : `</${open}>`;
      return this.#fail('xml-malformed', `Closing tag </${truncate(name)}> does not match ${expected}.`, at);
    }
    if (this.#stack.length === 0) this.#rootClosed = true;
    this.#handler.close(name);
  }

  #textRun(raw: string, at: number): void {
    if (raw.length > this.#maxToken) return this.#tooLarge('text', at);
    if (this.#stack.length === 0) {
      if (/\S/.test(raw)) {
        if (this.#rootClosed) this.#log.warn('xml-trailing-content', 'Text after the end of the root element was ignored.');
        else return this.#fail('xml-malformed', 'Text before the root element.', at);
      }
      return;
    }
    this.#handler.text(raw.includes('&') ? this.#decodeReferences(raw, at) : raw);
  }

  #decodeReferences(raw: string, at: number): string {
    let failed = false;
    const decoded = raw.replace(REFERENCE, (match: string, named?: string, decimal?: string, hex?: string, other?: string) => {
      if (named) return PREDEFINED[named] ?? match;
      if (decimal || hex) {
        const code = Number.parseInt((decimal ?? hex) as string, decimal ? 10 : 16);
        if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
          failed = true;
          this.#fail('xml-malformed', `Character reference ${match} is not a valid character.`, at);
          return match;
        }
        return String.fromCodePoint(code);
      }
      failed = true;
      this.#fail('xml-malformed', `Undefined entity &${other};: only the five predefined entities are allowed without a DTD.`, at);
      return match;
    });
    if (!failed && /&(?!(?:lt|gt|amp|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)/.test(raw)) {
      this.#log.warn('xml-bare-ampersand', 'A bare "&" (not an entity reference) was kept as text.');
    }
    return decoded;
  }

  #tooLarge(what: string, at: number): void {
    this.#fail('xml-limit-exceeded', `A single ${what} token is longer than ${this.#maxToken} characters.`, at);
  }

  #fail(code: string, message: string, at?: number): void {
    if (this.rejection) return;
    const location = at === undefined ? undefined : `character ${this.#offset + at}`;
    const near = at === undefined ? '' : ` Near: ${JSON.stringify(truncate(this.#buffer.slice(at, at + 40)))}`;
    this.rejection = rejection(code, `${message}${near}`, location);
    this.stop();
  }
}

/** Distinct element names remembered per document (report schemas have about 60). */
const MAX_INTERNED_NAMES = 512;

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Index of the `>` that ends the tag starting before `from`, skipping quoted attribute values; -1 if not yet seen. */
function findTagEnd(buffer: string, from: number): number {
  const end = buffer.indexOf('>', from);
  if (end === -1) return -1;
  // Fast path: no quotes before the first '>'.
  const quote = buffer.slice(from, end).search(/["']/);
  if (quote === -1) return end;
  let i = from + quote;
  while (i < buffer.length) {
    const c = buffer.charCodeAt(i);
    if (c === 34 || c === 39) {
      const close = buffer.indexOf(c === 34 ? '"' : "'", i + 1);
      if (close === -1) return -1;
      i = close + 1;
    } else if (c === GT) {
      return i;
    } else {
      i++;
    }
  }
  return -1;
}

/** XML 1.0 §2.3 NameStartChar, simplified: ASCII letters, '_', ':' and any non-ASCII character. */
function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || c >= 0x80;
}

/** XML 1.0 §2.3 NameChar, simplified likewise. */
function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 58) || c === 95 || c === 45 || c === 46 || c >= 0x80;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Attributes of a start tag as name → value (values entity-decoded). For the few places that need them. */
export function parseAttributes(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  const pattern = /([A-Za-z_][A-Za-z0-9._:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  for (let match = pattern.exec(raw); match; match = pattern.exec(raw)) {
    const value = (match[2] ?? match[3] ?? '').replace(/&(lt|gt|amp|quot|apos);/g, (_m: string, n: string) => PREDEFINED[n] ?? _m);
    out.set(match[1] as string, value);
  }
  return out;
}
