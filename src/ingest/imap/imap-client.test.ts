import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { defaultLimits } from '../../core/limits.js';
import type { IngestPort } from '../ingest-port.js';
import { backfillImapMailbox } from './imap-backfill.js';
import { describeImapError } from './imap-client.js';
import { makeImapConfig } from './imap-config.js';

const codeError = (code: string, message: string): Error => Object.assign(new Error(message), { code });
const neverCalled: IngestPort = {
  limits: defaultLimits,
  ingest: () => Promise.reject(new Error('no message should be read')),
  refuse: () => Promise.reject(new Error('no message should be refused')),
};

test('describeImapError: TLS to a plain-text server, and no greeting without TLS, are said plainly', () => {
  const wrongVersion = codeError('ERR_SSL_WRONG_VERSION_NUMBER', '80:error:0A00010B:SSL routines:ssl3_get_record:wrong version number');
  assert.equal(describeImapError(wrongVersion, { secure: true, port: 143 }), 'the server did not answer TLS on port 143 (it may expect plain IMAP with STARTTLS, as on port 143; use imap://) (ERR_SSL_WRONG_VERSION_NUMBER)');
  assert.match(describeImapError(codeError('EPROTO', 'write EPROTO ... packet length too long'), { secure: true, port: 143 }), /did not answer TLS/);
  const noGreeting = codeError('GREETING_TIMEOUT', 'Failed to receive greeting from server in required time. Maybe should use TLS?');
  assert.equal(describeImapError(noGreeting, { secure: false, port: 993 }), 'the server sent no IMAP greeting on port 993 (it may expect TLS from the start, as on port 993; use imaps://) (GREETING_TIMEOUT)');
  // Without the location, or for the other scheme, the error is told as it is.
  assert.match(describeImapError(wrongVersion), /wrong version number \(ERR_SSL_WRONG_VERSION_NUMBER\)/);
  assert.match(describeImapError(noGreeting, { secure: true, port: 993 }), /^Failed to receive greeting/);
  assert.equal(describeImapError(Object.assign(new Error('Command failed'), { responseText: 'Invalid credentials' }), { secure: true, port: 993 }), 'Invalid credentials');
});

/** A server on a free loopback port; closed by the returned function. */
async function listen(server: Server): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<{ destroy(): void }>();
  server.on('connection', (socket: { destroy(): void }) => sockets.add(socket));
  server.on('secureConnection', (socket: { destroy(): void }) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

test('back-fill: imaps:// to a server that greets in plain text (a STARTTLS port) fails at once with the plain message', async () => {
  const plain = await listen(
    createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write('* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n');
    }),
  );
  try {
    const made = makeImapConfig({ url: `imaps://dmarc@127.0.0.1:${plain.port}/INBOX`, envPassword: 'p', connectTimeoutMs: 5000 });
    assert.ok(made.config);
    await assert.rejects(backfillImapMailbox(made.config, neverCalled), (caught: Error) => {
      assert.equal(caught.message, `imaps://dmarc@127.0.0.1:${plain.port}/INBOX: the server did not answer TLS on port ${plain.port} (it may expect plain IMAP with STARTTLS, as on port 143; use imap://) (ERR_SSL_WRONG_VERSION_NUMBER)`);
      return true;
    });
  } finally {
    await plain.close();
  }
});

test('back-fill: imap:// to a server that waits for TLS (an imaps port) says so once the greeting times out', async () => {
  const key = readFileSync(new URL('../../../test/fixtures/tls/localhost-key.pem', import.meta.url));
  const cert = readFileSync(new URL('../../../test/fixtures/tls/localhost-cert.pem', import.meta.url));
  const tls = await listen(createTlsServer({ key, cert }, (socket) => socket.write('* OK ready\r\n')));
  try {
    const made = makeImapConfig({ url: `imap://dmarc@127.0.0.1:${tls.port}/INBOX`, envPassword: 'p', connectTimeoutMs: 300 });
    assert.ok(made.config);
    await assert.rejects(backfillImapMailbox(made.config, neverCalled), /: the server sent no IMAP greeting on port \d+ \(it may expect TLS from the start, as on port 993; use imaps:\/\/\) \(GREETING_TIMEOUT\)$/);
  } finally {
    await tls.close();
  }
});
