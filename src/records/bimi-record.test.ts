import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBimiRecord } from './bimi-record.js';

const rows: { name: string; text: string; expected: string[]; logo?: string; evidence?: string; declined?: boolean }[] = [
  { name: 'BIMI §4.2: logo and evidence', text: 'v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem', expected: [], logo: 'https://example.com/logo.svg', evidence: 'https://example.com/vmc.pem' },
  { name: 'BIMI §4.2: logo without evidence (no VMC/CMC)', text: 'v=BIMI1; l=https://example.com/logo.svg', expected: ['info:bimi-no-evidence'], logo: 'https://example.com/logo.svg' },
  { name: 'BIMI §4.2: logo with an empty a=', text: 'v=BIMI1; l=https://example.com/logo.svg; a=;', expected: ['info:bimi-no-evidence'], logo: 'https://example.com/logo.svg' },
  { name: 'BIMI §4.2: empty l= declines BIMI', text: 'v=BIMI1; l=; a=;', expected: ['info:bimi-declined'], declined: true },
  { name: 'BIMI §4.2: l is required', text: 'v=BIMI1; a=https://example.com/vmc.pem', expected: ['error:bimi-invalid'], evidence: 'https://example.com/vmc.pem' },
  { name: 'BIMI §4.2: the logo must be https', text: 'v=BIMI1; l=http://example.com/logo.svg', expected: ['error:bimi-invalid'] },
  { name: 'BIMI §4.2: the evidence must be https', text: 'v=BIMI1; l=https://example.com/logo.svg; a=http://example.com/vmc.pem', expected: ['error:bimi-invalid'], logo: 'https://example.com/logo.svg' },
  { name: 'BIMI §4.2: l is not a URL', text: 'v=BIMI1; l=logo.svg', expected: ['error:bimi-invalid'] },
  { name: 'BIMI §4.2: evidence without a logo', text: 'v=BIMI1; l=; a=https://example.com/vmc.pem', expected: ['error:bimi-invalid'], evidence: 'https://example.com/vmc.pem' },
  { name: 'BIMI §4.2: v must come first and be BIMI1', text: 'l=https://example.com/logo.svg; v=BIMI1', expected: ['error:bimi-invalid'] },
  { name: 'BIMI §4.2: a stray word', text: 'v=BIMI1; https://example.com/logo.svg', expected: ['error:bimi-invalid', 'error:bimi-invalid'] },
];

for (const row of rows) {
  test(row.name, () => {
    const { record, diagnostics } = parseBimiRecord(row.text);
    assert.deepEqual(diagnostics.map((d) => `${d.severity}:${d.code}`), row.expected);
    assert.equal(record?.logoUrl, row.logo);
    assert.equal(record?.evidenceUrl, row.evidence);
    assert.equal(record?.declined ?? false, row.declined ?? false);
  });
}
