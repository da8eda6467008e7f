/**
 * Privacy and retention as a user meets them on the command line (docs/data-retention.md): a
 * failure report e-mail is not kept, only its redacted report; `quarantine retry` of an id with
 * no entry is an error; `quarantine purge` deletes an entry and its bytes; `db prune` applies the
 * retention; `serve` applies it when it starts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/store/open-store.js';
import { failure, provenance } from '../src/store/contract/contract-fixtures.test-helper.js';

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

test('failure e-mails are not kept; quarantine retry of a missing id is an error; purge deletes; db prune applies the retention', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-retention-'));
  const db = join(dir, 'store.sqlite');
  try {
    const ingested = run(['ingest', '-q', '--db', db, join(fixtures, 'failure/arf-dmarc-message-rfc822.eml')]);
    assert.equal(ingested.status, 0, ingested.stderr);
    const status = JSON.parse(run(['db', 'status', '--json', '--db', db]).stdout) as { failure: number; raw: number };
    assert.deepEqual([status.failure, status.raw], [1, 0], 'the redacted report, not the e-mail');
    const [report] = JSON.parse(run(['reports', 'failure', '--json', '--db', db]).stdout) as { originalMailFrom: string; headers: string | null }[];
    assert.deepEqual([report?.originalMailFrom, report?.headers], ['*@mail.example.com', null]);

    const missing = run(['quarantine', 'retry', '77', '--db', db]);
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /^error: no quarantine entry 77\n$/);

    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\n');
    assert.equal(run(['ingest', '-q', '--db', db, passwd]).status, 1);
    const [entry] = JSON.parse(run(['quarantine', 'list', '--json', '--db', db]).stdout) as { id: number }[];
    assert.ok(entry);
    assert.equal(run(['quarantine', 'dismiss', String(entry.id), '--db', db]).status, 0);
    assert.equal((JSON.parse(run(['quarantine', 'list', '--all', '--json', '--db', db]).stdout) as unknown[]).length, 1, 'dismissed: still there, as a record');
    const purged = run(['quarantine', 'purge', String(entry.id), '--db', db]);
    assert.equal(purged.status, 0, purged.stderr);
    assert.equal(purged.stdout, `${entry.id}: purged, its raw input deleted\n`);
    assert.deepEqual(JSON.parse(run(['quarantine', 'list', '--all', '--json', '--db', db]).stdout), []);
    assert.equal(run(['quarantine', 'show', String(entry.id), '--raw', '--db', db]).status, 2);
    assert.equal(run(['quarantine', 'purge', String(entry.id), '--db', db]).status, 2, 'purging again: no such entry');

    const pruned = run(['db', 'prune', '--db', db]);
    assert.equal(pruned.status, 0, pruned.stderr);
    assert.match(pruned.stdout, /: deleted 0 failure reports and 0 quarantine entries, and the bytes of 0 raw inputs \(failure-report data received before \d{4}-\d\d-\d\d; raw failure-report e-mails are not kept\)\n$/);
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ retention: { failureReportDays: 0 } }));
    const wrong = run(['db', 'prune', '--db', db, '--config', config]);
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /retention\.failureReportDays/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('serve applies the retention when it starts: a failure report received 100 days ago is deleted, and logged', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-retention-serve-'));
  const db = join(dir, 'store.sqlite');
  try {
    const store = await openStore(db);
    try {
      const old = { ...(await provenance(store, 'old ruf', 'old.eml')), receivedAt: new Date(Date.now() - 100 * 86_400_000) };
      const recent = { ...(await provenance(store, 'recent ruf', 'recent.eml')), receivedAt: new Date() };
      await store.saveFailureReport(failure({ sourceIp: '192.0.2.1' }), old, { keepFullHeaders: false }, []);
      await store.saveFailureReport(failure({ sourceIp: '192.0.2.2' }), recent, { keepFullHeaders: false }, []);
    } finally {
      await store.close();
    }
    writeFileSync(join(dir, 'serve.json'), JSON.stringify({ db, smtp: { host: '127.0.0.1', port: 0 } }));
    const child = spawn(process.execPath, [bin, 'serve', '--config', join(dir, 'serve.json')], { cwd: root, env: { ...process.env, DMARCPILOT_HTTP: 'off' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const deadline = Date.now() + 20_000;
      while (!/retention: deleted 1 failure reports/.test(log)) {
        if (Date.now() > deadline) throw new Error(`no retention in the log:\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, log);
    const status = JSON.parse(run(['db', 'status', '--json', '--db', db]).stdout) as { failure: number; raw: number };
    assert.deepEqual([status.failure, status.raw], [1, 0], 'the recent report stays; no failure e-mail bytes are kept');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
