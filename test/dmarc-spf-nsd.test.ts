/**
 * The DMARC and SPF checks against nsd on loopback serving test/fixtures/dns/ (one name per finding
 * code: example.test/70-dmarc.zone and 80-spf.zone, the Organizational Domain cases in
 * orgcase.test, report destinations in example.net, and the zone of the TLD `test` so that the
 * RFC 9989 tree walk's `_dmarc.test` gets NXDOMAIN), through the real node:dns adapter. Then the
 * resilience rules against a deliberately misbehaving server: a timeout or SERVFAIL is a
 * `*-dns-error` and never `*-missing`, and a truncated UDP answer is fetched again over TCP.
 *
 * Not made with DNS data: `dmarc-invalid-domain` (the input, not the zone: tested here without a
 * query), `dmarc-external-destination` (`record dmarc` only), `spf-string-too-long` (a zone file
 * cannot hold a character-string over 255 octets, nsd refuses it, so only broken DNS software could
 * serve one: covered by the unit tests with the in-memory resolver).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createNodeResolver } from '../src/dns/node-resolver.js';
import { checkDmarc } from '../src/evaluate/check-dmarc.js';
import { checkSpf } from '../src/evaluate/check-spf.js';
import type { Finding } from '../src/evaluate/finding.js';
import type { MisbehavingDns } from './helpers/misbehaving-dns.js';
import { startMisbehavingDns } from './helpers/misbehaving-dns.js';
import { startNsd } from './helpers/nsd.js';

const nsd = await startNsd();
const skip = 'skip' in nsd ? nsd.skip : false;
const resolver = createNodeResolver({ servers: ['server' in nsd ? nsd.server : '127.0.0.1:9'], timeoutMs: 2000, tries: 1 });
after(() => ('stop' in nsd ? nsd.stop() : undefined));

/** Severity and code of each finding; where a record is on the rollout ladder (info, wherever one applies) is left out: dmarc-ladder and check-dmarc tests cover it. */
const codes = (findings: readonly Finding[]): string[] => findings.map((f) => `${f.severity}:${f.code}`).filter((c) => c !== 'info:dmarc-rollout-stage');

/** Every case under dmarc.example.test is its own policy domain, below the PSL Organizational Domain example.test: RFC 9989's walk takes it as its own Organizational Domain, hence this info. */
const DIFFERS = 'info:dmarc-discovery-differs';
const LONG = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(60)}.unverifiable`;

describe('DMARC against nsd', () => {
  const rows: { name: string; domain: string; expected: string[]; message?: RegExp }[] = [
    { name: 'RFC 7489 §6.6.3, RFC 9989 §4.10: one valid record', domain: 'ok', expected: [DIFFERS, 'ok:dmarc-ok'] },
    { name: 'RFC 9989 §4.10.1: no record at the domain, example.test or test (NXDOMAIN up the walk)', domain: 'missing', expected: ['error:dmarc-missing'] },
    { name: 'RFC 7489 §6.1: a record at the domain itself instead of _dmarc', domain: 'misplaced', expected: ['error:dmarc-record-misplaced', 'error:dmarc-missing'], message: /Publish it at _dmarc\.misplaced\.dmarc\.example\.test/ },
    { name: 'RFC 7489 §6.6.3, RFC 9989 §4.10: two records (7489 stops, 9989 discards and walks on)', domain: 'multiple', expected: ['error:dmarc-multiple-records', 'warning:dmarc-discovery-differs'] },
    { name: 'RFC 7489 §6.3: p=rejetc, with a "did you mean"', domain: 'syntax', expected: ['error:dmarc-syntax-error', 'warning:dmarc-policy-none', DIFFERS], message: /invalid value "rejetc".*did you mean "reject"/ },
    { name: 'RFC 7489 §6.4: v=dmarc1 is not DMARC for receivers', domain: 'lowercase', expected: ['error:dmarc-syntax-error', 'error:dmarc-missing'] },
    { name: 'RFC 7489 §6.4: a tag twice', domain: 'duplicate', expected: ['error:dmarc-duplicate-tag', 'warning:dmarc-policy-none', DIFFERS] },
    { name: 'RFC 7489 §6.3: an unknown tag (pc=50)', domain: 'unknown', expected: ['warning:dmarc-unknown-tag', DIFFERS] },
    { name: 'RFC 7489 §6.3: no p', domain: 'nopolicy', expected: ['warning:dmarc-policy-missing', 'warning:dmarc-policy-none', DIFFERS] },
    { name: 'RFC 7489 §6.3: p not right after v', domain: 'notsecond', expected: ['warning:dmarc-policy-not-second', DIFFERS] },
    { name: 'RFC 7489 §6.6.3: no valid p and no rua', domain: 'invalid', expected: ['error:dmarc-syntax-error', 'error:dmarc-policy-invalid', 'warning:dmarc-no-rua', DIFFERS] },
    { name: 'RFC 7489 §6.3: p=none', domain: 'none', expected: ['warning:dmarc-policy-none', DIFFERS] },
    { name: 'RFC 7489 §6.6.4, RFC 9989 App. C.5.2: pct=25', domain: 'pct', expected: ['warning:dmarc-removed-tag', 'warning:dmarc-pct-partial', DIFFERS], message: /RFC 9989 receivers ignore pct/ },
    { name: 'RFC 9989 App. A.6: pct=0; t=y, the test stage of both generations (the planner\'s reject-test stage: no warning about its own tags)', domain: 'testpair', expected: ['info:dmarc-removed-tag', DIFFERS, 'ok:dmarc-ok'] },
    { name: 'RFC 9989 §4.7: t=y with p=reject', domain: 'testing', expected: ['warning:dmarc-testing', DIFFERS] },
    { name: 'RFC 9989 App. C.5.2: rf and ri removed', domain: 'removed', expected: ['info:dmarc-removed-tag', 'info:dmarc-removed-tag', DIFFERS, 'ok:dmarc-ok'] },
    { name: 'RFC 9990 §2: no rua', domain: 'norua', expected: ['warning:dmarc-no-rua', DIFFERS] },
    { name: 'RFC 7489 §6.2: three rua URIs', domain: 'toomanyuris', expected: ['warning:dmarc-too-many-report-uris', DIFFERS] },
    { name: 'RFC 7489 §6.2: the same rua URI twice', domain: 'duplicateuri', expected: ['warning:dmarc-duplicate-report-uri', DIFFERS] },
    { name: 'RFC 7489 §6.2: an https rua only', domain: 'https', expected: ['info:dmarc-report-uri-scheme', DIFFERS, 'ok:dmarc-ok'] },
    { name: 'RFC 9989 App. C.4: a !size suffix', domain: 'size', expected: ['warning:dmarc-report-uri-size', DIFFERS] },
    { name: 'RFC 7489 §6.3: fo without ruf', domain: 'fo', expected: ['warning:dmarc-fo-without-ruf', DIFFERS] },
    { name: 'RFC 7489 §7.1: rua to another organisation that does not authorise it', domain: 'unauthorized', expected: ['error:dmarc-rua-unauthorized', DIFFERS], message: /unauthorized\.dmarc\.example\.test\._report\._dmarc\.reports\.example\.net\. 3600 IN TXT "v=DMARC1"/ },
    { name: 'RFC 7489 §7.1: rua authorised by <domain>._report._dmarc.<host>', domain: 'authorized', expected: ['ok:dmarc-report-destination-authorized', DIFFERS, 'ok:dmarc-ok'] },
    { name: 'RFC 7489 §7.1: rua authorised by a wildcard *._report._dmarc.<host>', domain: 'wildcard', expected: ['ok:dmarc-report-destination-authorized', DIFFERS, 'ok:dmarc-ok'] },
    { name: 'RFC 7489 §7.1 step 4: the authorisation sends the reports to a third host', domain: 'replaced', expected: ['error:dmarc-rua-unauthorized', DIFFERS], message: /to neither/ },
    { name: 'RFC 9991 §5: ruf to another organisation that does not authorise it', domain: 'ruf', expected: ['error:dmarc-ruf-unauthorized', DIFFERS] },
    { name: 'RFC 9990 §4 step 4: the authorisation name is over 253 characters', domain: LONG, expected: ['warning:dmarc-report-destination-unverifiable', DIFFERS] },
    { name: 'RFC 7489 §6.6.3: an SPF record at _dmarc', domain: 'spfat', expected: ['warning:dmarc-non-dmarc-txt', DIFFERS] },
    { name: 'RFC 9989 §4.10: another TXT record at _dmarc', domain: 'othertxt', expected: ['info:dmarc-non-dmarc-txt', DIFFERS, 'ok:dmarc-ok'] },
    { name: 'RFC 7489 §6.3: sp below the Organizational Domain is ignored', domain: 'spignored', expected: ['info:dmarc-subdomain-policy-ignored', DIFFERS, 'ok:dmarc-ok'] },
    { name: 'RFC 9989 §4.10.2: psd=y on a name that is no public suffix', domain: 'psd', expected: ['warning:dmarc-psd-unexpected', DIFFERS] },
    { name: 'RFC 9991 §2: psd=y with ruf', domain: 'psdruf', expected: ['warning:dmarc-psd-unexpected', 'warning:dmarc-psd-ruf', DIFFERS] },
    { name: 'RFC 9989 App. C.3: the tree walk finds a parent record the PSL lookup never sees', domain: 'host.walk', expected: ['info:dmarc-inherited', 'warning:dmarc-discovery-differs'], message: /RFC 7489 receivers .* find no record .* RFC 9989 receivers .* apply the record at _dmarc\.walk\.dmarc\.example\.test/ },
  ];
  for (const row of rows) {
    const domain = `${row.domain}.dmarc.example.test`;
    test(`${row.name}: ${row.domain.length > 40 ? '<long>' : row.domain}.dmarc → ${row.expected.join(', ')}`, { skip }, async () => {
      const { findings } = await checkDmarc(domain, { resolver });
      assert.deepEqual(codes(findings), row.expected, JSON.stringify(findings, null, 1));
      if (row.message) assert.match(findings.map((f) => `${f.message} ${f.fix}`).join('\n'), row.message);
    });
  }

  test('RFC 7489 §6.3: sp=none at the Organizational Domain orgcase.test', { skip }, async () => {
    const { findings } = await checkDmarc('orgcase.test', { resolver });
    assert.deepEqual(codes(findings), ['warning:dmarc-subdomain-policy-none', 'info:dmarc-subdomain-inheritance']);
  });

  test('RFC 7489 §6.6.3, RFC 9989 §4.10.1: mail.orgcase.test inherits sp=none from its Organizational Domain', { skip }, async () => {
    const { findings, records } = await checkDmarc('mail.orgcase.test', { resolver });
    assert.deepEqual(codes(findings), ['warning:dmarc-policy-none', 'info:dmarc-inherited']);
    assert.equal(records.applied?.name, '_dmarc.orgcase.test');
    assert.equal(records.applied?.inherited, true);
    assert.deepEqual(records.policy, { policy: 'none', pct: 100, testing: false });
  });

  test('RFC 1035 §2.3.1: not a domain name → dmarc-invalid-domain, no query made', { skip }, async () => {
    const { findings } = await checkDmarc('not a domain', { resolver });
    assert.deepEqual(codes(findings), ['error:dmarc-invalid-domain']);
  });

  test('the cases do not inherit from one another: both discoveries of "missing" walk to _dmarc.test and find nothing', { skip }, async () => {
    const { records } = await checkDmarc('missing.dmarc.example.test', { resolver });
    assert.deepEqual(
      records.discovery.rfc9989.lookups.map((l) => `${l.name} ${l.status}`),
      ['_dmarc.missing.dmarc.example.test nxdomain', '_dmarc.dmarc.example.test nxdomain', '_dmarc.example.test nxdomain', '_dmarc.test nxdomain'],
    );
    assert.deepEqual(records.discovery.rfc7489.lookups.map((l) => l.name), ['_dmarc.missing.dmarc.example.test', '_dmarc.example.test']);
  });
});

describe('SPF against nsd', () => {
  const rows: { name: string; domain: string; expected: string[]; message?: RegExp }[] = [
    { name: 'RFC 7208 §4.6.4: a valid record within the limits', domain: 'ok', expected: ['info:spf-lookup-count', 'ok:spf-ok'] },
    { name: 'RFC 7208 §4.5: TXT records, none SPF', domain: 'missing', expected: ['error:spf-missing'] },
    { name: 'RFC 7208 §4.5: a v=spf10 lookalike is quoted', domain: 'lookalike', expected: ['error:spf-missing'], message: /looks meant as SPF.*v=spf10/ },
    { name: 'RFC 7208 §4.5: NXDOMAIN', domain: 'nonexistent', expected: ['error:spf-missing'] },
    { name: 'RFC 7208 §4.5: two records', domain: 'multiple', expected: ['error:spf-multiple-records'] },
    { name: 'RFC 7208 §4.6: ip4 prefix /33', domain: 'syntax', expected: ['error:spf-syntax-error'] },
    { name: 'RFC 7208 §4.6.4: 12 lookups through nested includes, with the cost of each', domain: 'toomany', expected: ['error:spf-too-many-lookups'], message: /needs 12 DNS-querying terms.*mx 1, include:l1\.toomany\.spf\.example\.test 9 \(.*include:l3\.toomany\.spf\.example\.test 4\), include:l2\.toomany\.spf\.example\.test 2/ },
    { name: 'RFC 7208 §4.6.4: three void lookups', domain: 'void', expected: ['warning:spf-void-lookup', 'warning:spf-void-lookup', 'warning:spf-void-lookup', 'info:spf-lookup-count', 'error:spf-too-many-void-lookups'] },
    { name: 'RFC 7208 §4.6.4: one void lookup', domain: 'onevoid', expected: ['warning:spf-void-lookup', 'info:spf-lookup-count'] },
    { name: 'RFC 7208 §5.1: +all', domain: 'permissive', expected: ['error:spf-permissive-all'] },
    { name: 'RFC 7208 §5.1, §10.1: an include that ends in +all', domain: 'inclall', expected: ['error:spf-permissive-all', 'info:spf-lookup-count'], message: /include passes for every server/ },
    { name: 'RFC 7208 §8.2: ?all', domain: 'neutral', expected: ['warning:spf-neutral-all'] },
    { name: 'RFC 7208 §4.7: no all', domain: 'noall', expected: ['warning:spf-no-all'] },
    { name: 'RFC 7208 §5.5: ptr', domain: 'ptr', expected: ['warning:spf-ptr-used', 'info:spf-lookup-count'] },
    { name: 'RFC 7208 §4.6.4: include loop A → B → A', domain: 'loop', expected: ['error:spf-include-loop', 'info:spf-lookup-count'], message: /back\.loop\.spf\.example\.test/ },
    { name: 'RFC 7208 §5.2: include of a name without SPF', domain: 'inclmissing', expected: ['error:spf-include-missing', 'info:spf-lookup-count'] },
    { name: 'RFC 7208 §5.2: include of a record with a syntax error', domain: 'inclinvalid', expected: ['error:spf-include-invalid', 'info:spf-lookup-count'] },
    { name: 'RFC 7208 §6.1: redirect to a valid record', domain: 'redirect', expected: ['info:spf-lookup-count', 'ok:spf-ok'] },
    { name: 'RFC 7208 §6.1: redirect to a name without SPF', domain: 'redirmissing', expected: ['error:spf-redirect-missing', 'info:spf-lookup-count'] },
    { name: 'RFC 7208 §6.1: redirect beside all is ignored', domain: 'redirignored', expected: ['warning:spf-redirect-ignored'] },
    { name: 'RFC 7208 §5.1: terms after all', domain: 'afterall', expected: ['warning:spf-terms-after-all'] },
    { name: 'RFC 7208 §4.6.4: mx with 11 MX names', domain: 'toomanymx', expected: ['error:spf-too-many-mx-names', 'info:spf-lookup-count'] },
    { name: 'RFC 7208 §7: macros make the count a lower bound', domain: 'macro', expected: ['info:spf-lookup-count', 'info:spf-macro-used', 'ok:spf-ok'], message: /at least 1 of 10/ },
    { name: 'RFC 7208 §6.2: exp= to a name without TXT', domain: 'exp', expected: ['warning:spf-exp-invalid'] },
    { name: 'RFC 7208 §3.4: a record in three strings, answer over 450 octets', domain: 'large', expected: ['warning:spf-record-too-large'], message: /over the 450 octets/ },
    { name: 'RFC 7208 §3.4: answer over 512 octets (needs EDNS0 or TCP)', domain: 'huge', expected: ['warning:spf-record-too-large'], message: /over the 512 octets/ },
  ];
  for (const row of rows) {
    test(`${row.name}: ${row.domain}.spf → ${row.expected.join(', ')}`, { skip }, async () => {
      const { findings } = await checkSpf(`${row.domain}.spf.example.test`, { resolver });
      assert.deepEqual(codes(findings), row.expected, JSON.stringify(findings, null, 1));
      if (row.message) assert.match(findings.map((f) => f.message).join('\n'), row.message);
    });
  }

  test('records: the strings as published, the tree counts and the flattened networks', { skip }, async () => {
    const large = await checkSpf('large.spf.example.test', { resolver });
    assert.equal(large.records.strings?.length, 3);
    assert.equal(large.records.strings?.join(''), large.records.record);
    assert.ok((large.records.answerOctets ?? 0) > 450 && (large.records.answerOctets ?? 0) < 512);
    assert.equal(large.records.networks.length, 23);
    const toomany = await checkSpf('toomany.spf.example.test', { resolver });
    assert.deepEqual([toomany.records.lookups, toomany.records.voidLookups], [12, 0]);
    const ok = await checkSpf('ok.spf.example.test', { resolver });
    // Networks are listed as their lookups complete, not in record order.
    assert.deepEqual(ok.records.networks.map((n) => `${n.network} ${n.result} ${n.term}`).sort(), ['192.0.2.40/32 pass mx', '198.51.100.0/24 pass ip4:198.51.100.0/24']);
  });
});

describe('resilience against a misbehaving server', () => {
  let dns: MisbehavingDns;
  before(async () => {
    dns = await startMisbehavingDns({
      '_dmarc.slow.test': { kind: 'silent' },
      '_dmarc.parentslow.test': { kind: 'silent' },
      'servfail.test': { kind: 'rcode', rcode: 'servfail' },
      'refused.test': { kind: 'rcode', rcode: 'refused' },
      'incl.test': { kind: 'records', txt: [['v=spf1 include:broken.test -all']] },
      'broken.test': { kind: 'rcode', rcode: 'servfail' },
      '_dmarc.truncated.test': { kind: 'records', txt: [['v=DMARC1; p=reject; ', 'rua=mailto:dmarc@truncated.test']], truncateUdp: true },
      'truncated.test': { kind: 'records', txt: [['v=spf1 ip4:192.0.2.0/24 -all']], truncateUdp: true },
      '_dmarc.dest.test': { kind: 'records', txt: [['v=DMARC1; p=reject; rua=mailto:dmarc@reports.example.org']] },
      'dest.test._report._dmarc.reports.example.org': { kind: 'rcode', rcode: 'servfail' },
    });
  });
  after(() => dns.stop());
  const quick = () => createNodeResolver({ servers: [dns.server], timeoutMs: 300, tries: 1 });

  test('RFC 7489 §6.6.3: _dmarc times out → dmarc-dns-error, never dmarc-missing', async () => {
    const { findings, records } = await checkDmarc('slow.test', { resolver: quick() });
    assert.deepEqual(codes(findings), ['error:dmarc-dns-error']);
    assert.match(findings[0]?.message ?? '', /_dmarc\.slow\.test failed .*unknown \(temperror\), not missing/);
    assert.equal(records.discovery.rfc7489.outcome, 'dns-error');
  });

  test('RFC 9989 §4.10: the tree walk times out on the parent → dmarc-dns-error, never dmarc-missing', async () => {
    const { findings } = await checkDmarc('sub.parentslow.test', { resolver: quick() });
    assert.deepEqual(codes(findings), ['error:dmarc-dns-error']);
    assert.equal(findings[0]?.name, '_dmarc.parentslow.test');
  });

  test('RFC 7489 §7.1: the _report._dmarc lookup fails → dmarc-dns-error, not dmarc-rua-unauthorized', async () => {
    const { findings } = await checkDmarc('dest.test', { resolver: quick() });
    assert.ok(codes(findings).includes('error:dmarc-dns-error'), codes(findings).join());
    assert.ok(!findings.some((f) => f.code === 'dmarc-rua-unauthorized' || f.code === 'dmarc-missing'));
  });

  for (const domain of ['servfail.test', 'refused.test']) {
    test(`RFC 7208 §4.4: ${domain} TXT → spf-dns-error (temperror), never spf-missing`, async () => {
      const { findings, records } = await checkSpf(domain, { resolver: quick() });
      assert.deepEqual(codes(findings), ['error:spf-dns-error']);
      assert.equal(records.status, 'dns-error');
    });
  }

  test('RFC 7208 §5.2: an include whose TXT lookup SERVFAILs → spf-dns-error, not spf-include-missing', async () => {
    const { findings } = await checkSpf('incl.test', { resolver: quick() });
    assert.ok(codes(findings).includes('error:spf-dns-error'), codes(findings).join());
    assert.ok(!findings.some((f) => f.code === 'spf-include-missing' || f.code === 'spf-missing'));
  });

  test('RFC 1035 §4.2.2: truncated UDP answers (TC=1) → the DMARC and SPF records are found over TCP', async () => {
    const resolver = createNodeResolver({ servers: [dns.server], timeoutMs: 1000, tries: 1 });
    const dmarc = await checkDmarc('truncated.test', { resolver });
    assert.equal(dmarc.records.applied?.text, 'v=DMARC1; p=reject; rua=mailto:dmarc@truncated.test');
    assert.ok(!dmarc.findings.some((f) => f.code === 'dmarc-missing' || f.code === 'dmarc-dns-error'), codes(dmarc.findings).join());
    const spf = await checkSpf('truncated.test', { resolver });
    assert.deepEqual(codes(spf.findings), ['ok:spf-ok']);
    const transports = (name: string, type: number) => dns.queries.filter((q) => q.name === name && q.type === type).map((q) => q.transport);
    assert.deepEqual(transports('_dmarc.truncated.test', 16), ['udp', 'tcp']);
    assert.deepEqual(transports('truncated.test', 16), ['udp', 'tcp']);
  });
});
