import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTlsRptRecordText, parseTlsRptRecord } from './tlsrpt-record.js';

const rows: { name: string; text: string; rua: string[]; expected: string[] }[] = [
  { name: 'RFC 8460 §3: one mailto: rua', text: 'v=TLSRPTv1; rua=mailto:tlsrpt@example.com', rua: ['mailto:tlsrpt@example.com'], expected: [] },
  { name: 'RFC 8460 §3: mailto: and https: URIs, comma-separated with spaces', text: 'v=TLSRPTv1; rua=mailto:tlsrpt@example.com, https://reports.example.com/tlsrpt;', rua: ['mailto:tlsrpt@example.com', 'https://reports.example.com/tlsrpt'], expected: [] },
  { name: 'RFC 8460 §3: extension fields are ignored', text: 'v=TLSRPTv1; rua=mailto:a@example.com; x-ext=1', rua: ['mailto:a@example.com'], expected: [] },
  { name: 'RFC 8460 §3: rua is required', text: 'v=TLSRPTv1;', rua: [], expected: ['error:tlsrpt-invalid'] },
  { name: 'RFC 8460 §3: rua must not be empty', text: 'v=TLSRPTv1; rua=', rua: [], expected: ['error:tlsrpt-invalid'] },
  { name: 'RFC 8460 §3: only mailto: and https:', text: 'v=TLSRPTv1; rua=http://reports.example.com/', rua: [], expected: ['error:tlsrpt-invalid'] },
  { name: 'RFC 8460 §3: an address without mailto:', text: 'v=TLSRPTv1; rua=tlsrpt@example.com', rua: [], expected: ['error:tlsrpt-invalid'] },
  { name: 'RFC 8460 §3: a mailto: without a valid address', text: 'v=TLSRPTv1; rua=mailto:tlsrpt', rua: [], expected: ['error:tlsrpt-invalid'] },
  { name: 'RFC 8460 §3: one bad URI keeps the good one', text: 'v=TLSRPTv1; rua=mailto:a@example.com,ftp://x.example', rua: ['mailto:a@example.com'], expected: ['error:tlsrpt-invalid'] },
  { name: 'RFC 8460 §3: records not beginning with "v=TLSRPTv1;" are discarded', text: 'v=TLSRPTv1 rua=mailto:a@example.com', rua: [], expected: ['error:tlsrpt-invalid'] },
  { name: 'RFC 8460 §3: rua given twice', text: 'v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com', rua: ['mailto:a@example.com'], expected: ['warning:tlsrpt-invalid'] },
];

for (const row of rows) {
  test(row.name, () => {
    const { record, diagnostics } = parseTlsRptRecord(row.text);
    assert.deepEqual(diagnostics.map((d) => `${d.severity}:${d.code}`), row.expected);
    assert.deepEqual(record?.rua.map((u) => u.uri) ?? [], row.rua);
  });
}

test('RFC 8460 §3: the offset of a bad URI points at it', () => {
  const text = 'v=TLSRPTv1; rua=mailto:a@example.com, ftp://x.example';
  assert.equal(parseTlsRptRecord(text).diagnostics[0]?.offset, text.indexOf('ftp:'));
  assert.deepEqual(['v=TLSRPTv1;rua=mailto:a@b.example', 'v=tlsrptv1; rua=mailto:a@b.example'].map(isTlsRptRecordText), [true, false]);
});
