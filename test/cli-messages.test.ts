/**
 * Errors that name the input and the reason (issue 11, "Messages"), as a user meets them in the
 * built CLI: a store that does not exist is named, never silently created by a command that
 * reads; a read-only store is named with the reason; an inverted --since/--until is refused by
 * every command that takes them; the --gate-…-share options read 0.98 and 98% the same and refuse
 * 98; plan --now makes a plan reproducible; senders with a resolver that does not answer
 * suggests --offline once the first lookups time out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMisbehavingDns } from './helpers/misbehaving-dns.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const skip = existsSync(join(root, 'dist/cli/main.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';
const mbox = join(root, 'test/fixtures/email/three-messages.mbox');

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI without a store or configuration from the environment; `as` runs it as another account. */
function run(args: readonly string[], options: { readonly as?: { uid: number; gid: number } } = {}): Promise<Run> {
  const env = { ...process.env };
  delete env['DMARCPILOT_DB'];
  delete env['DMARCPILOT_CONFIG'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], ...(options.as ?? {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'dmarcpilot-messages-'));
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A store holding the sample mailbox (example.com, example.net reports of March 2025). */
async function sampleStore(): Promise<string> {
  const db = join(tempDir(), 'store.sqlite');
  const ingested = await run(['ingest', '-q', '--db', db, mbox]);
  assert.equal(ingested.status, 0, ingested.stderr);
  return db;
}

test('no store at the location: every command that reads names the store it looked for and creates nothing (exit 2)', { skip }, async () => {
  const dir = tempDir();
  const db = join(dir, 'data', 'none.sqlite');
  const commands = [
    ['summary'],
    ['senders', 'example.com', '--offline'],
    ['plan', 'example.com', '--offline'],
    ['export', 'records'],
    ['series', 'example.com'],
    ['reports', 'failure'],
    ['reports', 'tls'],
    ['checks', 'example.com'],
    ['quarantine', 'list'],
    ['decisions', 'example.com'],
    ['approve', 'example.com', 'net:192.0.2.0/24'],
    ['db', 'compact'],
  ];
  const runs = await Promise.all(commands.map((args) => run([...args, '--db', db])));
  runs.forEach((out, index) => {
    const name = commands[index]?.join(' ') ?? '';
    assert.equal(out.status, 2, `${name}: ${out.stderr}`);
    assert.match(out.stderr, new RegExp(`^error: no store at SQLite ${escape(db)} \\(the file does not exist\\): run \`dmarcpilot ingest\` first, or pass --db LOCATION`), name);
    assert.equal(out.stdout, '', name);
  });
  assert.equal(existsSync(join(dir, 'data')), false, 'no store (nor its folder) was created');
});

test('a command that stores creates the store where there is none, and says so once', { skip }, async () => {
  const db = join(tempDir(), 'new', 'store.sqlite');
  const first = await run(['ingest', '--db', db, mbox]);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(first.stderr.match(/created a new store/g)?.length, 1, first.stderr);
  assert.match(first.stderr, new RegExp(`^dmarcpilot ingest: created a new store: SQLite ${escape(db)}\\n`));
  const again = await run(['ingest', '--db', db, mbox]);
  assert.doesNotMatch(again.stderr, /created a new store/);
  const summary = await run(['summary', '--db', db, '--since', '3650d']);
  assert.equal(summary.status, 0, summary.stderr);
  assert.match(summary.stdout, /^example\.com: 37 messages/m);
});

test('a read-only store: a command that writes names the store and why (exit 1)', { skip }, async () => {
  const db = await sampleStore();
  // Root may write any file: run the command as nobody there; elsewhere take the write bits away.
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
  if (asNobody) chmodSync(join(db, '..'), 0o755);
  else {
    chmodSync(db, 0o444);
    chmodSync(join(db, '..'), 0o555);
  }
  try {
    const out = await run(['approve', 'example.com', 'net:192.0.2.0/24', '--db', db], asNobody ? { as: asNobody } : {});
    assert.equal(out.status, 1, out.stderr);
    // Refused before anything is tried (sqlite-store.ts), naming the store, the file or folder, and the error.
    assert.match(out.stderr, new RegExp(`^dmarcpilot approve: cannot write to SQLite ${escape(db)}: (the file ${escape(db)}|its folder \\S+) is read-only \\((EACCES|EPERM|EROFS): [^)]+\\)`));
    assert.match(out.stderr, /; commands that only read open it read-only\n$/);
  } finally {
    if (!asNobody) chmodSync(join(db, '..'), 0o755);
  }
});

test('an inverted --since/--until is refused by every command that takes them (exit 2), naming both times', { skip }, async () => {
  const db = await sampleStore();
  const inverted = ['--since', '2025-03-20', '--until', '2025-03-01'];
  const commands = [['export', 'records'], ['series', 'example.com'], ['reports', 'failure'], ['reports', 'tls']];
  const runs = await Promise.all(commands.map((args) => run([...args, ...inverted, '--db', db])));
  runs.forEach((out, index) => {
    const name = commands[index]?.join(' ') ?? '';
    assert.equal(out.status, 2, `${name}: ${out.stdout}${out.stderr}`);
    assert.match(out.stderr, /^error: --since: the window is empty: 2025-03-20T00:00:00\.000Z is not before 2025-03-01T00:00:00\.000Z\n/, name);
    assert.equal(out.stdout, '', name);
  });
  // summary and senders have no --until: a --since in the future is the same mistake.
  for (const args of [['summary'], ['senders', 'example.com', '--offline']]) {
    const out = await run([...args, '--since', '2999-01-01', '--db', db]);
    assert.equal(out.status, 2, out.stdout);
    assert.match(out.stderr, /^error: --since: the window is empty: 2999-01-01T00:00:00\.000Z is not before /, args.join(' '));
  }
  // The right way round still works.
  const series = await run(['series', 'example.com', '--since', '2025-03-01', '--until', '2025-03-20', '--db', db]);
  assert.equal(series.status, 0, series.stderr);
});

test('plan --gate-pass-share: 0.98 and 98% mean the same, 98 and values outside 0–1 / 0–100% are refused; the configuration file reads shares the same', { skip }, async () => {
  const db = await sampleStore();
  const threshold = async (...gate: string[]): Promise<number | undefined> => {
    const out = await run(['plan', 'example.com', '--offline', '--json', '--now', '2025-03-20T00:00:00Z', '--db', db, ...gate]);
    assert.ok(out.status === 0 || out.status === 1, out.stderr);
    const plan = JSON.parse(out.stdout) as { gates: { id: string; threshold: number }[] };
    return plan.gates.find((g) => g.id === 'legitimate-pass-share')?.threshold;
  };
  assert.equal(await threshold('--gate-pass-share', '0.98'), 0.98);
  assert.equal(await threshold('--gate-pass-share', '98%'), 0.98);
  assert.equal(await threshold('--gate-pass-share', '0.9'), 0.9);
  assert.equal(await threshold('--gate-pass-share', '90 %'), 0.9);
  const unexplained = await run(['plan', 'example.com', '--offline', '--json', '--db', db, '--gate-unexplained-share', '0.5%']);
  assert.equal((JSON.parse(unexplained.stdout) as { gates: { id: string; detail: { params: { maxShare?: number } } }[] }).gates.find((g) => g.id === 'unexplained-senders')?.detail.params.maxShare, 0.005);
  for (const [value, reason] of [
    ['98', /"98" is not a share from 0 to 1: write 98% or 0\.98/],
    ['150%', /"150%" is more than 100%/],
    ['-0.5', /"-0\.5" is not a share: give a number from 0 to 1 \(0\.98\) or a percentage \(98%\)/],
    ['lots', /"lots" is not a share/],
  ] as const) {
    for (const option of ['--gate-pass-share', '--gate-unexplained-share']) {
      const out = await run(['plan', 'example.com', '--offline', '--db', db, option, value]);
      assert.equal(out.status, 2, `${option} ${value}: ${out.stderr}`);
      assert.match(out.stderr, reason, `${option} ${value}`);
    }
  }
  const config = join(tempDir(), 'config.json');
  writeFileSync(config, JSON.stringify({ gates: { minLegitimatePassShare: 98 } }));
  const fromFile = await run(['plan', 'example.com', '--offline', '--db', db, '--config', config]);
  assert.equal(fromFile.status, 2, fromFile.stderr);
  assert.match(fromFile.stderr, /gates\.minLegitimatePassShare: .*98 is not a share from 0 to 1 \(e\.g\. 0\.98\)/);
});

test('plan --now: the plan is made as of that time, reproducibly; a time that is not one is refused', { skip }, async () => {
  const db = await sampleStore();
  const plan = (now: string): Promise<Run> => run(['plan', 'example.com', '--offline', '--json', '--days', '30', '--db', db, '--now', now]);
  const [first, second, before] = await Promise.all([plan('2025-03-20T00:00:00Z'), plan('2025-03-20T00:00:00Z'), plan('2025-03-01T00:00:00Z')]);
  assert.equal(first.stdout, second.stdout, 'the same --now gives the same plan');
  const parsed = JSON.parse(first.stdout) as { generatedAt: string; verdict: string; gates: { id: string; detail: { params: Record<string, unknown> } }[] };
  assert.equal(parsed.generatedAt, '2025-03-20T00:00:00.000Z');
  assert.equal(parsed.gates.find((g) => g.id === 'coverage')?.detail.params.reporters, 1);
  const earlier = JSON.parse(before.stdout) as typeof parsed;
  assert.equal(earlier.verdict, 'no-data', 'before the reports, the plan sees none of them: offline, nothing to judge');
  assert.equal(before.status, 3);
  const bad = await plan('soon');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /"soon" is not a time/);
});

test('senders with a resolver that never answers: one notice naming it, once the first lookups time out, suggesting --offline; the list still comes', { skip }, async () => {
  const db = await sampleStore();
  const silent = await startMisbehavingDns({}, { kind: 'silent' });
  try {
    const out = await run(['senders', 'example.com', '--since', '3650d', '--db', db, '--resolver', silent.server, '--timeout', '150']);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /^example\.com: 3 senders, 37 messages/);
    const notices = out.stderr.split('\n').filter((line) => /DNS is not answering/.test(line));
    assert.deepEqual(notices, [`dmarcpilot senders: DNS is not answering (${silent.server}): 3 lookups timed out so far, so looking up every source may take a while; --offline uses only the reverse DNS earlier runs cached`]);
    const offline = await run(['senders', 'example.com', '--since', '3650d', '--db', db, '--resolver', silent.server, '--timeout', '150', '--offline']);
    assert.equal(offline.status, 0, offline.stderr);
    assert.doesNotMatch(offline.stderr, /DNS is not answering/, 'offline asks DNS nothing');
  } finally {
    await silent.stop();
  }
});
