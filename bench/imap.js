#!/usr/bin/env node
/**
 * IMAP back-fill benchmark: `dmarcpilot ingest --imap` over a private Dovecot holding 10,000
 * report e-mails, into a new SQLite store.
 *
 *   node bench/imap.js [--messages 10000] [--records 100000] [--seed 1] [--batch 50] [--cli bin/dmarcpilot.js] [--interval 20]
 *
 * The reports come from bench/generate-corpus.js (one report per message; its own e-mails as they
 * are, the other files attached to an e-mail as receivers send them), generated once into
 * bench/out/imap-corpus-N. Dovecot (see bench/lib/dovecot.js) is started on a free loopback port
 * and the messages are written into its maildir before the clock starts. The run must exit 0,
 * store every report and record of the manifest, and leave the folder empty; it prints
 * messages/s, records/s and peak RSS (VmHWM of the CLI process) as markdown. Exit status 1 if
 * the check fails. Build first (`npm run build`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PASSWORD, startDovecot } from './lib/dovecot.js';
import { canSampleMemory, createMemorySampler } from './lib/proc-memory.js';
import { MANIFEST_KIND } from './lib/write-corpus.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const log = (line) => process.stderr.write(`${line}\n`);
const integer = (n) => Math.round(n).toLocaleString('en-GB');

const TYPES = { '.xml.gz': 'application/gzip', '.zip': 'application/zip', '.xml': 'text/xml' };

/** A report file as the attachment of an e-mail (multipart/mixed, base64). */
function wrap(name, bytes, index) {
  const type = Object.entries(TYPES).find(([suffix]) => name.endsWith(suffix))?.[1] ?? 'application/octet-stream';
  const boundary = `bench-${index}`;
  return Buffer.from(
    [
      'From: dmarc-reports@receiver.example',
      'To: dmarc-rua@example.com',
      `Subject: Report Domain: example.com Submitter: receiver.example Report-ID: <${index}>`,
      'Date: Mon, 10 Mar 2025 12:00:00 +0000',
      `Message-ID: <bench-${index}@receiver.example>`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      `Content-Type: ${type}; name="${name}"`,
      `Content-Disposition: attachment; filename="${name}"`,
      'Content-Transfer-Encoding: base64',
      '',
      bytes.toString('base64').replace(/.{76}/g, '$&\r\n'),
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
}

function ensureCorpus(dir, messages, records, seed) {
  const path = join(dir, 'manifest.json');
  const fits = (m) => m.kind === MANIFEST_KIND && m.reports === messages && m.records === records && m.seed === seed;
  if (existsSync(path) && fits(JSON.parse(readFileSync(path, 'utf8')))) return JSON.parse(readFileSync(path, 'utf8'));
  log(`bench: generating ${integer(messages)} reports into ${dir}`);
  const made = spawnSync(process.execPath, [join(ROOT, 'bench/generate-corpus.js'), '--out', dir, '--reports', String(messages), '--records', String(records), '--seed', String(seed), '--quiet'], { stdio: ['ignore', 2, 2] });
  if (made.status !== 0) throw new Error('generating the corpus failed');
  return JSON.parse(readFileSync(path, 'utf8'));
}

function runIngest(cli, db, url, batch, intervalMs) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [cli, 'ingest', '-q', '--db', db, '--imap', url, '--imap-batch', String(batch)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DMARCPILOT_IMAP_PASSWORD: PASSWORD },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text) => (stderr += text));
    const sampler = canSampleMemory() ? createMemorySampler(child.pid) : undefined;
    const timer = setInterval(() => sampler?.sample(), intervalMs);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9, memory: sampler?.result() });
    });
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '10000' },
      records: { type: 'string' },
      seed: { type: 'string', default: '1' },
      batch: { type: 'string', default: '50' },
      cli: { type: 'string', default: join(ROOT, 'bin/dmarcpilot.js') },
      interval: { type: 'string', default: '20' },
    },
  });
  const messages = Number(values.messages);
  const records = Number(values.records ?? messages * 10);
  const seed = Number(values.seed);
  if (!existsSync(join(ROOT, 'dist/ingest/imap/imap-backfill.js'))) throw new Error('dist/ is not built: run `npm run build`');
  const manifest = ensureCorpus(join(ROOT, 'bench/out', `imap-corpus-${messages}`), messages, records, seed);
  const corpus = join(ROOT, 'bench/out', `imap-corpus-${messages}`);
  const dovecot = await startDovecot();
  try {
    log(`bench: seeding ${integer(messages)} messages into Dovecot on 127.0.0.1:${dovecot.port}`);
    let bytes = 0;
    const batch = [];
    manifest.entries.forEach((entry, index) => {
      const file = readFileSync(join(corpus, entry.path));
      const message = entry.path.endsWith('.eml') ? file : wrap(basename(entry.path), file, index);
      bytes += message.length;
      batch.push(message);
      if (batch.length === 500) dovecot.seed(batch.splice(0));
    });
    dovecot.seed(batch);
    const db = join(mkdtempSync(join(tmpdir(), 'dmarcpilot-bench-imap-')), 'store.sqlite');
    log(`bench: dmarcpilot ingest --imap ${dovecot.url()} --imap-batch ${values.batch} into ${db}`);
    const result = await runIngest(values.cli, db, dovecot.url(), Number(values.batch), Number(values.interval));
    const status = JSON.parse(spawnSync(process.execPath, [values.cli, 'db', 'status', '--json', '--db', db], { encoding: 'utf8' }).stdout);
    const ok = result.code === 0 && status.aggregate === manifest.reports && status.records === manifest.records && status.quarantine === 0;
    const peakMiB = result.memory ? result.memory.peakKiB / 1024 : NaN;
    const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
    console.log(`### IMAP back-fill, ${integer(messages)} messages from Dovecot: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC\n`);
    const dovecotVersion = spawnSync('/usr/sbin/dovecot', ['--version'], { encoding: 'utf8' }).stdout?.trim().split(' ')[0] ?? '?';
    console.log(`- Machine: ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}; Dovecot ${dovecotVersion} on 127.0.0.1 (plain IMAP, maildir)`);
    console.log(`- Command: \`node bin/dmarcpilot.js ingest -q --db NEW.sqlite --imap imap://dmarc@127.0.0.1:PORT/INBOX --imap-batch ${values.batch}\``);
    console.log(`- Input: ${integer(messages)} messages (${(bytes / 1e6).toFixed(1)} MB), one report each, ${integer(manifest.records)} records (bench/generate-corpus.js seed ${seed})`);
    console.log(`- Check: exit status ${result.code}; store holds ${integer(status.aggregate)} reports, ${integer(status.records)} records, ${status.quarantine} quarantined: ${ok ? 'as the manifest says' : 'MISMATCH'}\n`);
    console.log('| wall time (s) | messages/s | records/s | peak RSS (MiB) |');
    console.log('|---:|---:|---:|---:|');
    console.log(`| ${result.seconds.toFixed(2)} | ${integer(messages / result.seconds)} | ${integer(manifest.records / result.seconds)} | ${peakMiB.toFixed(0)} |`);
    if (!ok) log(result.stderr);
    return ok ? 0 : 1;
  } finally {
    await dovecot.stop();
  }
}

try {
  process.exitCode = await main();
} catch (caught) {
  log(`bench: ${caught instanceof Error ? caught.message : String(caught)}`);
  process.exitCode = 1;
}
