/**
 * The SMTP listener against clients that would freeze it (issue 12): slow clients holding every
 * connection, a client trickling its DATA or its session for ever, many large messages at once,
 * and one message that takes long to parse while others are sent. Real sockets on loopback; a
 * client's address is chosen among 127.0.0.x (Linux routes all of 127/8 to loopback).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientKey } from '../src/ingest/smtp/smtp-listener.js';
import { bigAggregateXml, reportEmailWith } from './helpers/big-report.js';
import { send, SmtpConversation, smtpClient, startTestListener } from './helpers/smtp.js';

const envelope = { from: 'noreply-dmarc-support@google.example', to: 'dmarc@reports.example' };
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A conversation up to DATA's 354. */
async function inData(port: number, from?: string, mailFrom = `<${envelope.from}>`): Promise<SmtpConversation> {
  const c = await SmtpConversation.open(port, from);
  assert.match(await c.reply(), /^220 /);
  assert.match(await c.command('EHLO slow.example'), /^250/m);
  assert.match(await c.command(`MAIL FROM:${mailFrom}`), /^250/);
  assert.match(await c.command(`RCPT TO:<${envelope.to}>`), /^250/);
  assert.match(await c.command('DATA'), /^354/);
  return c;
}

/** Sends `line` one byte at a time every `everyMs` until the connection closes or `stop` is set; resolves when it closed. */
async function trickle(c: SmtpConversation, write: (text: string) => void, everyMs: number, stop: { done: boolean }): Promise<void> {
  for (let i = 0; !c.closed && !stop.done; i++) {
    write(i % 60 === 59 ? '\r\n' : 'x');
    await pause(everyMs);
  }
}

test('per-address limit: one address gets maxConnectionsPerAddress connections, the next 421 4.7.0; another address still gets in and is stored', async () => {
  const smtp = await startTestListener({ config: { maxConnections: 8, maxConnectionsPerAddress: 3 } });
  const open: SmtpConversation[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const c = await SmtpConversation.open(smtp.port, '127.0.0.1');
      assert.match(await c.reply(), /^220 /);
      open.push(c);
    }
    const fourth = await SmtpConversation.open(smtp.port, '127.0.0.1');
    assert.match(await fourth.reply(), /^421 4\.7\.0 mx\.reports\.example too many connections from your address, try again later/);
    assert.equal(await fourth.reply(), '', 'closed');
    assert.ok(smtp.events.some((e) => /refused a connection from 127\.0\.0\.1: 3 connections from 127\.0\.0\.1 already open/.test(e)), smtp.events.join('\n'));
    const other = smtpClient(smtp.port, false, '127.0.0.2');
    const reply = await send(other, { envelope, raw: reportEmailWith(bigAggregateXml('per-address', 2), 'per-address') });
    other.close();
    assert.equal(reply.code, 250, reply.response);
    // A slot freed is counted back.
    open.shift()?.end();
    await pause(200);
    const again = await SmtpConversation.open(smtp.port, '127.0.0.1');
    assert.match(await again.reply(), /^220 /);
    open.push(again);
  } finally {
    for (const c of open) c.end();
    await smtp.stop();
  }
});

test('20 connections trickling a byte every 200 ms (the issue: all slots held, reporters got 421): only 5 are let in, a reporter from elsewhere is stored at once', async () => {
  const smtp = await startTestListener({ config: { maxConnections: 20 } });
  const stop = { done: false };
  const slow: SmtpConversation[] = [];
  const trickling: Promise<void>[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      const c = await SmtpConversation.open(smtp.port, '127.0.0.9');
      const greeting = await c.reply();
      if (!greeting.startsWith('220 ')) {
        assert.match(greeting, /^421 4\.7\.0 /);
        continue;
      }
      slow.push(c);
      trickling.push(trickle(c, (text) => c.write(text), 200, stop));
    }
    assert.equal(slow.length, 5, 'the default per-address limit');
    const reporter = smtpClient(smtp.port, false, '127.0.0.2');
    const reply = await send(reporter, { envelope, raw: reportEmailWith(bigAggregateXml('trickle', 2), 'trickle') });
    reporter.close();
    assert.equal(reply.code, 250, reply.response);
  } finally {
    stop.done = true;
    for (const c of slow) c.end();
    await Promise.all(trickling);
    await smtp.stop();
  }
});

test('DATA deadline: a client trickling its message gets 421 4.4.2 when dataTimeoutMs has passed, the partial message dropped; nothing is stored', async () => {
  const smtp = await startTestListener({ config: { dataTimeoutMs: 1_500 } });
  const stop = { done: false };
  try {
    const c = await inData(smtp.port);
    const started = Date.now();
    const trickling = trickle(c, (text) => c.write(text), 100, stop);
    const reply = await c.reply(20_000);
    const took = Date.now() - started;
    stop.done = true;
    await trickling;
    assert.match(reply, /^421 4\.4\.2 mx\.reports\.example DATA time limit reached, closing connection/);
    assert.ok(took >= 1_400, `not before the deadline (${took} ms)`);
    assert.equal(await c.reply(), '', 'closed');
    assert.deepEqual({ ...(await smtp.store.countReports()) }, { aggregate: 0, records: 0, failure: 0, tls: 0, raw: 0, quarantine: 0 });
    assert.ok(smtp.events.some((e) => /closed connection \S+ from 127\.0\.0\.1: DATA time limit reached/.test(e)), smtp.events.join('\n'));
    // The listener goes on.
    const client = smtpClient(smtp.port);
    const ok = await send(client, { envelope, raw: reportEmailWith(bigAggregateXml('after-deadline', 2), 'after-deadline') });
    client.close();
    assert.equal(ok.code, 250, ok.response);
  } finally {
    stop.done = true;
    await smtp.stop();
  }
});

test('session deadline: a client that keeps the session busy (NOOP after NOOP) gets 421 4.4.2 when sessionTimeoutMs has passed', async () => {
  const smtp = await startTestListener({ config: { sessionTimeoutMs: 1_500 } });
  try {
    const c = await SmtpConversation.open(smtp.port);
    assert.match(await c.reply(), /^220 /);
    const started = Date.now();
    const replies: string[] = [];
    while (!c.closed && Date.now() - started < 20_000) {
      const reply = await c.command('NOOP');
      replies.push(reply);
      if (!reply.startsWith('250')) break;
      await pause(100);
    }
    // The 421 comes unasked, between two NOOPs: read what is left.
    for (let reply = await c.reply(); reply !== ''; reply = await c.reply()) replies.push(reply);
    const cut = replies.find((reply) => !reply.startsWith('250'));
    assert.match(cut ?? '', /^421 4\.4\.2 mx\.reports\.example session time limit reached, closing connection/);
    assert.ok(Date.now() - started >= 1_400);
    assert.ok(c.closed);
  } finally {
    await smtp.stop();
  }
});

test('memory bound: messages held at once are limited by maxInFlightBytes; one past it is read to the end and answered 452 4.2.2 (insufficient storage now), a declared SIZE= at once; later it is stored', async () => {
  const smtp = await startTestListener({ config: { maxMessageBytes: 100_000, maxInFlightBytes: 150_000 } });
  /** A report e-mail of about `n` bytes: the report, then lines of padding after its last MIME boundary (the epilogue). */
  const body = (n: number, id: string): string => {
    const mail = reportEmailWith(bigAggregateXml(id, 1), id, true).toString('latin1');
    return mail + `${'p'.repeat(70)}\r\n`.repeat(Math.max(0, Math.floor((n - mail.length) / 72)));
  };
  const held = await inData(smtp.port, '127.0.0.3');
  try {
    // 90 kB of the first message in, no final dot yet: it holds 90 kB of the 150 kB.
    const first = body(90_000, 'held-1');
    held.write(first.slice(0, first.length - 200));
    await pause(300);
    const second = await inData(smtp.port, '127.0.0.4');
    second.write(body(80_000, 'second-1'));
    assert.match(await second.command('.'), /^452 4\.2\.2 Insufficient system storage now, try again later/);
    // Declared at MAIL FROM: refused before any byte is sent.
    const declared = await SmtpConversation.open(smtp.port, '127.0.0.5');
    assert.match(await declared.reply(), /^220 /);
    assert.match(await declared.command('EHLO sizes.example'), /^250/m);
    assert.match(await declared.command(`MAIL FROM:<${envelope.from}> SIZE=80000`), /^452 4\.2\.2 Insufficient system storage now/);
    declared.end();
    // The first one finishes and is stored; its bytes are given back, and the second fits now.
    held.write(first.slice(first.length - 200));
    assert.match(await held.command('.'), /^250 2\.6\.0 Stored: 1 new reports/);
    assert.match(await second.command('MAIL FROM:<a@b.example>'), /^250/);
    assert.match(await second.command(`RCPT TO:<${envelope.to}>`), /^250/);
    assert.match(await second.command('DATA'), /^354/);
    second.write(body(80_000, 'second-1'));
    assert.match(await second.command('.'), /^250 2\.6\.0 Stored: 1 new reports/);
    second.end();
    assert.ok(smtp.events.some((e) => /deferred a message of \d+ bytes from .* bytes of messages held already/.test(e)), smtp.events.join('\n'));

    // A declared SIZE= that fits is set aside at MAIL FROM: another one that does not fit beside it is refused
    // before its DATA, and the first is never refused after its DATA for want of memory.
    const early = await SmtpConversation.open(smtp.port, '127.0.0.7');
    assert.match(await early.reply(), /^220 /);
    assert.match(await early.command('EHLO early.example'), /^250/m);
    const third = body(95_000, 'third-1');
    assert.match(await early.command(`MAIL FROM:<${envelope.from}> SIZE=${third.length}`), /^250/);
    const late = await SmtpConversation.open(smtp.port, '127.0.0.8');
    assert.match(await late.reply(), /^220 /);
    assert.match(await late.command('EHLO late.example'), /^250/m);
    assert.match(await late.command(`MAIL FROM:<${envelope.from}> SIZE=60000`), /^452 /);
    assert.match(await early.command(`RCPT TO:<${envelope.to}>`), /^250/);
    assert.match(await early.command('DATA'), /^354/);
    early.write(third);
    assert.match(await early.command('.'), /^250 2\.6\.0 Stored: 1 new reports/);
    early.end();
    // Given back once stored: it fits now.
    assert.match(await late.command(`MAIL FROM:<${envelope.from}> SIZE=60000`), /^250/);
    late.end();
  } finally {
    held.end();
    await smtp.stop();
  }
});

test('a message that takes long to parse does not hold the listener: EHLO/QUIT of another client is answered meanwhile, in a fraction of that time', async () => {
  const smtp = await startTestListener();
  try {
    // A 25 MB e-mail carrying 18 MB of XML as it is (no compression to wait on): seconds to parse and store.
    const big = reportEmailWith(bigAggregateXml('slow-parse', 30_000), 'slow-parse', true);
    // Its raw bytes are kept already, so what is measured is the parse, not the SQLite store
    // compressing and writing a raw input on this thread (sqlite-store.ts, about 40 ms per MB).
    await smtp.store.saveRawInput(new Uint8Array(big));
    const c = await inData(smtp.port);
    c.write(big.toString('latin1'));
    const dot = Date.now();
    const reply = c.command('.', 120_000);
    let done = false;
    void reply.finally(() => (done = true));
    const rtts: number[] = [];
    while (!done) {
      const probeStart = Date.now();
      const probe = await SmtpConversation.open(smtp.port, '127.0.0.6');
      assert.match(await probe.reply(30_000), /^220 /);
      assert.match(await probe.command('EHLO probe.example'), /^250/m);
      assert.match(await probe.command('QUIT'), /^221/);
      probe.end();
      rtts.push(Date.now() - probeStart);
      await pause(50);
    }
    const parseAndStore = Date.now() - dot;
    assert.match(await reply, /^250 2\.6\.0 Stored: 1 new reports/);
    c.end();
    // The faster parser (issue 12) stores it in about half a second here: a quarter of a second still leaves room for probes (every 50 ms) to be judged against it.
    assert.ok(parseAndStore >= 250, `the message must take a while to be meaningful (${parseAndStore} ms)`);
    const slowest = Math.max(...rtts);
    assert.ok(slowest < 3_000 && slowest < parseAndStore / 2, `slowest EHLO/QUIT ${slowest} ms while the message took ${parseAndStore} ms (probes: ${rtts.join(', ')})`);
    assert.ok(rtts.length >= 3, `probed again and again while it was stored (${rtts.length} probes)`);
  } finally {
    await smtp.stop();
  }
});

test('clientKey: IPv4 as it is (also IPv4-mapped), IPv6 by its /64', () => {
  assert.equal(clientKey('192.0.2.7'), '192.0.2.7');
  assert.equal(clientKey('::ffff:192.0.2.7'), '192.0.2.7');
  assert.equal(clientKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:db8:1:2::9'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(clientKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
});
