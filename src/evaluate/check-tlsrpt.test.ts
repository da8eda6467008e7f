import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MemoryZone } from '../dns/memory-resolver.js';
import { MemoryResolver } from '../dns/memory-resolver.js';
import { checkTlsRpt } from './check-tlsrpt.js';

const name = '_smtp._tls.example.com';
const rows: { name: string; zone: MemoryZone; mode?: 'enforce' | 'testing' | 'none'; expected: string[] }[] = [
  { name: 'RFC 8460 §3: a valid record', zone: { [name]: { TXT: ['v=TLSRPTv1; rua=mailto:tlsrpt@example.com'] } }, expected: ['ok:tlsrpt-ok'] },
  { name: 'RFC 8460 §3: no record (info without MTA-STS)', zone: {}, expected: ['info:tlsrpt-missing'] },
  { name: 'RFC 8460 §3: no record with an MTA-STS policy in enforce mode (warning)', zone: {}, mode: 'enforce', expected: ['warning:tlsrpt-missing'] },
  { name: 'RFC 8460 §3: other TXT only is still missing', zone: { [name]: { TXT: ['google-site-verification=abc'] } }, expected: ['info:tlsrpt-missing'] },
  { name: 'RFC 8460 §3: rua missing', zone: { [name]: { TXT: ['v=TLSRPTv1;'] } }, expected: ['error:tlsrpt-invalid'] },
  { name: 'RFC 8460 §3: a URI scheme other than mailto/https', zone: { [name]: { TXT: ['v=TLSRPTv1; rua=http://example.com/r'] } }, expected: ['error:tlsrpt-invalid'] },
  { name: 'RFC 8460 §3: a lookalike record senders discard', zone: { [name]: { TXT: ['v=tlsrptv1; rua=mailto:a@example.com'] } }, expected: ['error:tlsrpt-invalid'] },
  { name: 'RFC 8460 §3: two records', zone: { [name]: { TXT: ['v=TLSRPTv1; rua=mailto:a@example.com', 'v=TLSRPTv1; rua=mailto:b@example.com'] } }, expected: ['error:tlsrpt-multiple-records'] },
  { name: 'a DNS failure is tlsrpt-dns-error, never missing', zone: { [name]: 'refused' }, expected: ['error:tlsrpt-dns-error'] },
];

for (const row of rows) {
  test(row.name, async () => {
    const { findings } = await checkTlsRpt('example.com', { resolver: new MemoryResolver(row.zone), ...(row.mode ? { mtaStsMode: row.mode } : {}) });
    assert.deepEqual(findings.map((f) => `${f.severity}:${f.code}`), row.expected);
  });
}

test('records: the URIs of the record', async () => {
  const { records } = await checkTlsRpt('example.com', { resolver: new MemoryResolver({ [name]: { TXT: [['v=TLSRPTv1; ', 'rua=mailto:a@example.com,https://r.example.com/tls']] } }) });
  assert.deepEqual(records.record?.rua.map((u) => [u.scheme, u.uri]), [['mailto', 'mailto:a@example.com'], ['https', 'https://r.example.com/tls']]);
});

test('params: tlsrpt-ok lists the URIs; tlsrpt-missing gives the MTA-STS mode; tlsrpt-invalid names the bad URI', async () => {
  const ok = await checkTlsRpt('example.com', { resolver: new MemoryResolver({ [name]: { TXT: ['v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/tls'] } }) });
  assert.deepEqual(ok.findings[0]?.params, { name, domain: 'example.com', uris: ['mailto:a@example.com', 'https://r.example.com/tls'] });
  const missing = await checkTlsRpt('example.com', { resolver: new MemoryResolver({}), mtaStsMode: 'enforce' });
  assert.deepEqual(missing.findings[0]?.params, { name, domain: 'example.com', mtaStsMode: 'enforce', uri: 'mailto:tlsrpt@example.com' });
  const invalid = await checkTlsRpt('example.com', { resolver: new MemoryResolver({ [name]: { TXT: ['v=TLSRPTv1; rua=http://example.com/r'] } }) });
  assert.deepEqual(invalid.findings[0]?.params, { name, domain: 'example.com', record: 'v=TLSRPTv1; rua=http://example.com/r', tag: 'rua', offset: 16, uri: 'http://example.com/r' });
});
