import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MemoryZone } from '../dns/memory-resolver.js';
import { MemoryResolver } from '../dns/memory-resolver.js';
import type { BimiDmarcInput } from './check-bimi.js';
import { checkBimi } from './check-bimi.js';

const name = 'default._bimi.example.com';
const logo = 'v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem';
const reject: BimiDmarcInput = { policy: 'reject', pct: 100, testing: false };

const rows: { name: string; zone: MemoryZone; dmarc: BimiDmarcInput | undefined; domain?: string; expected: string[] }[] = [
  { name: 'BIMI §4: a record with p=reject', zone: { [name]: { TXT: [logo] } }, dmarc: reject, expected: ['ok:bimi-ok'] },
  { name: 'BIMI §4: a record with p=quarantine and pct=100', zone: { [name]: { TXT: [logo] } }, dmarc: { policy: 'quarantine', pct: 100, testing: false }, expected: ['ok:bimi-ok'] },
  { name: 'BIMI §4.3: p=none is not enforcement', zone: { [name]: { TXT: [logo] } }, dmarc: { policy: 'none', pct: 100, testing: false }, expected: ['error:bimi-without-enforcement'] },
  { name: 'BIMI §4.3: pct below 100 is not enforcement', zone: { [name]: { TXT: [logo] } }, dmarc: { policy: 'quarantine', pct: 50, testing: false }, expected: ['error:bimi-without-enforcement'] },
  { name: 'BIMI §4.3 / RFC 9989 §4.7: t=y is not enforcement', zone: { [name]: { TXT: [logo] } }, dmarc: { policy: 'reject', pct: 100, testing: true }, expected: ['error:bimi-without-enforcement'] },
  { name: 'BIMI §4.3: sp=none is not enforcement', zone: { [name]: { TXT: [logo] } }, dmarc: { ...reject, subdomainPolicy: 'none' }, expected: ['error:bimi-without-enforcement'] },
  { name: 'BIMI §4.3: no DMARC policy at all', zone: { [name]: { TXT: [logo] } }, dmarc: undefined, expected: ['error:bimi-without-enforcement'] },
  { name: 'BIMI is optional: no record is info', zone: {}, dmarc: reject, expected: ['info:bimi-missing'] },
  { name: 'BIMI §4.2: a declination record needs no enforcement', zone: { [name]: { TXT: ['v=BIMI1; l=; a=;'] } }, dmarc: undefined, expected: ['info:bimi-declined'] },
  { name: 'BIMI §4.2: an http logo is invalid', zone: { [name]: { TXT: ['v=BIMI1; l=http://example.com/logo.svg'] } }, dmarc: reject, expected: ['error:bimi-invalid'] },
  { name: 'BIMI §4.2: no evidence document', zone: { [name]: { TXT: ['v=BIMI1; l=https://example.com/logo.svg'] } }, dmarc: reject, expected: ['info:bimi-no-evidence', 'ok:bimi-ok'] },
  { name: 'BIMI §4.2: two records', zone: { [name]: { TXT: [logo, logo] } }, dmarc: reject, expected: ['error:bimi-multiple-records'] },
  { name: 'BIMI §4.2: a lookalike record', zone: { [name]: { TXT: ['v=bimi1; l=https://example.com/logo.svg'] } }, dmarc: reject, expected: ['error:bimi-invalid'] },
  { name: 'a DNS failure is bimi-dns-error, never missing', zone: { [name]: 'timeout' }, dmarc: reject, expected: ['error:bimi-dns-error'] },
  { name: 'BIMI §4.3: a subdomain falls back to the Organizational Domain record', zone: { [name]: { TXT: [logo] } }, dmarc: reject, domain: 'news.example.com', expected: ['ok:bimi-ok'] },
];

for (const row of rows) {
  test(row.name, async () => {
    const { findings, records } = await checkBimi(row.domain ?? 'example.com', { resolver: new MemoryResolver(row.zone), dmarc: row.dmarc });
    assert.deepEqual(findings.map((f) => `${f.severity}:${f.code}`), row.expected);
    if (row.domain) assert.equal(records.name, name);
  });
}

test('params: bimi-without-enforcement lists each reason as a keyword with the policy it read', async () => {
  const { findings } = await checkBimi('example.com', { resolver: new MemoryResolver({ [name]: { TXT: [logo] } }), dmarc: { policy: 'none', pct: 50, testing: true, subdomainPolicy: 'none' } });
  assert.deepEqual(findings[0]?.params, { name, domain: 'example.com', reasons: ['policy', 'pct', 'testing', 'subdomain-policy'], policy: 'none', pct: 50, testing: true, subdomainPolicy: 'none' });
  const none = await checkBimi('example.com', { resolver: new MemoryResolver({ [name]: { TXT: [logo] } }), dmarc: undefined });
  assert.deepEqual(none.findings[0]?.params['reasons'], ['no-policy']);
});

test('params: bimi-ok gives the logo and evidence URLs; bimi-invalid the value at fault', async () => {
  const ok = await checkBimi('example.com', { resolver: new MemoryResolver({ [name]: { TXT: [logo] } }), dmarc: reject });
  assert.deepEqual(ok.findings[0]?.params, { name, domain: 'example.com', selector: 'default', logoUrl: 'https://example.com/logo.svg', evidenceUrl: 'https://example.com/vmc.pem' });
  const bad = await checkBimi('example.com', { resolver: new MemoryResolver({ [name]: { TXT: ['v=BIMI1; l=http://example.com/logo.svg'] } }), dmarc: reject });
  assert.deepEqual(bad.findings[0]?.params, { name, domain: 'example.com', selector: 'default', record: 'v=BIMI1; l=http://example.com/logo.svg', tag: 'l', offset: 11, value: 'http://example.com/logo.svg', scheme: 'http' });
});
