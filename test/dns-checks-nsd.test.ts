/**
 * The DKIM, MX, MTA-STS, TLS-RPT and BIMI checks against nsd on loopback serving
 * test/fixtures/dns/example.test (one name per finding case), through the real node:dns adapter.
 * MTA-STS policy files come from a fake fetcher keyed by URL (the HTTPS side is covered by
 * test/dns-https-fetch.test.ts).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { FetchTextResult } from '../src/core/fetch-text.js';
import { createNodeResolver } from '../src/dns/node-resolver.js';
import type { BimiDmarcInput } from '../src/evaluate/check-bimi.js';
import { checkBimi } from '../src/evaluate/check-bimi.js';
import type { DkimSelectorInput } from '../src/evaluate/check-dkim.js';
import { checkDkim } from '../src/evaluate/check-dkim.js';
import { checkMtaSts } from '../src/evaluate/check-mta-sts.js';
import { checkMx } from '../src/evaluate/check-mx.js';
import { checkTlsRpt } from '../src/evaluate/check-tlsrpt.js';
import { defaultSelectorProbes } from '../src/evaluate/dkim-selectors.js';
import type { Finding } from '../src/evaluate/finding.js';
import { startNsd } from './helpers/nsd.js';

const nsd = await startNsd();
const skip = 'skip' in nsd ? nsd.skip : false;
const resolver = createNodeResolver({ servers: ['server' in nsd ? nsd.server : '127.0.0.1:9'], timeoutMs: 2000, tries: 1 });
after(() => ('stop' in nsd ? nsd.stop() : undefined));

const codes = (findings: readonly Finding[]): string[] => findings.map((f) => `${f.severity}:${f.code}`);
const given = (selector: string): DkimSelectorInput[] => [{ selector, origin: 'given' }];

describe('DKIM against nsd', () => {
  const rows: { selector: string; expected: string[] }[] = [
    { selector: 'good', expected: ['ok:dkim-ok'] },
    { selector: 'weak', expected: ['warning:dkim-key-weak'] },
    { selector: 'short', expected: ['error:dkim-key-too-short'] },
    { selector: 'revoked', expected: ['warning:dkim-key-revoked'] },
    { selector: 'corrupt', expected: ['error:dkim-key-invalid'] },
    { selector: 'testing', expected: ['warning:dkim-testing-flag'] },
    { selector: 'sha1', expected: ['error:dkim-sha1-only'] },
    { selector: 'ed25519', expected: ['ok:dkim-ok'] },
    { selector: 'multiple', expected: ['error:dkim-multiple-records', 'ok:dkim-ok', 'ok:dkim-ok'] },
    { selector: 'delegated', expected: ['ok:dkim-ok'] },
    { selector: 'missing', expected: ['error:dkim-key-missing'] },
  ];
  for (const row of rows) {
    test(`selector ${row.selector}._domainkey.dkim.example.test → ${row.expected.join(', ')}`, { skip }, async () => {
      assert.deepEqual(codes((await checkDkim('dkim.example.test', given(row.selector), { resolver })).findings), row.expected);
    });
  }
  test('provider defaults probed: Google Workspace found, absence of the others is no error', { skip }, async () => {
    const { findings, records } = await checkDkim('defaults.dkim.example.test', defaultSelectorProbes(), { resolver });
    assert.deepEqual(codes(findings), ['ok:dkim-ok', 'info:dkim-defaults-probed']);
    assert.deepEqual(records.foundDefaults, ['google']);
  });
  test('a wildcard *._domainkey record is recognised', { skip }, async () => {
    const { findings } = await checkDkim('wildcard.dkim.example.test', [{ selector: 'google', origin: 'default' }], { resolver });
    assert.deepEqual(codes(findings), ['info:dkim-key-revoked', 'info:dkim-wildcard-key', 'info:dkim-defaults-probed']);
  });
});

describe('MX against nsd', () => {
  const rows: { domain: string; expected: string[] }[] = [
    { domain: 'ok.mx.example.test', expected: ['ok:mx-ok'] },
    { domain: 'missing.mx.example.test', expected: ['warning:mx-missing'] },
    { domain: 'nonexistent.mx.example.test', expected: ['error:mx-missing'] },
    { domain: 'null.mx.example.test', expected: ['info:mx-null'] },
    { domain: 'null-mixed.mx.example.test', expected: ['error:mx-null-invalid'] },
    { domain: 'unresolvable.mx.example.test', expected: ['error:mx-host-unresolvable'] },
    { domain: 'ip-literal.mx.example.test', expected: ['error:mx-ip-literal', 'error:mx-no-usable-host'] },
    { domain: 'cname.mx.example.test', expected: ['ok:mx-ok'] },
  ];
  for (const row of rows) {
    test(`${row.domain} → ${row.expected.join(', ')}`, { skip }, async () => {
      assert.deepEqual(codes((await checkMx(row.domain, { resolver })).findings), row.expected);
    });
  }
});

describe('MTA-STS against nsd (policy files from a fake fetcher)', () => {
  const policies: Record<string, string> = {
    ok: 'version: STSv1\nmode: enforce\nmx: mx1.ok.mta-sts.example.test\nmax_age: 1209600\n',
    invalid: 'version: STSv1\nmode: enforce\nmx: mx1.ok.mta-sts.example.test\nmax_age: 1209600\n',
    multiple: 'version: STSv1\nmode: enforce\nmx: mx1.ok.mta-sts.example.test\nmax_age: 1209600\n',
    testing: 'version: STSv1\nmode: testing\nmx: mx1.ok.mta-sts.example.test\nmax_age: 86400\n',
    uncovered: 'version: STSv1\nmode: enforce\nmx: mx1.ok.mta-sts.example.test\nmax_age: 1209600\n',
    'short-age': 'version: STSv1\nmode: enforce\nmx: mx1.ok.mta-sts.example.test\nmax_age: 3600\n',
  };
  const fetchText = (url: string): Promise<FetchTextResult> => {
    const label = /^https:\/\/mta-sts\.([^.]+)\.mta-sts\.example\.test\/\.well-known\/mta-sts\.txt$/.exec(url)?.[1] ?? '';
    const body = policies[label];
    return Promise.resolve(body === undefined ? { status: 'error', message: 'connection refused' } : { status: 'ok', httpStatus: 200, contentType: 'text/plain', body });
  };
  const rows: { label: string; expected: string[] }[] = [
    { label: 'ok', expected: ['ok:mta-sts-ok'] },
    { label: 'missing', expected: ['info:mta-sts-missing'] },
    { label: 'invalid', expected: ['error:mta-sts-invalid'] },
    { label: 'multiple', expected: ['error:mta-sts-multiple-records'] },
    { label: 'testing', expected: ['warning:mta-sts-mode-testing'] },
    { label: 'uncovered', expected: ['error:mta-sts-mx-not-covered'] },
    { label: 'short-age', expected: ['warning:mta-sts-max-age-short'] },
    { label: 'unreachable', expected: ['error:mta-sts-policy-fetch-failed'] },
  ];
  for (const row of rows) {
    test(`${row.label}.mta-sts.example.test → ${row.expected.join(', ')}`, { skip }, async () => {
      assert.deepEqual(codes((await checkMtaSts(`${row.label}.mta-sts.example.test`, { resolver, fetchText })).findings), row.expected);
    });
  }
});

describe('TLS-RPT against nsd', () => {
  const rows: { label: string; expected: string[] }[] = [
    { label: 'ok', expected: ['ok:tlsrpt-ok'] },
    { label: 'missing', expected: ['info:tlsrpt-missing'] },
    { label: 'invalid', expected: ['error:tlsrpt-invalid'] },
    { label: 'multiple', expected: ['error:tlsrpt-multiple-records'] },
  ];
  for (const row of rows) {
    test(`${row.label}.tlsrpt.example.test → ${row.expected.join(', ')}`, { skip }, async () => {
      assert.deepEqual(codes((await checkTlsRpt(`${row.label}.tlsrpt.example.test`, { resolver })).findings), row.expected);
    });
  }
});

describe('BIMI against nsd', () => {
  const reject: BimiDmarcInput = { policy: 'reject', pct: 100, testing: false };
  const rows: { label: string; dmarc: BimiDmarcInput | undefined; expected: string[] }[] = [
    { label: 'ok', dmarc: reject, expected: ['ok:bimi-ok'] },
    { label: 'unenforced', dmarc: { policy: 'none', pct: 100, testing: false }, expected: ['error:bimi-without-enforcement'] },
    { label: 'invalid', dmarc: reject, expected: ['error:bimi-invalid'] },
    { label: 'declined', dmarc: undefined, expected: ['info:bimi-declined'] },
    { label: 'missing', dmarc: reject, expected: ['info:bimi-missing'] },
  ];
  for (const row of rows) {
    test(`${row.label}.bimi.example.test → ${row.expected.join(', ')}`, { skip }, async () => {
      assert.deepEqual(codes((await checkBimi(`${row.label}.bimi.example.test`, { resolver, dmarc: row.dmarc })).findings), row.expected);
    });
  }
});
