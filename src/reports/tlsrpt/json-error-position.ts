/**
 * Where JSON text first goes wrong (RFC 8259), for messages: JSON.parse says what is wrong, but
 * not always where (V8 omits the position for an unexpected token). Only run after JSON.parse
 * has failed, so speed does not matter; nesting is bounded so hostile input cannot overflow the stack.
 */

export interface TextPosition {
  /** UTF-16 offset from the start of the text. */
  readonly offset: number;
  /** From 1. */
  readonly line: number;
  /** From 1, in UTF-16 code units. */
  readonly column: number;
}

const MAX_DEPTH = 512;

/** Thrown inside the scanner to unwind to findJsonErrorPosition. */
class JsonStop extends Error {
  constructor(readonly offset: number) {
    super(`JSON stops at ${offset}`);
  }
}

/** The position of the first character that cannot continue valid JSON (the text length for a truncation), or undefined when the text is valid. */
export function findJsonErrorPosition(text: string): TextPosition | undefined {
  const scanner = new JsonScanner(text);
  try {
    scanner.skipSpace();
    scanner.value(0);
    scanner.skipSpace();
    if (scanner.pos < text.length) throw new JsonStop(scanner.pos);
    return undefined;
  } catch (caught) {
    if (!(caught instanceof JsonStop)) throw caught;
    return positionOf(text, caught.offset);
  }
}

function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { offset, line, column: offset - lineStart + 1 };
}

class JsonScanner {
  pos = 0;

  constructor(private readonly text: string) {}

  skipSpace(): void {
    const { text } = this;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.pos++;
    }
  }

  value(depth: number): void {
    if (depth > MAX_DEPTH) throw new JsonStop(this.pos);
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return;
      }
    }
    throw new JsonStop(this.pos);
  }

  object(depth: number): void {
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') throw new JsonStop(this.pos);
      this.string();
      this.skipSpace();
      this.expect(':');
      this.skipSpace();
      this.value(depth + 1);
      this.skipSpace();
      if (this.text[this.pos] === ',') {
        this.pos++;
        this.skipSpace();
        continue;
      }
      this.expect('}');
      return;
    }
  }

  array(depth: number): void {
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      this.value(depth + 1);
      this.skipSpace();
      if (this.text[this.pos] === ',') {
        this.pos++;
        this.skipSpace();
        continue;
      }
      this.expect(']');
      return;
    }
  }

  string(): void {
    const { text } = this;
    this.pos++;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === 0x22) {
        this.pos++;
        return;
      }
      if (c < 0x20) throw new JsonStop(this.pos);
      if (c === 0x5c) {
        const escape = text[this.pos + 1];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(this.pos + 2, this.pos + 6))) throw new JsonStop(this.pos);
          this.pos += 6;
          continue;
        }
        if (escape === undefined || !'"\\/bfnrt'.includes(escape)) throw new JsonStop(this.pos);
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
    throw new JsonStop(this.pos);
  }

  number(): void {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!match) throw new JsonStop(this.pos);
    this.pos += match[0].length;
  }

  expect(char: string): void {
    if (this.text[this.pos] !== char) throw new JsonStop(this.pos);
    this.pos++;
  }
}
