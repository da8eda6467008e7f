import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDmarcRecord, formatDmarcTags, optionsFromRecord, prepareDmarcUri } from './dmarc-build.js';
import { computeEffectivePolicy } from './dmarc-effective.js';
import { isDmarcRecordText, looksLikeDmarcAttempt, parseDmarcRecord } from './dmarc-record.js';

test('every tag of both generations is read (RFC 7489 §6.3, RFC 9989 §4.7)', () => {
  const { record, diagnostics } = parseDmarcRecord(
    'v=DMARC1; p=Reject; sp=quarantine; np=reject; pct=25; t=y; psd=n; adkim=s; aspf=r; fo=1:d; rf=afrf; ri=3600; rua=mailto:a@example.com; ruf=mailto:f@example.com',
  );
  assert.ok(record);
  assert.equal(record.policy, 'reject');
  assert.equal(record.subdomainPolicy, 'quarantine');
  assert.equal(record.nonexistentSubdomainPolicy, 'reject');
  assert.equal(record.percentage, 25);
  assert.equal(record.testing, 'y');
  assert.equal(record.publicSuffixDomain, 'n');
  assert.equal(record.dkimAlignment, 's');
  assert.equal(record.spfAlignment, 'r');
  assert.deepEqual(record.failureOptions, ['1', 'd']);
  assert.deepEqual(record.reportFormats, ['afrf']);
  assert.equal(record.reportInterval, 3600);
  assert.deepEqual(record.aggregateUris.map((u) => u.host), ['example.com']);
  assert.deepEqual(record.failureUris.map((u) => u.address), ['f@example.com']);
  // Only the removed-tag notes: pct (partial, a warning), rf and ri (info).
  assert.deepEqual(diagnostics.map((d) => [d.code, d.severity, d.tag]), [
    ['dmarc-removed-tag', 'warning', 'pct'],
    ['dmarc-removed-tag', 'info', 'rf'],
    ['dmarc-removed-tag', 'info', 'ri'],
  ]);
});

interface Row {
  readonly name: string;
  readonly text: string;
  readonly code: string;
  readonly severity?: string;
  readonly isDmarc?: boolean;
  readonly offset?: number;
  readonly message?: RegExp;
}
const rows: Row[] = [
  { name: 'RFC 7489 §6.3: invalid p names tag, value, offset, allowed values', text: 'v=DMARC1; p=rejetc', code: 'dmarc-syntax-error', offset: 12, message: /Tag p has the invalid value "rejetc" at offset 12 \(column 13\); allowed: none, quarantine, reject \(did you mean "reject"\?\)/ },
  { name: 'RFC 9989 §4.8: v must be exactly DMARC1 (case-sensitive)', text: 'v=dmarc1; p=none', code: 'dmarc-syntax-error', isDmarc: false, offset: 2, message: /exactly "DMARC1"/ },
  { name: 'RFC 7489 §6.3: v must be first', text: 'p=none; v=DMARC1', code: 'dmarc-syntax-error', isDmarc: false, offset: 8, message: /not first/ },
  { name: 'no v at all', text: 'p=none; rua=mailto:a@example.com', code: 'dmarc-syntax-error', isDmarc: false, message: /does not start with v=DMARC1/ },
  { name: 'bad separator: comma between tags', text: 'v=DMARC1, p=none', code: 'dmarc-syntax-error', isDmarc: false, message: /separated by ";"/ },
  { name: 'leading whitespace: receivers filter on the start of the record', text: ' v=DMARC1; p=none', code: 'dmarc-syntax-error', offset: 0, message: /starts with whitespace/ },
  { name: 'trailing junk without "="', text: 'v=DMARC1; p=reject; junk', code: 'dmarc-syntax-error', offset: 20, message: /"junk" .* is not a tag=value pair/ },
  { name: 'missing separator swallowed into a value', text: 'v=DMARC1; p=reject rua=mailto:a@example.com', code: 'dmarc-syntax-error', offset: 12, message: /missing ";" between tags/ },
  { name: 'RFC 9989 §4.8: a tag value must not be empty', text: 'v=DMARC1; p=none; sp=', code: 'dmarc-syntax-error', offset: 21, message: /empty value/ },
  { name: 'empty entry between separators', text: 'v=DMARC1; p=none;; rua=mailto:a@example.com', code: 'dmarc-syntax-error', severity: 'warning', offset: 17 },
  { name: 'duplicate tag', text: 'v=DMARC1; p=none; p=reject', code: 'dmarc-duplicate-tag', severity: 'error', offset: 18 },
  { name: 'duplicate tag differing in case', text: 'v=DMARC1; p=none; P=reject', code: 'dmarc-duplicate-tag', offset: 18 },
  { name: 'RFC 7489 §6.3 / RFC 9989 §4.7: unknown tags are ignored (warning)', text: 'v=DMARC1; p=none; foo=bar', code: 'dmarc-unknown-tag', severity: 'warning', offset: 18 },
  { name: 'RFC 7489 §6.3: p must follow v', text: 'v=DMARC1; rua=mailto:a@example.com; p=none', code: 'dmarc-policy-not-second', severity: 'warning' },
  { name: 'RFC 7489 requires p; RFC 9989 reads it as none', text: 'v=DMARC1; rua=mailto:a@example.com', code: 'dmarc-policy-missing', severity: 'warning' },
  { name: 'pct out of range', text: 'v=DMARC1; p=none; pct=150', code: 'dmarc-syntax-error', offset: 22, message: /0 to 100/ },
  { name: 'pct not an integer', text: 'v=DMARC1; p=none; pct=50.5', code: 'dmarc-syntax-error' },
  { name: 'ri over 32 bits', text: 'v=DMARC1; p=none; ri=4294967296', code: 'dmarc-syntax-error' },
  { name: 'adkim not r or s', text: 'v=DMARC1; p=none; adkim=strict', code: 'dmarc-syntax-error', message: /allowed: r, s/ },
  { name: 'RFC 9989: psd is y, n or u', text: 'v=DMARC1; p=none; psd=x', code: 'dmarc-syntax-error', message: /allowed: y, n, u/ },
  { name: 'RFC 9989: t is y or n', text: 'v=DMARC1; p=none; t=yes', code: 'dmarc-syntax-error', message: /allowed: y, n/ },
  { name: 'np invalid', text: 'v=DMARC1; p=none; np=block', code: 'dmarc-syntax-error', message: /act as p=none/ },
  { name: 'fo with an unknown option', text: 'v=DMARC1; p=none; fo=2', code: 'dmarc-syntax-error', severity: 'error' },
  { name: 'RFC 9989 §4.8: fo 0 and 1 together', text: 'v=DMARC1; p=none; fo=0:1', code: 'dmarc-syntax-error', severity: 'warning' },
  { name: 'RFC 7489 §6.3: rf other than afrf', text: 'v=DMARC1; p=none; rf=iodef', code: 'dmarc-syntax-error', severity: 'warning' },
  { name: 'RFC 9989 App. C.5.2: pct removed', text: 'v=DMARC1; p=reject; pct=50', code: 'dmarc-removed-tag', severity: 'warning' },
  { name: 'RFC 9989 App. C.5.2: pct=100 removed but harmless', text: 'v=DMARC1; p=reject; pct=100', code: 'dmarc-removed-tag', severity: 'info' },
  { name: 'RFC 9989 App. C.4: !size obsolete', text: 'v=DMARC1; p=none; rua=mailto:a@example.com!10m', code: 'dmarc-report-uri-size', severity: 'warning' },
  { name: 'RFC 7489 §6.2: unencoded comma in a URI', text: 'v=DMARC1; p=none; rua=mailto:a@example.com,b', code: 'dmarc-syntax-error', message: /%2C/ },
  { name: 'non-ASCII character', text: 'v=DMARC1; p=none; rua=mailto:ü@example.com', code: 'dmarc-syntax-error', offset: 29 },
];
for (const row of rows) {
  test(`DMARC record: ${row.name}`, () => {
    const parse = parseDmarcRecord(row.text);
    assert.equal(parse.record !== undefined, row.isDmarc ?? true);
    const hit = parse.diagnostics.find((d) => d.code === row.code && (row.offset === undefined || d.offset === row.offset));
    assert.ok(hit, `no ${row.code}${row.offset !== undefined ? `@${row.offset}` : ''} in ${JSON.stringify(parse.diagnostics)}`);
    if (row.severity) assert.equal(hit.severity, row.severity);
    if (row.message) assert.match(hit.message, row.message);
  });
}

test('a clean record has no diagnostics; a trailing ";" and spaces are allowed (RFC 9989 §4.8)', () => {
  assert.deepEqual(parseDmarcRecord('v=DMARC1;p=reject;rua=mailto:a@example.com; ').diagnostics, []);
  assert.deepEqual(parseDmarcRecord('v = DMARC1 ; p = reject').diagnostics, []);
});

test('receivers keep only TXT records that start with v=DMARC1 (RFC 7489 §6.6.3, RFC 9989 §4.10)', () => {
  assert.equal(isDmarcRecordText('v=DMARC1; p=none'), true);
  assert.equal(isDmarcRecordText('v=DMARC1'), true);
  assert.equal(isDmarcRecordText('v=DMARC10; p=none'), false);
  assert.equal(isDmarcRecordText(' v=DMARC1; p=none'), false);
  assert.equal(looksLikeDmarcAttempt('v=dmarc1; p=none'), true);
  assert.equal(looksLikeDmarcAttempt('v=spf1 -all'), false);
});

const effectiveRows: [string, string, 'rfc7489' | 'rfc9989', Record<string, unknown>][] = [
  ['RFC 7489: sp defaults to p, pct to 100', 'v=DMARC1; p=reject', 'rfc7489', { applied: true, policy: 'reject', subdomainPolicy: 'reject', nonexistentSubdomainPolicy: 'reject', percentage: 100 }],
  ['RFC 7489 has no np: non-existent subdomains get sp', 'v=DMARC1; p=reject; sp=quarantine; np=none', 'rfc7489', { nonexistentSubdomainPolicy: 'quarantine' }],
  ['RFC 9989: np, else sp, else p', 'v=DMARC1; p=reject; sp=quarantine; np=none', 'rfc9989', { nonexistentSubdomainPolicy: 'none', subdomainPolicy: 'quarantine' }],
  ['RFC 9989 §4.7: missing p is none', 'v=DMARC1; rua=mailto:a@example.com', 'rfc9989', { applied: true, policy: 'none', fellBackToNone: false }],
  ['RFC 7489 §6.6.3 step 6: missing p with rua acts as none', 'v=DMARC1; rua=mailto:a@example.com', 'rfc7489', { applied: true, fellBackToNone: true }],
  ['RFC 7489 §6.6.3: missing p without rua: no DMARC', 'v=DMARC1; adkim=s', 'rfc7489', { applied: false }],
  ['RFC 9989 §4.10.1: invalid p without rua: no DMARC', 'v=DMARC1; p=rejetc', 'rfc9989', { applied: false }],
  ['RFC 9989 §4.10.1: invalid np with rua: p=none', 'v=DMARC1; p=reject; np=x; rua=mailto:a@example.com', 'rfc9989', { applied: true, policy: 'none', fellBackToNone: true }],
  ['RFC 7489 ignores np, so an invalid np changes nothing there', 'v=DMARC1; p=reject; np=x', 'rfc7489', { applied: true, policy: 'reject' }],
  ['RFC 9989 ignores pct', 'v=DMARC1; p=reject; pct=10', 'rfc9989', { percentage: 100 }],
  ['RFC 7489 applies pct', 'v=DMARC1; p=reject; pct=10', 'rfc7489', { percentage: 10 }],
  ['RFC 9989 §4.7: t=y applies one level below', 'v=DMARC1; p=reject; sp=quarantine; t=y', 'rfc9989', { testing: true, applies: { policy: 'quarantine', subdomainPolicy: 'none', nonexistentSubdomainPolicy: 'none' } }],
  ['RFC 7489 ignores t', 'v=DMARC1; p=reject; t=y', 'rfc7489', { testing: false, applies: { policy: 'reject', subdomainPolicy: 'reject', nonexistentSubdomainPolicy: 'reject' } }],
];
for (const [name, text, generation, expected] of effectiveRows) {
  test(`effective policy: ${name}`, () => {
    const record = parseDmarcRecord(text).record;
    assert.ok(record);
    const effective = computeEffectivePolicy(record, generation) as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(expected)) assert.deepEqual(effective[key], value, key);
  });
}

test('builder: v and p first, fixed order, URIs joined with ","', () => {
  const built = buildDmarcRecord({ aggregateUris: ['mailto:a@example.com', 'mailto:b@example.net'], policy: 'quarantine', percentage: '10', testing: 'y', subdomainPolicy: 'reject' });
  assert.ok(built.ok);
  assert.equal(built.text, 'v=DMARC1; p=quarantine; sp=reject; t=y; pct=10; rua=mailto:a@example.com,mailto:b@example.net');
});

test('builder: "!" percent-encoded unless it is a valid size suffix (RFC 7489 §6.2)', () => {
  assert.equal(prepareDmarcUri('mailto:a!b@example.com'), 'mailto:a%21b@example.com');
  assert.equal(prepareDmarcUri('mailto:a!b@example.com!10m'), 'mailto:a%21b@example.com!10m');
});

const refusals: [string, Parameters<typeof buildDmarcRecord>[0], RegExp][] = [
  ['p missing', { aggregateUris: ['mailto:a@example.com'] }, /p is required/],
  ['p invalid', { policy: 'rejetc' }, /"rejetc"/],
  ['pct out of range', { policy: 'none', percentage: 101 }, /0 to 100/],
  ['a bare address as rua', { policy: 'none', aggregateUris: ['a@example.com'] }, /write mailto:a@example.com/],
  ['fo invalid', { policy: 'none', failureOptions: 'x' }, /fo/],
];
for (const [name, options, reason] of refusals) {
  test(`builder refuses: ${name}`, () => {
    const built = buildDmarcRecord(options);
    assert.equal(built.ok, false);
    if (!built.ok) assert.match(built.errors.join(' '), reason);
  });
}

test('builder round trip: a parsed record formats back to its valid values', () => {
  const record = parseDmarcRecord('v=DMARC1; rua=mailto:a@example.com; p=reject; foo=bar; adkim=s').record;
  assert.ok(record);
  assert.equal(formatDmarcTags(optionsFromRecord(record)), 'v=DMARC1; p=reject; adkim=s; rua=mailto:a@example.com');
});

test('removed pct: a warning when partial, a note for pct=0 paired with t=y (RFC 9989 App. A.6, App. C.5.2)', () => {
  const severity = (text: string): string | undefined => parseDmarcRecord(text).diagnostics.find((d) => d.code === 'dmarc-removed-tag')?.severity;
  assert.equal(severity('v=DMARC1; p=quarantine; pct=25; rua=mailto:d@example.com'), 'warning');
  assert.equal(severity('v=DMARC1; p=quarantine; pct=0; rua=mailto:d@example.com'), 'warning');
  assert.equal(severity('v=DMARC1; p=quarantine; pct=0; t=y; rua=mailto:d@example.com'), 'info');
  assert.equal(severity('v=DMARC1; p=quarantine; pct=100; rua=mailto:d@example.com'), 'info');
});
