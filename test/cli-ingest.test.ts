/**
 * `dmarcpilot ingest`, `export records` and `quarantine` as a user runs them, on an embedded
 * SQLite file and on a real PostgreSQL server: nothing lost, nothing counted twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { postgresForTests } from './helpers/postgres.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const fixtures = join(root, 'test/fixtures');
const skip = existsSync(join(root, 'dist/cli/main.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const status = (db: string): Record<string, unknown> => JSON.parse(run(['db', 'status', '--json', '--db', db]).stdout) as Record<string, unknown>;

/** A folder of good reports only: a few aggregate fixtures, two report e-mails and an mbox. */
function goodInputs(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-in-'));
  for (const name of ['google-relaxed-dkim-pass.xml', 'microsoft-envelope-to.xml', 'gmx-ipv6-source.xml', 'comcast-large-300-records.xml']) {
    copyFileSync(join(fixtures, 'aggregate', name), join(dir, name));
  }
  mkdirSync(join(dir, 'mail'));
  for (const name of ['google-zip-attachment.eml', 'amazonses-octet-stream-gzip.eml', 'three-messages.mbox']) {
    copyFileSync(join(fixtures, 'email', name), join(dir, 'mail', name));
  }
  return dir;
}

function checkIngest(db: string): void {
  const inputs = goodInputs();
  const first = run(['ingest', '--db', db, inputs]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, /dmarcpilot ingest: 9 inputs into .*: 8 new reports \(\d+ records\), 1 already stored, 0 refused/);
  const stored = status(db);
  assert.equal(stored['aggregate'], 7);
  assert.equal(stored['tls'], 1);

  // The same inputs again, and the same report in another container: nothing changes.
  const again = run(['ingest', '--db', db, inputs]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /: 0 new reports \(0 records\), 9 already stored, 0 refused/);
  const gz = join(inputs, 'again.xml.gz');
  writeFileSync(gz, gzipSync(readFileSync(join(inputs, 'google-relaxed-dkim-pass.xml'))));
  assert.match(run(['ingest', '--db', db, gz]).stderr, /0 new reports \(0 records\), 1 already stored/);
  const after = status(db);
  assert.deepEqual({ ...after, raw: 0 }, { ...stored, raw: 0 });

  // Export gives exactly what parse prints for the same reports (the mbox's duplicate aside).
  const exported = run(['export', 'records', '--db', db]).stdout.trimEnd().split('\n');
  assert.equal(exported.length, stored['records']);
  const parsed = run(['parse', '-q', '--format', 'jsonl', join(inputs, 'google-relaxed-dkim-pass.xml'), join(inputs, 'comcast-large-300-records.xml')]).stdout.trimEnd().split('\n');
  for (const line of parsed) assert.ok(exported.includes(line), `export lacks ${line.slice(0, 80)}`);
  const oneDomain = run(['export', 'records', '--db', db, '--domain', 'example.org', '--format', 'csv']).stdout.trimEnd().split('\r\n');
  assert.ok(oneDomain.length > 1);
  assert.ok(oneDomain.slice(1).every((row) => row.split(',')[2] === 'example.org'));
}

test('ingest into SQLite: stored once, re-ingest changes nothing, export matches parse', { skip }, () => {
  checkIngest(join(mkdtempSync(join(tmpdir(), 'dmarcpilot-db-')), 'store.sqlite'));
});

test('ingest into PostgreSQL: the same guarantees', { skip }, async (t) => {
  const pg = await postgresForTests();
  if ('skip' in pg) return t.skip(pg.skip);
  try {
    checkIngest(pg.url);
  } finally {
    await pg.drop();
  }
});

test('inputs too large to read whole are quarantined with their first bytes, flagged as truncated; show, retry and dismiss say so', { skip }, () => {
  const db = join(mkdtempSync(join(tmpdir(), 'dmarcpilot-db-')), 'store.sqlite');
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-big-'));
  const big = `<?xml version="1.0"?>\n<!--${'x'.repeat(20_000)}-->\n<feedback></feedback>\n`;
  writeFileSync(join(dir, 'big.xml'), big);
  const message = (subject: string, padding: number): string => `From: r@example.net\nSubject: ${subject}\nX-Padding: ${'p'.repeat(padding)}\n\nbody\n`;
  writeFileSync(join(dir, 'box.mbox'), `From r@example.net Mon Mar 10 00:00:00 2025\n${message('big', 20_000)}\nFrom r@example.net Mon Mar 10 00:00:00 2025\n${message('small', 10)}`);
  const ingest = run(['ingest', '--db', db, '--max-buffered', '8k', dir]);
  assert.equal(ingest.status, 1);
  assert.match(ingest.stderr, /big\.xml: input-too-large: The file is \d+ bytes, larger than --max-buffered \(8192 bytes\), the most read as one input; only its first 8192 bytes are kept\./);
  assert.match(ingest.stderr, /box\.mbox > message 1: input-too-large: Message 1 of the mbox file is \d+ bytes, .* Only its first 8192 bytes are kept\./);
  assert.match(ingest.stderr, /box\.mbox > message 2: no-report-found: /, 'the message after the large one is still read');
  const entries = JSON.parse(run(['quarantine', 'list', '--json', '--db', db]).stdout) as { id: number; source: string; code: string; raw: { size: number }; truncated?: { inputSize: number } }[];
  const file = entries.find((e) => e.source.endsWith('big.xml'));
  assert.ok(file);
  assert.deepEqual([file.code, file.raw.size, file.truncated], ['input-too-large', 8192, { inputSize: Buffer.byteLength(big) }]);
  assert.ok(entries.some((e) => e.source.endsWith('box.mbox > message 1') && e.truncated !== undefined && e.raw.size === 8192));
  const id = String(file.id);
  assert.match(run(['quarantine', 'show', id, '--db', db]).stdout, new RegExp(`^raw input: only the first 8192 bytes, sha256 [0-9a-f]{64}: the input \\(${Buffer.byteLength(big)} bytes\\) was too large to keep`, 'm'));
  const raw = run(['quarantine', 'show', id, '--raw', '--db', db]);
  assert.equal(raw.stdout, big.slice(0, 8192));
  assert.match(raw.stderr, new RegExp(`only the first 8192 of the input's ${Buffer.byteLength(big)} bytes were kept`));
  const retry = run(['quarantine', 'retry', id, '--db', db]);
  assert.equal(retry.status, 1);
  assert.match(retry.stderr, new RegExp(`^${id}: cannot be retried: the input was too large to keep .*ingest the original again with a larger --max-buffered`, 'm'));
  assert.equal(run(['quarantine', 'dismiss', id, '--db', db]).status, 0);
  // Ingested again with room for it, the file is read (and refused for what it is, not for its size).
  assert.match(run(['ingest', '--db', db, join(dir, 'big.xml')]).stderr, /big\.xml: missing-required-field: /);
});

test('refused inputs are quarantined once, can be shown with their bytes, and retried', { skip }, () => {
  const db = join(mkdtempSync(join(tmpdir(), 'dmarcpilot-db-')), 'store.sqlite');
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-q-'));
  copyFileSync(join(fixtures, 'aggregate', 'hostile-xxe-external-entity.xml'), join(dir, 'xxe.xml'));
  const padded = `${readFileSync(join(fixtures, 'aggregate', 'google-relaxed-dkim-pass.xml'), 'utf8').replace('<record>', `${' '.repeat(6 * 1024 * 1024)}<record>`)}`;
  writeFileSync(join(dir, 'padded.xml.gz'), gzipSync(padded));

  // A strict ratio refuses the compressible report; the XXE is refused whatever the limits.
  const strict = run(['ingest', '--db', db, '--max-ratio', '50', dir]);
  assert.equal(strict.status, 1);
  assert.match(strict.stderr, /padded\.xml\.gz: decompression-ratio-exceeded: /);
  assert.match(strict.stderr, /xxe\.xml: xml-dtd-forbidden: /);
  assert.equal(run(['ingest', '--db', db, '--max-ratio', '50', dir]).status, 1);
  const listed = run(['quarantine', 'list', '--db', db]).stdout.trimEnd().split('\n');
  assert.equal(listed.length, 2, 'each refusal is kept once, however often it is ingested');
  const xxeId = (listed.find((line) => line.includes('xml-dtd-forbidden')) ?? '').split('\t')[0] ?? '';
  const shown = run(['quarantine', 'show', xxeId, '--db', db]);
  assert.match(shown.stdout, /code: xml-dtd-forbidden/);
  assert.equal(run(['quarantine', 'show', xxeId, '--raw', '--db', db]).stdout, readFileSync(join(dir, 'xxe.xml'), 'utf8'));

  // Retried with a ratio limit raised for it, the padded report goes through; the XXE stays refused.
  const retry = run(['quarantine', 'retry', '--max-ratio', '5000', '--db', db]);
  assert.equal(retry.status, 1);
  assert.match(retry.stdout, /^\d+: resolved$/m);
  assert.match(retry.stderr, /still refused: .*xxe\.xml: xml-dtd-forbidden/);
  assert.equal(status(db)['aggregate'], 1);
  assert.deepEqual(run(['quarantine', 'list', '--db', db]).stdout.trimEnd().split('\n').length, 1);

  // Looked at, nothing to do: dismissed, it leaves the open list; dismissing it again is refused.
  const dismissed = run(['quarantine', 'dismiss', xxeId, '--db', db]);
  assert.equal(dismissed.status, 0, dismissed.stderr);
  assert.equal(dismissed.stdout, `${xxeId}: dismissed\n`);
  assert.equal(run(['quarantine', 'list', '--db', db]).stdout, '');
  assert.match(run(['quarantine', 'list', '--all', '--db', db]).stdout, new RegExp(`^${xxeId}\tdismissed\t`, 'm'));
  const again = run(['quarantine', 'dismiss', xxeId, '--db', db]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /^error: quarantine entry \d+ is dismissed already$/m);
  const notAnId = run(['quarantine', 'retry', 'abc', '--db', db]);
  assert.equal(notAnId.status, 2);
  assert.match(notAnId.stderr, /"abc" is not an entry id/);
});

test('summary counts only the days of a multi-day report inside the window, exactly', { skip }, () => {
  const db = join(mkdtempSync(join(tmpdir(), 'dmarcpilot-db-')), 'store.sqlite');
  // 2025-03-03 to 2025-03-09 (7 whole days), records of 12 and 3 messages. Spread by largest
  // remainder: 12 -> 2,2,2,2,2,1,1 and 3 -> 1,1,1,0,0,0,0; from 2025-03-07 on: 2+1+1 + 0 = 4.
  assert.equal(run(['ingest', '-q', '--db', db, join(fixtures, 'aggregate', 'quirk-seven-day-range.xml')]).status, 0);
  const summary = (since: string, extra: string[] = []) =>
    JSON.parse(run(['summary', '--json', '--since', since, '--db', db, ...extra]).stdout) as { since: string; domains: { domain: string; messages: number; passShare: number }[] };
  assert.deepEqual(summary('2025-03-07').domains.map((d) => d.messages), [4]);
  const whole = summary('2025-03-03');
  assert.equal(whole.since, '2025-03-03');
  assert.deepEqual(whole.domains.map((d) => d.messages), [15]);
  assert.deepEqual(summary('2025-03-03', ['--domain', 'example.net']).domains, []);
  const text = run(['summary', '--since', '2025-03-03', '--db', db]).stdout;
  assert.match(text, /^\S+: 15 messages since 2025-03-03, \d+\.\d% pass DMARC$/m);
  assert.match(text, /top reporters: .+ \(15\)/);
});
