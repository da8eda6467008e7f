/**
 * `dmarcpilot parse` as a user runs it: the built command (bin/dmarcpilot.js → dist/), real
 * files, pipes and exit codes. `npm test` builds dist/ before running the tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const fixtures = join(root, 'test/fixtures');
const built = existsSync(join(root, 'dist/cli/main.js'));
const skip = built ? false : 'dist/ is not built: run `npm run build` (npm test does)';

function run(args: string[], input?: Buffer | string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const REQUIRED = ['org_name', 'report_id', 'policy_domain', 'begin', 'end', 'source_ip', 'count', 'disposition', 'dkim', 'spf', 'header_from', 'envelope_from', 'reasons', 'auth_dkim', 'auth_spf', 'p', 'sp', 'pct', 'np', 'testing'];

test('parse --format jsonl over a directory: one line per record, refusals on stderr, exit 1', { skip }, () => {
  const { status, stdout, stderr } = run(['parse', '--format', 'jsonl', join(fixtures, 'aggregate')]);
  assert.equal(status, 1, 'some fixtures are refused on purpose');
  const lines = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.ok(lines.length > 300);
  for (const line of lines) {
    for (const field of REQUIRED) assert.ok(field in line, `missing ${field}`);
    assert.match(String(line['begin']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Array.isArray(line['auth_dkim']) && Array.isArray(line['auth_spf']) && Array.isArray(line['reasons']));
  }
  const ipv6 = lines.filter((line) => String(line['source']).endsWith('quirk-ipv6-not-canonical.xml')).map((line) => line['source_ip']);
  assert.deepEqual(ipv6, ['2001:db8::1', '2001:db8::8:800:200c:417a', '2001:db8::a', '2001:db8::1:0:0:1'], 'IPv6 printed in canonical form (RFC 5952)');
  const refusals = stderr.split('\n').filter((line) => / (xml-[a-z-]+|missing-required-field|impossible-value|invalid-utf8|empty-input|unrecognised-content): /.test(line));
  assert.ok(refusals.some((line) => line.startsWith(join(fixtures, 'aggregate', 'hostile-xxe-external-entity.xml') + ': xml-dtd-forbidden: ')), stderr);
  assert.ok(refusals.some((line) => line.includes('invalid-utf8-byte.xml: invalid-utf8: ')));
  assert.match(stderr, /dmarcpilot parse: \d+ inputs: \d+ aggregate reports/);
});

test('parse of good input exits 0; --quiet prints nothing on stderr', { skip }, () => {
  const file = join(fixtures, 'aggregate', 'google-relaxed-dkim-pass.xml');
  const loud = run(['parse', '--format', 'jsonl', file]);
  assert.equal(loud.status, 0);
  assert.equal(loud.stdout.trimEnd().split('\n').length, 4);
  assert.match(loud.stderr, /1 aggregate reports \(4 records, 53 messages\)/);
  const quiet = run(['parse', '-q', '--format', 'jsonl', file]);
  assert.equal(quiet.status, 0);
  assert.equal(quiet.stderr, '');
  assert.equal(quiet.stdout, loud.stdout);
});

test('parse - reads standard input, sniffing gzip', { skip }, () => {
  const gz = gzipSync(readFileSync(join(fixtures, 'aggregate', 'google-relaxed-dkim-pass.xml')));
  const { status, stdout } = run(['parse', '-q', '--format', 'jsonl', '-'], gz);
  assert.equal(status, 0);
  const first = JSON.parse(stdout.split('\n')[0] ?? '') as Record<string, unknown>;
  assert.equal(first['source'], '-');
  assert.equal(first['report_id'], '5820347716593021448');
});

test('parse --format json: one JSON array with aggregate, failure and TLS reports, each with a kind', { skip }, () => {
  const { status, stdout } = run(['parse', '-q', join(fixtures, 'email'), join(fixtures, 'failure'), join(fixtures, 'tlsrpt')]);
  assert.equal(status, 1, 'the bounce and the invalid ARF fixture are refused');
  const reports = JSON.parse(stdout) as { kind: string; source: string }[];
  const kinds = new Set(reports.map((r) => r.kind));
  assert.deepEqual([...kinds].sort(), ['aggregate', 'failure', 'tlsrpt']);
  const failure = reports.find((r) => r.kind === 'failure') as unknown as Record<string, unknown>;
  for (const field of ['reported_domain', 'source_ip', 'auth_failure', 'delivery_result', 'dkim_domain', 'spf_domain', 'arrival_date', 'original']) {
    assert.ok(field in failure, `failure report field ${field}`);
  }
});

test('parse --format csv: a header and one row per record, quoted per RFC 4180', { skip }, () => {
  const { status, stdout } = run(['parse', '-q', '--format', 'csv', join(fixtures, 'aggregate', 'google-forwarded-arc-reasons.xml')]);
  assert.equal(status, 0);
  const rows = stdout.split('\r\n').filter(Boolean);
  assert.match(rows[0] ?? '', /^org_name,report_id,policy_domain,begin,end,source_ip,count,/);
  assert.ok(rows.length > 1);
  assert.ok(rows.slice(1).every((row) => row.includes('google.example')));
});

test('--jobs 1 and --jobs 2 print the same bytes in the same order', { skip }, () => {
  const one = run(['parse', '-q', '--jobs', '1', '--format', 'jsonl', join(fixtures, 'aggregate'), join(fixtures, 'email')]);
  const two = run(['parse', '-q', '--jobs', '2', '--format', 'jsonl', join(fixtures, 'aggregate'), join(fixtures, 'email')]);
  assert.ok(one.stdout.length > 100_000);
  assert.equal(two.stdout, one.stdout);
  assert.equal(two.status, one.status);
});

test('a missing path is reported and the others still print', { skip }, () => {
  const { status, stdout, stderr } = run(['parse', '-q', '--format', 'jsonl', '/nonexistent/reports', join(fixtures, 'aggregate', 'gmx-ipv6-source.xml')]);
  assert.equal(status, 1);
  assert.match(stderr, /^\/nonexistent\/reports: unreadable: no such file or directory$/m);
  assert.ok(stdout.length > 0);
});

test('limits can be set from the command line: a stricter --max-ratio refuses a compressible report', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-'));
  const big = `<feedback>${' '.repeat(6 * 1024 * 1024)}</feedback>`;
  writeFileSync(join(dir, 'padded.xml.gz'), gzipSync(big));
  const { status, stderr } = run(['parse', '-q', '--max-ratio', '50', join(dir, 'padded.xml.gz')]);
  assert.equal(status, 1);
  assert.match(stderr, /padded\.xml\.gz: decompression-ratio-exceeded: /);
});

test('usage errors exit 2 with a hint', { skip }, () => {
  const { status, stderr } = run(['parse', '--format', 'yaml', 'x']);
  assert.equal(status, 2);
  assert.match(stderr, /--format/);
  assert.equal(run(['frobnicate']).status, 2);
  assert.equal(run(['--version']).status, 0);
});
