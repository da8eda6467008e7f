/**
 * A small, fast, streaming XML tokenizer for report documents. It checks well-formedness
 * (matching tags, one root, names, attributes, references, characters) and namespace
 * well-formedness (XML Namespaces 1.0: every prefix declared, names with at most one colon),
 * resolves every element to its namespace and local name, and refuses every DTD (`<!DOCTYPE`,
 * `<!ENTITY`): without a DTD no entity can be declared, so XXE and entity-expansion bombs cannot
 * happen (RFC 9990 §8.1). Only the five predefined entities and character references are decoded.
 *
 * Why not a general XML library: the measured fastest streaming parser here (saxes) managed
 * 50k-97k records/s; report documents need only elements, text and a few attributes, and this
 * scanner does that with `indexOf` over large string chunks. Memory is bounded by
 * `Limits.maxXmlTokenBytes` (the longest tag, text run, comment or CDATA section it will buffer).
 *
 * Linear time, whatever the input: every character is looked at a bounded number of times. A
 * token cut by the end of a chunk is kept as pieces, and the next chunk is searched only for the
 * end of that token (the quote state of a start tag and the last characters of a comment, PI or
 * CDATA section are carried over); the pieces are joined once, when the token is complete. No
 * regular expression here can backtrack over a run of the input (attributes are read by hand).
 * test/xml-linear-time.test.ts and bench/adversarial-xml.js check this on hostile shapes.
 *
 * Characters (XML 1.0 §2.2, §2.11): in the text handed to the handler, CR LF and a lone CR
 * become LF; a C0 control other than TAB, LF and CR (raw or as a character reference) makes the
 * document malformed; DEL and the C1 controls (legal XML, never meaningful in a report) become
 * U+FFFD with the warning `control-character`.
 */
import type { DiagnosticLog, Rejection } from '../../core/diagnostic.js';
import { rejection } from '../../core/diagnostic.js';
import type { Limits } from '../../core/limits.js';

export interface XmlAttribute {
  /** The qualified name as written. */
  readonly name: string;
  /** The value: line ends and white space normalised (XML 1.0 §3.3.3), references decoded. */
  readonly value: string;
}

export interface XmlHandler {
  /** True while the handler wants the text at the current position (inside a value it keeps). */
  readonly collecting: boolean;
  /**
   * A start tag. `local` is the local part of the name; `namespace` the URI its prefix (or, for
   * an unprefixed name, the default namespace) is bound to where it stands, '' for none; `name`
   * the qualified name as written.
   */
  open(local: string, namespace: string, name: string, attributes: readonly XmlAttribute[]): void;
  /** Character data inside an element, cleaned as described above; may arrive in several pieces. */
  text(value: string): void;
  /** The end of the innermost open element. */
  close(): void;
}

/** Where the scanner's warnings go (a DiagnosticLog, or something that forwards to one). */
export type WarningLog = Pick<DiagnosticLog, 'warn'>;

export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

const GT = 62; // >
const SLASH = 47; // /
const LESS_THAN = 60; // <
const BANG = 33; // !
const QUESTION = 63; // ?
const DOUBLE_QUOTE = 34;
const SINGLE_QUOTE = 39;

/** Kinds of token left unfinished at the end of a chunk. */
const NONE = 0;
const TEXT = 1;
const START_TAG = 2;
const END_TAG = 3;
const COMMENT = 4;
const PI = 5;
const CDATA = 6;
/** Fewer characters than needed to tell what the markup is (`<`, `<!-`, `<![CDA`). */
const SHORT = 7;

const KIND_NAMES = ['', 'text', 'tag', 'tag', 'comment', 'processing instruction', 'CDATA', 'markup'];

/** Characters that need more than a copy: references, CR, and every control character. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const SPECIAL = /[&\r\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\uFFFE\uFFFF]/;
/** Not a character of XML 1.0 (§2.2 Char). Surrogates cannot come out of the decoder. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NOT_XML_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
/** DEL and the C1 controls: XML characters, but never meaningful in a report value. */
const CONTROL = /[\x7F-\x9F]/;
const CONTROLS = /[\x7F-\x9F]/g;

const PREDEFINED: ReadonlyMap<string, string> = new Map([['lt', '<'], ['gt', '>'], ['amp', '&'], ['quot', '"'], ['apos', "'"]]);

/** Distinct element names remembered per document (report schemas have about 60). */
const MAX_INTERNED_NAMES = 512;

const NO_ATTRIBUTES: readonly XmlAttribute[] = Object.freeze([]);

/** An element name as written, split once (XML Namespaces §3 QName). */
interface ElementName {
  readonly qname: string;
  /** '' when unprefixed. */
  readonly prefix: string;
  readonly local: string;
  /** Not a QName: an empty prefix or local part, or more than one colon. */
  readonly invalid: boolean;
}

/** The namespace bindings of an element that declares some; inherited by everything inside it. */
interface Scope {
  /** Depth of the declaring element (the root is 1). */
  readonly depth: number;
  readonly defaultNamespace: string;
  readonly prefixes: ReadonlyMap<string, string> | undefined;
  readonly parent: Scope | undefined;
}

const DOCUMENT_SCOPE: Scope = { depth: 0, defaultNamespace: '', prefixes: new Map([['xml', XML_NAMESPACE]]), parent: undefined };

export class XmlScanner {
  readonly #handler: XmlHandler;
  readonly #log: WarningLog;
  readonly #maxToken: number;
  readonly #maxDepth: number;
  /** The string being scanned (a chunk, or a token completed across chunks), for error context. */
  #buffer = '';
  /** Characters of the document before `#buffer[0]`. */
  #base = 0;

  /** Characters written so far. */
  #total = 0;
  readonly #stack: ElementName[] = [];
  #scope: Scope = DOCUMENT_SCOPE;
  readonly #names = new Map<number, ElementName>();
  #rootSeen = false;
  #rootClosed = false;
  #stopped = false;
  #sawCr = false;

  // The token left unfinished by the last chunk.
  #pending = NONE;
  /** Its text so far (for a comment or PI: nothing; for CDATA: the content after `<![CDATA[`). */
  #pieces: string[] = [];
  /** Whether `#pieces` are kept (text that nobody collects is only counted). */
  #keep = false;
  #pendingLength = 0;
  /** Where it starts in the document. */
  #pendingStart = 0;
  /** For a start tag: the quote it is inside (0 when none). */
  #quote = 0;
  /** For a comment, PI or CDATA section: its last characters, to find a terminator cut in two. */
  #tail = '';

  rejection: Rejection | undefined;

  constructor(handler: XmlHandler, limits: Limits, log: WarningLog) {
    this.#handler = handler;
    this.#log = log;
    this.#maxToken = limits.maxXmlTokenBytes;
    this.#maxDepth = limits.maxXmlDepth;
  }

  /** Elements open now. */
  get depth(): number {
    return this.#stack.length;
  }

  /** Stop scanning: the handler has seen enough (or refused the document). */
  stop(): void {
    this.#stopped = true;
    this.#buffer = '';
    this.#pieces = [];
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
    const base = this.#total;
    this.#total += text.length;
    const pending = this.#pending;
    if (pending === NONE) return this.#scan(text, 0, base, false);
    if (pending === SHORT) {
      // At most a few characters: glue them onto this chunk and scan the whole.
      const start = this.#pendingStart;
      const joined = this.#takePieces('');
      return this.#scan(joined + text, 0, start, false);
    }
    const end = this.#continuePending(text);
    if (end === -1 || this.#stopped) return;
    this.#scan(text, end, base, false);
  }

  /** End of input. Open elements are left for the caller to judge (see `depth`). */
  end(): void {
    if (this.#stopped) return;
    const pending = this.#pending;
    if (pending === TEXT) {
      const start = this.#pendingStart;
      const keep = this.#keep;
      const raw = this.#takePieces('');
      if (keep) this.#textRunAt(raw, start);
    } else if (pending === SHORT) {
      const start = this.#pendingStart;
      this.#scan(this.#takePieces(''), 0, start, true);
    } else if (pending !== NONE) {
      const start = this.#pendingStart;
      const head = this.#pieces[0] ?? '';
      return this.#withBuffer(head, start, () => this.#fail('xml-malformed', `The document ends inside a ${KIND_NAMES[pending] ?? 'tag'} (truncated?).`, 0));
    }
    if (this.#stopped) return;
    if (!this.#rootSeen) this.#fail('xml-malformed', 'The document has no root element.');
  }

  /** Scan `buffer` from `from`; `base` is where `buffer` starts in the document. Keeps what is incomplete. */
  #scan(buffer: string, from: number, base: number, final: boolean): void {
    this.#buffer = buffer;
    this.#base = base;
    const length = buffer.length;
    const maxToken = this.#maxToken;
    let pos = from;
    while (pos < length && !this.#stopped) {
      const lt = buffer.indexOf('<', pos);
      if (lt === -1) break;
      if (lt > pos) {
        if (this.#handler.collecting || this.#stack.length === 0) {
          this.#textRun(buffer.slice(pos, lt), pos);
          if (this.#stopped) return;
        } else if (lt - pos > maxToken) return this.#tooLarge('text', pos);
        pos = lt;
      }
      const next = buffer.charCodeAt(lt + 1);
      let end: number;
      if (next === SLASH) {
        // Fast path: the close tag of the open element, compared in place.
        const expected = this.#stack[this.#stack.length - 1];
        if (expected !== undefined && buffer.startsWith(expected.qname, lt + 2) && buffer.charCodeAt(lt + 2 + expected.qname.length) === GT) {
          this.#popElement();
          pos = lt + 3 + expected.qname.length;
          continue;
        }
        end = buffer.indexOf('>', lt + 2);
        if (end === -1) break;
        if (end - lt > maxToken) return this.#tooLarge('tag', lt);
        this.#closeTag(buffer.slice(lt + 2, end).trimEnd(), lt);
        pos = end + 1;
      } else if (next === QUESTION) {
        end = buffer.indexOf('?>', lt + 2);
        if (end === -1) break;
        if (end - lt > maxToken) return this.#tooLarge('processing instruction', lt);
        pos = end + 2;
      } else if (next === BANG) {
        if (length - lt < 9 && !final) break;
        if (buffer.startsWith('<!--', lt)) {
          end = buffer.indexOf('-->', lt + 4);
          if (end === -1) break;
          if (end - lt > maxToken) return this.#tooLarge('comment', lt);
          pos = end + 3;
        } else if (buffer.startsWith('<![CDATA[', lt)) {
          end = buffer.indexOf(']]>', lt + 9);
          if (end === -1) break;
          if (end - lt > maxToken) return this.#tooLarge('CDATA', lt);
          this.#cdata(buffer.slice(lt + 9, end), lt);
          if (this.#stopped) return;
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
        if (i === lt + 1 || !isNameStart(next)) {
          return this.#fail('xml-malformed', `"<${truncate(buffer.slice(lt + 1, lt + 40))}" is not a valid start tag (an unescaped "<" in a value?).`, lt);
        }
        if (i - lt > maxToken) return this.#tooLarge('tag', lt);
        const after = buffer.charCodeAt(i);
        if (after === GT) {
          this.#openTag(this.#internName(buffer, lt + 1, i, hash), NO_ATTRIBUTES, false, lt);
          pos = i + 1;
        } else if (after === SLASH && buffer.charCodeAt(i + 1) === GT) {
          this.#openTag(this.#internName(buffer, lt + 1, i, hash), NO_ATTRIBUTES, true, lt);
          pos = i + 2;
        } else if (after === 32 || after === 9 || after === 10 || after === 13) {
          end = findTagEnd(buffer, i);
          if (end === -1) break;
          if (end - lt > maxToken) return this.#tooLarge('tag', lt);
          const name = this.#internName(buffer, lt + 1, i, hash);
          const selfClosing = buffer.charCodeAt(end - 1) === SLASH;
          const attributes = this.#attributes(buffer.slice(i, selfClosing ? end - 1 : end), name.qname, lt);
          if (attributes === undefined) return;
          this.#openTag(name, attributes, selfClosing, lt);
          pos = end + 1;
        } else if (after === SLASH && i + 1 >= length) {
          break;
        } else {
          return this.#fail('xml-malformed', `"<${truncate(buffer.slice(lt + 1, lt + 40))}" is not a valid start tag (an unescaped "<" in a value?).`, lt);
        }
      }
    }
    if (this.#stopped || pos >= length) return;
    if (final) {
      if (buffer.charCodeAt(pos) !== LESS_THAN) {
        if (this.#handler.collecting || this.#stack.length === 0) this.#textRun(buffer.slice(pos), pos);
        return;
      }
      return this.#fail('xml-malformed', 'The document ends inside a tag, comment or CDATA section (truncated?).', pos);
    }
    this.#beginPending(buffer, pos);
  }

  // Tokens cut by the end of a chunk ------------------------------------------

  /** Keep the unfinished token at `buffer[pos..]`, noting what is needed to find its end later. */
  #beginPending(buffer: string, pos: number): void {
    const rest = buffer.length - pos;
    this.#pendingStart = this.#base + pos;
    this.#pendingLength = rest;
    this.#pieces = [];
    this.#keep = true;
    if (buffer.charCodeAt(pos) !== LESS_THAN) {
      this.#pending = TEXT;
      this.#keep = this.#handler.collecting || this.#stack.length === 0;
      if (this.#keep) this.#pieces.push(buffer.slice(pos));
    } else {
      const next = buffer.charCodeAt(pos + 1);
      if (next === SLASH) {
        this.#pending = END_TAG;
        this.#pieces.push(buffer.slice(pos));
      } else if (next === QUESTION) {
        this.#pending = PI;
        this.#keep = false;
        this.#tail = buffer.slice(Math.max(pos + 2, buffer.length - 1));
      } else if (next === BANG && rest >= 9 && buffer.startsWith('<!--', pos)) {
        this.#pending = COMMENT;
        this.#keep = false;
        this.#tail = buffer.slice(Math.max(pos + 4, buffer.length - 2));
      } else if (next === BANG && rest >= 9 && buffer.startsWith('<![CDATA[', pos)) {
        this.#pending = CDATA;
        this.#pieces.push(buffer.slice(pos + 9));
        this.#tail = buffer.slice(Math.max(pos + 9, buffer.length - 2));
      } else if (next === BANG || Number.isNaN(next)) {
        this.#pending = SHORT;
        this.#pieces.push(buffer.slice(pos));
      } else {
        this.#pending = START_TAG;
        this.#pieces.push(buffer.slice(pos));
        // Carry the quote state over: the rest of the buffer holds no end for this tag.
        this.#quote = 0;
        this.#tagEnd(buffer, pos + 1);
      }
    }
    if (rest > this.#maxToken) this.#tooLarge(KIND_NAMES[this.#pending] ?? 'markup', pos);
  }

  /**
   * Look for the end of the pending token in `text`, the next chunk. Returns the index in `text`
   * just after the token, once the token has been handled; or -1 when `text` holds no end (all of
   * it then belongs to the token).
   */
  #continuePending(text: string): number {
    let end: number;
    switch (this.#pending) {
      case TEXT: {
        end = text.indexOf('<');
        if (end === -1) return this.#grow(text);
        const start = this.#pendingStart;
        const keep = this.#keep;
        if (!this.#fits(end)) return -1;
        const raw = this.#takePieces(text.slice(0, end));
        if (keep) this.#textRunAt(raw, start);
        return end;
      }
      case END_TAG:
        end = text.indexOf('>');
        if (end === -1) return this.#grow(text);
        return this.#finishTag(text, end + 1);
      case START_TAG:
        end = this.#tagEnd(text, 0);
        if (end === -1) return this.#grow(text);
        return this.#finishTag(text, end + 1);
      case COMMENT:
        end = this.#terminator(text, '-->');
        if (end === -1) return this.#grow(text);
        if (!this.#fits(end)) return -1;
        this.#takePieces('');
        return end;
      case PI:
        end = this.#terminator(text, '?>');
        if (end === -1) return this.#grow(text);
        if (!this.#fits(end)) return -1;
        this.#takePieces('');
        return end;
      case CDATA: {
        end = this.#terminator(text, ']]>');
        if (end === -1) return this.#grow(text);
        if (!this.#fits(end)) return -1;
        const start = this.#pendingStart;
        const content = this.#takePieces(text.slice(0, Math.max(0, end - 3)));
        // A terminator cut in two leaves its first characters at the end of the pieces.
        const cut = end < 3 ? 3 - end : 0;
        this.#withBuffer(content, start, () => this.#cdata(cut > 0 ? content.slice(0, content.length - cut) : content, 0));
        return this.#stopped ? -1 : end;
      }
      default:
        return -1;
    }
  }

  /** All of `text` belongs to the pending token. */
  #grow(text: string): number {
    this.#pendingLength += text.length;
    if (this.#keep) this.#pieces.push(text);
    const pending = this.#pending;
    if (pending === COMMENT || pending === PI || pending === CDATA) {
      const keepChars = pending === PI ? 1 : 2;
      this.#tail = text.length >= keepChars ? text.slice(text.length - keepChars) : (this.#tail + text).slice(-keepChars);
    }
    if (this.#pendingLength > this.#maxToken) {
      const start = this.#pendingStart;
      const head = this.#pieces[0] ?? '';
      this.#withBuffer(head, start, () => this.#tooLarge(KIND_NAMES[pending] ?? 'markup', 0));
    }
    return -1;
  }

  /** False (after refusing) when the pending token plus `more` characters is past the token limit. */
  #fits(more: number): boolean {
    if (this.#pendingLength + more <= this.#maxToken) return true;
    const start = this.#pendingStart;
    const pending = this.#pending;
    this.#withBuffer(this.#pieces[0] ?? '', start, () => this.#tooLarge(KIND_NAMES[pending] ?? 'markup', 0));
    return false;
  }

  /** A start or end tag completed by `text[0..end)`: scan the whole tag once. */
  #finishTag(text: string, end: number): number {
    if (!this.#fits(end)) return -1;
    const start = this.#pendingStart;
    const tag = this.#takePieces(text.slice(0, end));
    this.#scan(tag, 0, start, false);
    if (this.#pending !== NONE && !this.#stopped) {
      // Cannot happen: the tag is complete. Refuse rather than lose track of the document.
      this.#fail('xml-malformed', 'A tag could not be read.', 0);
    }
    return this.#stopped ? -1 : end;
  }

  /** The pieces of the pending token followed by `last`, joined; the token is no longer pending. */
  #takePieces(last: string): string {
    const pieces = this.#pieces;
    let joined: string;
    if (!this.#keep || pieces.length === 0) joined = last;
    else if (pieces.length === 1) joined = (pieces[0] as string) + last;
    else {
      pieces.push(last);
      joined = pieces.join('');
    }
    this.#pending = NONE;
    this.#pieces = [];
    this.#pendingLength = 0;
    this.#tail = '';
    return joined;
  }

  /** Index in `text` just after `terminator`, which may begin in the carried-over tail; -1 if absent. */
  #terminator(text: string, terminator: string): number {
    const tail = this.#tail;
    if (tail.length > 0) {
      const joined = tail + text.slice(0, terminator.length - 1);
      const k = joined.indexOf(terminator);
      if (k !== -1) return k + terminator.length - tail.length;
    }
    const k = text.indexOf(terminator);
    return k === -1 ? -1 : k + terminator.length;
  }

  /** Index of the `>` ending a start tag in `text` from `from`, skipping quoted values; `#quote` carries the state across chunks. */
  #tagEnd(text: string, from: number): number {
    let i = from;
    let quote = this.#quote;
    const length = text.length;
    while (i < length) {
      if (quote !== 0) {
        const close = text.indexOf(quote === DOUBLE_QUOTE ? '"' : "'", i);
        if (close === -1) break;
        i = close + 1;
        quote = 0;
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === GT) {
        this.#quote = 0;
        return i;
      }
      if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) quote = c;
      i++;
    }
    this.#quote = quote;
    return -1;
  }

  #withBuffer(buffer: string, base: number, action: () => void): void {
    this.#buffer = buffer;
    this.#base = base;
    action();
  }

  // Elements and namespaces ---------------------------------------------------

  /**
   * The element name at buffer[start, end): the same object each time a name recurs, so the hot
   * path allocates nothing per tag and later Map lookups hit a cached hash.
   */
  #internName(buffer: string, start: number, end: number, hash: number): ElementName {
    const known = this.#names.get(hash);
    if (known !== undefined && known.qname.length === end - start && buffer.startsWith(known.qname, start)) return known;
    // A copy, not a view: a long substring would keep the whole input chunk alive.
    const name = splitName((` ${buffer.slice(start, end)}`).slice(1));
    if (this.#names.size < MAX_INTERNED_NAMES && known === undefined) this.#names.set(hash, name);
    return name;
  }

  /** The attributes of a start tag, read in one pass; namespace declarations are checked. Undefined once refused. */
  #attributes(raw: string, element: string, at: number): readonly XmlAttribute[] | undefined {
    const parsed = readAttributes(raw);
    if (typeof parsed === 'string') {
      this.#fail('xml-malformed', `The start tag of <${truncate(element)}> is malformed: ${parsed}.`, at);
      return undefined;
    }
    if (parsed.length === 0) return NO_ATTRIBUTES;
    const seen = parsed.length > 1 ? new Set<string>() : undefined;
    const out: XmlAttribute[] = [];
    for (const { name, value } of parsed) {
      if (seen) {
        if (seen.has(name)) {
          this.#fail('xml-malformed', `The attribute ${truncate(name)} appears twice in the start tag of <${truncate(element)}>.`, at);
          return undefined;
        }
        seen.add(name);
      }
      const clean = this.#cleanText(value, at, true);
      if (clean === undefined) return undefined;
      out.push({ name, value: clean });
    }
    return out;
  }

  #openTag(name: ElementName, attributes: readonly XmlAttribute[], selfClosing: boolean, at: number): void {
    const depth = this.#stack.length;
    if (depth > 0 && depth < this.#maxDepth && attributes.length === 0 && name.prefix === '' && !name.invalid) {
      // The common case: an unprefixed element without attributes inside the root.
      this.#stack.push(name);
      this.#handler.open(name.local, this.#scope.defaultNamespace, name.qname, NO_ATTRIBUTES);
      if (selfClosing && !this.#stopped) this.#popElement();
      return;
    }
    if (depth === 0) {
      if (this.#rootClosed) return this.#fail('xml-malformed', `A second root element <${truncate(name.qname)}> after the first one closed.`, at);
      this.#rootSeen = true;
    }
    if (this.#stack.length >= this.#maxDepth) {
      return this.#fail('xml-limit-exceeded', `Elements nest more than ${this.#maxDepth} levels deep.`, at);
    }
    if (name.invalid) return this.#fail('xml-malformed', `<${truncate(name.qname)}> is not a valid element name with namespaces (at most one colon, with a name on each side).`, at);
    this.#stack.push(name);
    if (attributes.length > 0 && !this.#declare(attributes, at)) return;
    let namespace: string;
    if (name.prefix === '') namespace = this.#scope.defaultNamespace;
    else {
      const bound = this.#lookup(name.prefix);
      if (bound === undefined) {
        return this.#fail('xml-malformed', `The namespace prefix "${truncate(name.prefix)}" of <${truncate(name.qname)}> is not declared (XML Namespaces §5).`, at);
      }
      namespace = bound;
    }
    this.#handler.open(name.local, namespace, name.qname, attributes);
    if (selfClosing && !this.#stopped) this.#popElement();
  }

  /** Enter the scope of the namespace declarations among `attributes` of the element just pushed. */
  #declare(attributes: readonly XmlAttribute[], at: number): boolean {
    let defaultNamespace: string | undefined;
    let prefixes: Map<string, string> | undefined;
    for (const { name, value } of attributes) {
      if (name === 'xmlns') {
        if (value === XML_NAMESPACE || value === XMLNS_NAMESPACE) return this.#refuseDeclaration(name, value, at);
        defaultNamespace = value;
      } else if (name.startsWith('xmlns:')) {
        const prefix = name.slice(6);
        if (prefix === '' || prefix.includes(':') || prefix === 'xmlns' || value === '' || value === XMLNS_NAMESPACE) return this.#refuseDeclaration(name, value, at);
        if ((prefix === 'xml') !== (value === XML_NAMESPACE)) return this.#refuseDeclaration(name, value, at);
        (prefixes ??= new Map()).set(prefix, value);
      } else {
        const colon = name.indexOf(':');
        if (colon === 0 || colon === name.length - 1 || (colon !== -1 && name.indexOf(':', colon + 1) !== -1)) {
          this.#fail('xml-malformed', `The attribute name ${truncate(name)} is not valid with namespaces.`, at);
          return false;
        }
      }
    }
    if (defaultNamespace !== undefined || prefixes !== undefined) {
      const parent = this.#scope;
      this.#scope = { depth: this.#stack.length, defaultNamespace: defaultNamespace ?? parent.defaultNamespace, prefixes, parent };
    }
    // Prefixed attributes need their prefix declared too (declarations on the same tag count).
    for (const { name } of attributes) {
      const colon = name.indexOf(':');
      if (colon > 0 && !name.startsWith('xmlns:') && this.#lookup(name.slice(0, colon)) === undefined) {
        this.#fail('xml-malformed', `The namespace prefix of the attribute ${truncate(name)} is not declared (XML Namespaces §5).`, at);
        return false;
      }
    }
    return true;
  }

  #refuseDeclaration(name: string, value: string, at: number): boolean {
    this.#fail('xml-malformed', `The namespace declaration ${truncate(name)}="${truncate(value)}" is not allowed (XML Namespaces §3).`, at);
    return false;
  }

  /** The namespace bound to `prefix` where the scanner stands, or undefined. */
  #lookup(prefix: string): string | undefined {
    for (let scope: Scope | undefined = this.#scope; scope; scope = scope.parent) {
      const bound = scope.prefixes?.get(prefix);
      if (bound !== undefined) return bound;
    }
    return undefined;
  }

  #popElement(): void {
    if (this.#scope.depth === this.#stack.length) this.#scope = this.#scope.parent ?? DOCUMENT_SCOPE;
    this.#stack.pop();
    if (this.#stack.length === 0) this.#rootClosed = true;
    this.#handler.close();
  }

  #closeTag(name: string, at: number): void {
    const open = this.#stack[this.#stack.length - 1];
    if (open === undefined || open.qname !== name) {
      const expected = open === undefined ? 'no open element' : `</${truncate(open.qname)}>`;
      return this.#fail('xml-malformed', `Closing tag </${truncate(name)}> does not match ${expected}.`, at);
    }
    this.#popElement();
  }

  // Character data ------------------------------------------------------------

  /** A text run completed across chunks, starting at `start` in the document. */
  #textRunAt(raw: string, start: number): void {
    this.#withBuffer(raw, start, () => this.#textRun(raw, 0));
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
    // The callers look at `collecting` first (inside the root, text nobody collects never gets here).
    const text = mayNeedCleaning(raw) ? this.#cleanText(raw, at, false) : raw;
    if (text !== undefined) this.#handler.text(text);
  }

  #cdata(content: string, at: number): void {
    if (this.#stack.length === 0) return this.#fail('xml-malformed', 'Character data outside the root element.', at);
    if (!this.#handler.collecting) return;
    const text = this.#cleanCdata(content, at);
    if (text !== undefined) this.#handler.text(text);
  }

  /**
   * Text as the handler gets it: line ends normalised, references decoded (`attribute`: white
   * space normalised first, XML 1.0 §3.3.3), controls refused or replaced. Undefined once refused.
   */
  #cleanText(raw: string, at: number, attribute: boolean): string | undefined {
    if (!SPECIAL.test(raw)) return attribute ? raw.replace(/[\t\n]/g, ' ') : raw;
    if (!this.#checkCharacters(raw, at)) return undefined;
    let text = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
    if (attribute) text = text.replace(/[\t\n]/g, ' ');
    if (text.includes('&')) {
      const decoded = this.#decodeReferences(text, at);
      if (decoded === undefined) return undefined;
      text = decoded;
    }
    return this.#replaceControls(text);
  }

  #cleanCdata(raw: string, at: number): string | undefined {
    if (!SPECIAL.test(raw)) return raw;
    if (!this.#checkCharacters(raw, at)) return undefined;
    return this.#replaceControls(raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw);
  }

  #checkCharacters(raw: string, at: number): boolean {
    const bad = NOT_XML_CHAR.exec(raw);
    if (bad === null) return true;
    this.#fail('xml-malformed', `The character ${codePoint(bad[0].charCodeAt(0))} is not allowed in XML (XML 1.0 §2.2).`, at);
    return false;
  }

  #replaceControls(text: string): string {
    if (!CONTROL.test(text)) return text;
    this.#log.warn('control-character', 'A value held control characters (DEL or C1, U+007F-U+009F); each was replaced by U+FFFD.');
    return text.replace(CONTROLS, '\uFFFD');
  }

  /**
   * `raw` with its references decoded (XML 1.0 §4.1, §4.6), read by hand in one pass: `&` that
   * starts no reference is kept as text (warning `xml-bare-ampersand`); an undefined entity or a
   * reference to a character XML does not allow refuses the document. Undefined once refused.
   */
  #decodeReferences(raw: string, at: number): string | undefined {
    const length = raw.length;
    const parts: string[] = [];
    let last = 0;
    let bare = false;
    let amp = raw.indexOf('&');
    while (amp !== -1) {
      const first = raw.charCodeAt(amp + 1);
      let value: string | undefined;
      let end = -1;
      if (first === 35) {
        // &#DDD; or &#xHHH;
        const hex = raw.charCodeAt(amp + 2) === 120;
        const digitsStart = amp + (hex ? 3 : 2);
        let j = digitsStart;
        while (j < length && (hex ? isHexDigit(raw.charCodeAt(j)) : isDigit(raw.charCodeAt(j)))) j++;
        if (j > digitsStart && raw.charCodeAt(j) === 59) {
          const code = j - digitsStart > 8 ? -1 : Number.parseInt(raw.slice(digitsStart, j), hex ? 16 : 10);
          if (!isXmlChar(code)) {
            this.#fail('xml-malformed', `Character reference ${truncate(raw.slice(amp, j + 1))} is not a character XML allows (XML 1.0 §4.1).`, at);
            return undefined;
          }
          value = String.fromCodePoint(code);
          end = j + 1;
        }
      } else if ((first >= 97 && first <= 122) || (first >= 65 && first <= 90) || first === 95) {
        // &name;
        let j = amp + 2;
        while (j < length && isReferenceNameChar(raw.charCodeAt(j))) j++;
        if (raw.charCodeAt(j) === 59) {
          const name = raw.slice(amp + 1, j);
          value = PREDEFINED.get(name);
          if (value === undefined) {
            this.#fail('xml-malformed', `Undefined entity &${truncate(name)};: only the five predefined entities are allowed without a DTD.`, at);
            return undefined;
          }
          end = j + 1;
        }
      }
      if (value === undefined) {
        bare = true;
        amp = raw.indexOf('&', amp + 1);
        continue;
      }
      if (amp > last) parts.push(raw.slice(last, amp));
      parts.push(value);
      last = end;
      amp = raw.indexOf('&', end);
    }
    if (bare) this.#log.warn('xml-bare-ampersand', 'A bare "&" (not an entity reference) was kept as text.');
    if (parts.length === 0) return raw;
    if (last < length) parts.push(raw.slice(last));
    return parts.join('');
  }

  #tooLarge(what: string, at: number): void {
    this.#fail('xml-limit-exceeded', `A single ${what} token is longer than ${this.#maxToken} characters.`, at);
  }

  /** Refuse the document; `at` is an index into the string being scanned. */
  #fail(code: string, message: string, at?: number): void {
    if (this.rejection) return;
    const location = at === undefined ? undefined : `character ${this.#base + at}`;
    const near = at === undefined ? '' : ` Near: ${JSON.stringify(truncate(this.#buffer.slice(at, at + 40)))}`;
    this.rejection = rejection(code, `${message}${near}`, location);
    this.stop();
  }
}

/**
 * False when `raw` is printable ASCII without `&`, as nearly every value is: then it needs no
 * cleaning. (A loop: on the short strings of report values it costs less than a regular
 * expression, and this runs once per value.) True also for TAB, LF and non-ASCII, which the
 * precise checks of #cleanText then pass.
 */
function mayNeedCleaning(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 32 || c === 38 || c >= 127) return true;
  }
  return false;
}

function splitName(qname: string): ElementName {
  const colon = qname.indexOf(':');
  if (colon === -1) return { qname, prefix: '', local: qname, invalid: false };
  const invalid = colon === 0 || colon === qname.length - 1 || qname.indexOf(':', colon + 1) !== -1;
  return { qname, prefix: qname.slice(0, colon), local: qname.slice(colon + 1), invalid };
}

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
    if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
      const close = buffer.indexOf(c === DOUBLE_QUOTE ? '"' : "'", i + 1);
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

/**
 * The attributes in the text of a start tag between the name and `>` or `/>` (XML 1.0 §3.1:
 * `(S Name Eq AttValue)* S?`), as written; or why it is malformed. One pass, no backtracking:
 * a run of name characters without `=` is refused when its end is reached.
 */
export function readAttributes(raw: string): { name: string; value: string }[] | string {
  const out: { name: string; value: string }[] = [];
  const length = raw.length;
  let i = 0;
  for (;;) {
    const spaceStart = i;
    while (i < length && isSpace(raw.charCodeAt(i))) i++;
    if (i >= length) return out;
    if (i === spaceStart) return `attributes must be separated by white space (at "${truncate(raw.slice(i, i + 20))}")`;
    const nameStart = i;
    if (!isNameStart(raw.charCodeAt(i))) return `"${truncate(raw.slice(i, i + 20))}" is not an attribute`;
    i++;
    while (i < length && isNameChar(raw.charCodeAt(i))) i++;
    const name = raw.slice(nameStart, i);
    while (i < length && isSpace(raw.charCodeAt(i))) i++;
    if (raw.charCodeAt(i) !== 61) return `the attribute ${truncate(name)} has no "=" and value`;
    i++;
    while (i < length && isSpace(raw.charCodeAt(i))) i++;
    const quote = raw.charCodeAt(i);
    if (quote !== DOUBLE_QUOTE && quote !== SINGLE_QUOTE) return `the value of the attribute ${truncate(name)} is not quoted`;
    const close = raw.indexOf(quote === DOUBLE_QUOTE ? '"' : "'", i + 1);
    if (close === -1) return `the value of the attribute ${truncate(name)} is not closed`;
    const value = raw.slice(i + 1, close);
    if (value.includes('<')) return `a "<" in the value of the attribute ${truncate(name)}`;
    out.push({ name, value });
    i = close + 1;
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** XML 1.0 §2.3 NameStartChar, simplified: ASCII letters, '_', ':' and any non-ASCII character. */
function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || c >= 0x80;
}

/** XML 1.0 §2.3 NameChar, simplified likewise. */
function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 58) || c === 95 || c === 45 || c === 46 || c >= 0x80;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Characters of an entity name after the first (ASCII only: no other entity can be defined anyway). */
function isReferenceNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46;
}

/** XML 1.0 §2.2 Char. */
function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

function codePoint(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
