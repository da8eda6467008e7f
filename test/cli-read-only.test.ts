/**
 * A store the user may read but not write (a copy, another account's store, a read-only mount):
 * the commands that only read work on it, and those that write say which path cannot be written
 * and why, before doing anything. The file and folder are made read-only for real (chmod, or
 * chattr +i as root: src/store/sqlite/read-only.test-helper.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeReadOnly } from '../src/store/sqlite/read-only.test-helper.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const fixtures = join(root, 'test/fixtures');
const skip = existsSync(join(root, 'dist/cli/main.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env['DMARCPILOT_DB'];
  delete env['DMARCPILOT_CONFIG'];
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('a read-only SQLite store: summary, export, series, senders, reports and db status read it; ingest and approve are refused with the path and why', { skip }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-ro-cli-'));
  const db = join(dir, 'store.sqlite');
  try {
    const ingested = run(['ingest', '-q', '--db', db, join(fixtures, 'aggregate/google-relaxed-dkim-pass.xml')]);
    assert.equal(ingested.status, 0, ingested.stderr);
    const denied = makeReadOnly([db, dir]);
    if ('skip' in denied) {
      t.skip(denied.skip);
      return;
    }
    try {
      const since = ['--since', '2015-01-01'];
      for (const args of [['summary', ...since], ['export', 'records', '--format', 'csv'], ['series', 'example.com', ...since], ['senders', 'example.com', '--offline', '--since', '3650d'], ['reports', 'failure'], ['db', 'status'], ['quarantine', 'list']]) {
        const result = run([...args, '--db', db]);
        assert.equal(result.status, 0, `${args.join(' ')} (${denied.how}): ${result.stderr}`);
        assert.doesNotMatch(result.stderr, /readonly database/);
      }
      assert.match(run(['summary', ...since, '--db', db]).stdout, /^example\.com: \d+ messages/);
      const { records } = JSON.parse(run(['db', 'status', '--json', '--db', db]).stdout) as { records: number };
      assert.ok(records > 0);
      assert.equal(run(['export', 'records', '--db', db]).stdout.trimEnd().split('\n').length, records, 'every record exported');
      assert.match(run(['series', 'example.com', ...since, '--db', db]).stdout, /\n\d{4}-\d\d-\d\d\t/, 'the daily rollup is made for this run alone');

      const refused = run(['ingest', '--db', db, join(fixtures, 'aggregate/google-relaxed-dkim-pass.xml')]);
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, new RegExp(`cannot write to SQLite ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the file .*store\\.sqlite is read-only \\((EACCES|EPERM|EROFS): [^)]+\\); commands that only read open it read-only`));
      const approve = run(['approve', 'example.com', 'net:192.0.2.0/24', '--db', db]);
      assert.equal(approve.status, 1);
      assert.match(approve.stderr, /cannot write to SQLite .*: the file .* is read-only/);
    } finally {
      denied.undo();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
