import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FetchText, FetchTextResult } from '../core/fetch-text.js';
import type { MemoryZone } from '../dns/memory-resolver.js';
import { MemoryResolver } from '../dns/memory-resolver.js';
import { checkMtaSts } from './check-mta-sts.js';

const record = { '_mta-sts.example.com': { TXT: ['v=STSv1; id=20261122'] } };
const mx = { 'example.com': { MX: [{ priority: 10, exchange: 'mx1.example.com' }, { priority: 20, exchange: 'mx2.backup.example.net' }] } };
const policyUrl = 'https://mta-sts.example.com/.well-known/mta-sts.txt';
const policy = (lines: string[]): string => `${lines.join('\r\n')}\r\n`;
const enforce = policy(['version: STSv1', 'mode: enforce', 'mx: mx1.example.com', 'mx: *.backup.example.net', 'max_age: 1209600']);
const served = (body: string, contentType = 'text/plain; charset=utf-8', httpStatus = 200): FetchTextResult => ({ status: 'ok', httpStatus, contentType, body });

/** A fetcher that serves one answer at the policy URL and records what was asked. */
function fakeFetcher(answer: FetchTextResult): FetchText & { urls: string[] } {
  const urls: string[] = [];
  const fetch = (url: string): Promise<FetchTextResult> => {
    urls.push(url);
    return Promise.resolve(url === policyUrl ? answer : { status: 'error', message: 'not found' });
  };
  return Object.assign(fetch, { urls });
}

const rows: { name: string; zone: MemoryZone; answer?: FetchTextResult; expected: string[] }[] = [
  { name: 'RFC 8461 §3: record, policy in enforce mode, every MX covered', zone: { ...record, ...mx }, answer: served(enforce), expected: ['ok:mta-sts-ok'] },
  { name: 'RFC 8461 §3: no record is info (MTA-STS is optional)', zone: mx, expected: ['info:mta-sts-missing'] },
  { name: 'RFC 8461 §3.1: other TXT at _mta-sts only is still missing', zone: { '_mta-sts.example.com': { TXT: ['hello'] }, ...mx }, expected: ['info:mta-sts-missing'] },
  { name: 'RFC 8461 §3.1: a lookalike record (lower case) is invalid', zone: { '_mta-sts.example.com': { TXT: ['v=stsv1; id=1'] }, ...mx }, expected: ['error:mta-sts-invalid'] },
  { name: 'RFC 8461 §3.1: a record without id', zone: { '_mta-sts.example.com': { TXT: ['v=STSv1;'] }, ...mx }, answer: served(enforce), expected: ['error:mta-sts-invalid'] },
  { name: 'RFC 8461 §3.1: two records', zone: { '_mta-sts.example.com': { TXT: ['v=STSv1; id=1', 'v=STSv1; id=2'] }, ...mx }, answer: served(enforce), expected: ['error:mta-sts-multiple-records'] },
  { name: 'RFC 8461 §3.3: the policy cannot be fetched (TLS)', zone: { ...record, ...mx }, answer: { status: 'error', message: 'TLS certificate verification failed' }, expected: ['error:mta-sts-policy-fetch-failed'] },
  { name: 'RFC 8461 §3.3: a redirect is not followed', zone: { ...record, ...mx }, answer: served('', 'text/html', 301), expected: ['error:mta-sts-policy-fetch-failed'] },
  { name: 'RFC 8461 §3.3: HTTP 404', zone: { ...record, ...mx }, answer: served('not found', 'text/html', 404), expected: ['error:mta-sts-policy-fetch-failed'] },
  { name: 'RFC 8461 §3.3: served as text/html', zone: { ...record, ...mx }, answer: served(enforce, 'text/html'), expected: ['warning:mta-sts-policy-content-type'] },
  { name: 'RFC 8461 §3.2: a policy with an invalid mode', zone: { ...record, ...mx }, answer: served(policy(['version: STSv1', 'mode: strict', 'mx: mx1.example.com', 'max_age: 86400'])), expected: ['error:mta-sts-invalid'] },
  { name: 'RFC 8461 §5: testing mode', zone: { ...record, ...mx }, answer: served(policy(['version: STSv1', 'mode: testing', 'mx: mx1.example.com', 'mx: *.backup.example.net', 'max_age: 86400'])), expected: ['warning:mta-sts-mode-testing'] },
  { name: 'RFC 8461 §5: mode none', zone: { ...record, ...mx }, answer: served(policy(['version: STSv1', 'mode: none', 'max_age: 86400'])), expected: ['info:mta-sts-mode-none'] },
  { name: 'RFC 8461 §3.2: max_age of a day in enforce mode is short', zone: { ...record, ...mx }, answer: served(policy(['version: STSv1', 'mode: enforce', 'mx: mx1.example.com', 'mx: *.backup.example.net', 'max_age: 86400'])), expected: ['warning:mta-sts-max-age-short'] },
  { name: 'RFC 8461 §4.1: an MX host no pattern covers (enforce: error)', zone: { ...record, ...mx }, answer: served(policy(['version: STSv1', 'mode: enforce', 'mx: mx1.example.com', 'max_age: 1209600'])), expected: ['error:mta-sts-mx-not-covered'] },
  { name: 'RFC 8461 §4.1: "*." covers one label only', zone: { ...record, 'example.com': { MX: [{ priority: 10, exchange: 'a.b.example.com' }] } }, answer: served(policy(['version: STSv1', 'mode: enforce', 'mx: *.example.com', 'max_age: 1209600'])), expected: ['error:mta-sts-mx-not-covered', 'info:mta-sts-mx-pattern-unused'] },
  { name: 'RFC 8461 §4.1: a pattern no MX host uses', zone: { ...record, ...mx }, answer: served(policy(['version: STSv1', 'mode: enforce', 'mx: mx1.example.com', 'mx: *.backup.example.net', 'mx: old.example.com', 'max_age: 1209600'])), expected: ['info:mta-sts-mx-pattern-unused', 'ok:mta-sts-ok'] },
  { name: 'a DNS failure is mta-sts-dns-error, never missing', zone: { '_mta-sts.example.com': 'servfail' }, expected: ['error:mta-sts-dns-error'] },
  { name: 'a DNS failure on MX leaves coverage unknown', zone: { ...record, 'example.com': 'timeout' }, answer: served(enforce), expected: ['error:mta-sts-dns-error'] },
];

for (const row of rows) {
  test(row.name, async () => {
    const fetchText = fakeFetcher(row.answer ?? { status: 'error', message: 'no server' });
    const { findings } = await checkMtaSts('example.com', { resolver: new MemoryResolver(row.zone), fetchText });
    assert.deepEqual(findings.map((f) => `${f.severity}:${f.code}`), row.expected);
    if (!row.answer) assert.deepEqual(fetchText.urls, [], 'no record, no fetch');
  });
}

test('records: the record, the policy as fetched and the coverage of each MX host', async () => {
  const fetchText = fakeFetcher(served(enforce));
  const { records } = await checkMtaSts('example.com', { resolver: new MemoryResolver({ ...record, ...mx }), fetchText });
  assert.deepEqual(fetchText.urls, [policyUrl]);
  assert.deepEqual(records.record, { text: 'v=STSv1; id=20261122', id: '20261122' });
  assert.equal(records.policy?.parsed?.mode, 'enforce');
  assert.deepEqual(records.mxCoverage, [
    { exchange: 'mx1.example.com', pattern: 'mx1.example.com' },
    { exchange: 'mx2.backup.example.net', pattern: '*.backup.example.net' },
  ]);
  JSON.stringify(records);
});

test('MX hosts given by the caller are used without a lookup', async () => {
  const resolver = new MemoryResolver(record);
  const { findings } = await checkMtaSts('example.com', { resolver, fetchText: fakeFetcher(served(enforce)), mx: [{ priority: 10, exchange: 'mx1.example.com' }] });
  assert.deepEqual(findings.map((f) => f.code), ['mta-sts-mx-pattern-unused', 'mta-sts-ok']);
  assert.deepEqual(resolver.queries, ['TXT _mta-sts.example.com']);
});

test('a fetcher that throws is a fetch failure, not a crash', async () => {
  const fetchText: FetchText = () => Promise.reject(new Error('boom'));
  const { findings } = await checkMtaSts('example.com', { resolver: new MemoryResolver({ ...record, ...mx }), fetchText });
  assert.deepEqual(findings.map((f) => f.code), ['mta-sts-policy-fetch-failed']);
});

test('params: mta-sts-mx-not-covered names the host, the mode and the patterns; mta-sts-max-age-short the age and the limit', async () => {
  const uncovered = await checkMtaSts('example.com', { resolver: new MemoryResolver({ ...record, ...mx }), fetchText: fakeFetcher(served(policy(['version: STSv1', 'mode: enforce', 'mx: mx1.example.com', 'max_age: 1209600']))) });
  assert.deepEqual(uncovered.findings.find((f) => f.code === 'mta-sts-mx-not-covered')?.params, { domain: 'example.com', host: 'mx2.backup.example.net', mode: 'enforce', patterns: ['mx1.example.com'] });
  const short = await checkMtaSts('example.com', { resolver: new MemoryResolver({ ...record, ...mx }), fetchText: fakeFetcher(served(policy(['version: STSv1', 'mode: enforce', 'mx: mx1.example.com', 'mx: *.backup.example.net', 'max_age: 86400']))) });
  assert.deepEqual(short.findings.find((f) => f.code === 'mta-sts-max-age-short')?.params, { domain: 'example.com', url: policyUrl, mode: 'enforce', maxAge: 86400, limit: 604800, suggested: 1209600 });
});

test('params: mta-sts-invalid gives the line and the value at fault; a fetch failure the HTTP status', async () => {
  const invalid = await checkMtaSts('example.com', { resolver: new MemoryResolver({ ...record, ...mx }), fetchText: fakeFetcher(served(policy(['version: STSv1', 'mode: strict', 'mx: mx1.example.com', 'max_age: 86400']))) });
  assert.deepEqual(invalid.findings.find((f) => f.code === 'mta-sts-invalid')?.params, { name: policyUrl, domain: 'example.com', url: policyUrl, tag: 'mode', line: 2, value: 'strict', allowed: ['enforce', 'testing', 'none'] });
  const moved = await checkMtaSts('example.com', { resolver: new MemoryResolver({ ...record, ...mx }), fetchText: fakeFetcher(served('', 'text/html', 301)) });
  assert.deepEqual(moved.findings[0]?.params, { domain: 'example.com', url: policyUrl, host: 'mta-sts.example.com', httpStatus: 301, error: null });
});
