/**
 * SPF macros (RFC 7208 §7): syntax check of a macro-string and its expansion against a given
 * context. Pure: the one macro that needs DNS, `%{p}` (the validated domain name of the client),
 * is resolved by the evaluator beforehand and passed in.
 *
 *   macro-expand = ( "%{" macro-letter transformers *delimiter "}" ) / "%%" / "%_" / "%-"
 *   transformers = *DIGIT [ "r" ]      delimiter = "." / "-" / "+" / "," / "/" / "_" / "="
 */

/** One piece of a macro-string: literal text, or one expansion. */
export type MacroToken =
  | { readonly kind: 'literal'; readonly text: string; readonly offset: number }
  | { readonly kind: 'escape'; readonly text: '%%' | '%_' | '%-'; readonly offset: number }
  | {
      readonly kind: 'macro';
      readonly text: string;
      readonly offset: number;
      /** The letter as written: upper case asks for URL escaping (§7.3). */
      readonly letter: string;
      /** Keep this many right-hand parts; undefined keeps all. */
      readonly keep?: number;
      readonly reverse: boolean;
      /** Split characters; "." when none are given. */
      readonly delimiters: string;
    };

export type MacroScan = { readonly ok: true; readonly tokens: readonly MacroToken[] } | { readonly ok: false; readonly offset: number; readonly message: string };

/** Letters allowed in domain-specs and modifiers; `c`, `r`, `t` only in explanation text (§7.2). */
const DOMAIN_LETTERS = 'slodipvh';
const EXPLANATION_LETTERS = 'slodipvhcrt';

/**
 * Splits a macro-string into tokens, or says where it breaks the grammar. `explanation` allows
 * the letters c, r, t and spaces (the explain-string of an `exp` TXT record, §6.2).
 */
export function scanMacroString(text: string, options: { explanation?: boolean } = {}): MacroScan {
  const letters = options.explanation ? EXPLANATION_LETTERS : DOMAIN_LETTERS;
  const tokens: MacroToken[] = [];
  let literalStart = -1;
  const flush = (end: number): void => {
    if (literalStart >= 0) tokens.push({ kind: 'literal', text: text.slice(literalStart, end), offset: literalStart });
    literalStart = -1;
  };
  for (let i = 0; i < text.length; ) {
    const code = text.charCodeAt(i);
    if (code !== 0x25) {
      const visible = code >= 0x21 && code <= 0x7e;
      if (!visible && !(options.explanation && code === 0x20)) {
        return { ok: false, offset: i, message: code > 0x7e ? `non-ASCII character U+${code.toString(16).toUpperCase().padStart(4, '0')} (SPF records are 7-bit ASCII, RFC 7208 §3.1)` : `invalid character 0x${code.toString(16).padStart(2, '0')}` };
      }
      if (literalStart < 0) literalStart = i;
      i++;
      continue;
    }
    flush(i);
    const next = text[i + 1];
    if (next === '%' || next === '_' || next === '-') {
      tokens.push({ kind: 'escape', text: `%${next}`, offset: i });
      i += 2;
      continue;
    }
    if (next !== '{') return { ok: false, offset: i, message: `"%" must be followed by "{", "%", "_" or "-" (RFC 7208 §7.1)` };
    const close = text.indexOf('}', i + 2);
    if (close < 0) return { ok: false, offset: i, message: 'macro "%{" is not closed by "}"' };
    const body = text.slice(i + 2, close);
    const parsed = /^([A-Za-z])(\d*)(r?)([.\-+,/_=]*)$/i.exec(body);
    if (!parsed) return { ok: false, offset: i, message: `invalid macro "${text.slice(i, close + 1)}": expected %{letter[digits][r][delimiters]}` };
    const letter = parsed[1] as string;
    if (!letters.includes(letter.toLowerCase())) {
      const onlyExp = EXPLANATION_LETTERS.includes(letter.toLowerCase());
      return { ok: false, offset: i, message: onlyExp ? `macro letter "${letter}" is allowed only in explanation text (RFC 7208 §7.2)` : `unknown macro letter "${letter}" (RFC 7208 §7.2)` };
    }
    const digits = parsed[2] as string;
    if (digits !== '' && (Number(digits) === 0 || digits.length > 3)) return { ok: false, offset: i, message: `macro "${text.slice(i, close + 1)}": the number of parts must be 1 to 999 (RFC 7208 §7.3)` };
    const delimiters = parsed[4] as string;
    tokens.push({ kind: 'macro', text: text.slice(i, close + 1), offset: i, letter, reverse: (parsed[3] as string).toLowerCase() === 'r', delimiters: delimiters === '' ? '.' : delimiters, ...(digits !== '' ? { keep: Number(digits) } : {}) });
    i = close + 1;
  }
  flush(text.length);
  return { ok: true, tokens };
}

/** True when the text contains a macro expansion (its value then depends on the message). */
export function hasMacros(text: string): boolean {
  return /%\{/.test(text);
}

/** What the macros expand to (RFC 7208 §7.2). */
export interface SpfMacroContext {
  /** `s`: the sender, `local@domain` (the evaluator puts `postmaster` for an empty local part). */
  readonly sender: string;
  /** `d`: the domain whose record is being evaluated. */
  readonly domain: string;
  /** `i`: the client address in dot-format; `c` uses `clientIp`. */
  readonly ipDotFormat: string;
  /** `c`: the client address as text (explanations only). */
  readonly clientIp: string;
  /** `v`: `in-addr` for IPv4, `ip6` for IPv6. */
  readonly ipVersion: 4 | 6;
  /** `h`: the HELO/EHLO domain. */
  readonly helo: string;
  /** `p`: the validated domain name of the client, resolved by the evaluator; "unknown" when absent. */
  readonly validatedDomain?: string;
  /** `r`: the receiving host (explanations only); "unknown" when absent. */
  readonly receiver?: string;
  /** `t`: seconds since the epoch (explanations only). */
  readonly timestamp?: number;
}

/** Expands a macro-string already accepted by scanMacroString. */
export function expandMacroTokens(tokens: readonly MacroToken[], context: SpfMacroContext): string {
  let out = '';
  for (const token of tokens) {
    if (token.kind === 'literal') out += token.text;
    else if (token.kind === 'escape') out += token.text === '%%' ? '%' : token.text === '%_' ? ' ' : '%20';
    else out += expandOne(token, context);
  }
  return out;
}

/** Scans and expands; the error names the offset when the text is not a valid macro-string. */
export function expandSpfMacros(text: string, context: SpfMacroContext, options: { explanation?: boolean } = {}): { ok: true; value: string } | { ok: false; offset: number; message: string } {
  const scan = scanMacroString(text, options);
  return scan.ok ? { ok: true, value: expandMacroTokens(scan.tokens, context) } : scan;
}

function expandOne(token: Extract<MacroToken, { kind: 'macro' }>, context: SpfMacroContext): string {
  const value = macroValue(token.letter.toLowerCase(), context);
  let parts = splitOn(value, token.delimiters);
  if (token.reverse) parts = parts.reverse();
  if (token.keep !== undefined && token.keep < parts.length) parts = parts.slice(parts.length - token.keep);
  const joined = parts.join('.');
  return token.letter === token.letter.toUpperCase() ? urlEscape(joined) : joined;
}

function macroValue(letter: string, context: SpfMacroContext): string {
  const at = context.sender.lastIndexOf('@');
  switch (letter) {
    case 's':
      return context.sender;
    case 'l':
      return at < 0 ? 'postmaster' : context.sender.slice(0, at) || 'postmaster';
    case 'o':
      return at < 0 ? context.sender : context.sender.slice(at + 1);
    case 'd':
      return context.domain;
    case 'i':
      return context.ipDotFormat;
    case 'p':
      return context.validatedDomain ?? 'unknown';
    case 'v':
      return context.ipVersion === 4 ? 'in-addr' : 'ip6';
    case 'h':
      return context.helo;
    case 'c':
      return context.clientIp;
    case 'r':
      return context.receiver ?? 'unknown';
    case 't':
      return String(context.timestamp ?? 0);
    default:
      return '';
  }
}

function splitOn(value: string, delimiters: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (const c of value) {
    if (delimiters.includes(c)) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** RFC 3986 escaping of everything outside the unreserved set (RFC 7208 §7.3, upper-case macros). */
function urlEscape(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * A name made from an expansion, ready for a query: without a trailing dot, and cut from the
 * left label by label until it is at most 253 characters (RFC 7208 §7.3).
 */
export function truncateDomainName(name: string): string {
  let result = name.endsWith('.') ? name.slice(0, -1) : name;
  while (result.length > 253) {
    const dot = result.indexOf('.');
    if (dot < 0) break;
    result = result.slice(dot + 1);
  }
  return result;
}
