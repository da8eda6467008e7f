/**
 * The SMTP listener with a second, independent SMTP client: swaks (a Perl tool mail admins use
 * to test servers). Skipped with the reason when swaks is not installed, but failing then when
 * DMARCPILOT_REQUIRE_INTEGRATION=1 (CI installs it). The STARTTLS case also needs swaks's TLS
 * support (Debian: libnet-ssleay-perl, which CI installs) and is skipped without it, failing
 * instead when integration tests are required.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fixtures, startTestListener, tlsFixture } from './helpers/smtp.js';

const required = process.env['DMARCPILOT_REQUIRE_INTEGRATION'] === '1';
const support = spawnSync('swaks', ['--support'], { encoding: 'utf8' });
const missing = support.error ? 'swaks is not installed (apt-get install swaks)' : undefined;
const noTls = missing ?? (/TLS supported/.test(`${support.stdout}${support.stderr}`) ? undefined : 'swaks has no TLS support (apt-get install libnet-ssleay-perl)');
const skip = missing !== undefined && !required ? missing : false;

/** Runs swaks without blocking the event loop (the listener is in this process). */
function swaks(args: string[]): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    execFile('swaks', ['--timeout', '10', ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      const status = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ status, output: `${stdout}${stderr}` });
    });
  });
}

test('swaks is available when integration tests are required', { skip }, () => {
  assert.equal(missing, undefined, `${missing ?? ''}, and DMARCPILOT_REQUIRE_INTEGRATION=1`);
});

test('swaks --data (a report e-mail as is) and --attach (a .xml.gz it wraps in MIME): 250, each stored once', { skip }, async () => {
  const smtp = await startTestListener();
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-swaks-'));
  try {
    const server = ['--server', `127.0.0.1:${smtp.port}`, '--from', 'noreply@google.example', '--to', 'dmarc@reports.example'];
    const data = await swaks([...server, '--data', `@${join(fixtures, 'email/google-zip-attachment.eml')}`]);
    assert.equal(data.status, 0, data.output);
    assert.match(data.output, /<- {2}250 2\.6\.0 Stored: 1 new reports/);

    const gz = join(dir, 'google.example!example.com!1741564800!1741651199.xml.gz');
    writeFileSync(gz, gzipSync(readFileSync(join(fixtures, 'aggregate/google-relaxed-dkim-pass.xml'))));
    const attach = await swaks([...server, '--attach-type', 'application/gzip', '--attach', `@${gz}`]);
    assert.equal(attach.status, 0, attach.output);
    assert.equal((await smtp.store.countReports()).aggregate, 2);

    const again = await swaks([...server, '--data', `@${join(fixtures, 'email/google-zip-attachment.eml')}`]);
    assert.equal(again.status, 0, again.output);
    assert.match(again.output, /0 new reports, 1 already stored/);
    assert.equal((await smtp.store.countReports()).aggregate, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await smtp.stop();
  }
});

test('swaks to a recipient not configured: refused at RCPT with 550 5.1.1, nothing stored', { skip }, async () => {
  const smtp = await startTestListener();
  try {
    const refused = await swaks(['--server', `127.0.0.1:${smtp.port}`, '--from', 'a@example.com', '--to', 'someone@example.org', '--data', `@${join(fixtures, 'email/google-zip-attachment.eml')}`]);
    assert.notEqual(refused.status, 0);
    assert.match(refused.output, /<\*\* 550 5\.1\.1 /);
    assert.equal((await smtp.store.countReports()).raw, 0);
  } finally {
    await smtp.stop();
  }
});

test('swaks --tls (STARTTLS, RFC 3207) with the fixture certificate: stored over TLS', { skip: skip || (noTls !== undefined && !required ? noTls : false) }, async () => {
  const smtp = await startTestListener({ config: { tls: tlsFixture, requireTls: true } });
  try {
    const sent = await swaks(['--server', `127.0.0.1:${smtp.port}`, '--tls', '--from', 'a@example.com', '--to', 'dmarc@reports.example', '--data', `@${join(fixtures, 'email/google-tlsrpt-gzip.eml')}`]);
    assert.equal(sent.status, 0, sent.output);
    assert.match(sent.output, /TLS started/);
    assert.equal(smtp.messages[0]?.tls, true);
    assert.equal((await smtp.store.countReports()).tls, 1);
  } finally {
    await smtp.stop();
  }
});
