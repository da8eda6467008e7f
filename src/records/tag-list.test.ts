import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findRepeatedTags, findTag, tokenizeTagList } from './tag-list.js';

test('tag list: names, values and offsets as written (RFC 6376 §3.2 shape)', () => {
  const list = tokenizeTagList('v=DMARC1;  p = reject ; rua=mailto:a@example.com;');
  assert.deepEqual(
    list.tags.map((t) => [t.name, t.value, t.start, t.valueStart, t.end, t.index]),
    [
      ['v', 'DMARC1', 0, 2, 8, 0],
      ['p', 'reject', 11, 15, 21, 1],
      ['rua', 'mailto:a@example.com', 24, 28, 48, 2],
    ],
  );
  assert.equal(list.trailingSeparator, true);
  assert.deepEqual(list.issues, []);
});

const issueRows: [string, string, string, number][] = [
  ['leading whitespace (strict grammars start with the version tag)', ' v=DMARC1', 'leading-whitespace', 0],
  ['two separators in a row', 'v=DMARC1;; p=none', 'empty-entry', 9],
  ['a separator first', '; v=DMARC1', 'empty-entry', 0],
  ['trailing junk without =', 'v=DMARC1; p=none; junk', 'missing-equals', 18],
  ['value with no name', 'v=DMARC1; =none', 'bad-tag-name', 10],
  ['name with a hyphen', 'v=DMARC1; p-x=1', 'bad-tag-name', 10],
  ['missing separator between tags', 'v=DMARC1; p x=1', 'whitespace-in-name', 10],
  ['non-ASCII in a value', 'v=DMARC1; rua=mailto:é@example.com', 'bad-character', 21],
  ['control character in a value', 'v=DKIM1; p=ab\u0000cd', 'bad-character', 13],
];
for (const [name, text, kind, offset] of issueRows) {
  test(`tag list issue: ${name}`, () => {
    const issue = tokenizeTagList(text).issues.find((i) => i.kind === kind);
    assert.ok(issue, `no ${kind} in ${JSON.stringify(tokenizeTagList(text).issues)}`);
    assert.equal(issue.offset, offset);
  });
}

test('tag list: empty value kept (DKIM p= means revoked, RFC 6376 §3.6.1)', () => {
  const list = tokenizeTagList('v=DKIM1; p=');
  assert.deepEqual(list.tags.map((t) => [t.name, t.value]), [['v', 'DKIM1'], ['p', '']]);
  assert.equal(list.trailingSeparator, false);
});

test('tag list: folded whitespace inside a value is kept (RFC 6376 §3.2 tag-value)', () => {
  assert.equal(tokenizeTagList('p=MIIB IjAN\r\n\tBgkq').tags[0]?.value, 'MIIB IjAN\r\n\tBgkq');
});

test('tag list: repeated tags, with and without case (DMARC names are ABNF strings, DKIM names exact)', () => {
  const tags = tokenizeTagList('v=DMARC1; p=none; P=reject; p=quarantine').tags;
  assert.deepEqual(findRepeatedTags(tags, true).map((t) => t.start), [18, 28]);
  assert.deepEqual(findRepeatedTags(tags, false).map((t) => t.start), [28]);
  assert.equal(findTag(tags, 'P', false)?.value, 'reject');
  assert.equal(findTag(tags, 'P', true)?.value, 'none');
});

test('tag list: empty and whitespace-only text give nothing and no issue', () => {
  for (const text of ['', '   ']) assert.deepEqual(tokenizeTagList(text), { tags: [], issues: [], trailingSeparator: false });
});
