/**
 * docs/findings.md is the contract for finding codes: every code the checks and record parsers
 * can emit is documented there, and the codes issue 4 promises exist in the code and the doc.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const doc = readFileSync(join(root, 'docs/findings.md'), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir))
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.includes('test-helper'))
    .map((name) => readFileSync(join(root, dir, name), 'utf8'));
}

// `kind: '…'` discriminants of record types are not codes.
const code = sources('src/evaluate').concat(sources('src/records')).join('\n').replace(/\bkind: '[a-z-]+'/g, '');
/** Every string literal shaped like a code of one of the checked areas (codes are sometimes chosen by a condition). */
const emitted = new Set([...code.matchAll(/'((?:dmarc|spf|dkim|mx|mta-sts|tlsrpt|bimi)-[a-z0-9]+(?:-[a-z0-9]+)*)'/g)].map((m) => m[1] as string));

const promised = [
  'dmarc-missing', 'dmarc-multiple-records', 'dmarc-syntax-error', 'dmarc-policy-none', 'dmarc-subdomain-policy-none', 'dmarc-pct-partial',
  'dmarc-no-rua', 'dmarc-rua-unauthorized', 'dmarc-too-many-report-uris', 'dmarc-removed-tag', 'dmarc-dns-error', 'spf-missing',
  'spf-multiple-records', 'spf-syntax-error', 'spf-too-many-lookups', 'spf-too-many-void-lookups', 'spf-permissive-all', 'spf-no-all',
  'spf-ptr-used', 'spf-include-loop', 'spf-include-missing', 'spf-record-too-large', 'spf-dns-error', 'dkim-key-missing', 'dkim-key-revoked',
  'dkim-key-weak', 'dkim-key-too-short', 'dkim-key-invalid', 'dkim-testing-flag', 'mx-missing', 'mx-null', 'mta-sts-missing', 'mta-sts-invalid',
  'tlsrpt-missing', 'tlsrpt-invalid', 'bimi-without-enforcement',
];

test('findings: every code the checks and record parsers emit is documented in docs/findings.md', () => {
  assert.ok(emitted.size > 50, `found only ${emitted.size} codes: the scan is broken`);
  const undocumented = [...emitted].filter((c) => !doc.includes(`\`${c}\``));
  assert.deepEqual(undocumented, []);
});

test('findings: the codes issue 4 promises are emitted and documented', () => {
  assert.deepEqual(promised.filter((c) => !emitted.has(c)), [], 'not emitted');
  assert.deepEqual(promised.filter((c) => !doc.includes(`\`${c}\``)), [], 'not documented');
});
