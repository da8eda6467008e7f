/**
 * `dmarcpilot series`, `reports failure|tls` and `checks` as a user runs them: the built CLI over
 * a store filled with `dmarcpilot ingest` (and a check saved by `dmarcpilot check`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(root, 'test/fixtures');
const bin = join(root, 'bin/dmarcpilot.js');
const skip = existsSync(join(root, 'dist/cli/reports-command.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env['DMARCPILOT_DB'];
  delete env['DMARCPILOT_CONFIG'];
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('series, reports failure, reports tls and checks read back what ingest and check stored', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-reports-'));
  const db = join(dir, 'store.sqlite');
  const inputs = join(dir, 'in');
  mkdirSync(inputs);
  copyFileSync(join(fixtures, 'aggregate/google-relaxed-dkim-pass.xml'), join(inputs, 'aggregate.xml'));
  copyFileSync(join(fixtures, 'failure/arf-dmarc-message-rfc822.eml'), join(inputs, 'ruf.eml'));
  copyFileSync(join(fixtures, 'tlsrpt/sender-example-sts-failures.json'), join(inputs, 'tls.json'));
  const ingested = run(['ingest', '--db', db, inputs]);
  assert.equal(ingested.status, 0, ingested.stderr);

  const failure = run(['reports', 'failure', '--db', db]);
  assert.equal(failure.status, 0, failure.stderr);
  const [line] = failure.stdout.trimEnd().split('\n');
  assert.deepEqual(line?.split('\t').slice(2, 6), ['example.com', '2001:db8::25', 'dmarc', 'reject']);
  const failureJson = JSON.parse(run(['reports', 'failure', '--json', '--domain', 'example.com', '--db', db]).stdout) as { headers: string | null }[];
  assert.equal(failureJson.length, 1);
  assert.equal(failureJson[0]?.headers, null, 'stored redacted');
  assert.deepEqual(JSON.parse(run(['reports', 'failure', '--json', '--domain', 'nobody.example', '--db', db]).stdout), []);

  const tls = run(['reports', 'tls', '--db', db]);
  assert.equal(tls.status, 0, tls.stderr);
  assert.match(tls.stdout, /^\d+\t\S+\.\.\S+\t.+\t\S+\t[\d,]+ ok\t[\d,]+ failed\n$/);

  const days = JSON.parse(run(['series', 'example.com', '--since', '2015-01-01', '--json', '--db', db]).stdout) as { day: string; messages: number; dmarcPass: number }[];
  assert.ok(days.length >= 1, 'the aggregate report has its day');
  const table = run(['series', 'example.com', '--since', '2015-01-01', '--db', db]);
  assert.match(table.stdout, /^DAY\tMESSAGES\tPASS\tBOTH\tDKIM ONLY\tSPF ONLY\tNEITHER\tDISPOSITIONS\n\d{4}-\d\d-\d\d\t/);
  assert.equal(run(['series', 'not a domain', '--db', db]).status, 2);

  // A check against a server that does not answer is saved with its errors, and listed.
  const checked = run(['check', 'example.com', '--db', db, '--resolver', '127.0.0.1:9', '--timeout', '200', '--no-default-selectors']);
  assert.equal(checked.status, 1, checked.stderr);
  const checks = run(['checks', 'example.com', '--db', db]);
  assert.equal(checks.status, 0, checks.stderr);
  assert.match(checks.stdout, /^\d{4}-\d\d-\d\dT\S+Z\t[1-9]\d* errors\t\d+ warnings\n$/);
});
