#!/usr/bin/env node
/**
 * Memory of `dmarcpilot serve` and `dmarcpilot ingest FILE` under the largest inputs they accept
 * (issue 12, item 7). Build first (`npm run build`).
 *
 *   node bench/serve-memory.js [--messages 20] [--mb 31.5] [--in-flight BYTES] [--ingest-mb 250] [--attachment xml|gzip|random] [--only serve|ingest]
 *
 * serve: starts `dmarcpilot serve` on a free loopback port with a new SQLite store, then sends
 * `--messages` report e-mails of `--mb` MB each (a valid aggregate report, its XML attached
 * uncompressed in base64, so every byte is parsed), all at once over as many connections, from
 * 127.0.0.1-4 (the per-address limit is 5), declaring SIZE= as mail servers do. A message
 * answered 452 (the memory budget is full: at MAIL FROM for its declared size, or after DATA) or
 * 421 is sent again after 1 s, as a mail server would retry later (they wait minutes). It reports the replies, the
 * time until every message was stored, the peak RSS of the serve process (VmHWM: its worker
 * threads included), sampled every 20 ms, and the longest its event loop was held from the first
 * message on (bench/lib/event-loop-probe.js). `--in-flight` sets smtp.maxInFlightBytes (default: the
 * listener's default, 64 MiB); a huge value shows the listener without the budget.
 * SERVE_NODE_ARGS (environment) adds Node options to serve's command line, e.g.
 * `--max-old-space-size=160` to see how much of the peak is garbage V8 has not collected yet.
 *
 * ingest: writes one e-mail of `--ingest-mb` MB (the same kind of report) and runs
 * `dmarcpilot ingest FILE` into a new SQLite store, reporting its peak RSS and its summary line.
 *
 * `--attachment` (both): `xml` (default) the report as it is; `gzip` the report gzipped (.xml.gz,
 * as most reporters send it), its records varied (seeded) so that it compresses about as much as
 * real reports do; `random` gzip of random bytes: refused (no report in it), so the e-mail is
 * kept in the quarantine, raw, and its raw bytes hardly compress (the most a kept input costs).
 *
 * Print only; copy the results into docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/bench-report.js';
import { createMemorySampler } from './lib/proc-memory.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const eventLoopProbe = fileURLToPath(new URL('./lib/event-loop-probe.js', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');

const RECORD = (i) => `  <record>
    <row>
      <source_ip>10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}</source_ip>
      <count>${1 + (i % 97)}</count>
      <policy_evaluated>
        <disposition>none</disposition>
        <dkim>pass</dkim>
        <spf>pass</spf>
      </policy_evaluated>
    </row>
    <identifiers>
      <header_from>example.com</header_from>
    </identifiers>
    <auth_results>
      <dkim>
        <domain>mail.example.com</domain>
        <selector>s2026</selector>
        <result>pass</result>
      </dkim>
      <spf>
        <domain>example.com</domain>
        <result>pass</result>
      </spf>
    </auth_results>
  </record>
`;

/** A report e-mail of about `bytes` bytes: the XML attached as it is, in base64. */
function reportEmail(id, bytes) {
  const head = `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata>
    <org_name>bench.example</org_name>
    <email>dmarc@bench.example</email>
    <report_id>${id}</report_id>
    <date_range><begin>1741564800</begin><end>1741651199</end></date_range>
  </report_metadata>
  <policy_published><domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published>
`;
  const xmlBytes = Math.floor(((bytes - 1200) * 3) / 4) * 0.987;
  const parts = [head];
  let size = head.length;
  for (let i = 0; size < xmlBytes; i++) {
    const record = RECORD(i);
    parts.push(record);
    size += record.length;
  }
  parts.push('</feedback>\n');
  return wrapAttachment(id, Buffer.from(parts.join('')), 'text/xml', `bench.example!example.com!${id}.xml`);
}

/** The e-mail a reporter sends: a text part, then `content` attached in base64 (lines of 76). */
function wrapAttachment(id, content, type, name) {
  const base64 = content.toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      'From: dmarc@bench.example',
      'To: dmarc@reports.example',
      `Subject: Report domain: example.com Submitter: bench.example Report-ID: ${id}`,
      `Message-ID: <${id}@bench.example>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'Aggregate report.',
      '--b1',
      `Content-Type: ${type}; name="${name}"`,
      `Content-Disposition: attachment; filename="${name}"`,
      'Content-Transfer-Encoding: base64',
      '',
      base64,
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

/** A record with a random (seeded) IPv6 source, count and DKIM selector: XML that gzip compresses about 4×. */
function variedRecord(next) {
  const hex = (n) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('');
  return RECORD(0)
    .replace('<source_ip>10.0.0.0</source_ip>', `<source_ip>2001:db8:${hex(4)}:${hex(4)}::${hex(4)}</source_ip>`)
    .replace('<count>1</count>', `<count>${1 + Math.floor(next() * 5000)}</count>`)
    .replace('<selector>s2026</selector>', `<selector>s${hex(12)}</selector>`);
}

/** A report e-mail of about `bytes` bytes with the report attached gzipped, in base64. */
function gzipReportEmail(id, bytes) {
  let state = 12;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const target = ((bytes - 1200) * 3) / 4 / 1.013;
  const head = `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata>
    <org_name>bench.example</org_name>
    <email>dmarc@bench.example</email>
    <report_id>${id}</report_id>
    <date_range><begin>1741564800</begin><end>1741651199</end></date_range>
  </report_metadata>
  <policy_published><domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published>
`;
  // How far 20,000 records compress tells how many make the attachment the size asked for.
  const sample = Array.from({ length: 20_000 }, () => variedRecord(next)).join('');
  const perRecord = gzipSync(sample).length / 20_000;
  // In blocks of 20,000 records: the whole XML is longer than a string may be.
  const blocks = [Buffer.from(head), Buffer.from(sample)];
  for (let n = 20_000; n < target / perRecord; n += 20_000) blocks.push(Buffer.from(Array.from({ length: 20_000 }, () => variedRecord(next)).join('')));
  blocks.push(Buffer.from('</feedback>\n'));
  const gzipped = gzipSync(Buffer.concat(blocks));
  return wrapAttachment(id, gzipped, 'application/gzip', `bench.example!example.com!${id}.xml.gz`);
}

/** A report-like e-mail of about `bytes` bytes whose .xml.gz attachment is gzip of random bytes (seeded). */
function randomGzipEmail(id, bytes) {
  const random = Buffer.alloc(Math.floor(((bytes - 1200) * 3) / 4 / 1.014));
  let state = 12;
  for (let i = 0; i + 4 <= random.length; i += 4) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    random.writeUInt32LE(state, i);
  }
  return wrapAttachment(id, gzipSync(random), 'application/gzip', `bench.example!example.com!${id}.xml.gz`);
}

/** One SMTP transaction over a raw socket; resolves with the reply code to the final dot (or the refusal). */
function sendOnce(port, from, message) {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: from });
    let buffer = '';
    let step = 0;
    let finished = false;
    // SIZE= as mail servers declare it when the listener announces SIZE (RFC 1870).
    const steps = ['EHLO bench.example', `MAIL FROM:<dmarc@bench.example> SIZE=${message.length}`, 'RCPT TO:<dmarc@reports.example>', 'DATA'];
    socket.setEncoding('latin1');
    socket.on('error', (err) => (finished ? undefined : reject(err)));
    socket.on('close', () => resolve({ code: 0, phase: 'closed' }));
    socket.on('data', (text) => {
      if (finished) return;
      buffer += text;
      for (let end = /^\d{3} .*\r\n/m.exec(buffer); end; end = /^\d{3} .*\r\n/m.exec(buffer)) {
        const reply = buffer.slice(0, end.index + end[0].length);
        buffer = buffer.slice(end.index + end[0].length);
        const code = Number(reply.slice(0, 3));
        if (step === 0 && code === 220) socket.write(`${steps[step++]}\r\n`);
        else if (step >= 1 && step <= 3 && code === 250) socket.write(`${steps[step++]}\r\n`);
        else if (step === 4 && code === 354) {
          step++;
          socket.write(message);
          socket.write('\r\n.\r\n');
        } else {
          finished = true;
          const phase = step === 0 ? 'connect' : step === 5 ? 'DATA' : (steps[step - 1] ?? '').split(/[ :]/)[0];
          socket.end('QUIT\r\n');
          socket.removeAllListeners('close');
          socket.on('close', () => resolve({ code, phase }));
          return;
        }
      }
    });
  });
}

/** Samples `pid` every 20 ms until stopped. */
function sampling(pid) {
  const sampler = createMemorySampler(pid);
  const timer = setInterval(() => sampler.sample(), 20);
  return {
    stop() {
      sampler.sample();
      clearInterval(timer);
      return sampler.result();
    },
  };
}

const mib = (kib) => `${(kib / 1024).toFixed(0)} MiB`;

async function benchServe({ messages, mb, inFlight, attachment }) {
  const kind = attachmentKind(attachment);
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-bench-serve-'));
  const smtp = { host: '127.0.0.1', port: 0, recipients: ['dmarc@reports.example'], ...(inFlight ? { maxInFlightBytes: inFlight } : {}) };
  writeFileSync(join(dir, 'serve.json'), JSON.stringify({ db: join(dir, 'store.sqlite'), smtp }));
  const eventLoopFile = join(dir, 'event-loop.json');
  const child = spawn(process.execPath, [...(process.env['SERVE_NODE_ARGS'] ?? '').split(' ').filter(Boolean), '--import', eventLoopProbe, bin, 'serve', '--config', join(dir, 'serve.json')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DMARCPILOT_BENCH_EVENT_LOOP_FILE: eventLoopFile },
  });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (log += chunk));
  const memory = sampling(child.pid);
  try {
    let port;
    for (const deadline = Date.now() + 30_000; port === undefined; ) {
      const found = /smtp: listening on 127\.0\.0\.1:(\d+)/.exec(log);
      if (found) port = Number(found[1]);
      else if (Date.now() > deadline) throw new Error(`serve did not start:\n${log}`);
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGUSR2'); // the event loop is watched from here on
    const size = Math.round(mb * 1e6);
    console.log(`serve: ${messages} messages of ${(size / 1e6).toFixed(1)} MB at once (${kind.what}), maxInFlightBytes ${inFlight ?? 'default (64 MiB)'}`);
    const replies = new Map();
    const started = Date.now();
    await Promise.all(
      Array.from({ length: messages }, async (_, i) => {
        const message = kind.make(`serve-mem-${i}`, size);
        for (let attempt = 0; ; attempt++) {
          const { code, phase } = await sendOnce(port, `127.0.0.${1 + (i % 4)}`, message);
          replies.set(`${code} at ${phase}`, (replies.get(`${code} at ${phase}`) ?? 0) + 1);
          if (code === 250) return;
          if (code !== 452 && code !== 421 && code !== 451) throw new Error(`message ${i}: reply ${code}`);
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
    const result = memory.stop();
    console.log(`  replies: ${[...replies].map(([code, n]) => `${n}x ${code}`).join(', ')}; all ${messages} stored in ${seconds.toFixed(1)} s`);
    console.log(`  peak RSS of serve: ${mib(result.rootHwmKiB)} (${result.samples} samples)`);
    const held = JSON.parse(readFileSync(eventLoopFile, 'utf8'));
    console.log(`  event loop of serve held at most ${held.maxMs.toFixed(0)} ms (99th percentile of its delays: ${held.p99Ms.toFixed(0)} ms)`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const ATTACHMENTS = {
  xml: { make: reportEmail, what: 'the report attached as XML' },
  gzip: { make: gzipReportEmail, what: 'the report attached gzipped' },
  random: { make: randomGzipEmail, what: 'gzip of random bytes attached (refused, kept raw)' },
};

function attachmentKind(name) {
  const kind = ATTACHMENTS[name];
  if (!kind) throw new Error(`--attachment: xml, gzip or random, not ${name}`);
  return kind;
}

async function benchIngest({ mb, attachment }) {
  const kind = attachmentKind(attachment);
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-bench-ingest-'));
  try {
    const file = join(dir, 'big.eml');
    const message = kind.make('ingest-mem', Math.round(mb * 1e6));
    writeFileSync(file, message);
    console.log(`ingest FILE: one e-mail of ${(message.length / 1e6).toFixed(1)} MB, ${kind.what} in base64`);
    const child = spawn(process.execPath, [bin, 'ingest', '--db', join(dir, 'store.sqlite'), file], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => (log += chunk));
    const memory = sampling(child.pid);
    const started = Date.now();
    const code = await new Promise((resolve) => child.on('exit', resolve));
    const result = memory.stop();
    console.log(`  exit ${code} in ${((Date.now() - started) / 1000).toFixed(1)} s${log ? `: ${log.trim().replace(/\n/g, '; ')}` : ''}`);
    console.log(`  peak RSS of ingest: ${mib(result.rootHwmKiB)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '20' },
      mb: { type: 'string', default: '31.5' },
      'in-flight': { type: 'string' },
      'ingest-mb': { type: 'string', default: '250' },
      attachment: { type: 'string', default: 'xml' },
      only: { type: 'string' },
    },
  });
  const m = describeMachine();
  console.log(`${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB, ${m.os}, Node ${m.node}`);
  if (values.only !== 'ingest') {
    await benchServe({ messages: Number(values.messages), mb: Number(values.mb), inFlight: values['in-flight'] ? Number(values['in-flight']) : undefined, attachment: values.attachment });
  }
  if (values.only !== 'serve') await benchIngest({ mb: Number(values['ingest-mb']), attachment: values.attachment });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
