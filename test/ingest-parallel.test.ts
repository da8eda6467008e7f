/**
 * `dmarcpilot ingest --jobs N` (workers parse, the main thread stores) leaves the store exactly as
 * `--jobs 1` (one thread) does: the same reports and records with the same ids, the same
 * quarantine entries, raw inputs and ingest log in input order, and the same messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const skip = existsSync(join(root, 'dist/cli/main.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';

/** Columns that hold the time of the run, not what was stored. */
/** Times of the run itself (a failure report's occurred_at is its receipt when it gives no arrival date). */
const CLOCK_COLUMNS = new Set(['at', 'received_at', 'created_at', 'applied_at', 'occurred_at']);

/** Generated reports in every container, every fixture (good and bad), an mbox, and duplicates in other containers. */
function mixedInputs(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-par-'));
  const made = spawnSync(process.execPath, [join(root, 'bench/generate-corpus.js'), '--out', join(dir, 'gen'), '--reports', '40', '--records', '9000', '--seed', '5', '--quiet']);
  assert.equal(made.status, 0, String(made.stderr));
  for (const kind of ['aggregate', 'email', 'failure', 'tlsrpt']) cpSync(join(root, 'test/fixtures', kind), join(dir, 'in', kind), { recursive: true });
  cpSync(join(dir, 'gen', 'reports'), join(dir, 'in', 'generated'), { recursive: true });
  // The same report again, later in the input order, in another container: a duplicate.
  mkdirSync(join(dir, 'in', 'zz-again'));
  const fixture = readFileSync(join(root, 'test/fixtures/aggregate/google-relaxed-dkim-pass.xml'));
  writeFileSync(join(dir, 'in', 'zz-again', 'google.xml'), Buffer.concat([fixture, Buffer.from('\n')]));
  return join(dir, 'in');
}

function ingest(db: string, inputs: string, jobs: number): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [bin, 'ingest', '--jobs', String(jobs), '--db', db, inputs], { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

/** Every table's rows in rowid order, without the clock columns. */
function dump(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
    const out: Record<string, unknown[]> = {};
    for (const { name } of tables) {
      const columns = (db.prepare(`SELECT name FROM pragma_table_info('${name}')`).all() as { name: string }[]).map((c) => `"${c.name}"`);
      // Tables WITHOUT ROWID are ordered by all their columns.
      const order = (db.prepare("SELECT wr FROM pragma_table_list WHERE name = ?").get(name) as { wr: number }).wr ? columns.join(', ') : 'rowid';
      const rows = db.prepare(`SELECT * FROM "${name}" ORDER BY ${order}`).all() as Record<string, unknown>[];
      out[name] = rows.map((row) => Object.fromEntries(Object.entries(row).filter(([column]) => !CLOCK_COLUMNS.has(column))));
    }
    return out;
  } finally {
    db.close();
  }
}

test('ingest --jobs 3 stores exactly what --jobs 1 stores, in the same order (SQLite)', { skip, timeout: 300_000 }, () => {
  const inputs = mixedInputs();
  // The same file name in two folders, so that the summaries read the same.
  const one = join(mkdtempSync(join(tmpdir(), 'dmarcpilot-db-')), 'store.sqlite');
  const three = join(mkdtempSync(join(tmpdir(), 'dmarcpilot-db-')), 'store.sqlite');
  const sequential = ingest(one, inputs, 1);
  const parallel = ingest(three, inputs, 3);
  assert.equal(sequential.status, 1, 'the bad fixtures are refused');
  assert.equal(parallel.status, sequential.status);
  const shown = (stderr: string, db: string): string => stderr.replaceAll(db, 'STORE');
  assert.equal(shown(parallel.stderr, three), shown(sequential.stderr, one), 'the same refusals, in the same order, and the same summary');
  assert.match(sequential.stderr, /new reports \([\d,]+ records\), [1-9]\d* already stored, [1-9]\d* refused/);

  const oneThread = dump(one);
  const threeThreads = dump(three);
  assert.ok((oneThread['aggregate_records'] ?? []).length >= 9000, 'the generated records are stored');
  assert.ok((oneThread['quarantine'] ?? []).length > 10, 'refusals are quarantined');
  assert.ok((oneThread['failure_reports'] ?? []).length > 0 && (oneThread['tls_reports'] ?? []).length > 0);
  assert.deepEqual(Object.keys(threeThreads), Object.keys(oneThread));
  for (const table of Object.keys(oneThread)) assert.deepEqual(threeThreads[table], oneThread[table], `table ${table}`);
});

test('ingest --jobs 2 over inputs that are already stored counts them all as duplicates, as --jobs 1 does', { skip, timeout: 300_000 }, () => {
  const inputs = mixedInputs();
  const db = join(mkdtempSync(join(tmpdir(), 'dmarcpilot-db-')), 'store.sqlite');
  ingest(db, inputs, 1);
  const before = dump(db);
  const again = ingest(db, inputs, 2);
  assert.match(again.stderr, /: 0 new reports \(0 records\), [1-9]\d* already stored/);
  const after = dump(db);
  const { ingest_log: logBefore = [], ...restBefore } = before;
  const { ingest_log: logAfter = [], ...restAfter } = after;
  assert.deepEqual(restAfter, restBefore, 'nothing stored twice');
  assert.equal(logAfter.length, logBefore.length * 2, 'one log line per input and run');
});
