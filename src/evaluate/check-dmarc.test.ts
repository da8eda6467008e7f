import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemoryZone } from '../dns/memory-resolver.js';
import { MemoryResolver } from '../dns/memory-resolver.js';
import { checkDmarc } from './check-dmarc.js';

const RUA = 'rua=mailto:dmarc@example.com';
const good = `v=DMARC1; p=reject; ${RUA}`;
const at = (text: string | string[]): { TXT: (string | string[])[] } => ({ TXT: Array.isArray(text) ? text : [text] });

interface Row {
  readonly name: string;
  readonly zone: MemoryZone;
  readonly domain?: string;
  readonly code: string;
  readonly severity: string;
  /** Text the message (or, with `/fix`, the fix) must contain. */
  readonly message?: RegExp;
  readonly fix?: RegExp;
  /** Codes that must not appear. */
  readonly absent?: readonly string[];
}

const rows: Row[] = [
  { name: 'RFC 7489 §6.6.3: no record anywhere', zone: {}, code: 'dmarc-missing', severity: 'error', fix: /_dmarc\.example\.com\. 3600 IN TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@example\.com"/ },
  { name: 'subdomain without any record: fix at the Organizational Domain', zone: {}, domain: 'mail.example.com', code: 'dmarc-missing', severity: 'error', fix: /_dmarc\.example\.com\./ },
  { name: 'a DMARC record published at the domain itself', zone: { 'example.com': at(good) }, code: 'dmarc-record-misplaced', severity: 'error', fix: /_dmarc\.example\.com\. 3600 IN TXT/ },
  { name: 'RFC 7489 §6.6.3: several DMARC records', zone: { '_dmarc.example.com': at([good, 'v=DMARC1; p=none']) }, code: 'dmarc-multiple-records', severity: 'error', absent: ['dmarc-missing'] },
  { name: 'several records at the Organizational Domain while inheriting', zone: { '_dmarc.example.com': at([good, 'v=DMARC1; p=none']), '_dmarc.com': at('v=DMARC1; p=reject; psd=y') }, domain: 'mail.example.com', code: 'dmarc-multiple-records', severity: 'error', message: /_dmarc\.example\.com has several/ },
  { name: 'syntax error with tag, value, offset and allowed values', zone: { '_dmarc.example.com': at(`v=DMARC1; p=rejetc; ${RUA}`) }, code: 'dmarc-syntax-error', severity: 'error', message: /Tag p has the invalid value "rejetc" at offset 12.*allowed: none, quarantine, reject/, fix: /v=DMARC1; rua=mailto:dmarc@example\.com/ },
  { name: 'a DMARC attempt receivers ignore (lower-case version)', zone: { '_dmarc.example.com': at('v=dmarc1; p=reject') }, code: 'dmarc-syntax-error', severity: 'error', message: /receivers ignore it/ },
  { name: 'an SPF record at _dmarc', zone: { '_dmarc.example.com': at([good, 'v=spf1 -all']) }, code: 'dmarc-non-dmarc-txt', severity: 'warning' },
  { name: 'an unrelated TXT at _dmarc', zone: { '_dmarc.example.com': at([good, 'google-site-verification=x']) }, code: 'dmarc-non-dmarc-txt', severity: 'info' },
  { name: 'RFC 7489 §6.3: p=none', zone: { '_dmarc.example.com': at(`v=DMARC1; p=none; ${RUA}`) }, code: 'dmarc-policy-none', severity: 'warning', fix: /p=quarantine/ },
  { name: 'a subdomain inheriting sp=none', zone: { '_dmarc.example.com': at(`v=DMARC1; p=reject; sp=none; ${RUA}`) }, domain: 'mail.example.com', code: 'dmarc-policy-none', severity: 'warning', message: /inherits the policy none/ },
  { name: 'sp=none at the Organizational Domain', zone: { '_dmarc.example.com': at(`v=DMARC1; p=reject; sp=none; ${RUA}`) }, code: 'dmarc-subdomain-policy-none', severity: 'warning' },
  { name: 'RFC 9989: np=none at the Organizational Domain', zone: { '_dmarc.example.com': at(`v=DMARC1; p=reject; np=none; ${RUA}`) }, code: 'dmarc-subdomain-policy-none', severity: 'warning', message: /np=none/ },
  { name: 'RFC 7489 §6.6.4: pct below 100', zone: { '_dmarc.example.com': at(`v=DMARC1; p=quarantine; pct=25; ${RUA}`) }, code: 'dmarc-pct-partial', severity: 'warning', message: /RFC 9989 receivers ignore pct/ },
  { name: 'standards sheet §9: pct=0 with t=y is the both-generations test mode, stage reject-test of the ladder: no warning about its own tags', zone: { '_dmarc.example.com': at(`v=DMARC1; p=reject; pct=0; t=y; ${RUA}`) }, code: 'dmarc-rollout-stage', severity: 'info', message: /is at rollout stage reject-test/, fix: /next step \(reject\): v=DMARC1; p=reject; np=reject; rua=mailto:dmarc@example\.com/, absent: ['dmarc-pct-partial', 'dmarc-testing'] },
  { name: 'pct=0 with t=y at p=quarantine (stage test) says so, and its next record is quarantine-10', zone: { '_dmarc.example.com': at(`v=DMARC1; p=quarantine; pct=0; t=y; ${RUA}`) }, code: 'dmarc-rollout-stage', severity: 'info', fix: /\(quarantine-10\): v=DMARC1; p=quarantine; np=reject; t=y; pct=10; rua=/, absent: ['dmarc-pct-partial', 'dmarc-testing'] },
  { name: 'pct=10 without t=y is off the ladder: mapped to quarantine-10, next record keeps RFC 9989 receivers at quarantine (no t=y, no step back to pct=0)', zone: { '_dmarc.example.com': at(`v=DMARC1; p=quarantine; pct=10; ${RUA}`) }, code: 'dmarc-pct-partial', severity: 'warning', fix: /\(quarantine-25\).*: v=DMARC1; p=quarantine; np=reject; pct=25; rua=mailto:dmarc@example\.com$/ },
  { name: 'p=none: the first step of the rollout is the test stage, not p=quarantine', zone: { '_dmarc.example.com': at(`v=DMARC1; p=none; ${RUA}`) }, code: 'dmarc-policy-none', severity: 'warning', fix: /first step of the rollout \(test\): v=DMARC1; p=quarantine; np=reject; t=y; pct=0; rua=mailto:dmarc@example\.com$/ },
  { name: 'RFC 9989 §4.7: t=y is a weak policy', zone: { '_dmarc.example.com': at(`v=DMARC1; p=reject; t=y; ${RUA}`) }, code: 'dmarc-testing', severity: 'warning', message: /quarantine instead of reject.*RFC 7489 receivers ignore t/ },
  { name: 'RFC 9989 §4.7: t=y does nothing with p=none', zone: { '_dmarc.example.com': at(`v=DMARC1; p=none; t=y; ${RUA}`) }, code: 'dmarc-testing', severity: 'info' },
  { name: 'RFC 9990 §2: no rua', zone: { '_dmarc.example.com': at('v=DMARC1; p=reject') }, code: 'dmarc-no-rua', severity: 'warning', fix: /rua=mailto:dmarc-reports@example\.com/ },
  { name: 'RFC 7489 §7.1: external rua not authorised', zone: { '_dmarc.example.com': at('v=DMARC1; p=reject; rua=mailto:d@reports.example.net') }, code: 'dmarc-rua-unauthorized', severity: 'error', fix: /example\.com\._report\._dmarc\.reports\.example\.net\. 3600 IN TXT "v=DMARC1"/ },
  { name: 'RFC 9991 §5: external ruf not authorised', zone: { '_dmarc.example.com': at(`v=DMARC1; p=reject; ${RUA}; ruf=mailto:f@reports.example.net`) }, code: 'dmarc-ruf-unauthorized', severity: 'error' },
  { name: 'RFC 7489 §7.1 step 4: the authorisation redirects to another host', zone: { '_dmarc.example.com': at('v=DMARC1; p=reject; rua=mailto:d@reports.example.net'), 'example.com._report._dmarc.reports.example.net': at('v=DMARC1; rua=mailto:x@other.example.org') }, code: 'dmarc-rua-unauthorized', severity: 'error', message: /to neither/ },
  { name: 'RFC 7489 §7.1: authorised destination', zone: { '_dmarc.example.com': at('v=DMARC1; p=reject; rua=mailto:d@reports.example.net'), 'example.com._report._dmarc.reports.example.net': at('v=DMARC1') }, code: 'dmarc-report-destination-authorized', severity: 'ok', absent: ['dmarc-rua-unauthorized'] },
  { name: 'RFC 7489 §7.1: wildcard authorisation', zone: { '_dmarc.example.com': at('v=DMARC1; p=reject; rua=mailto:d@reports.example.net'), '*._report._dmarc.reports.example.net': at('v=DMARC1;') }, code: 'dmarc-report-destination-authorized', severity: 'ok', message: /wildcard/ },
  { name: 'same Organizational Domain needs no authorisation', zone: { '_dmarc.example.com': at('v=DMARC1; p=reject; rua=mailto:d@reports.example.com') }, code: 'dmarc-ok', severity: 'ok', absent: ['dmarc-rua-unauthorized'] },
  { name: 'DNS error while verifying a destination', zone: { '_dmarc.example.com': at('v=DMARC1; p=reject; rua=mailto:d@reports.example.net'), 'example.com._report._dmarc.reports.example.net': 'timeout' }, code: 'dmarc-dns-error', severity: 'error', absent: ['dmarc-rua-unauthorized'] },
  { name: 'RFC 9990 §4 step 4: authorisation name too long', zone: { [`_dmarc.${'a'.repeat(60)}.${'b'.repeat(60)}.example.com`]: at(`v=DMARC1; p=reject; rua=mailto:d@${'c'.repeat(60)}.${'d'.repeat(60)}.example.net`) }, domain: `${'a'.repeat(60)}.${'b'.repeat(60)}.example.com`, code: 'dmarc-report-destination-unverifiable', severity: 'warning' },
  { name: 'RFC 7489 §6.2: more than two rua URIs', zone: { '_dmarc.example.com': at('v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:b@example.com,mailto:c@example.com') }, code: 'dmarc-too-many-report-uris', severity: 'warning' },
  { name: 'duplicate rua URI', zone: { '_dmarc.example.com': at('v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:A@example.com') }, code: 'dmarc-duplicate-report-uri', severity: 'warning' },
  { name: 'report URI scheme other than mailto/https', zone: { '_dmarc.example.com': at(`v=DMARC1; p=reject; ${RUA},ftp://example.com/x`) }, code: 'dmarc-report-uri-scheme', severity: 'warning' },
  { name: 'https-only rua', zone: { '_dmarc.example.com': at('v=DMARC1; p=reject; rua=https://example.com/dmarc') }, code: 'dmarc-report-uri-scheme', severity: 'info' },
  { name: 'RFC 9989 App. C.4: !size obsolete', zone: { '_dmarc.example.com': at(`v=DMARC1; p=reject; ${RUA}!10m`) }, code: 'dmarc-report-uri-size', severity: 'warning', fix: /rua=mailto:dmarc@example\.com$/ },
  { name: 'RFC 9989 App. C.5.2: removed tags', zone: { '_dmarc.example.com': at(`v=DMARC1; p=reject; ri=3600; ${RUA}`) }, code: 'dmarc-removed-tag', severity: 'info' },
  { name: 'RFC 7489 §6.3: fo without ruf', zone: { '_dmarc.example.com': at(`v=DMARC1; p=reject; fo=1; ${RUA}`) }, code: 'dmarc-fo-without-ruf', severity: 'warning' },
  { name: 'duplicate tag', zone: { '_dmarc.example.com': at(`v=DMARC1; p=reject; p=none; ${RUA}`) }, code: 'dmarc-duplicate-tag', severity: 'error' },
  { name: 'unknown tag', zone: { '_dmarc.example.com': at(`v=DMARC1; p=reject; ${RUA}; pc=50`) }, code: 'dmarc-unknown-tag', severity: 'warning' },
  { name: 'RFC 7489 requires p', zone: { '_dmarc.example.com': at(`v=DMARC1; ${RUA}`) }, code: 'dmarc-policy-missing', severity: 'warning' },
  { name: 'RFC 7489 §6.3: p after another tag', zone: { '_dmarc.example.com': at(`v=DMARC1; ${RUA}; p=reject`) }, code: 'dmarc-policy-not-second', severity: 'warning' },
  { name: 'RFC 9989 §4.10.1: invalid p and no rua: no DMARC at all', zone: { '_dmarc.example.com': at('v=DMARC1; p=rejetc') }, code: 'dmarc-policy-invalid', severity: 'error' },
  { name: 'inheritance: what subdomains get', zone: { '_dmarc.example.com': at(`v=DMARC1; p=reject; sp=quarantine; np=reject; ${RUA}`) }, code: 'dmarc-subdomain-inheritance', severity: 'info', message: /existing ones quarantine, non-existent ones reject under RFC 9989; RFC 7489 receivers have no np and apply quarantine/ },
  { name: 'a subdomain inherits the Organizational Domain record', zone: { '_dmarc.example.com': at(good) }, domain: 'mail.example.com', code: 'dmarc-inherited', severity: 'info', absent: ['dmarc-missing'] },
  { name: 'sp in a record below the Organizational Domain is ignored', zone: { '_dmarc.mail.example.com': at(`v=DMARC1; p=reject; sp=none; ${RUA}`), '_dmarc.example.com': at(good) }, domain: 'mail.example.com', code: 'dmarc-subdomain-policy-ignored', severity: 'info' },
  { name: 'psd=y on an ordinary domain', zone: { '_dmarc.example.com': at(`v=DMARC1; p=reject; psd=y; ${RUA}`) }, code: 'dmarc-psd-unexpected', severity: 'warning' },
  { name: 'RFC 9991 §2: ruf with psd=y', zone: { '_dmarc.com': at('v=DMARC1; p=reject; psd=y; rua=mailto:a@com-registry.example; ruf=mailto:f@com-registry.example'), 'com-registry.example._report._dmarc.com-registry.example': at('v=DMARC1') }, domain: 'com', code: 'dmarc-psd-ruf', severity: 'warning' },
  { name: 'RFC 9989 App. C.3: generations disagree', zone: { '_dmarc.sub.example.com': at([good, 'v=DMARC1; p=none']), '_dmarc.example.com': at(good) }, domain: 'sub.example.com', code: 'dmarc-discovery-differs', severity: 'warning' },
  { name: 'a timeout is temperror, never missing', zone: { '_dmarc.example.com': 'timeout' }, code: 'dmarc-dns-error', severity: 'error', absent: ['dmarc-missing', 'dmarc-ok'] },
  { name: 'SERVFAIL at the Organizational Domain while inheriting', zone: { '_dmarc.example.com': 'servfail' }, domain: 'mail.example.com', code: 'dmarc-dns-error', severity: 'error', absent: ['dmarc-missing'] },
  { name: 'an invalid domain name', zone: {}, domain: 'not a domain', code: 'dmarc-invalid-domain', severity: 'error' },
  { name: 'a clean record says what was checked', zone: { '_dmarc.example.com': at(good) }, code: 'dmarc-ok', severity: 'ok', message: /p=reject/ },
];

for (const row of rows) {
  test(`checkDmarc ${row.code}: ${row.name}`, async () => {
    const result = await checkDmarc(row.domain ?? 'example.com', { resolver: new MemoryResolver(row.zone) });
    const hit = result.findings.find((f) => f.code === row.code && f.severity === row.severity && (!row.message || row.message.test(f.message)) && (!row.fix || row.fix.test(f.fix)));
    assert.ok(hit, `no ${row.code}/${row.severity} matching in:\n${result.findings.map((f) => `${f.severity} ${f.code}: ${f.message} | ${f.fix}`).join('\n')}`);
    for (const code of row.absent ?? []) assert.ok(!result.findings.some((f) => f.code === code), `unexpected ${code}`);
    assert.doesNotThrow(() => JSON.stringify(result));
  });
}

test('every finding has a message, an RFC section, and a fix unless ok/info', async () => {
  const zone: MemoryZone = { '_dmarc.example.com': at('v=DMARC1; p=none; pct=50; sp=none; fo=1; t=y; rua=mailto:a@reports.example.net!5m,ftp://x.example.com/') };
  const { findings } = await checkDmarc('example.com', { resolver: new MemoryResolver(zone) });
  assert.ok(findings.length > 5);
  for (const f of findings) {
    assert.ok(f.message.length > 20 && f.rfc.startsWith('RFC'), f.code);
    if (f.severity === 'error' || f.severity === 'warning') assert.ok(f.fix.length > 0, `${f.code} has no fix`);
  }
});

test('records: what was found, JSON-serialisable, with the governing policy for BIMI', async () => {
  const zone: MemoryZone = { '_dmarc.example.com': at(`v=DMARC1; p=quarantine; sp=reject; pct=50; ${RUA}`), '_dmarc.mail.example.com': { TXT: [['v=DMARC1; p=none', '; sp=none']] } };
  const own = await checkDmarc('Example.COM.', { resolver: new MemoryResolver(zone) });
  assert.equal(own.records.domain, 'example.com');
  assert.deepEqual(own.records.policy, { policy: 'quarantine', pct: 50, testing: false });
  assert.equal(own.records.applied?.name, '_dmarc.example.com');
  const sub = await checkDmarc('shop.example.com', { resolver: new MemoryResolver(zone) });
  assert.deepEqual(sub.records.policy, { policy: 'reject', pct: 50, testing: false });
  assert.equal(sub.records.applied?.inherited, true);
  // TXT strings are joined before parsing (RFC 7489 §6.1).
  const split = await checkDmarc('mail.example.com', { resolver: new MemoryResolver(zone) });
  assert.deepEqual(split.records.txt, ['v=DMARC1; p=none; sp=none']);
  const roundTrip = JSON.parse(JSON.stringify(split)) as typeof split;
  assert.equal(roundTrip.records.discovery.rfc9989.policyDomain, 'mail.example.com');
});

test('U-label domains are queried as A-labels (RFC 7489 §6.6.1)', async () => {
  const resolver = new MemoryResolver({ '_dmarc.xn--bcher-kva.example': at('v=DMARC1; p=reject; rua=mailto:d@xn--bcher-kva.example') });
  const result = await checkDmarc('bücher.example', { resolver });
  assert.equal(result.records.domain, 'xn--bcher-kva.example');
  assert.ok(result.findings.some((f) => f.code === 'dmarc-ok'), JSON.stringify(result.findings));
});

/** The params of the one finding with `code` for `domain` in `zone`. */
async function paramsOf(zone: MemoryZone, code: string, domain = 'example.com'): Promise<Readonly<Record<string, unknown>>> {
  const { findings } = await checkDmarc(domain, { resolver: new MemoryResolver(zone) });
  const hit = findings.filter((f) => f.code === code);
  assert.equal(hit.length, 1, `${code} in ${JSON.stringify(findings.map((f) => f.code))}`);
  return hit[0]?.params ?? {};
}

test('params: dmarc-syntax-error names the tag, the value, its offset, the allowed values and the suggestion', async () => {
  assert.deepEqual(await paramsOf({ '_dmarc.example.com': at(`v=DMARC1; p=rejetc; ${RUA}`) }, 'dmarc-syntax-error'), {
    name: '_dmarc.example.com',
    policyDomain: 'example.com',
    tag: 'p',
    offset: 12,
    value: 'rejetc',
    allowed: ['none', 'quarantine', 'reject'],
    suggestion: 'reject',
  });
});

test('params: dmarc-pct-partial says what each generation applies', async () => {
  const params = await paramsOf({ '_dmarc.example.com': at(`v=DMARC1; p=reject; pct=25; t=y; ${RUA}`) }, 'dmarc-pct-partial');
  assert.deepEqual({ pct: params['pct'], policy: params['policy'], testing: params['testing'], rfc7489Policy: params['rfc7489Policy'], rfc9989Policy: params['rfc9989Policy'] }, { pct: 25, policy: 'reject', testing: true, rfc7489Policy: 'reject', rfc9989Policy: 'quarantine' });
});

test('params: dmarc-missing gives the record to publish and where', async () => {
  assert.deepEqual(await paramsOf({}, 'dmarc-missing', 'mail.example.com'), {
    name: '_dmarc.mail.example.com',
    domain: 'mail.example.com',
    organizationalDomain: 'example.com',
    record: 'v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com',
    publishAt: '_dmarc.example.com',
  });
});

test('params: dmarc-rua-unauthorized names the URI, its host and the authorisation record to publish', async () => {
  const params = await paramsOf({ '_dmarc.example.com': at('v=DMARC1; p=reject; rua=mailto:d@reports.example.net') }, 'dmarc-rua-unauthorized');
  assert.equal(params['uri'], 'mailto:d@reports.example.net');
  assert.equal(params['host'], 'reports.example.net');
  assert.equal(params['authorizationName'], 'example.com._report._dmarc.reports.example.net');
  assert.equal(params['record'], 'v=DMARC1');
});

test('params: dmarc-dns-error names the failure apart from the resolver message', async () => {
  const params = await paramsOf({ '_dmarc.example.com': 'timeout' }, 'dmarc-dns-error');
  assert.deepEqual({ name: params['name'], type: params['type'], failure: params['failure'] }, { name: '_dmarc.example.com', type: 'TXT', failure: 'timeout' });
  assert.match(String(params['error']), /timeout/);
});

test('params: dmarc-discovery-differs gives each generation its outcome and name', async () => {
  const params = await paramsOf({ '_dmarc.sub.example.com': at([good, 'v=DMARC1; p=none']), '_dmarc.example.com': at(good) }, 'dmarc-discovery-differs', 'sub.example.com');
  assert.deepEqual(
    { rfc7489: params['rfc7489'], rfc7489Name: params['rfc7489Name'], rfc9989: params['rfc9989'], rfc9989Name: params['rfc9989Name'], discarded: params['discarded'] },
    { rfc7489: 'multiple', rfc7489Name: '_dmarc.sub.example.com', rfc9989: 'found', rfc9989Name: '_dmarc.example.com', discarded: ['_dmarc.sub.example.com'] },
  );
});
