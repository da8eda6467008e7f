/**
 * `dmarcpilot db status` as a user runs it, against an embedded SQLite file and a real
 * PostgreSQL server on loopback (skipped with the reason when there is none, unless CI
 * requires it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPgPool } from '../src/store/postgres/pg-driver.js';
import { postgresForTests } from './helpers/postgres.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const skip = existsSync(join(root, 'dist/cli/main.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';

function run(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('db status creates an embedded SQLite store (folder too), then opens it again', { skip }, () => {
  const path = join(mkdtempSync(join(tmpdir(), 'dmarcpilot-db-')), 'sub', 'store.sqlite');
  const first = run(['db', 'status', '--db', path]);
  assert.equal(first.status, 0, first.stderr);
  assert.ok(existsSync(path));
  assert.match(first.stdout, new RegExp(`store: SQLite ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.match(first.stdout, /aggregate reports: 0 \(0 records\)/);
  const again = run(['db', 'status', '--json'], { DMARCPILOT_DB: path });
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout), { store: `SQLite ${path}`, aggregate: 0, records: 0, failure: 0, tls: 0, raw: 0, quarantine: 0 });
});

test('--config: every command reads the same configuration file (its db here), options and the environment over it; a mistake names its setting', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-config-'));
  const fromFile = join(dir, 'from-file.sqlite');
  const config = join(dir, 'dmarcpilot.json');
  writeFileSync(config, JSON.stringify({ db: fromFile }));
  const status = run(['db', 'status', '--json', '--config', config]);
  assert.equal(status.status, 0, status.stderr);
  assert.equal((JSON.parse(status.stdout) as { store: string }).store, `SQLite ${fromFile}`);
  const viaEnv = run(['export', 'records'], { DMARCPILOT_CONFIG: config });
  assert.equal(viaEnv.status, 0, viaEnv.stderr);
  const option = join(dir, 'from-option.sqlite');
  assert.equal((JSON.parse(run(['db', 'status', '--json', '--config', config, '--db', option]).stdout) as { store: string }).store, `SQLite ${option}`);
  writeFileSync(config, JSON.stringify({ db: fromFile, limits: { maxRatio: 'high' }, colour: 'blue' }));
  const wrong = run(['summary', '--config', config]);
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /dmarcpilot\.json: limits\.maxRatio: expected a whole number/);
  assert.match(wrong.stderr, /dmarcpilot\.json: colour: unknown setting/);
  const missing = run(['senders', 'example.com', '--config', join(dir, 'missing.json')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read the configuration .*missing\.json/);
});

test('a request refused for its input creates no store', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-lazy-'));
  const path = join(dir, 'data', 'store.sqlite');
  const refused = run(['plan', 'bad..domain', '--offline', '--db', path]);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /^error: not a domain name: bad\.\.domain$/m);
  assert.equal(existsSync(path), false);
});

test('db status on PostgreSQL: migrations run, the password is never printed', { skip }, async (t) => {
  const pg = await postgresForTests();
  if ('skip' in pg) return t.skip(pg.skip);
  try {
    const result = run(['db', 'status', '--db', pg.url]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /store: PostgreSQL postgres:\/\//);
    assert.match(result.stdout, /quarantined: 0/);
    const withPassword = new URL(pg.url);
    withPassword.password = 'secret-value';
    const shown = run(['db', 'status', '--db', withPassword.toString()]);
    assert.doesNotMatch(shown.stdout + shown.stderr, /secret-value/);
  } finally {
    await pg.drop();
  }
});

test('db status on an unreachable server fails with the reason and exit 1', { skip }, () => {
  const result = run(['db', 'status', '--db', 'postgres://postgres@127.0.0.1:1/nothing']);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^dmarcpilot db: cannot open PostgreSQL postgres:\/\/postgres@127\.0\.0\.1:1\/nothing: /);
});

test('db compact: an SQLite store says how much it gave back; PostgreSQL has nothing to do; neither is ever created', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-db-'));
  const path = join(dir, 'store.sqlite');
  // No store there: named, exit 2, and no file (nor folder) created.
  const missing = run(['db', 'compact', '--db', join(dir, 'sub', 'none.sqlite')]);
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /^error: no store at SQLite .*none\.sqlite \(the file does not exist\): run `dmarcpilot ingest` first, or pass --db LOCATION/);
  assert.ok(!existsSync(join(dir, 'sub')), 'nothing created');
  const ingested = run(['ingest', '-q', '--db', path, join(root, 'test/fixtures/aggregate/comcast-large-300-records.xml')]);
  assert.equal(ingested.status, 0, ingested.stderr);
  const compacted = run(['db', 'compact', '--db', path]);
  assert.equal(compacted.status, 0, compacted.stderr);
  assert.match(compacted.stdout, /^store: SQLite .*store\.sqlite: [\d,.]+ MB -> [\d,.]+ MB \([\d,.]+ MB given back\)\n$/);
  assert.match(run(['db', 'status', '--db', path]).stdout, /aggregate reports: 1 \(300 records\)/, 'the data is still there');

  const pg = await postgresForTests();
  if ('skip' in pg) return t.skip(pg.skip);
  try {
    // An empty database is not set up by compact: it is named and left without a single table.
    const empty = run(['db', 'compact', '--db', pg.url]);
    assert.equal(empty.status, 2, empty.stderr);
    assert.match(empty.stderr, /^error: no store at PostgreSQL postgres:\/\/.* \(the database has no dmarcpilot tables\)/);
    assert.equal(await countTables(pg.url), 0);
    assert.equal(run(['db', 'status', '--db', pg.url]).status, 0);
    const tables = await countTables(pg.url);
    assert.ok(tables > 5, `${tables} tables after db status`);
    const result = run(['db', 'compact', '--db', pg.url]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /: nothing done, nothing created \(PostgreSQL's autovacuum/);
    assert.doesNotMatch(result.stdout, /:[^:@/]+@/, 'no password shown');
    assert.equal(await countTables(pg.url), tables, 'compact created nothing');
  } finally {
    await pg.drop();
  }
});

/** Tables in the public schema of the database `url` names. */
async function countTables(url: string): Promise<number> {
  const pool = await createPgPool(url, { max: 1 });
  try {
    const { rows } = await pool.query<{ count: string }>({ text: "SELECT count(*) AS count FROM information_schema.tables WHERE table_schema = 'public'" });
    return Number(rows[0]?.count ?? -1);
  } finally {
    await pool.end();
  }
}
