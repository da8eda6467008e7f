import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findJsonErrorPosition } from './json-error-position.js';

const cases: [string, string, [number, number] | undefined][] = [
  ['valid object', '{"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"]}', undefined],
  ['valid with surrounding white space', '\n  {}\n', undefined],
  ['missing comma between members', '{\n  "a": 1\n  "b": 2\n}', [3, 3]],
  ['trailing comma (RFC 8259 §4 has none)', '{"a": 1,}', [1, 9]],
  ['unquoted word', '{"a": x}', [1, 7]],
  ['single-quoted string', "{'a': 1}", [1, 2]],
  ['truncated document', '{"a": [1, 2', [1, 12]],
  ['unterminated string', '{"a": "abc', [1, 11]],
  ['raw control character in a string', '{"a": "a\tb"}', [1, 9]],
  ['bad escape', '{"a": "\\x41"}', [1, 8]],
  ['leading zero', '[01]', [1, 3]],
  ['text after the value', '{} {}', [1, 4]],
  ['empty text', '', [1, 1]],
];

for (const [name, text, expected] of cases) {
  test(`findJsonErrorPosition: ${name}`, () => {
    assert.ok(expected === undefined || (() => {
      try {
        JSON.parse(text);
        return false;
      } catch {
        return true;
      }
    })(), 'the case must be invalid for JSON.parse too');
    const position = findJsonErrorPosition(text);
    assert.deepEqual(position === undefined ? undefined : [position.line, position.column], expected);
  });
}

test('findJsonErrorPosition: deep nesting stops at the depth bound instead of overflowing the stack', () => {
  const position = findJsonErrorPosition('['.repeat(100000));
  assert.ok(position !== undefined);
  assert.equal(position.line, 1);
});
