import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PARAMETERS, parseParameterizedValue, stripComments } from './header-params.js';

const cases: [string, string, string, Record<string, string>][] = [
  ['RFC 2045 §5.1 type and quoted boundary', 'multipart/report; report-type=feedback-report; boundary="b 1"', 'multipart/report', { 'report-type': 'feedback-report', boundary: 'b 1' }],
  ['RFC 2045 §5.1 type is case-insensitive', 'Text/PLAIN; Charset=UTF-8', 'text/plain', { charset: 'UTF-8' }],
  ['RFC 5322 §3.2.4 quoted-pair in a quoted string', 'attachment; filename="a \\"b\\" c.txt"', 'attachment', { filename: 'a "b" c.txt' }],
  ['quoted value holding a semicolon', 'text/plain; name="a;b"; charset=us-ascii', 'text/plain', { name: 'a;b', charset: 'us-ascii' }],
  ['RFC 5322 §3.2.2 comments are removed', 'text/plain (human text); charset=us-ascii (ascii)', 'text/plain', { charset: 'us-ascii' }],
  ['unquoted boundary with = in it (common)', 'multipart/mixed; boundary=----=_Part_1_2.3', 'multipart/mixed', { boundary: '----=_Part_1_2.3' }],
  ['folded parameters keep working', 'multipart/report;\r\n\treport-type=feedback-report;\r\n\tboundary="x"', 'multipart/report', { 'report-type': 'feedback-report', boundary: 'x' }],
  ['RFC 2231 §4 extended value with charset', "attachment; filename*=utf-8''%C3%A9t%C3%A9.xml", 'attachment', { filename: 'été.xml' }],
  ['RFC 2231 §4 charset and language', "attachment; filename*=iso-8859-1'fr'caf%E9.txt", 'attachment', { filename: 'café.txt' }],
  ['RFC 2231 §3 continuations, mixed encoded and plain, out of order', "attachment; filename*1=\"-b\"; filename*0*=utf-8''%C3%A9a; filename*2=.xml", 'attachment', { filename: 'éa-b.xml' }],
  ['RFC 2231 value wins over the plain one', "attachment; filename=\"plain.txt\"; filename*=utf-8''better.txt", 'attachment', { filename: 'better.txt' }],
  ['parameter names are lower-cased', 'text/plain; NAME=x', 'text/plain', { name: 'x' }],
  ['a parameter without = is skipped', 'text/plain; broken; charset=utf-8', 'text/plain', { charset: 'utf-8' }],
  ['unclosed quote runs to the end', 'text/plain; name="abc', 'text/plain', { name: 'abc' }],
];

for (const [name, field, value, params] of cases) {
  test(`parseParameterizedValue: ${name}`, () => {
    const parsed = parseParameterizedValue(field);
    assert.equal(parsed.value, value);
    assert.deepEqual({ ...parsed.params }, params);
  });
}

test('parseParameterizedValue: many parameters without = are skipped and the one after them is read', () => {
  const parsed = parseParameterizedValue(`text/plain${'; x'.repeat(10_000)}; charset=utf-8`);
  assert.deepEqual({ ...parsed.params }, { charset: 'utf-8' });
  assert.equal(parsed.tooManyParameters, undefined);
});

test('parseParameterizedValue: past MAX_PARAMETERS the rest is not read, and it says so', () => {
  const parsed = parseParameterizedValue(`attachment${Array.from({ length: MAX_PARAMETERS + 5 }, (_, i) => `; p${i}=v`).join('')}`);
  assert.equal(Object.keys(parsed.params).length, MAX_PARAMETERS);
  assert.equal(parsed.params[`p${MAX_PARAMETERS - 1}`], 'v');
  assert.equal(parsed.tooManyParameters, true);
});

test('parseParameterizedValue: __proto__ and constructor are parameters like any other', () => {
  const parsed = parseParameterizedValue('text/plain; __proto__=x; constructor=y; toString=z');
  assert.deepEqual(Object.entries(parsed.params), [['__proto__', 'x'], ['constructor', 'y'], ['tostring', 'z']]);
  assert.equal(Object.getPrototypeOf(parsed.params), Object.prototype);
});

test('parseParameterizedValue: RFC 2231 names: `*` and digits that are not a section stay part of the name', () => {
  const parsed = parseParameterizedValue("a; x*1234=plain; y**=enc%41; z*12*=%42; *0=none");
  assert.deepEqual({ ...parsed.params }, { 'x*1234': 'plain', 'y*': 'encA', z: 'B', '*0': 'none' });
});

test('stripComments: nested, quoted and unclosed comments', () => {
  assert.equal(stripComments('base64 (a (nested) comment) '), 'base64  ');
  assert.equal(stripComments('"(kept)" (dropped)'), '"(kept)" ');
  assert.equal(stripComments('7bit (\\) escaped) x'), '7bit  x');
  assert.equal(stripComments(`base64 ${'('.repeat(1000)}`), 'base64 ');
});
