import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMtaStsRecordText, looksLikeMtaStsAttempt, parseMtaStsRecord } from './mta-sts-record.js';

const rows: { name: string; text: string; id?: string; expected: string[] }[] = [
  { name: 'RFC 8461 §3.1: v=STSv1 and an id', text: 'v=STSv1; id=20261122T0900', id: '20261122T0900', expected: [] },
  { name: 'RFC 8461 §3.1: a trailing separator is allowed', text: 'v=STSv1; id=abc123;', id: 'abc123', expected: [] },
  { name: 'RFC 8461 §3.1: extension fields are ignored (names may hold "-" and ".")', text: 'v=STSv1; id=1; ext-name.x=value', id: '1', expected: [] },
  { name: 'RFC 8461 §3.1: id is required', text: 'v=STSv1;', expected: ['error:mta-sts-invalid'] },
  { name: 'RFC 8461 §3.1: id holds only letters and digits', text: 'v=STSv1; id=2026-11-22', expected: ['error:mta-sts-invalid'] },
  { name: 'RFC 8461 §3.1: id is at most 32 characters', text: `v=STSv1; id=${'a'.repeat(33)}`, expected: ['error:mta-sts-invalid'] },
  { name: 'RFC 8461 §3.1: a record not beginning with "v=STSv1;" is discarded (lower case)', text: 'v=stsv1; id=1', expected: ['error:mta-sts-invalid'] },
  { name: 'RFC 8461 §3.1: a record not beginning with "v=STSv1;" is discarded (space before ;)', text: 'v=STSv1 ; id=1', expected: ['error:mta-sts-invalid'] },
  { name: 'RFC 8461 §3.1: a stray word', text: 'v=STSv1; id=1; enforce', id: '1', expected: ['error:mta-sts-invalid'] },
  { name: 'RFC 8461 §3.1: a repeated id: the first counts', text: 'v=STSv1; id=1; id=2', id: '1', expected: ['warning:mta-sts-invalid'] },
];

for (const row of rows) {
  test(row.name, () => {
    const { record, diagnostics } = parseMtaStsRecord(row.text);
    assert.deepEqual(diagnostics.map((d) => `${d.severity}:${d.code}`), row.expected);
    assert.equal(record?.id, row.id);
  });
}

test('RFC 8461 §3.1: which TXT records senders keep', () => {
  assert.deepEqual(['v=STSv1; id=1', 'v=STSv1', 'v=stsv1; id=1', ' v=STSv1; id=1', 'v=spf1 -all'].map(isMtaStsRecordText), [true, false, false, false, false]);
  assert.deepEqual(['v=STSv1; id=1', 'v=stsv1; id=1', ' v=STSv1; id=1', 'v=spf1 -all'].map(looksLikeMtaStsAttempt), [false, true, true, false]);
});
