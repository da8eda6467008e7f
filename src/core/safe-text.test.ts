import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safe, safeJson, safeLines, safeText } from './safe-text.js';

const TITLE_AND_CLEAR = 'Evil\x1b]0;pwned\x07 Corp\x1b[2J';

test('safeText: escape sequences, BEL, tabs and line feeds are shown as escapes, not acted on', () => {
  assert.equal(safeText(TITLE_AND_CLEAR), 'Evil\\x1b]0;pwned\\x07 Corp\\x1b[2J');
  assert.equal(safeText('a\tb\nc\rd\x00e\x7f'), 'a\\x09b\\x0ac\\x0dd\\x00e\\x7f');
});

test('safeText: C1 controls (U+009B is a CSI), line separators and direction overrides are escaped; other text is unchanged', () => {
  assert.equal(safeText('\u009b2J \u2028 \u202eevil\u202c \u2066x\u2069 \u200f'), '\\x9b2J \\u2028 \\u202eevil\\u202c \\u2066x\\u2069 \\u200f');
  const plain = 'Société Générale, 日本語, emoji 😀, back\\slash';
  assert.equal(safeText(plain), plain);
  assert.equal(safeText(''), '');
});

test('safeLines keeps line feeds and tabs (the layout) and escapes everything else', () => {
  assert.equal(safeLines(`a\tb\n${TITLE_AND_CLEAR}\r\n`), 'a\tb\nEvil\\x1b]0;pwned\\x07 Corp\\x1b[2J\\x0d\n');
});

test('safe`…` escapes the interpolated values only', () => {
  const source = 'mail.eml > a\nforged line';
  assert.equal(safe`${source}: ${'code'}: ${42}\n`, 'mail.eml > a\\x0aforged line: code: 42\n');
});

test('safeJson: the same JSON value, with no raw character a terminal acts on', () => {
  const value = { org: TITLE_AND_CLEAR, c1: '\u009b2J', bidi: '\u202e', n: -1, list: ['\u2028'] };
  const text = safeJson(value);
  assert.deepEqual(JSON.parse(text), value);
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  assert.doesNotMatch(text, /[\u0000-\u001f\u007f-\u009f\u2028\u202e]/);
  assert.match(text, /\\u001b\]0;pwned\\u0007/);
  assert.equal(safeJson({ a: 1 }, 2), '{\n  "a": 1\n}');
});
