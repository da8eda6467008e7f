import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import type { MemoryZone } from '../dns/memory-resolver.js';
import { MemoryResolver } from '../dns/memory-resolver.js';
import type { DkimSelectorInput } from './check-dkim.js';
import { WILDCARD_PROBE_SELECTOR, checkDkim } from './check-dkim.js';
import { DEFAULT_DKIM_SELECTORS, defaultSelectorProbes } from './dkim-selectors.js';

const spki = (bits: number): string => generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const key2048 = spki(2048);
const key1024 = spki(1024);
const key512 = spki(512);
const given = (selector: string): DkimSelectorInput => ({ selector, origin: 'given' });

const rows: { name: string; zone: MemoryZone; selectors: DkimSelectorInput[]; expected: string[] }[] = [
  { name: 'RFC 6376 §3.6.1: a good 2048-bit key', zone: { 's1._domainkey.example.com': { TXT: [`v=DKIM1; k=rsa; p=${key2048}`] } }, selectors: [given('s1')], expected: ['ok:dkim-ok'] },
  { name: 'RFC 6376 §3.6.2.2: a key split over several strings is joined without spaces', zone: { 's1._domainkey.example.com': { TXT: [['v=DKIM1; k=rsa; p=', key2048.slice(0, 200), key2048.slice(200)]] } }, selectors: [given('s1')], expected: ['ok:dkim-ok'] },
  { name: 'RFC 6376 §3.6.2.1: a given selector without a key is an error', zone: {}, selectors: [given('s1')], expected: ['error:dkim-key-missing'] },
  { name: 'RFC 6376 §3.6.2.1: a selector seen in reports without a key is an error', zone: {}, selectors: [{ selector: 's1', origin: 'reports' }], expected: ['error:dkim-key-missing'] },
  { name: 'RFC 6376 §3.6.1: revoked key at a given selector', zone: { 'old._domainkey.example.com': { TXT: ['v=DKIM1; p='] } }, selectors: [given('old')], expected: ['warning:dkim-key-revoked'] },
  { name: 'RFC 6376 §3.6.1: revoked key still seen in reports', zone: { 'old._domainkey.example.com': { TXT: ['v=DKIM1; p='] } }, selectors: [{ selector: 'old', origin: 'reports' }], expected: ['error:dkim-key-revoked'] },
  { name: 'RFC 8301 §3.2: RSA 1024 is weak', zone: { 's1._domainkey.example.com': { TXT: [`v=DKIM1; p=${key1024}`] } }, selectors: [given('s1')], expected: ['warning:dkim-key-weak'] },
  { name: 'RFC 8301 §3.2: RSA 512 is too short', zone: { 's1._domainkey.example.com': { TXT: [`v=DKIM1; p=${key512}`] } }, selectors: [given('s1')], expected: ['error:dkim-key-too-short'] },
  { name: 'RFC 6376 §3.6.1: corrupt base64 is invalid', zone: { 's1._domainkey.example.com': { TXT: [`v=DKIM1; p=${key2048.slice(0, 100)}*${key2048.slice(101)}`] } }, selectors: [given('s1')], expected: ['error:dkim-key-invalid'] },
  { name: 'RFC 6376 §3.6.1: t=y testing flag', zone: { 's1._domainkey.example.com': { TXT: [`v=DKIM1; t=y; p=${key2048}`] } }, selectors: [given('s1')], expected: ['warning:dkim-testing-flag'] },
  { name: 'RFC 6376 §3.6.2.2: several records at one selector', zone: { 's1._domainkey.example.com': { TXT: [`v=DKIM1; p=${key2048}`, `v=DKIM1; p=${key2048}`] } }, selectors: [given('s1')], expected: ['error:dkim-multiple-records', 'ok:dkim-ok', 'ok:dkim-ok'] },
  { name: 'a DNS failure is dkim-dns-error, never missing', zone: { 's1._domainkey.example.com': 'servfail' }, selectors: [given('s1')], expected: ['error:dkim-dns-error'] },
  { name: 'RFC 6376 §3.1: an invalid selector', zone: {}, selectors: [given('bad selector')], expected: ['error:dkim-selector-invalid'] },
  { name: 'no selector at all: say that nothing could be checked', zone: {}, selectors: [], expected: ['warning:dkim-no-selectors'] },
];

for (const row of rows) {
  test(row.name, async () => {
    const { findings } = await checkDkim('example.com', row.selectors, { resolver: new MemoryResolver(row.zone) });
    assert.deepEqual(findings.map((f) => `${f.severity}:${f.code}`), row.expected);
  });
}

test('default selectors: absence is not an error; the probe is reported with the providers found', async () => {
  const resolver = new MemoryResolver({ 'google._domainkey.example.com': { TXT: [`v=DKIM1; p=${key2048}`] } });
  const { findings, records } = await checkDkim('example.com', defaultSelectorProbes(), { resolver });
  assert.deepEqual(findings.map((f) => f.code), ['dkim-ok', 'dkim-defaults-probed']);
  assert.match(findings[0]?.message ?? '', /Google Workspace/);
  assert.match(findings[1]?.message ?? '', new RegExp(`Probed ${DEFAULT_DKIM_SELECTORS.length} .*found a key record at google \\(Google Workspace\\)`));
  assert.deepEqual(records.foundDefaults, ['google']);
  assert.equal(records.wildcard, false);
  assert.ok(resolver.queries.includes(`TXT ${WILDCARD_PROBE_SELECTOR}._domainkey.example.com`));
});

test('default selectors: none found → probe listed and dkim-no-selectors, no dkim-key-missing', async () => {
  const { findings } = await checkDkim('example.com', defaultSelectorProbes(), { resolver: new MemoryResolver({}) });
  assert.deepEqual(findings.map((f) => `${f.severity}:${f.code}`), ['info:dkim-defaults-probed', 'warning:dkim-no-selectors']);
});

test('RFC 4592: a wildcard *._domainkey record makes default hits suspect', async () => {
  const zone: MemoryZone = {
    'google._domainkey.example.com': { TXT: ['v=DKIM1; p='] },
    [`${WILDCARD_PROBE_SELECTOR}._domainkey.example.com`]: { TXT: ['v=DKIM1; p='] },
  };
  const { findings, records } = await checkDkim('example.com', [{ selector: 'google', origin: 'default' }], { resolver: new MemoryResolver(zone) });
  assert.deepEqual(findings.map((f) => `${f.severity}:${f.code}`), ['info:dkim-key-revoked', 'info:dkim-wildcard-key', 'info:dkim-defaults-probed']);
  assert.equal(records.wildcard, true);
});

test('a selector given and also a default is looked up once, as given', async () => {
  const resolver = new MemoryResolver({});
  const { findings, records } = await checkDkim('example.com', [{ selector: 'google', origin: 'default' }, given('Google')], { resolver });
  assert.deepEqual(findings.map((f) => f.code), ['dkim-key-missing']);
  assert.deepEqual(records.selectors.map((s) => [s.selector, s.origin, s.status]), [['Google', 'given', 'missing']]);
  assert.deepEqual(resolver.queries, ['TXT google._domainkey.example.com']);
});

test('records are JSON-serialisable and name the key found', async () => {
  const resolver = new MemoryResolver({ 's1._domainkey.example.com': { TXT: [`v=DKIM1; p=${key1024}`] } });
  const { records } = await checkDkim('Example.COM.', [given('s1')], { resolver });
  const json = JSON.parse(JSON.stringify(records)) as typeof records;
  assert.deepEqual(json.selectors[0]?.keys[0]?.keyBits, 1024);
  assert.equal(json.domain, 'example.com');
});

test('DKIM: a failing resolver gives one dkim-dns-error for all guessed default selectors, one per given selector', async () => {
  const zone: Record<string, 'timeout'> = {};
  for (const { selector } of defaultSelectorProbes()) zone[`${selector}._domainkey.example.com`] = 'timeout';
  zone['mine._domainkey.example.com'] = 'timeout';
  const { findings } = await checkDkim('example.com', [{ selector: 'mine', origin: 'given' }, ...defaultSelectorProbes()], { resolver: new MemoryResolver(zone) });
  const errors = findings.filter((f) => f.code === 'dkim-dns-error');
  assert.equal(errors.length, 2);
  assert.ok(errors.some((f) => f.message.includes(`${DEFAULT_DKIM_SELECTORS.length} common provider selectors`)), JSON.stringify(errors));
  assert.ok(!findings.some((f) => f.code === 'dkim-no-selectors' || f.code === 'dkim-key-missing'));
});

test('params: dkim-key-weak gives the key size and the limit, with the selector and where it came from', async () => {
  const resolver = new MemoryResolver({ 's1._domainkey.example.com': { TXT: [`v=DKIM1; p=${key1024}`] } });
  const { findings } = await checkDkim('example.com', [given('s1')], { resolver });
  assert.deepEqual(findings.find((f) => f.code === 'dkim-key-weak')?.params, { name: 's1._domainkey.example.com', domain: 'example.com', selector: 's1', origin: 'given', tag: 'p', offset: 11, bits: 1024, limit: 2048 });
});

test('params: dkim-ok gives the key type and size', async () => {
  const resolver = new MemoryResolver({ 'google._domainkey.example.com': { TXT: [`v=DKIM1; p=${key2048}`] } });
  const { findings } = await checkDkim('example.com', [{ selector: 'google', origin: 'default' }], { resolver });
  assert.deepEqual(findings.find((f) => f.code === 'dkim-ok')?.params, { name: 'google._domainkey.example.com', domain: 'example.com', selector: 'google', origin: 'default', keyType: 'rsa', bits: 2048, provider: 'Google Workspace' });
});

test('dkim-no-selectors: the fix says what to do in words, no flag; params give the domain and what was probed', async () => {
  const { findings } = await checkDkim('example.com', defaultSelectorProbes(), { resolver: new MemoryResolver({}) });
  const f = findings.find((x) => x.code === 'dkim-no-selectors');
  assert.equal(f?.fix, 'Name the selectors your senders use (the s= tag of their DKIM-Signature header) when checking, or keep the aggregate reports in the store so the selectors are learned from them.');
  assert.doesNotMatch(`${f?.message ?? ''} ${f?.fix ?? ''}`, /--|dmarcpilot/);
  assert.deepEqual(f?.params, { name: '_domainkey.example.com', domain: 'example.com', probed: DEFAULT_DKIM_SELECTORS.map((s) => s.selector) });
});

test('params: a DNS failure of several default selectors lists them', async () => {
  const zone: Record<string, 'timeout'> = { 'google._domainkey.example.com': 'timeout', 's1._domainkey.example.com': 'timeout' };
  const { findings } = await checkDkim('example.com', [{ selector: 'google', origin: 'default' }, { selector: 's1', origin: 'default' }], { resolver: new MemoryResolver(zone) });
  const f = findings.find((x) => x.code === 'dkim-dns-error');
  assert.equal(f?.params['count'], 2);
  assert.deepEqual(f?.params['selectors'], ['google', 's1']);
  assert.equal(f?.params['failure'], 'timeout');
  assert.equal(f?.params['selector'], undefined);
});
