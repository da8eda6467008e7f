import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { splitMultipart } from './split-multipart.js';

const split = (body: string, boundary = 'b', maxParts = 100): { parts: string[]; foundDelimiter: boolean; closed: boolean } => {
  const result = splitMultipart(Buffer.from(body), boundary, maxParts);
  return { ...result, parts: result.parts.map((part) => Buffer.from(part).toString()) };
};

const cases: [string, string, string[], boolean][] = [
  ['RFC 2046 §5.1.1 delimiter at the very start (no preamble)', '--b\n\none\n--b--\n', ['\none'], true],
  ['the CRLF before a delimiter belongs to the delimiter', '--b\r\n\r\none\r\n\r\n--b--', ['\r\none\r\n'], true],
  ['empty parts (the line break before a delimiter is the delimiter\'s)', '--b\n--b\n\n--b--', ['', ''], true],
  ['transport padding (spaces, tabs) after the delimiter', '--b \t\nA: 1\n\nx\n--b--\t\n', ['A: 1\n\nx'], true],
  ['text after the close delimiter on its line is epilogue', '--b\none\n--b-- epilogue\nmore', ['one'], true],
  ['delimiter only at a line start', '--b\nsee --b here\n--b--', ['see --b here'], true],
  ['a longer boundary starting with ours is content', '--b\none\n--b2\ntwo\n--b--', ['one\n--b2\ntwo'], true],
  ['missing close delimiter: last part runs to the end', 'pre\n--b\none\n--b\ntwo\n', ['one', 'two\n'], false],
  ['delimiter line at the end without a line break', '--b\none\n--b', ['one', ''], false],
];

for (const [name, body, parts, closed] of cases) {
  test(`splitMultipart: ${name}`, () => {
    const result = split(body);
    assert.equal(result.foundDelimiter, true);
    assert.deepEqual(result.parts, parts);
    assert.equal(result.closed, closed);
  });
}

test('splitMultipart: no delimiter at all', () => {
  assert.deepEqual(split('just text\n--x--\n'), { parts: [], foundDelimiter: false, closed: false });
});

test('splitMultipart: boundary characters that are special in regular expressions', () => {
  assert.deepEqual(split('--=_?*+(a)\nx\n--=_?*+(a)--', '=_?*+(a)').parts, ['x']);
});

test('splitMultipart: stops after maxParts + 1 parts', () => {
  const body = `${Array.from({ length: 50 }, (_, i) => `--b\n${i}`).join('\n')}\n--b--`;
  assert.equal(split(body, 'b', 5).parts.length, 6);
  assert.equal(split(body, 'b', 100).parts.length, 50);
});
