/**
 * The SMTP listener with a real SMTP client (nodemailer) on loopback, over a real SQLite store:
 * what is accepted, what is refused and with which reply, and that 250 means stored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createAppContext } from '../src/app/context.js';
import { createIngestPort, ingestInput } from '../src/app/ingest.js';
import { SmtpConfigError, startSmtpListener } from '../src/ingest/smtp/smtp-listener.js';
import { defaultLimits } from '../src/core/limits.js';
import type { Store } from '../src/store/store.js';
import { failingStore, fixtures, send, SmtpConversation, smtpClient, startTestListener, tlsFixture } from './helpers/smtp.js';

const reportEmail = (name: string): Buffer => readFileSync(join(fixtures, 'email', name));
const aggregateXml = readFileSync(join(fixtures, 'aggregate/google-relaxed-dkim-pass.xml'), 'utf8');
const envelope = { from: 'noreply-dmarc-support@google.example', to: 'dmarc@reports.example' };

/** A report e-mail as a reporter sends it: a .xml.gz attachment, the report ID given. */
function generatedReport(reportId: string): { envelope: typeof envelope; from: string; to: string; subject: string; text: string; attachments: { filename: string; content: Buffer; contentType: string }[] } {
  const xml = aggregateXml.replace('<report_id>5820347716593021448</report_id>', `<report_id>${reportId}</report_id>`);
  return {
    envelope,
    from: envelope.from,
    to: envelope.to,
    subject: `Report domain: example.com Submitter: google.example Report-ID: ${reportId}`,
    text: 'This is an aggregate report from google.example.',
    attachments: [{ filename: `google.example!example.com!${reportId}.xml.gz`, content: gzipSync(xml), contentType: 'application/gzip' }],
  };
}

async function counts(store: Store): Promise<Record<string, number>> {
  return { ...(await store.countReports()) };
}

test('a report e-mail (RFC 5321 DATA, raw fixture) is answered 250 only once stored; the same message again is 250 and still stored once', async () => {
  const smtp = await startTestListener();
  const client = smtpClient(smtp.port);
  try {
    const first = await send(client, { envelope, raw: reportEmail('google-multipart-gzip.eml') });
    assert.equal(first.code, 250, first.response);
    assert.match(first.response, /^250 2\.6\.0 Stored: 1 new reports, 0 already stored/);
    assert.deepEqual(await counts(smtp.store), { aggregate: 1, records: 3, failure: 0, tls: 0, raw: 1, quarantine: 0 });

    const again = await send(client, { envelope, raw: reportEmail('google-multipart-gzip.eml') });
    assert.equal(again.code, 250, again.response);
    assert.match(again.response, /0 new reports, 1 already stored/);
    assert.deepEqual(await counts(smtp.store), { aggregate: 1, records: 3, failure: 0, tls: 0, raw: 1, quarantine: 0 });

    const [logged] = (await smtp.store.listIngestLog({ limit: 1 })).items;
    assert.match(logged?.input ?? '', /^smtp:\S+ from noreply-dmarc-support@google\.example to dmarc@reports\.example via 127\.0\.0\.1$/);
    assert.equal(smtp.messages.length, 2);
    assert.deepEqual(
      smtp.messages.map((m) => [m.newReports, m.duplicateReports, m.records, m.from, m.recipients, m.client, m.tls]),
      [
        [1, 0, 3, envelope.from, [envelope.to], '127.0.0.1', false],
        [0, 1, 0, envelope.from, [envelope.to], '127.0.0.1', false],
      ],
    );
    assert.deepEqual(smtp.errors, []);
  } finally {
    client.close();
    await smtp.stop();
  }
});

test('generated .xml.gz report and TLS report: stored; domain recipients (any case) accepted; null sender accepted', async () => {
  const smtp = await startTestListener();
  const client = smtpClient(smtp.port);
  try {
    const generated = await send(client, generatedReport('smtp-generated-1'));
    assert.equal(generated.code, 250, generated.response);
    const tls = await send(client, { envelope: { from: '', to: 'Anyone@TLSRPT.Example' }, raw: reportEmail('google-tlsrpt-gzip.eml') });
    assert.equal(tls.code, 250, tls.response);
    const stored = await counts(smtp.store);
    assert.equal(stored['aggregate'], 1);
    assert.equal(stored['tls'], 1);
    assert.equal(smtp.messages[1]?.from, '<>');
    const records = [];
    for await (const row of smtp.store.streamRecords({})) records.push(row);
    assert.equal(records[0]?.header.metadata.reportId, 'smtp-generated-1');
  } finally {
    client.close();
    await smtp.stop();
  }
});

test('RCPT TO of a recipient not configured (RFC 5321 §3.3): 550 5.1.1, nothing stored', async () => {
  const smtp = await startTestListener();
  const client = smtpClient(smtp.port);
  try {
    for (const to of ['postmaster@reports.example', 'dmarc@sub.tlsrpt.example', 'dmarc@elsewhere.example']) {
      const refused = await send(client, { envelope: { from: envelope.from, to }, raw: reportEmail('google-multipart-gzip.eml') });
      assert.equal(refused.code, 550, to);
      assert.match(refused.response, /^550 5\.1\.1 /, to);
    }
    assert.deepEqual(await counts(smtp.store), { aggregate: 0, records: 0, failure: 0, tls: 0, raw: 0, quarantine: 0 });
    assert.equal(smtp.events.filter((e) => e.includes('refused recipient')).length, 3);
  } finally {
    client.close();
    await smtp.stop();
  }
});

test('over the size limit (RFC 1870): SIZE announced, 552 5.3.4 at MAIL FROM SIZE= and after DATA; nothing stored', async () => {
  const smtp = await startTestListener({ config: { maxMessageBytes: 64 * 1024 } });
  const client = smtpClient(smtp.port);
  try {
    const big = Buffer.concat([reportEmail('google-multipart-gzip.eml'), Buffer.from(`X-Padding: ${'x'.repeat(200)}\r\n`.repeat(400))]);
    // Whether or not the client declares SIZE= at MAIL FROM, the message is refused with 552.
    const refused = await send(client, { envelope, raw: big });
    assert.equal(refused.code, 552, refused.response);
    assert.match(refused.response, /^552 5\.3\.4 /);

    const talk = await SmtpConversation.open(smtp.port);
    assert.match(await talk.reply(), /^220 mx\.reports\.example ESMTP/);
    const ehlo = await talk.command('EHLO client.example');
    assert.match(ehlo, /^250[- ]SIZE 65536\r$/m);
    assert.match(await talk.command(`MAIL FROM:<${envelope.from}> SIZE=${big.length}`), /^552 5\.3\.4 /);
    talk.end();

    assert.deepEqual(await counts(smtp.store), { aggregate: 0, records: 0, failure: 0, tls: 0, raw: 0, quarantine: 0 });
    // A message under the limit still goes through on the same listener.
    assert.equal((await send(client, { envelope, raw: reportEmail('google-multipart-gzip.eml') })).code, 250);
  } finally {
    client.close();
    await smtp.stop();
  }
});

test('connection limit: the connection past maxConnections gets 421 4.7.0 and is closed; a slot freed is usable again', async () => {
  const smtp = await startTestListener({ config: { maxConnections: 2 } });
  const open: SmtpConversation[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const talk = await SmtpConversation.open(smtp.port);
      open.push(talk);
      assert.match(await talk.reply(), /^220 /);
    }
    const extra = await SmtpConversation.open(smtp.port);
    assert.match(await extra.reply(), /^421 4\.7\.0 .*too many connections/);
    assert.equal(await extra.reply(), '');
    assert.ok(extra.closed);

    open.shift()?.end();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const client = smtpClient(smtp.port);
    assert.equal((await send(client, { envelope, raw: reportEmail('google-zip-attachment.eml') })).code, 250);
    client.close();
  } finally {
    for (const talk of open) talk.end();
    await smtp.stop();
  }
});

test('STARTTLS (RFC 3207): offered with a certificate, required by the client, message stored over TLS; not offered without one; no AUTH', async () => {
  const withTls = await startTestListener({ config: { tls: tlsFixture, requireTls: true } });
  const without = await startTestListener();
  const tlsClient = smtpClient(withTls.port, true);
  try {
    const talk = await SmtpConversation.open(withTls.port);
    await talk.reply();
    const ehlo = await talk.command('EHLO client.example');
    assert.match(ehlo, /^250-STARTTLS\r$/m);
    assert.doesNotMatch(ehlo, /AUTH/);
    // requireTls: no mail transaction in clear text.
    assert.match(await talk.command(`MAIL FROM:<${envelope.from}>`), /^530 5\.7\.0 /);
    talk.end();

    const sent = await send(tlsClient, { envelope, raw: reportEmail('google-zip-attachment.eml') });
    assert.equal(sent.code, 250, sent.response);
    assert.equal(withTls.messages[0]?.tls, true);
    assert.equal((await counts(withTls.store))['aggregate'], 1);

    const plain = await SmtpConversation.open(without.port);
    await plain.reply();
    const plainEhlo = await plain.command('EHLO client.example');
    assert.doesNotMatch(plainEhlo, /STARTTLS|AUTH/);
    assert.match(await plain.command('STARTTLS'), /^5\d\d /);
    plain.end();
    const refused = await send(smtpClient(without.port, true), { envelope, raw: reportEmail('google-zip-attachment.eml') });
    assert.notEqual(refused.code, 250);
  } finally {
    tlsClient.close();
    await withTls.stop();
    await without.stop();
  }
});

test('the store fails to keep the raw message (disk full): 451 4.3.0 so the sender retries, nothing half-stored, error reported', async () => {
  const smtp = await startTestListener({ wrapStore: failingStore('saveRawInput', 1) });
  const client = smtpClient(smtp.port);
  try {
    const failed = await send(client, { envelope, raw: reportEmail('google-multipart-gzip.eml') });
    assert.equal(String(failed.code)[0], '4', failed.response);
    assert.match(failed.response, /^451 4\.3\.0 /);
    assert.deepEqual(await counts(smtp.store), { aggregate: 0, records: 0, failure: 0, tls: 0, raw: 0, quarantine: 0 });
    assert.equal(smtp.errors.length, 1);
    assert.match(String(smtp.errors[0]?.error), /disk full/);
    assert.match(smtp.errors[0]?.context ?? '', /^smtp:/);
    assert.deepEqual(smtp.messages, []);

    // The sender's retry goes through once the store is back.
    const retried = await send(client, { envelope, raw: reportEmail('google-multipart-gzip.eml') });
    assert.equal(retried.code, 250, retried.response);
    assert.equal((await counts(smtp.store))['aggregate'], 1);
  } finally {
    client.close();
    await smtp.stop();
  }
});

test('the store fails in the middle of a report: 451, the report rolled back, and the next message is stored (the writer does not stay open)', async () => {
  const failOnce = (store: Store): Store => {
    let failed = false;
    return new Proxy(store, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        const bound = (value as (...args: unknown[]) => unknown).bind(target);
        if (prop !== 'beginAggregateReport') return bound;
        return async (...args: Parameters<Store['beginAggregateReport']>) => {
          const writer = await target.beginAggregateReport(...args);
          if (failed) return writer;
          failed = true;
          return { outcome: writer.outcome, addRecords: () => Promise.reject(new Error('database connection lost (test)')), commit: writer.commit.bind(writer), abort: writer.abort.bind(writer) };
        };
      },
    });
  };
  const smtp = await startTestListener({ wrapStore: failOnce });
  const client = smtpClient(smtp.port);
  try {
    const failed = await send(client, { envelope, raw: reportEmail('google-multipart-gzip.eml') });
    assert.match(failed.response, /^451 4\.3\.0 /);
    const afterFailure = await counts(smtp.store);
    assert.equal(afterFailure['aggregate'], 0);
    assert.equal(afterFailure['records'], 0);

    const next = await send(client, { envelope, raw: reportEmail('google-zip-attachment.eml') });
    assert.equal(next.code, 250, next.response);
    const retried = await send(client, { envelope, raw: reportEmail('google-multipart-gzip.eml') });
    assert.equal(retried.code, 250, retried.response);
    assert.match(retried.response, /1 new reports/);
    assert.deepEqual({ ...(await counts(smtp.store)), raw: 0 }, { aggregate: 2, records: 5, failure: 0, tls: 0, raw: 0, quarantine: 0 });
  } finally {
    client.close();
    await smtp.stop();
  }
});

test('a message that is not a report (a bounce): 250, kept in quarantine with its reason', async () => {
  const smtp = await startTestListener();
  const client = smtpClient(smtp.port);
  try {
    const sent = await send(client, { envelope: { from: '', to: 'dmarc@reports.example' }, raw: reportEmail('bounce-no-report.eml') });
    assert.equal(sent.code, 250, sent.response);
    assert.match(sent.response, /1 kept in quarantine/);
    const quarantined = (await smtp.store.listQuarantine({ state: 'open' })).items;
    assert.equal(quarantined.length, 1);
    assert.equal(quarantined[0]?.code, 'no-report-found');
    assert.match(quarantined[0]?.source ?? '', /^smtp:\S+ from <> to dmarc@reports\.example via 127\.0\.0\.1/);
    assert.deepEqual(smtp.rejections.map((r) => r.rejection.code), ['no-report-found']);
    assert.equal(smtp.messages[0]?.rejected, 1);
  } finally {
    client.close();
    await smtp.stop();
  }
});

test('20 messages at once over 20 connections (from 4 addresses, 5 each: the per-address limit): every one answered 250 and stored exactly once', async () => {
  const smtp = await startTestListener();
  const clients = Array.from({ length: 20 }, (_, i) => smtpClient(smtp.port, false, `127.0.0.${1 + (i % 4)}`));
  try {
    const replies = await Promise.all(clients.map((client, i) => send(client, generatedReport(`smtp-concurrent-${i}`))));
    assert.deepEqual(replies.map((r) => r.code), Array.from({ length: 20 }, () => 250));
    const stored = await counts(smtp.store);
    assert.equal(stored['aggregate'], 20);
    assert.equal(stored['quarantine'], 0);
    const ids = new Set<string>();
    for await (const row of smtp.store.streamRecords({})) ids.add(row.header.metadata.reportId);
    assert.equal(ids.size, 20);
  } finally {
    for (const client of clients) client.close();
    await smtp.stop();
  }
});

test('close() waits for a message being stored, then answers it 250', async () => {
  let release: () => void = () => undefined;
  let entered: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const storing = new Promise<void>((resolve) => (entered = resolve));
  const slowStore = (store: Store): Store =>
    new Proxy(store, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        const bound = (value as (...args: unknown[]) => Promise<unknown>).bind(target);
        if (prop !== 'saveRawInput') return bound;
        return async (...args: unknown[]) => {
          entered();
          await gate;
          return bound(...args);
        };
      },
    });
  const smtp = await startTestListener({ wrapStore: slowStore });
  const client = smtpClient(smtp.port);
  try {
    const sending = send(client, { envelope, raw: reportEmail('google-zip-attachment.eml') });
    await storing;
    const closed = smtp.listener.close();
    setTimeout(release, 100);
    await closed;
    // Once close() resolved the message is stored, so the store may be closed.
    assert.equal((await counts(smtp.store))['aggregate'], 1);
    const reply = await sending;
    assert.equal(reply.code, 250, reply.response);
  } finally {
    client.close();
    await smtp.stop();
  }
});

test('configuration errors are all reported before anything listens, each naming its setting', async () => {
  const port = createIngestPort(createAppContext(undefined as unknown as Store));
  await assert.rejects(
    startSmtpListener({ recipients: [], maxMessageBytes: defaultLimits.maxBufferedBytes + 1, requireTls: true, maxConnections: 0 }, port),
    (err: unknown) => {
      assert.ok(err instanceof SmtpConfigError);
      assert.deepEqual(err.problems.map((p) => p.field).sort(), ['smtp.maxConnections', 'smtp.maxMessageBytes', 'smtp.recipients', 'smtp.requireTls'], err.problems.map((p) => p.message).join('\n'));
      return true;
    },
  );
});

test('one ingest queue for every source: SMTP messages and inputs from another source stored at once never wait on each other', async () => {
  // Before the application core, sharing one concurrency-1 queue between the listener and another
  // source deadlocked (the listener queued, then ingest queued again inside). Now every source stores
  // through the same port and queue, once.
  const smtp = await startTestListener();
  const clients = Array.from({ length: 5 }, () => smtpClient(smtp.port));
  try {
    const other = Array.from({ length: 5 }, (_, i) =>
      ingestInput(smtp.context, { bytes: new TextEncoder().encode(aggregateXml.replace('<report_id>5820347716593021448</report_id>', `<report_id>other-${i}</report_id>`)), name: `upload-${i}.xml` }),
    );
    const replies = await Promise.all(clients.map((client, i) => send(client, generatedReport(`shared-queue-${i}`))));
    const stored = await Promise.all(other);
    assert.deepEqual(replies.map((r) => r.code), [250, 250, 250, 250, 250]);
    assert.deepEqual(stored.map((c) => c.newReports), [1, 1, 1, 1, 1]);
    assert.equal((await counts(smtp.store))['aggregate'], 10);
  } finally {
    for (const client of clients) client.close();
    await smtp.stop();
  }
});

test('a port already in use: startSmtpListener rejects with the system error', async () => {
  const first = await startTestListener();
  try {
    await assert.rejects(startTestListener({ config: { port: first.port } }), { code: 'EADDRINUSE' });
  } finally {
    await first.stop();
  }
});
