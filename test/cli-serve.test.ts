/**
 * `dmarcpilot serve` as an operator runs it: the built CLI with a configuration file, a real SMTP
 * client sending to its listener and a real Dovecot mailbox it watches, both storing into one
 * SQLite file; SIGTERM stops it cleanly. Also the defaults of `npm start` and configuration errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendMessages, countMessages, dovecotForTests } from './helpers/dovecot.js';
import { readEmail } from './helpers/imap-seed.js';
import { send, smtpClient } from './helpers/smtp.js';
import { ServeProcess } from './helpers/serve-process.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const skip = existsSync(join(root, 'dist/cli/main.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';


function dbStatus(db: string): Record<string, number> {
  const result = spawnSync(process.execPath, [bin, 'db', 'status', '--json', '--db', db], { cwd: root, encoding: 'utf8' });
  return JSON.parse(result.stdout) as Record<string, number>;
}

test('serve: SMTP listener and IMAP watcher from one configuration file store into one database; SIGTERM stops cleanly', { skip }, async (t) => {
  const dovecot = await dovecotForTests('serve');
  if ('skip' in dovecot) return t.skip(dovecot.skip);
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-serve-'));
  const db = join(dir, 'reports.sqlite');
  await appendMessages(dovecot, 'INBOX', [readEmail('google-multipart-gzip.eml'), readEmail('microsoft-tlsrpt-json.eml')]);
  writeFileSync(
    join(dir, 'serve.json'),
    JSON.stringify({ db, smtp: { host: '127.0.0.1', port: 0, recipients: ['dmarc@reports.example'] }, imap: [{ url: dovecot.url('INBOX'), archiveFolder: 'Done' }] }),
  );
  const server = new ServeProcess(['--config', join(dir, 'serve.json')], { DMARCPILOT_IMAP_PASSWORD: dovecot.password });
  try {
    const [, port] = await server.waitFor(/smtp: listening on 127\.0\.0\.1:(\d+)/);
    assert.match(server.log, /accepting mail for dmarc@reports\.example/);
    const client = smtpClient(Number(port));
    const reply = await send(client, { envelope: { from: 'noreply@reporter.example', to: ['dmarc@reports.example'] }, raw: readEmail('amazonses-octet-stream-gzip.eml') });
    client.close();
    assert.equal(reply.code, 250, reply.response);
    const refused = await send(smtpClient(Number(port)), { envelope: { from: 'a@b.example', to: ['postmaster@elsewhere.example'] }, raw: readEmail('amazonses-octet-stream-gzip.eml') });
    assert.equal(refused.code, 550, refused.response);
    await server.waitFor(/imap: .*UID=2.*archived/);
    assert.deepEqual(await countMessages(dovecot, ['INBOX', 'Done']), { INBOX: 0, Done: 2 });
    // A message arriving while the watcher waits is picked up too.
    await appendMessages(dovecot, 'INBOX', [readEmail('mimecast-single-part-gzip.eml')]);
    await server.waitFor(/imap: .*UID=3.*archived/);
    assert.equal(await server.stop(), 0, server.log);
    assert.match(server.log, /SIGTERM received[\s\S]*stopped/);
    const counts = dbStatus(db);
    assert.equal(counts['aggregate'], 3, JSON.stringify(counts));
    assert.equal(counts['tls'], 1, JSON.stringify(counts));
  } finally {
    if (server.child.exitCode === null) await server.stop('SIGKILL');
    await dovecot.stop();
  }
});

test('serve: with no configuration it listens on loopback for any recipient (what `npm start` runs)', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-serve-'));
  const db = join(dir, 'default.sqlite');
  const server = new ServeProcess(['--smtp', '127.0.0.1:0'], { DMARCPILOT_DB: db });
  try {
    const [, port] = await server.waitFor(/smtp: listening on 127\.0\.0\.1:(\d+)[^]*smtp: accepting mail for any recipient/);
    const reply = await send(smtpClient(Number(port)), { envelope: { from: 'a@reporter.example', to: ['whoever@example.org'] }, raw: readEmail('google-zip-attachment.eml') });
    assert.equal(reply.code, 250, reply.response);
    assert.equal(await server.stop('SIGINT'), 0, server.log);
    assert.equal(dbStatus(db)['aggregate'], 1);
  } finally {
    if (server.child.exitCode === null) await server.stop('SIGKILL');
  }
});

test('serve: configuration mistakes are all reported with their setting, and nothing starts (exit 2)', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-serve-'));
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ smtp: { host: '0.0.0.0', prot: 25 }, imap: [{ url: 'pop3://x' }] }));
  const server = new ServeProcess(['--config', join(dir, 'bad.json')]);
  assert.equal(await server.exit(), 2);
  assert.match(server.log, /smtp\.prot: unknown setting/);
  assert.match(server.log, /smtp\.recipients: required .*when the listener is on 0\.0\.0\.0/);
  assert.match(server.log, /imap\[0\]\.url: "pop3:\/\/x" is not imap/);
  // Files the settings name are read before anything starts, and reported with the other mistakes.
  const several = join(dir, 'several.json');
  writeFileSync(
    several,
    JSON.stringify({
      dns: { timeoutMs: 0 },
      smtp: { port: 0, tls: { keyFile: join(dir, 'no-key.pem'), certFile: join(dir, 'no-cert.pem') } },
      imap: [{ url: 'imap://dmarc@127.0.0.1/INBOX', passwordFile: join(dir, 'no-such-file') }, { url: 'imaps://dmarc@127.0.0.1/INBOX', passwordFile: join(dir, 'no-such-file'), failedFolder: 'INBOX' }],
    }),
  );
  const noPassword = new ServeProcess(['--config', several, '--db', join(dir, 'never.sqlite')]);
  assert.equal(await noPassword.exit(), 2, noPassword.log);
  for (const expected of [
    /configuration: .*several\.json: dns\.timeoutMs: expected a whole number/,
    /configuration: .*several\.json: smtp\.tls\.keyFile: cannot read .*no-key\.pem/,
    /configuration: .*several\.json: smtp\.tls\.certFile: cannot read .*no-cert\.pem/,
    /configuration: .*several\.json: imap\[0\]\.passwordFile: imap:\/\/dmarc@127\.0\.0\.1\/INBOX: cannot read the password file .*no-such-file/,
    /configuration: .*several\.json: imap\[1\]\.passwordFile: .*no-such-file/,
    /configuration: .*several\.json: imap\[1\]\.failedFolder: .*cannot be the folder being read/,
  ]) {
    assert.match(noPassword.log, expected);
  }
  assert.doesNotMatch(noPassword.log, /listening|storing into/, 'nothing started');
  assert.ok(!existsSync(join(dir, 'never.sqlite')), 'no store created');
  const missing = new ServeProcess(['--config', join(dir, 'missing.json')]);
  assert.equal(await missing.exit(), 2);
  assert.match(missing.log, /cannot read the configuration .*missing\.json/);
});

test('serve: a port already in use is a clear error, exit 1', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-serve-'));
  const first = new ServeProcess(['--smtp', '127.0.0.1:0', '--db', join(dir, 'a.sqlite')]);
  try {
    const [, port] = await first.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
    const second = new ServeProcess(['--smtp', `127.0.0.1:${port}`, '--db', join(dir, 'b.sqlite')]);
    assert.equal(await second.exit(), 1, second.log);
    assert.match(second.log, /cannot start: .*(in use|EADDRINUSE)/i);
  } finally {
    await first.stop();
  }
});
