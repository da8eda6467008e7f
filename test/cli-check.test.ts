/**
 * `dmarcpilot check` as a user runs it (the built CLI, `--resolver` pointing at nsd on loopback
 * serving test/fixtures/dns/): the readable report with the records and fixes, `--json` one object
 * per domain per line, the exit status (0 clean, 1 an error finding, 2 bad usage), `--file`,
 * `--ip`, `--db` (each check saved; DKIM selectors learned from stored reports), and DNS that
 * cannot be read: a dead resolver, one domain's failing servers, a domain that does not exist,
 * each one finding naming the cause, the records "unknown" and never missing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { openStore } from '../src/store/open-store.js';
import { startMisbehavingDns } from './helpers/misbehaving-dns.js';
import { startNsd } from './helpers/nsd.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const built = existsSync(join(root, 'dist/cli/check-command.js'));
const nsd = built ? await startNsd() : { skip: 'dist/ is not built with the check command: run `npm run build` (npm test does)' };
const skip = 'skip' in nsd ? nsd.skip : false;
const server = 'server' in nsd ? nsd.server : '127.0.0.1:9';
after(() => ('stop' in nsd ? nsd.stop() : undefined));

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI without blocking the event loop, and without a store unless the test gives one. */
function run(args: string[]): Promise<Run> {
  const env = { ...process.env };
  delete env['DMARCPILOT_DB'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const check = (...args: string[]): Promise<Run> => run(['check', '--resolver', server, ...args]);

interface JsonFinding {
  code: string;
  severity: string;
  message: string;
  fix: string;
  rfc: string;
  params: Record<string, unknown>;
}
interface JsonResult {
  domain: string;
  checkedAt: string;
  summary: Record<string, number>;
  findings: JsonFinding[];
  dns: { status: string };
  state: Record<string, { state: string; failure?: string }>;
  records: {
    dmarc: { applied?: { name: string; text: string } };
    spf: { record?: string; lookups: number };
    dkim: { selectors: { selector: string; origin: string; status: string }[] };
    mx: { status: string };
    tlsRpt: { record?: { text: string } };
  };
  spfForIp?: { result: string; ip: string };
}

const parseLines = (stdout: string): JsonResult[] =>
  stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as JsonResult);

describe('check against nsd', { concurrency: 4 }, () => {
  test('a clean domain: exit 0, records as found, no error or warning (info notes allowed)', { skip }, async () => {
    const out = await check('clean.test', '--selectors', 's2026');
    assert.equal(out.status, 0, out.stdout + out.stderr);
    assert.match(out.stdout, /^clean\.test: 0 errors, 0 warnings, \d+ notes, \d+ checks passed/);
    assert.match(out.stdout, /DMARC {4}_dmarc\.clean\.test {2}"v=DMARC1; p=reject; rua=mailto:dmarc@reports\.example\.net"/);
    assert.match(out.stdout, /SPF {6}clean\.test {2}"v=spf1 mx ip4:198\.51\.100\.0\/24 -all" {2}\(1\/10 DNS lookups, 0\/2 void\)/);
    assert.match(out.stdout, /MX {7}10 mx1\.clean\.test/);
    assert.match(out.stdout, /DKIM {5}s2026 \(rsa 2048\)/);
    assert.match(out.stdout, /TLS-RPT {2}v=TLSRPTv1; rua=mailto:tlsrpt@clean\.test/);
    assert.doesNotMatch(out.stdout, /ERROR|WARNING/);
  });

  test('readable output: each finding with its fix and RFC section; exit 1 on an error finding', { skip }, async () => {
    const out = await check('unauthorized.dmarc.example.test', '--no-default-selectors');
    assert.equal(out.status, 1, out.stderr);
    assert.match(out.stdout, /DMARC {4}_dmarc\.unauthorized\.dmarc\.example\.test {2}"v=DMARC1; p=reject; rua=mailto:dmarc@reports\.example\.net"/);
    assert.match(out.stdout, /ERROR {3}dmarc-rua-unauthorized: mailto:dmarc@reports\.example\.net is in another organisation/);
    assert.match(out.stdout, /fix: The operator of reports\.example\.net must publish: unauthorized\.dmarc\.example\.test\._report\._dmarc\.reports\.example\.net\. 3600 IN TXT "v=DMARC1"/);
    assert.match(out.stdout, /see RFC 7489 §7\.1; RFC 9990 §4; RFC 9991 §5 \(at _dmarc\.unauthorized\.dmarc\.example\.test, rua\)/);
    // No SPF record there: missing (the zone answered), with the record to publish.
    assert.match(out.stdout, /ERROR {3}spf-missing: .*\n {13}fix: Publish one TXT record at unauthorized\.dmarc\.example\.test .*"v=spf1 -all"/);
  });

  test('--json: one object per domain per line, findings with code, severity, message, fix and rfc', { skip }, async () => {
    const out = await check('--json', '--no-default-selectors', 'clean.test', 'permissive.spf.example.test');
    assert.equal(out.status, 1, out.stderr);
    const lines = parseLines(out.stdout);
    assert.deepEqual(lines.map((r) => r.domain).sort(), ['clean.test', 'permissive.spf.example.test']);
    for (const result of lines) {
      assert.ok(!Number.isNaN(Date.parse(result.checkedAt)));
      for (const f of result.findings) {
        assert.deepEqual(['code', 'severity', 'message', 'fix', 'rfc'].filter((key) => typeof (f as unknown as Record<string, unknown>)[key] !== 'string'), [], JSON.stringify(f));
      }
    }
    const permissive = lines.find((r) => r.domain === 'permissive.spf.example.test') as JsonResult;
    const plusAll = permissive.findings.find((f) => f.code === 'spf-permissive-all');
    assert.equal(plusAll?.severity, 'error');
    assert.match(plusAll?.fix ?? '', /Replace "\+all" with "-all"/);
    assert.equal(plusAll?.rfc, 'RFC 7208 §5.1, §10.1');
    assert.equal(permissive.records.spf.record, 'v=spf1 ip4:192.0.2.1 +all');
    assert.equal(permissive.summary['error'], permissive.findings.filter((f) => f.severity === 'error').length);
    const clean = lines.find((r) => r.domain === 'clean.test') as JsonResult;
    assert.equal(clean.summary['error'], 0);
    assert.equal(clean.records.dmarc.applied?.name, '_dmarc.clean.test');
    assert.equal(clean.records.mx.status, 'ok');
  });

  test('--file: a list with comments and blank lines, plus a domain argument; a summary on stderr', { skip }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-check-'));
    const list = join(dir, 'domains.txt');
    writeFileSync(list, '# domains to check\n\nclean.test\n  none.dmarc.example.test   # monitoring only\n\n# the end\n');
    const out = await check('--no-default-selectors', '--file', list, 'orgcase.test');
    assert.equal(out.status, 1, out.stderr);
    const headers = out.stdout.split('\n').filter((line) => /^\S+: \d+ errors/.test(line)).map((line) => line.split(':')[0]);
    assert.deepEqual(headers.sort(), ['clean.test', 'none.dmarc.example.test', 'orgcase.test']);
    assert.match(out.stderr, /dmarcpilot check: 3 domains, 2 with errors/);
    const json = await check('--json', '--no-default-selectors', '--file', list);
    assert.deepEqual(parseLines(json.stdout).map((r) => r.domain).sort(), ['clean.test', 'none.dmarc.example.test']);
  });

  test('--ip: the SPF result that address gets, with the matching term', { skip }, async () => {
    const pass = await check('clean.test', '--no-default-selectors', '--ip', '198.51.100.7');
    assert.match(pass.stdout, /SPF for 198\.51\.100\.7: pass \(matched "ip4:198\.51\.100\.0\/24" in clean\.test\)/);
    const fail = await check('clean.test', '--no-default-selectors', '--ip', '203.0.113.9', '--json');
    assert.equal(parseLines(fail.stdout)[0]?.spfForIp?.result, 'fail');
  });

  for (const [name, args, reason] of [
    ['a bad domain', ['check', 'not a domain'], /not a domain name: not a domain/],
    ['no domain at all', ['check'], /give at least one domain/],
    ['a bad --resolver', ['check', 'clean.test', '--resolver', 'dns.example.test'], /--resolver: "dns\.example\.test" is not an IP address/],
    ['a bad --ip', ['check', 'clean.test', '--ip', '192.0.2.300'], /--ip: "192\.0\.2\.300" is not an IP address/],
    ['an unreadable --file', ['check', '--file', '/nonexistent/domains.txt'], /cannot read \/nonexistent\/domains\.txt/],
  ] as const) {
    test(`exit 2 for bad usage: ${name}`, { skip: built ? false : 'dist/ is not built' }, async () => {
      const out = await run([...args]);
      assert.equal(out.status, 2, out.stdout + out.stderr);
      assert.match(out.stderr, reason);
      assert.equal(out.stdout, '');
    });
  }

  test('a dead resolver (closed port): one dns-resolver-failed naming its address and the failure, every record unknown, exit 1', { skip: built ? false : 'dist/ is not built' }, async () => {
    const closed = await findClosedUdpPort();
    const resolver = `127.0.0.1:${closed}`;
    const out = await run(['check', 'clean.test', '--resolver', resolver, '--timeout', '200', '--no-default-selectors', '--selectors', 's2026', '--json']);
    assert.equal(out.status, 1, out.stderr);
    const [result] = parseLines(out.stdout);
    assert.deepEqual(result?.findings.map((f) => `${f.severity}:${f.code}`), ['error:dns-resolver-failed']);
    const [only] = result?.findings ?? [];
    assert.deepEqual(only?.params, { ...only?.params, domain: 'clean.test', servers: [resolver], failure: 'refused', probe: 'test' });
    assert.ok(only?.message.includes(`The DNS resolver ${resolver} refused the queries`), only?.message);
    assert.equal(result?.dns.status, 'resolver-failed');
    assert.deepEqual(Object.values(result?.state ?? {}).map((s) => s.state), Array(7).fill('unknown'));

    const readable = await run(['check', 'clean.test', '--resolver', resolver, '--timeout', '200', '--no-default-selectors']);
    assert.equal(readable.status, 1, readable.stderr);
    for (const area of ['DMARC', 'SPF', 'MX', 'DKIM', 'MTA-STS', 'TLS-RPT', 'BIMI']) assert.match(readable.stdout, new RegExp(`\\n {4}${area} +unknown \\(DNS error: refused\\)\\n`), area);
    assert.doesNotMatch(readable.stdout, / none\n|no key found|-dns-error|-missing/);
    assert.match(readable.stdout, /^clean\.test: 1 errors,/);
    assert.match(readable.stdout, /ERROR {3}dns-resolver-failed: The DNS resolver 127\.0\.0\.1:\d+ refused/);
    assert.match(readable.stdout, /another resolver: --resolver HOST:PORT/);
  });

  test('a resolver that never answers: dns-resolver-failed with failure timeout', { skip: built ? false : 'dist/ is not built' }, async () => {
    const silent = await startMisbehavingDns({}, { kind: 'silent' });
    try {
      const out = await run(['check', 'clean.test', '--resolver', silent.server, '--timeout', '150', '--no-default-selectors', '--json']);
      assert.equal(out.status, 1, out.stderr);
      const [result] = parseLines(out.stdout);
      assert.deepEqual(result?.findings.map((f) => f.code), ['dns-resolver-failed']);
      assert.equal(result?.findings[0]?.params['failure'], 'timeout');
      assert.deepEqual(result?.findings[0]?.params['servers'], [silent.server]);
      assert.match(result?.findings[0]?.message ?? '', /did not answer in time \(timeout\)/);
    } finally {
      await silent.stop();
    }
  });

  test("one domain's servers fail (SERVFAIL below it only), other names resolve: one dns-domain-servers-failed; the others are checked", { skip: built ? false : 'dist/ is not built' }, async () => {
    const dns = await startMisbehavingDns({ 'broken.test': { kind: 'rcode', rcode: 'servfail' }, '*.broken.test': { kind: 'rcode', rcode: 'servfail' }, 'fine.test': { kind: 'records', txt: [['v=spf1 -all']] } });
    try {
      const out = await run(['check', 'broken.test', 'fine.test', '--resolver', dns.server, '--timeout', '200', '--json']);
      assert.equal(out.status, 1, out.stderr);
      const results = parseLines(out.stdout);
      const broken = results.find((r) => r.domain === 'broken.test');
      assert.deepEqual(broken?.findings.map((f) => f.code), ['dns-domain-servers-failed']);
      assert.equal(broken?.findings[0]?.params['failure'], 'servfail');
      assert.equal(broken?.dns.status, 'domain-servers-failed');
      const fine = results.find((r) => r.domain === 'fine.test');
      assert.equal(fine?.dns.status, 'answered');
      assert.equal(fine?.state['spf']?.state, 'found');
      assert.ok(fine?.findings.some((f) => f.code === 'dmarc-missing'), JSON.stringify(fine?.findings.map((f) => f.code)));
    } finally {
      await dns.stop();
    }
  });

  test('a domain that does not exist: one domain-not-found ("check the spelling"), no advice to publish records', { skip }, async () => {
    const out = await check('nosuch.clean.test', '--no-default-selectors');
    assert.equal(out.status, 1, out.stderr);
    assert.match(out.stdout, /ERROR {3}domain-not-found: nosuch\.clean\.test does not exist in DNS \(NXDOMAIN\)/);
    assert.match(out.stdout, /fix: Check the spelling/);
    assert.doesNotMatch(out.stdout, /-missing|Publish/);
    const json = parseLines((await check('nosuch.clean.test', '--json')).stdout)[0];
    assert.deepEqual(json?.findings.map((f) => f.code), ['domain-not-found']);
    assert.equal(json?.dns.status, 'domain-not-found');
  });

  test('--db: each check saved with its time; DKIM selectors seen in stored reports are looked up (origin reports)', { skip }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-check-db-'));
    const db = join(dir, 'store.sqlite');
    const report = join(dir, 'report.xml');
    writeFileSync(report, aggregateReport('clean.test', 's2026'));
    const ingest = await run(['ingest', '--db', db, report]);
    assert.equal(ingest.status, 0, ingest.stderr);
    assert.match(ingest.stderr, /1 new reports/);

    const first = await check('clean.test', '--db', db, '--no-default-selectors', '--json');
    assert.equal(first.status, 0, first.stdout + first.stderr);
    const [result] = parseLines(first.stdout);
    assert.deepEqual(result?.records.dkim.selectors.map((s) => `${s.selector} ${s.origin} ${s.status}`), ['s2026 reports found']);
    assert.ok(result?.findings.some((f) => f.code === 'dkim-ok'));
    const second = await check('clean.test', 'none.dmarc.example.test', '--db', db, '--no-default-selectors');
    assert.equal(second.status, 1, second.stderr);
    const noSave = await check('clean.test', '--db', db, '--no-default-selectors', '--no-save');
    assert.equal(noSave.status, 0, noSave.stderr);

    const store = await openStore(db);
    try {
      const saved = (await store.listDomainChecks('clean.test', { limit: 10 })).items;
      assert.equal(saved.length, 2);
      assert.ok((saved[0]?.checkedAt.getTime() ?? 0) >= (saved[1]?.checkedAt.getTime() ?? Infinity), 'newest first');
      assert.deepEqual(saved.map((entry) => [entry.errors, entry.warnings]), [[0, 0], [0, 0]]);
      const stored = saved[1]?.result as JsonResult;
      assert.equal(stored.domain, 'clean.test');
      assert.equal(stored.checkedAt, result?.checkedAt);
      const none = (await store.listDomainChecks('none.dmarc.example.test', { limit: 10 })).items;
      assert.equal(none.length, 1);
      assert.ok((none[0]?.errors ?? 0) > 0 && (none[0]?.warnings ?? 0) > 0);
    } finally {
      await store.close();
    }
  });
});

/** A UDP port on 127.0.0.1 that nothing listens on (bound, then released). */
async function findClosedUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A small aggregate report for `domain` (RFC 7489 App. C) covering yesterday, whose DKIM result names `selector`. */
function aggregateReport(domain: string, selector: string): string {
  const end = Math.floor(Date.now() / 1000) - 3600;
  const begin = end - 86_400;
  return `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata>
    <org_name>receiver.example.org</org_name>
    <email>dmarc-noreply@receiver.example.org</email>
    <report_id>cli-check-${end}</report_id>
    <date_range><begin>${begin}</begin><end>${end}</end></date_range>
  </report_metadata>
  <policy_published>
    <domain>${domain}</domain>
    <adkim>r</adkim>
    <aspf>r</aspf>
    <p>reject</p>
    <pct>100</pct>
  </policy_published>
  <record>
    <row>
      <source_ip>198.51.100.7</source_ip>
      <count>12</count>
      <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated>
    </row>
    <identifiers><header_from>${domain}</header_from></identifiers>
    <auth_results>
      <dkim><domain>${domain}</domain><selector>${selector}</selector><result>pass</result></dkim>
      <spf><domain>${domain}</domain><result>pass</result></spf>
    </auth_results>
  </record>
</feedback>
`;
}
