/**
 * Crash safety of ingest: a real `dmarcpilot ingest` process is killed (SIGKILL) at different
 * moments, again and again, then run to the end. Every report must then be stored exactly
 * once, with all its records: committed reports survive the kills, half-written ones leave
 * nothing, and running again recognises what is already there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresForTests } from './helpers/postgres.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const skip = existsSync(join(root, 'dist/cli/main.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';

interface Manifest {
  reports: number;
  records: number;
}

function makeCorpus(): { dir: string; manifest: Manifest } {
  const out = mkdtempSync(join(tmpdir(), 'dmarcpilot-crash-'));
  const made = spawnSync(process.execPath, [join(root, 'bench/generate-corpus.js'), '--out', out, '--reports', '80', '--records', '40000', '--seed', '7', '--quiet']);
  assert.equal(made.status, 0, String(made.stderr));
  return { dir: join(out, 'reports'), manifest: JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest };
}

/** Starts an ingest and kills it after `ms` milliseconds (if it is still running). */
function ingestKilledAfter(db: string, dir: string, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'ingest', '-q', '--db', db, dir], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(signal ?? `exit ${code}`);
    });
  });
}

async function checkCrashSafety(db: string): Promise<void> {
  const { dir, manifest } = makeCorpus();
  const outcomes: string[] = [];
  for (const ms of [150, 400, 250, 700, 350, 900]) outcomes.push(await ingestKilledAfter(db, dir, ms));
  assert.ok(outcomes.includes('SIGKILL'), `at least one run was killed mid-way: ${outcomes.join(', ')}`);
  const final = spawnSync(process.execPath, [bin, 'ingest', '--db', db, dir], { encoding: 'utf8' });
  assert.equal(final.status, 0, final.stderr);
  const status = JSON.parse(spawnSync(process.execPath, [bin, 'db', 'status', '--json', '--db', db], { encoding: 'utf8' }).stdout) as Record<string, number>;
  assert.equal(status['aggregate'], manifest.reports, 'every report stored exactly once');
  assert.equal(status['records'], manifest.records, 'with all its records, none twice');
  assert.equal(status['quarantine'], 0);
  const again = spawnSync(process.execPath, [bin, 'ingest', '--db', db, dir], { encoding: 'utf8' });
  assert.match(again.stderr, new RegExp(`: 0 new reports \\(0 records\\), ${manifest.reports} already stored, 0 refused`));
}

test('killing ingest at any moment, then running it again, stores every report exactly once (SQLite)', { skip, timeout: 120_000 }, async () => {
  await checkCrashSafety(join(mkdtempSync(join(tmpdir(), 'dmarcpilot-db-')), 'store.sqlite'));
});

test('the same on PostgreSQL', { skip, timeout: 120_000 }, async (t) => {
  const pg = await postgresForTests();
  if ('skip' in pg) return t.skip(pg.skip);
  try {
    await checkCrashSafety(pg.url);
  } finally {
    await pg.drop();
  }
});
