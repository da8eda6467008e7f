/**
 * `dmarcpilot ingest --imap` as a user runs it (the built CLI) against a real Dovecot: the same
 * summary and exit status as file ingest, a re-run with nothing to do, `--imap-keep` with a
 * password file alongside file paths, and usage errors that name the URL without its password.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendMessages, countMessages, dovecotForTests } from './helpers/dovecot.js';
import { REPORT_TOTALS, hostileMessage, noReportMessage, reportMessages } from './helpers/imap-seed.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const skip = existsSync(join(root, 'dist/ingest/imap/imap-backfill.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';

/** Runs the CLI (asynchronously: the test process must stay free to answer nothing, but Dovecot is a child of it). */
function run(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, DMARCPILOT_IMAP_PASSWORD: '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('exit', (status) => resolve({ status, stderr }));
  });
}

const newDb = (): string => join(mkdtempSync(join(tmpdir(), 'dmarcpilot-imap-cli-')), 'store.sqlite');

test('ingest --imap: stores, archives, refuses with exit status 1; a re-run has nothing to do', { skip, timeout: 60_000 }, async (t) => {
  const server = await dovecotForTests();
  if ('skip' in server) return t.skip(server.skip);
  try {
    await appendMessages(server, 'INBOX', [...(await reportMessages()), noReportMessage(), hostileMessage()]);
    const db = newDb();
    const env = { DMARCPILOT_IMAP_PASSWORD: server.password };
    const first = await run(['ingest', '--db', db, '--imap', server.url()], env);
    assert.equal(first.status, 1, first.stderr);
    assert.match(first.stderr, /;UID=9: no-report-found: /);
    assert.match(first.stderr, /;UID=10 > report\.xml: xml-dtd-forbidden: /);
    assert.match(
      first.stderr,
      new RegExp(`: 10 inputs into SQLite .*: ${REPORT_TOTALS.newReports} new reports \\(\\d+ records\\), ${REPORT_TOTALS.duplicates} already stored, 2 refused \\(kept in quarantine: dmarcpilot quarantine list\\); IMAP: 8 to dmarcpilot-archive, 2 to dmarcpilot-failed\\n`),
    );
    assert.doesNotMatch(first.stderr, new RegExp(server.password));
    const again = await run(['ingest', '--db', db, '--imap', server.url()], env);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /: 0 inputs into .*: 0 new reports \(0 records\), 0 already stored, 0 refused; IMAP: 0 to dmarcpilot-archive, 0 to dmarcpilot-failed\n/);
    assert.deepEqual(await countMessages(server, ['INBOX', 'dmarcpilot-archive', 'dmarcpilot-failed']), { INBOX: 0, 'dmarcpilot-archive': 8, 'dmarcpilot-failed': 2 });
  } finally {
    await server.stop();
  }
});

test('ingest PATH --imap URL --imap-keep --imap-password-file: files and mailbox in one summary, nothing moved', { skip, timeout: 60_000 }, async (t) => {
  const server = await dovecotForTests();
  if ('skip' in server) return t.skip(server.skip);
  try {
    await appendMessages(server, 'Reports', await reportMessages());
    const passwordFile = join(mkdtempSync(join(tmpdir(), 'dmarcpilot-pw-')), 'imap-password');
    writeFileSync(passwordFile, `${server.password}\n`);
    const db = newDb();
    const args = ['ingest', '--db', db, join(root, 'test/fixtures/aggregate/gmx-ipv6-source.xml'), '--imap', server.url('Reports'), '--imap-keep', '--imap-password-file', passwordFile];
    const first = await run(args);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, new RegExp(`: 9 inputs into .*: ${REPORT_TOTALS.newReports + 1} new reports .*; IMAP: nothing moved \\(--imap-keep\\)\\n`));
    const second = await run(args);
    assert.match(second.stderr, /: 0 new reports \(0 records\), 9 already stored, 0 refused/);
    assert.deepEqual(await countMessages(server, ['Reports', 'dmarcpilot-archive']), { Reports: REPORT_TOTALS.messages, 'dmarcpilot-archive': 0 });
  } finally {
    await server.stop();
  }
});

test('ingest --imap usage errors: exit status 2, the URL named without its password', { skip }, async () => {
  const cases: [string[], RegExp][] = [
    [['--imap', 'imaps://u:s3cret@mail.example/INBOX', '--imap-keep', '--imap-delete'], /--imap-keep and --imap-delete: choose one/],
    [['--imap', 'pop3://u:s3cret@mail.example/INBOX'], /pop3:\/\/u:\*\*\*@mail\.example\/INBOX is not a usable IMAP location: the scheme must be imap:\/\/ or imaps:\/\//],
    [['--imap', 'imaps://u@mail.example/INBOX'], /imaps:\/\/u@mail\.example\/INBOX: no password: set DMARCPILOT_IMAP_PASSWORD or use --imap-password-file FILE/],
    [['--imap', 'imaps://u:s3cret@mail.example/INBOX', '--imap-archive', 'INBOX'], /the archive folder cannot be the folder being read/],
    [[], /give at least one path, or --imap URL/],
  ];
  for (const [args, message] of cases) {
    const result = await run(['ingest', '--db', newDb(), ...args]);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /s3cret/);
  }
});

test('ingest --imap imaps:// to a plain IMAP port: a plain message naming the URL and what to use instead, exit 1', { skip, timeout: 60_000 }, async (t) => {
  // A server that greets in plain text, as a STARTTLS port (143) does.
  const sockets = new Set<Socket>();
  const plain = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.write('* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n');
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const { port } = plain.address() as AddressInfo;
  try {
    const url = `imaps://dmarc@127.0.0.1:${port}/INBOX`;
    const out = await run(['ingest', '--db', newDb(), '--imap', url], { DMARCPILOT_IMAP_PASSWORD: 'secret-password' });
    assert.equal(out.status, 1, out.stderr);
    assert.match(out.stderr, new RegExp(`${url.replace(/[.:/]/g, '\\$&')}: the server did not answer TLS on port ${port} \\(it may expect plain IMAP with STARTTLS, as on port 143; use imap://\\)`));
    assert.doesNotMatch(out.stderr, /ssl3_get_record|secret-password/);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => plain.close(() => resolve()));
  }
  const server = await dovecotForTests();
  if ('skip' in server) return t.skip(server.skip);
  try {
    const wrong = server.url().replace(/^imap:/, 'imaps:');
    const out = await run(['ingest', '--db', newDb(), '--imap', wrong], { DMARCPILOT_IMAP_PASSWORD: server.password });
    assert.equal(out.status, 1, out.stderr);
    assert.match(out.stderr, /: the server did not answer TLS on port \d+ \(it may expect plain IMAP with STARTTLS, as on port 143; use imap:\/\/\)/);
  } finally {
    await server.stop();
  }
});
