/**
 * docs/findings.md is the contract for finding codes and their params: every code the checks and
 * record parsers can emit is documented there, the codes issue 4 promises exist in the code and
 * the doc, and the checks, run over a zone with faults in every area, emit only params the doc
 * lists for each code and no message or fix holding a command or a command-line flag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DnsAnswer, Resolver } from '../src/core/dns-resolver.js';
import type { FetchTextResult } from '../src/core/fetch-text.js';
import type { MemoryZone } from '../src/dns/memory-resolver.js';
import { MemoryResolver } from '../src/dns/memory-resolver.js';
import type { DkimSelectorInput } from '../src/evaluate/check-dkim.js';
import { checkDomain } from '../src/evaluate/check-domain.js';
import type { Finding } from '../src/evaluate/finding.js';

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
const emitted = new Set([...code.matchAll(/'((?:dmarc|spf|dkim|mx|mta-sts|tlsrpt|bimi)-[a-z0-9]+(?:-[a-z0-9]+)*|dns-(?:resolver|domain)-[a-z0-9-]+|domain-not-found)'/g)].map((m) => m[1] as string));

const promised = [
  'dmarc-missing', 'dmarc-multiple-records', 'dmarc-syntax-error', 'dmarc-policy-none', 'dmarc-subdomain-policy-none', 'dmarc-pct-partial',
  'dmarc-no-rua', 'dmarc-rua-unauthorized', 'dmarc-too-many-report-uris', 'dmarc-removed-tag', 'dmarc-dns-error', 'spf-missing',
  'spf-multiple-records', 'spf-syntax-error', 'spf-too-many-lookups', 'spf-too-many-void-lookups', 'spf-permissive-all', 'spf-no-all',
  'spf-ptr-used', 'spf-include-loop', 'spf-include-missing', 'spf-record-too-large', 'spf-dns-error', 'dkim-key-missing', 'dkim-key-revoked',
  'dkim-key-weak', 'dkim-key-too-short', 'dkim-key-invalid', 'dkim-testing-flag', 'mx-missing', 'mx-null', 'mta-sts-missing', 'mta-sts-invalid',
  'tlsrpt-missing', 'tlsrpt-invalid', 'bimi-without-enforcement',
  // Issue 11: one finding for a resolver, a domain's servers or a domain that fail as a whole.
  'dns-resolver-failed', 'dns-domain-servers-failed', 'domain-not-found',
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

/** Code → every backquoted word in its row's params cell, from each table that has a params column. */
function documentedParams(): Map<string, Set<string>> {
  const params = new Map<string, Set<string>>();
  let column = -1;
  for (const line of doc.split('\n')) {
    if (!line.startsWith('|')) {
      column = -1;
      continue;
    }
    const cells = line.split(' | ').map((cell) => cell.replace(/^\| |\s*\|$/g, '').trim());
    const header = cells.findIndex((cell) => cell.toLowerCase() === 'params');
    if (header !== -1) column = header;
    const name = /^`([a-z0-9-]+)`$/.exec(cells[0] ?? '')?.[1];
    if (column === -1 || name === undefined) continue;
    const words = new Set([...(cells[column] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string));
    params.set(name, new Set([...(params.get(name) ?? []), ...words]));
  }
  return params;
}

/** A DER RSAPublicKey (PKCS#1) with a modulus of `bits` bits: the checks read its size, never use it. */
function rsaKey(bits: number): string {
  const length = (n: number): number[] => (n < 128 ? [n] : n < 256 ? [0x81, n] : [0x82, n >> 8, n & 0xff]);
  const modulus = [0x00, 0x80 | 0x40, ...new Array<number>(bits / 8 - 1).fill(0x5a)];
  const body = [0x02, ...length(modulus.length), ...modulus, 0x02, 0x03, 0x01, 0x00, 0x01];
  return Buffer.from([0x30, ...length(body.length), ...body]).toString('base64');
}
const ed25519Spki = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const key2048 = rsaKey(2048);

const policy = (lines: string[]): string => `${lines.join('\n')}\n`;
const served = (body: string, contentType = 'text/plain', httpStatus = 200): FetchTextResult => ({ status: 'ok', httpStatus, contentType, body });
const a = { A: ['192.0.2.10'] };
const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.test`;
const longHost = `${'c'.repeat(60)}.${'d'.repeat(60)}.test`;

const zone: MemoryZone = {
  // clean.test: every area in order.
  '_dmarc.clean.test': { TXT: ['v=DMARC1; p=reject; rua=mailto:dmarc@clean.test'] },
  'clean.test': { TXT: ['v=spf1 mx include:_spf.provider.test -all'], MX: [{ priority: 10, exchange: 'mx1.clean.test' }], ...a },
  '_spf.provider.test': { TXT: ['v=spf1 ip4:198.51.100.0/24 -all'] },
  'mx1.clean.test': a,
  's1._domainkey.clean.test': { TXT: [`v=DKIM1; k=rsa; p=${key2048}`] },
  '_mta-sts.clean.test': { TXT: ['v=STSv1; id=20261122'] },
  '_smtp._tls.clean.test': { TXT: ['v=TLSRPTv1; rua=mailto:tlsrpt@clean.test'] },
  'default._bimi.clean.test': { TXT: ['v=BIMI1; l=https://clean.test/logo.svg; a=https://clean.test/vmc.pem'] },

  // bad.test: as many faults as one domain can hold.
  '_dmarc.bad.test': {
    TXT: [
      'v=DMARC1; p=quarantine; sp=none; np=none; pct=25; t=y; rua=mailto:a@bad.test,mailto:A@bad.test,mailto:x@reports.other.test,ftp://bad.test/x; ruf=mailto:f@bad.test!10m,https://bad.test/f; fo=1:1; rf=xyz; ri=3600; psd=y; foo=bar;; adkim=q; aspf=s',
      'v=spf1 -all',
      'hello there',
    ],
  },
  'bad.test': {
    TXT: [
      'v=spf1 +ptr a:void1.bad.test a:void2.bad.test a:void3.bad.test a:timeout.bad.test include:loop.bad.test include:nospf.bad.test include:broken.bad.test include:fail.bad.test include:plus.bad.test mx:toomanymx.bad.test exists:%{i}.macro.bad.test redirect=other.test exp=noexp.bad.test ?all ip4:192.0.2.1',
      `verification=${'x'.repeat(200)}`,
    ],
    MX: [{ priority: 0, exchange: '' }, { priority: 10, exchange: 'mx.bad.test' }],
  },
  'timeout.bad.test': 'timeout',
  'loop.bad.test': { TXT: ['v=spf1 include:bad.test -all'] },
  'broken.bad.test': { TXT: ['v=spf1 -all', 'v=spf1 ~all'] },
  'fail.bad.test': 'servfail',
  'plus.bad.test': { TXT: ['v=spf1 +all'] },
  'toomanymx.bad.test': { MX: Array.from({ length: 11 }, (_, i) => ({ priority: i, exchange: `m${i}.bad.test` })) },
  'other.test': { TXT: ['v=spf1 -all'] },
  'weak._domainkey.bad.test': { TXT: [`v=DKIM1; p=${rsaKey(1024)}`] },
  'short._domainkey.bad.test': { TXT: [`v=DKIM1; p=${rsaKey(512)}`] },
  'long._domainkey.bad.test': { TXT: [`v=DKIM1; p=${rsaKey(8192)}`] },
  'old._domainkey.bad.test': { TXT: ['v=DKIM1; p='] },
  'rep._domainkey.bad.test': { TXT: ['v=DKIM1; p='] },
  'odd._domainkey.bad.test': { TXT: [`v=DKIM1;; t=y; h=sha1; s=other; x=1; P=2; p=${key2048}`] },
  'two._domainkey.bad.test': { TXT: [`v=DKIM1; p=${key2048}`, `v=DKIM1; k=ed25519; p=${ed25519Spki}`] },
  'corrupt._domainkey.bad.test': { TXT: [`p=${key2048.slice(0, 100)}*${key2048.slice(101)}; v=DKIM2; k=dsa; h=md5; p=x`] },
  'down._domainkey.bad.test': 'servfail',
  '_mta-sts.bad.test': { TXT: ['v=STSv1; id=1; id=2'] },
  '_smtp._tls.bad.test': { TXT: ['v=TLSRPTv1; rua=http://bad.test/x,mailto:nobody; rua=mailto:a@bad.test', 'v=TLSRPTv1;'] },
  'default._bimi.bad.test': { TXT: ['v=BIMI1; l=http://bad.test/logo.svg; a=https://bad.test/a,b'] },

  // none.test: nothing published but an address and a misplaced DMARC record.
  'none.test': { TXT: ['v=DMARC1; p=reject', ' v=spf1 -all'], ...a },

  // part.test: some lookups fail (each area's dns-error), others answer.
  'part.test': { TXT: ['v=spf1 -all'], MX: [{ priority: 10, exchange: 'mx1.sts.test' }] },
  '_dmarc.part.test': 'servfail',
  '_mta-sts.part.test': 'refused',
  '_smtp._tls.part.test': 'timeout',
  'default._bimi.part.test': 'servfail',
  's1._domainkey.part.test': 'timeout',

  // fail.test: every lookup fails but those of the default selectors not listed.
  '_dmarc.fail.test': 'servfail',
  'fail.test': 'timeout',
  's1._domainkey.fail.test': 'servfail',
  'google._domainkey.fail.test': 'timeout',
  'selector1._domainkey.fail.test': 'timeout',
  '_mta-sts.fail.test': 'refused',
  '_smtp._tls.fail.test': 'timeout',
  'default._bimi.fail.test': 'servfail',
  // down.test: every lookup fails, while other names answer: the domain's servers fail.
  'down.test': 'servfail',
  '_dmarc.down.test': 'servfail',
  '_mta-sts.down.test': 'timeout',
  '_smtp._tls.down.test': 'servfail',
  'default._bimi.down.test': 'servfail',

  // inherit.test and its subdomains: inheritance and the two discoveries.
  '_dmarc.inherit.test': { TXT: ['v=DMARC1; p=reject; sp=none; rua=mailto:d@inherit.test'] },
  '_dmarc.multi.inherit.test': { TXT: ['v=DMARC1; p=reject', 'v=DMARC1; p=none'] },
  '_dmarc.own.inherit.test': { TXT: ['v=DMARC1; p=reject; sp=none; np=quarantine; rua=mailto:d@inherit.test'] },
  '_dmarc.a.b.inherit.test': { TXT: ['v=DMARC1; p=reject; rua=mailto:d@inherit.test'] },
  '_dmarc.b.inherit.test': { TXT: ['v=DMARC1; p=reject; psd=n; rua=mailto:d@inherit.test'] },
  // The subdomains checked exist (a name that does not is domain-not-found, and nothing else).
  'mail.inherit.test': a,
  'mail.dup.test': a,
  'google._domainkey.inherit.test': { TXT: [`v=DKIM1; p=${key2048}`] },
  'dmarcpilot-wildcard-probe._domainkey.inherit.test': { TXT: [`v=DKIM1; p=${key2048}`] },
  'default._bimi.inherit.test': { TXT: ['v=BIMI1; l=https://inherit.test/logo.svg'] },
  '_dmarc.dup.test': { TXT: ['v=DMARC1; p=reject', 'v=DMARC1; p=none'] },

  // DMARC records with other faults.
  '_dmarc.invalid.test': { TXT: ['v=DMARC1; p=rejetc', 'v=dmarc1; p=reject'] },
  '_dmarc.order.test': { TXT: ['v=DMARC1; rua=https://order.test/r; t=y; p'] },
  '_dmarc.order2.test': { TXT: ['v=DMARC1; rua=mailto:d@order2.test; p=reject; pct=150; fo=1; p=none; sp=; ruf=mailto:x; ri=x'] },
  '_dmarc.testpair.test': { TXT: ['v=DMARC1; p=reject; pct=0; t=y; rua=mailto:d@testpair.test'] },
  '_dmarc.version.test': { TXT: ['V=DMARC1; p=reject'] },
  '_dmarc.version2.test': { TXT: ['v=DMARC1 p=reject'] },
  '_dmarc.auth.test': { TXT: ['v=DMARC1; p=reject; rua=mailto:a@rep1.test,mailto:b@rep2.test; ruf=mailto:c@rep3.test,mailto:d@rep4.test'] },
  'auth.test._report._dmarc.rep1.test': { TXT: ['v=DMARC1'] },
  '*._report._dmarc.rep2.test': { TXT: ['v=DMARC1;'] },
  'auth.test._report._dmarc.rep3.test': { TXT: ['v=DMARC1; ruf=mailto:x@else.test'] },
  'auth.test._report._dmarc.rep4.test': 'timeout',
  [`_dmarc.${long}`]: { TXT: [`v=DMARC1; p=reject; rua=mailto:d@${longHost}`] },

  // MX faults.
  'ipmx.test': { MX: [{ priority: 10, exchange: '192.0.2.25' }, { priority: 20, exchange: 'nowhere.ipmx.test' }] },
  'many.test': { MX: Array.from({ length: 21 }, (_, i) => ({ priority: i, exchange: `mx${i}.many.test` })) },
  ...Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`mx${i}.many.test`, a])),
  'nullmx.test': { MX: [{ priority: 5, exchange: '' }] },
  'mxfail.test': { MX: [{ priority: 10, exchange: 'mx.mxfail.test' }] },
  'mx.mxfail.test': 'servfail',
  'noaddr.test': { TXT: ['v=spf1 -all'] },

  // MTA-STS, TLS-RPT and BIMI faults.
  'sts.test': { MX: [{ priority: 10, exchange: 'mx1.sts.test' }, { priority: 20, exchange: 'mx2.other.test' }] },
  'mx1.sts.test': a,
  'mx2.other.test': a,
  '_mta-sts.sts.test': { TXT: ['v=STSv1; id=2026-11-22'] },
  '_dmarc.sts.test': { TXT: ['v=DMARC1; p=reject; rua=mailto:d@sts.test'] },
  '_mta-sts.sts2.test': { TXT: ['v=STSv1; id=1', 'v=STSv1; id=2'] },
  'default._bimi.sts2.test': { TXT: ['v=BIMI1; l=https://sts2.test/a.svg', 'v=BIMI1; l=https://sts2.test/b.svg'] },
  '_mta-sts.sts3.test': { TXT: ['v=stsv1; id=1'] },
  '_smtp._tls.sts3.test': { TXT: ['v=tlsrptv1; rua=mailto:a@sts3.test'] },
  'default._bimi.sts3.test': { TXT: ['v=bimi1; l=https://sts3.test/a.svg'] },
  '_mta-sts.sts4.test': { TXT: ['v=STSv1; id=4'] },
  '_mta-sts.sts5.test': { TXT: ['v=STSv1; id=5'] },
  'default._bimi.declined.test': { TXT: ['v=BIMI1; l=; a=;'] },
  'sts2.test': { TXT: ['v=spf1 -all', 'v=spf1 mx -all'] },
  'sts3.test': { TXT: ['v=spf1 ip4:192.0.2.0/33 a:museum -all'] },
  'sts4.test': { TXT: ['v=spf1 redirect=nospf.test'] },
  'sts5.test': { TXT: ['v=spf1 mx'], MX: [{ priority: 10, exchange: 'mx1.sts.test' }] },
};

const pages: Record<string, FetchTextResult> = {
  'https://mta-sts.clean.test/.well-known/mta-sts.txt': served(policy(['version: STSv1', 'mode: enforce', 'mx: mx1.clean.test', 'max_age: 1209600'])),
  'https://mta-sts.bad.test/.well-known/mta-sts.txt': served(policy(['version: STSv1', 'mode: testing', 'mx: old.bad.test', 'mx: mx.bad.test.', 'max_age: 3600', 'max_age: 7200', '', 'foo bar', 'Mode: x', 'mx: -bad-'])),
  'https://mta-sts.sts.test/.well-known/mta-sts.txt': served(policy(['version: STSv1', 'mode: enforce', 'mx: mx1.sts.test', 'mx: old.sts.test', 'max_age: 86400'])),
  'https://mta-sts.sts2.test/.well-known/mta-sts.txt': served('', 'text/html', 301),
  'https://mta-sts.sts4.test/.well-known/mta-sts.txt': served(policy(['version: STSv2', 'mode: none', 'max_age: 99999999999']), 'text/html'),
  'https://mta-sts.sts5.test/.well-known/mta-sts.txt': served(policy(['mode: enforcing', 'max_age: soon'])),
};

const given = (...selectors: string[]): DkimSelectorInput[] => selectors.map((selector) => ({ selector, origin: 'given' }));
const domains: { domain: string; selectors?: DkimSelectorInput[]; defaults?: boolean }[] = [
  { domain: 'clean.test', selectors: given('s1') },
  { domain: 'bad.test', selectors: [...given('weak', 'short', 'long', 'old', 'odd', 'two', 'corrupt', 'down', 'missing', 'bad selector'), { selector: 'rep', origin: 'reports' }] },
  { domain: 'none.test' },
  { domain: 'fail.test', selectors: given('s1') },
  { domain: 'part.test', selectors: given('s1') },
  { domain: 'down.test', defaults: false },
  { domain: 'inherit.test' },
  { domain: 'mail.inherit.test', defaults: false },
  { domain: 'multi.inherit.test', defaults: false },
  { domain: 'own.inherit.test', defaults: false },
  { domain: 'a.b.inherit.test', defaults: false },
  { domain: 'mail.dup.test', defaults: false },
  { domain: 'invalid.test', defaults: false },
  { domain: 'order.test', defaults: false },
  { domain: 'order2.test', defaults: false },
  { domain: 'testpair.test', defaults: false },
  { domain: 'version.test', defaults: false },
  { domain: 'version2.test', defaults: false },
  { domain: 'auth.test', defaults: false },
  { domain: long, defaults: false },
  { domain: 'ipmx.test', defaults: false },
  { domain: 'many.test', defaults: false },
  { domain: 'nullmx.test', defaults: false },
  { domain: 'mxfail.test', defaults: false },
  { domain: 'noaddr.test', defaults: false },
  { domain: 'nxd.test', defaults: false },
  { domain: 'sts.test', defaults: false },
  { domain: 'sts2.test', defaults: false },
  { domain: 'sts3.test', defaults: false },
  { domain: 'sts4.test', defaults: false },
  { domain: 'sts5.test', defaults: false },
  { domain: 'declined.test', defaults: false },
  { domain: 'not a domain', defaults: false },
];

/** Every finding `checkDomain` gives for the domains above, with the domain it came from. */
async function runChecks(): Promise<{ domain: string; finding: Finding }[]> {
  const resolver = new MemoryResolver(zone);
  const fetchText = (url: string): Promise<FetchTextResult> => Promise.resolve(pages[url] ?? { status: 'error', message: `connect ECONNREFUSED (${url})` });
  const now = (): Date => new Date('2026-11-22T00:00:00Z');
  const all: { domain: string; finding: Finding }[] = [];
  for (const { domain, selectors, defaults } of domains) {
    const result = await checkDomain(domain, { resolver, fetchText, now, selectors: selectors ?? [], probeDefaultSelectors: defaults !== false });
    for (const finding of result.findings) all.push({ domain, finding });
  }
  // A resolver that answers nothing at all.
  const refuse = (name: string): Promise<DnsAnswer<never>> => Promise.resolve({ status: 'error', code: 'refused', message: `${name}: 127.0.0.1:53 REFUSED` });
  const dead: Resolver = { txt: refuse, a: refuse, aaaa: refuse, mx: refuse, ptr: refuse, servers: ['127.0.0.1:53'] };
  const { findings } = await checkDomain('clean.test', { resolver: dead, fetchText, now });
  for (const finding of findings) all.push({ domain: 'clean.test (dead resolver)', finding });
  return all;
}

const isParam = (value: unknown): boolean =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value) || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
/** A command-line flag (`--selectors`), not the `--` inside a name such as xn--zckzah. */
const FLAG = /(^|[\s"'`(=])--[a-z]/i;

test('findings: the checks emit only documented params, and no message or fix names a command or a flag', async () => {
  const documented = documentedParams();
  assert.ok(documented.size > 100, `only ${documented.size} codes with a params cell in docs/findings.md: the table scan is broken`);
  const findings = await runChecks();
  const codes = new Set(findings.map((f) => f.finding.code));
  assert.ok(findings.length > 300 && codes.size > 100, `only ${findings.length} findings of ${codes.size} codes: the zone no longer exercises the checks`);
  for (const whole of ['dns-resolver-failed', 'dns-domain-servers-failed', 'domain-not-found']) assert.ok(codes.has(whole), `${whole} is not exercised`);
  const problems: string[] = [];
  for (const { domain, finding: f } of findings) {
    const where = `${domain} ${f.code}`;
    const names = documented.get(f.code);
    if (!names) problems.push(`${where}: no params cell in docs/findings.md`);
    if (typeof f.params !== 'object' || f.params === null) problems.push(`${where}: no params`);
    else if (Object.keys(f.params).length === 0) problems.push(`${where}: empty params`);
    for (const [key, value] of Object.entries(f.params ?? {})) {
      if (names && !names.has(key)) problems.push(`${where}: param ${key} is not in docs/findings.md`);
      if (!isParam(value)) problems.push(`${where}: param ${key} is not a string, number, boolean, null or list of strings`);
    }
    for (const [field, text] of [['message', f.message], ['fix', f.fix]] as const) {
      if (/dmarcpilot/i.test(text)) problems.push(`${where}: the ${field} names the program: ${text}`);
      if (FLAG.test(text)) problems.push(`${where}: the ${field} names a command-line flag: ${text}`);
      if (/\brun `/i.test(text)) problems.push(`${where}: the ${field} gives a command to run: ${text}`);
    }
  }
  assert.deepEqual([...new Set(problems)], []);
});

test('findings: the flag scan sees a flag and ignores punycode', () => {
  assert.ok(FLAG.test('Give them with --selectors.'));
  assert.ok(!FLAG.test('a:foo.example.xn--zckzah is void'));
});
