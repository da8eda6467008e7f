import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesMxPattern, parseMtaStsPolicy } from './mta-sts-policy.js';

const good = 'version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.backup.example.com\r\nmax_age: 604800\r\n';

test('RFC 8461 §3.2: a complete policy with CRLF lines', () => {
  const { policy, diagnostics } = parseMtaStsPolicy(good);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(policy, { kind: 'mta-sts-policy', version: 'STSv1', mode: 'enforce', maxAge: 604800, mx: ['mail.example.com', '*.backup.example.com'], valid: true });
});

const rows: { name: string; text: string; expected: string[]; valid: boolean; lines?: (number | undefined)[] }[] = [
  { name: 'RFC 8461 §3.2: LF line ends and no final line end', text: 'version: STSv1\nmode: testing\nmx: mx.example.com\nmax_age: 86400', expected: [], valid: true },
  { name: 'RFC 8461 §3.2: mode none needs no mx', text: 'version: STSv1\nmode: none\nmax_age: 86400\n', expected: [], valid: true },
  { name: 'RFC 8461 §3.2: unknown keys are ignored', text: 'version: STSv1\nmode: none\nmax_age: 86400\ncomment: hello\n', expected: [], valid: true },
  { name: 'RFC 8461 §3.2: version is required', text: 'mode: none\nmax_age: 86400\n', expected: ['error:mta-sts-invalid'], valid: false },
  { name: 'RFC 8461 §3.2: version must be STSv1', text: 'version: STSv2\nmode: none\nmax_age: 86400\n', expected: ['error:mta-sts-invalid'], valid: false, lines: [1] },
  { name: 'RFC 8461 §3.2: mode is required', text: 'version: STSv1\nmx: mx.example.com\nmax_age: 86400\n', expected: ['error:mta-sts-invalid'], valid: false },
  { name: 'RFC 8461 §3.2: mode must be enforce, testing or none', text: 'version: STSv1\nmode: enforcing\nmx: mx.example.com\nmax_age: 86400\n', expected: ['error:mta-sts-invalid'], valid: false, lines: [2] },
  { name: 'RFC 8461 §3.2: keys are case-sensitive', text: 'version: STSv1\nMode: enforce\nmx: mx.example.com\nmax_age: 86400\n', expected: ['error:mta-sts-invalid', 'error:mta-sts-invalid'], valid: false, lines: [2, undefined] },
  { name: 'RFC 8461 §3.2: max_age is required', text: 'version: STSv1\nmode: none\n', expected: ['error:mta-sts-invalid'], valid: false },
  { name: 'RFC 8461 §3.2: max_age at most 31557600', text: 'version: STSv1\nmode: none\nmax_age: 31557601\n', expected: ['error:mta-sts-invalid'], valid: false, lines: [3] },
  { name: 'RFC 8461 §3.2: max_age is digits', text: 'version: STSv1\nmode: none\nmax_age: 1d\n', expected: ['error:mta-sts-invalid'], valid: false, lines: [3] },
  { name: 'RFC 8461 §3.2: mx is required unless mode none', text: 'version: STSv1\nmode: enforce\nmax_age: 86400\n', expected: ['error:mta-sts-invalid'], valid: false },
  { name: 'RFC 8461 §3.2: an invalid mx pattern', text: 'version: STSv1\nmode: enforce\nmx: mail.*.example.com\nmx: mx.example.com\nmax_age: 86400\n', expected: ['error:mta-sts-invalid'], valid: false, lines: [3] },
  { name: 'RFC 8461 §3.2: an mx pattern with a trailing dot', text: 'version: STSv1\nmode: enforce\nmx: mx.example.com.\nmax_age: 86400\n', expected: ['warning:mta-sts-invalid'], valid: true, lines: [3] },
  { name: 'RFC 8461 §3.2: a repeated key: the first counts', text: 'version: STSv1\nmode: testing\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n', expected: ['warning:mta-sts-invalid'], valid: true, lines: [3] },
  { name: 'RFC 8461 §3.2: a line that is not key: value', text: 'version: STSv1\nmode: none\nmax_age 86400\n', expected: ['error:mta-sts-invalid', 'error:mta-sts-invalid'], valid: false, lines: [3, undefined] },
  { name: 'RFC 8461 §3.2: a blank line inside the policy', text: 'version: STSv1\n\nmode: none\nmax_age: 86400\n', expected: ['warning:mta-sts-invalid'], valid: true, lines: [2] },
  { name: 'RFC 8461 §3.2: an HTML page is not a policy', text: '<html><body>Not found</body></html>\n', expected: ['error:mta-sts-invalid', 'error:mta-sts-invalid', 'error:mta-sts-invalid', 'error:mta-sts-invalid', 'error:mta-sts-invalid'], valid: false },
];

for (const row of rows) {
  test(row.name, () => {
    const { policy, diagnostics } = parseMtaStsPolicy(row.text);
    assert.deepEqual(diagnostics.map((d) => `${d.severity}:${d.code}`), row.expected);
    assert.equal(policy.valid, row.valid);
    if (row.lines) assert.deepEqual(diagnostics.map((d) => d.line), row.lines);
  });
}

test('RFC 8461 §4.1: MX patterns: exact names and one leftmost wildcard label', () => {
  const cases: [string, string, boolean][] = [
    ['mail.example.com', 'mail.example.com', true],
    ['mail.example.com', 'MAIL.Example.com.', true],
    ['mail.example.com', 'mail2.example.com', false],
    ['*.example.com', 'mx1.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
  ];
  for (const [pattern, host, expected] of cases) assert.equal(matchesMxPattern(pattern, host), expected, `${pattern} vs ${host}`);
});
