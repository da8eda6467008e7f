/**
 * Ctrl-C (SIGINT) or SIGTERM during `dmarcpilot ingest` of files: it stops after the input it is
 * storing, commits what it stored, says so and exits 130; running the same command again stores
 * the rest, nothing twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const skip = existsSync(join(root, 'dist/cli/main.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';

/** Inputs logged as committed so far (0 while the file or its tables do not exist yet). */
function committedInputs(db: string): number {
  if (!existsSync(db)) return 0;
  try {
    const handle = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return (handle.prepare('SELECT COUNT(*) AS n FROM ingest_log').get() as { n: number }).n;
    } finally {
      handle.close();
    }
  } catch {
    return 0;
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`ingest: ${signal} stops between inputs with what was stored committed; the same command again completes it`, { skip, timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-interrupt-'));
    const made = spawnSync(process.execPath, [join(root, 'bench/generate-corpus.js'), '--out', join(dir, 'gen'), '--reports', '3000', '--records', '150000', '--seed', '3', '--quiet']);
    assert.equal(made.status, 0, String(made.stderr));
    const inputs = join(dir, 'gen', 'reports');
    const db = join(dir, 'store.sqlite');

    const child = spawn(process.execPath, [bin, 'ingest', '--jobs', '1', '--db', db, inputs], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Interrupt once the first write group is committed, well before the 3,000 files are done.
    while (committedInputs(db) === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill(signal);
    const code = await exited;

    assert.equal(code, 130, stderr);
    assert.match(stderr, /stopping after the input being stored/);
    const said = /interrupted after ([\d,]+) of 3,000 files or messages, all stored: ([\d,]+) new reports/.exec(stderr);
    assert.ok(said, stderr);
    const inputsStored = Number(said[1]?.replaceAll(',', ''));
    assert.ok(inputsStored > 0 && inputsStored < 3000, `stopped part-way (${inputsStored})`);
    assert.equal(committedInputs(db), inputsStored, 'every input it reported is committed, with its log line');
    const partial = new Database(db, { readonly: true });
    try {
      const reports = partial.prepare('SELECT COUNT(*) AS n, SUM(record_count) AS records FROM aggregate_reports WHERE record_count IS NOT NULL').get() as { n: number; records: number };
      assert.equal(reports.n, Number(said[2]?.replaceAll(',', '')));
      assert.equal((partial.prepare('SELECT COUNT(*) AS n FROM aggregate_records').get() as { n: number }).n, reports.records, 'no report is stored in part');
    } finally {
      partial.close();
    }

    const again = spawnSync(process.execPath, [bin, 'ingest', '--db', db, inputs], { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    const status = JSON.parse(spawnSync(process.execPath, [bin, 'db', 'status', '--json', '--db', db], { encoding: 'utf8' }).stdout) as Record<string, number>;
    assert.equal(status['aggregate'], 3000);
    assert.equal(status['records'], 150_000);
  });
}
