/**
 * The tag=value list shared by DNS TXT records of the mail-authentication family: DKIM keys
 * (RFC 6376 §3.2), DMARC (RFC 7489 §6.4, RFC 9989 §4.8), BIMI, TLS-RPT (RFC 8460 §3) and MTA-STS
 * (RFC 8461 §3.1). Each of those grammars is a stricter reading of the same shape, so this
 * tokenizer accepts the shape leniently, keeps every character offset, and reports what it had to
 * forgive as issues with a kind; each record parser maps the kinds to its own codes and severities.
 *
 * Offsets are 0-based indices into the joined record text (JavaScript string indices; records are
 * ASCII in practice). `describeOffset` turns one into the text used in diagnostics.
 */

/** One `name=value` entry of a tag list, as written. */
export interface TagToken {
  /** The tag name exactly as written (case kept: DKIM names are case-sensitive, DMARC's are not). */
  readonly name: string;
  /** The value with the whitespace around it removed ("" for `p=`). */
  readonly value: string;
  /** Offset of the first character of the name. */
  readonly start: number;
  /** Offset of the first character of the value (just after `=` and its whitespace when empty). */
  readonly valueStart: number;
  /** Offset just after the value. */
  readonly end: number;
  /** Position among the tags (0 for the first). */
  readonly index: number;
}

export type TagListIssueKind =
  /** Whitespace before the first tag: strict grammars (DMARC, TLS-RPT, MTA-STS) start with the version tag. */
  | 'leading-whitespace'
  /** `;;`, or `;` at the very start: an empty entry between separators. */
  | 'empty-entry'
  /** An entry with no `=`: trailing junk, a missing separator or a stray word. */
  | 'missing-equals'
  /** A name that is not ALPHA *(ALPHA / DIGIT / "_"), e.g. empty (`=x`) or `p-x`. */
  | 'bad-tag-name'
  /** A character outside printable ASCII (control characters, DEL, non-ASCII) inside a value. */
  | 'bad-character'
  /** Whitespace between a name and `=` or inside a name (`p x=1`). */
  | 'whitespace-in-name';

export interface TagListIssue {
  readonly kind: TagListIssueKind;
  /** Offset of the offending character or entry. */
  readonly offset: number;
  /** The offending text (an entry, a name, a character). */
  readonly text: string;
  readonly message: string;
}

export interface TagList {
  readonly tags: readonly TagToken[];
  readonly issues: readonly TagListIssue[];
  /** True when the list ends with a separator (`...; `), which every grammar of the family allows. */
  readonly trailingSeparator: boolean;
}

const TAG_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const WSP = /[ \t\r\n]/;

/** "offset 12 (column 13)": the wording every record parser uses for a position. */
export function describeOffset(offset: number): string {
  return `offset ${offset} (column ${offset + 1})`;
}

/**
 * Splits `text` into tags. Never throws; entries that cannot be read as `name=value` are left out of
 * `tags` and reported in `issues`. Values keep their inner whitespace (DKIM's `p=` may be folded).
 */
export function tokenizeTagList(text: string): TagList {
  const tags: TagToken[] = [];
  const issues: TagListIssue[] = [];
  if (text.length > 0 && WSP.test(text.charAt(0)) && text.trim() !== '') {
    issues.push({ kind: 'leading-whitespace', offset: 0, text: text.slice(0, text.length - text.trimStart().length), message: `The record starts with whitespace at ${describeOffset(0)}.` });
  }
  let trailingSeparator = false;
  let cursor = 0;
  while (cursor <= text.length) {
    const semicolon = text.indexOf(';', cursor);
    const entryEnd = semicolon === -1 ? text.length : semicolon;
    const entry = text.slice(cursor, entryEnd);
    const isLast = semicolon === -1;
    if (entry.trim() === '') {
      if (isLast) trailingSeparator = tags.length > 0 || issues.some((issue) => issue.kind !== 'leading-whitespace');
      else issues.push({ kind: 'empty-entry', offset: semicolon, text: ';', message: `Empty entry before the ';' at ${describeOffset(semicolon)}: two separators in a row or a separator first.` });
    } else {
      readEntry(text, cursor, entryEnd, tags, issues);
    }
    if (isLast) break;
    cursor = semicolon + 1;
  }
  if (text.trim() === '') trailingSeparator = false;
  return { tags, issues, trailingSeparator };
}

function readEntry(text: string, from: number, to: number, tags: TagToken[], issues: TagListIssue[]): void {
  const entry = text.slice(from, to);
  const lead = entry.length - entry.trimStart().length;
  const start = from + lead;
  const equals = text.indexOf('=', start);
  if (equals === -1 || equals >= to) {
    const junk = entry.trim();
    issues.push({ kind: 'missing-equals', offset: start, text: junk, message: `"${junk}" at ${describeOffset(start)} is not a tag=value pair.` });
    return;
  }
  // Whitespace between the name and '=' is allowed by every grammar of the family; inside it is not.
  const name = text.slice(start, equals).trimEnd();
  if (/[ \t\r\n]/.test(name)) {
    issues.push({ kind: 'whitespace-in-name', offset: start, text: name, message: `The tag name "${name}" at ${describeOffset(start)} contains whitespace (a missing ';' before it?).` });
    return;
  }
  if (!TAG_NAME.test(name)) {
    issues.push({ kind: 'bad-tag-name', offset: start, text: name, message: name === '' ? `A value with no tag name at ${describeOffset(start)}.` : `"${name}" at ${describeOffset(start)} is not a valid tag name (a letter, then letters, digits or '_').` });
    return;
  }
  const afterEquals = text.slice(equals + 1, to);
  const valueLead = afterEquals.length - afterEquals.trimStart().length;
  const value = afterEquals.trim();
  const valueStart = equals + 1 + valueLead;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const allowedSpace = code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
    if (!allowedSpace && (code < 0x21 || code > 0x7e)) {
      const offset = valueStart + i;
      issues.push({ kind: 'bad-character', offset, text: value.charAt(i), message: `Character U+${code.toString(16).toUpperCase().padStart(4, '0')} at ${describeOffset(offset)} (in tag ${name}) is not printable ASCII.` });
      break;
    }
  }
  tags.push({ name, value, start, valueStart, end: valueStart + value.length, index: tags.length });
}

/**
 * Tags that occur more than once, with every occurrence after the first. `caseInsensitive` for
 * grammars whose names are ABNF quoted strings (DMARC); DKIM compares names exactly.
 */
export function findRepeatedTags(tags: readonly TagToken[], caseInsensitive: boolean): TagToken[] {
  const seen = new Set<string>();
  const repeated: TagToken[] = [];
  for (const tag of tags) {
    const key = caseInsensitive ? tag.name.toLowerCase() : tag.name;
    if (seen.has(key)) repeated.push(tag);
    else seen.add(key);
  }
  return repeated;
}

/** The first tag named `name` (compared without case when asked), or undefined. */
export function findTag(tags: readonly TagToken[], name: string, caseInsensitive: boolean): TagToken | undefined {
  const wanted = caseInsensitive ? name.toLowerCase() : name;
  return tags.find((tag) => (caseInsensitive ? tag.name.toLowerCase() : tag.name) === wanted);
}
