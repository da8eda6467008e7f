/**
 * `dmarcpilot senders`, `approve` and `reject` as a user runs them: a report history
 * (helpers/sender-history.ts) ingested into a SQLite file, then analysed with DNS pointed at a
 * closed port (every source ends up `unresolved`, yet is grouped and classified) or `--offline`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SenderSummary } from '../src/analysis/sender-model.js';
import { BOTNET_IPS, DOMAIN, MAILCHIMP_IPS, NEW_VENDOR_IP, senderHistory } from './helpers/sender-history.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const skip = existsSync(join(root, 'dist/cli/main.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';
const NOW = ['--now', '2026-12-01T12:00:00Z'];

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A UDP port nothing listens on (bound, then released). */
async function closedUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A SQLite store holding the whole history, in a folder removed afterwards. */
function withHistory(body: (db: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-senders-'));
    try {
      mkdirSync(join(dir, 'in'));
      for (const { name, xml } of senderHistory()) writeFileSync(join(dir, 'in', name), xml);
      const db = join(dir, 'store.sqlite');
      const ingest = run(['ingest', '-q', '--db', db, join(dir, 'in')]);
      assert.equal(ingest.status, 0, ingest.stderr);
      await body(db);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const byKey = (stdout: string): Map<string, SenderSummary> => new Map((JSON.parse(stdout) as SenderSummary[]).map((s) => [s.key, s]));

test('cli senders: DNS failing (closed port), every source is unresolved yet grouped and classified (--json)', { skip }, withHistory(async (db) => {
  const port = await closedUdpPort();
  const result = run(['senders', DOMAIN, '--db', db, ...NOW, '--json', '--resolver', `127.0.0.1:${port}`, '--timeout', '200']);
  assert.equal(result.status, 0, result.stderr);
  const senders = byKey(result.stdout);
  const all = [...senders.values()];
  assert.ok(all.every((s) => s.sources?.every((x) => x.fcrdns === 'unresolved')), 'no source resolved');
  assert.equal(all.reduce((n, s) => n + s.sourceIps.length, 0), 2 + 2 + 1 + 1 + BOTNET_IPS.length);
  const mailchimp = senders.get('service:mailchimp');
  assert.deepEqual([...(mailchimp?.sourceIps ?? [])].sort(), MAILCHIMP_IPS, 'recognised by DKIM d= and return path without DNS');
  assert.equal(mailchimp?.class, 'legitimate-unaligned');
  assert.equal(senders.get('net:192.0.2.0/24')?.class, 'aligned');
  assert.equal(senders.get('net:2001:db8:b4::/48')?.class, 'suspicious');
  assert.equal(senders.get('net:198.51.100.0/24')?.state, 'new');
  // JSON is SenderSummary[] with every contract field.
  for (const field of ['key', 'label', 'serviceId', 'matches', 'sourceIps', 'messages', 'dmarcPass', 'dkimAlignedPass', 'spfAlignedPass', 'dkimDomains', 'spfDomains', 'overrides', 'firstSeen', 'lastSeen', 'class', 'decision', 'state', 'diagnosis', 'fix']) {
    assert.ok(field in (mailchimp ?? {}), field);
  }
  // Diagnosis and fix are advice objects: code, params, message; no command in the message.
  assert.deepEqual(mailchimp?.diagnosis.map((a) => a.code), ['sender-dkim-not-aligned', 'sender-spf-not-aligned']);
  assert.deepEqual(mailchimp?.diagnosis[0], { code: 'sender-dkim-not-aligned', params: { domain: 'example.com', dkimDomains: ['mcsv.net'] }, message: 'DKIM is signed by mcsv.net, not example.com: DKIM is not aligned.' });
  assert.deepEqual(mailchimp?.fix.map((a) => a.code), ['service-align-step', 'service-align-step', 'service-align-step', 'service-documentation']);
  const bot = senders.get('net:2001:db8:b4::/48');
  assert.deepEqual(bot?.fix[1], {
    code: 'fix-approve-if-yours',
    params: { domain: 'example.com', sender: 'net:2001:db8:b4::/48' },
    message: 'If it is in fact yours, approve net:2001:db8:b4::/48 as a sender of example.com, then align it.',
  });
  assert.deepEqual(all.flatMap((s) => [...s.diagnosis, ...s.fix]).filter((a) => /dmarcpilot|--[a-z]/.test(a.message)), []);
}));

test('cli senders: the table (--offline) shows class, state, volume, pass share, dates, why and fix; --new lists only new senders', { skip }, withHistory((db) => {
  const table = run(['senders', DOMAIN, '--db', db, ...NOW, '--offline']);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /^example\.com: 10 senders, 3,866 messages from 2026-11-01 to 2026-12-01, 66\.0% pass DMARC\n/);
  assert.match(table.stdout, /Reverse DNS unresolved for 18 of 18 sources/);
  assert.match(table.stdout, /\nSENDER +CLASS +STATE +MESSAGES +PASS +FIRST SEEN +LAST SEEN +NAME\n/);
  assert.match(table.stdout, /\nservice:mailchimp +legitimate-unaligned +unknown +900 +0\.0% +2026-10-20 +2026-11-30 +Mailchimp \(Intuit\), 2 IPs\n/);
  assert.match(table.stdout, /\n {2}why: DKIM is signed by mcsv\.net, not example\.com: DKIM is not aligned\.\n/);
  assert.match(table.stdout, /\n {2}fix: 1\. In Mailchimp open Account > Domains, choose example\.com/);
  // The table adds the commands the advice leaves out.
  // The six suspicious networks get the same advice: one block (each still in the table), with the command that rejects them all.
  assert.match(table.stdout, /\n6 suspicious senders \(state unknown\) with the same advice: net:2001:db8:b1::\/48, net:2001:db8:b2::\/48, net:2001:db8:b3::\/48 and 3 more \(each in the table above\); 180 of 180 messages fail DMARC\n/);
  assert.match(table.stdout, /\n {7}2\. If it is in fact yours, run `dmarcpilot approve example\.com SENDER`, then align it\.\n/);
  assert.match(table.stdout, /\n {2}all: reject every undecided suspicious sender at once: `dmarcpilot reject example\.com --all suspicious --now 2026-12-01T12:00:00Z --offline` lists them; add --yes to record the decisions\.\n/);
  assert.equal(table.stdout.match(/Nothing to fix: this mail is not yours/g)?.length, 1, 'the advice once, not six times');
  assert.equal(table.stdout.match(/^net:2001:db8:b\d::\/48 +suspicious/gm)?.length, 6);
  assert.match(table.stdout, /\n {2}fix: 1\. If this sender is yours, approve it \(`dmarcpilot approve example\.com net:198\.51\.100\.0\/24`\) and align it:\n/);
  assert.match(table.stdout, /\n {7}2\. Sign its mail with DKIM d=example\.com: create a key pair in the sending system \(or with `dmarcpilot record dkim`\), publish/);

  const onlyNew = run(['senders', DOMAIN, '--db', db, ...NOW, '--offline', '--new', '--json']);
  assert.equal(onlyNew.status, 0, onlyNew.stderr);
  assert.deepEqual([...byKey(onlyNew.stdout).values()].map((s) => [s.key, s.sourceIps]), [['net:198.51.100.0/24', [NEW_VENDOR_IP]]]);
  const none = run(['senders', DOMAIN, '--db', db, '--now', '2027-03-01', '--offline', '--new']);
  assert.equal(none.stdout, 'example.com: no new senders from 2027-01-30 to 2027-03-01.\n');
}));

test('cli approve / reject: the decision is kept, wins over the class, and can be undone', { skip }, withHistory((db) => {
  const approve = run(['approve', DOMAIN, 'net:198.51.100.0/24', '--note', 'our new CRM', '--db', db]);
  assert.equal(approve.status, 0, approve.stderr);
  assert.equal(approve.stdout, 'example.com: net:198.51.100.0/24 approved\n');
  assert.equal(run(['reject', DOMAIN, 'net:192.0.2.0/24', '--db', db]).status, 0);
  let senders = byKey(run(['senders', DOMAIN, '--db', db, ...NOW, '--offline', '--json']).stdout);
  assert.deepEqual([senders.get('net:198.51.100.0/24')?.decision, senders.get('net:198.51.100.0/24')?.state, senders.get('net:198.51.100.0/24')?.class], ['approved', 'approved', 'legitimate-unaligned']);
  assert.deepEqual([senders.get('net:192.0.2.0/24')?.state, senders.get('net:192.0.2.0/24')?.class], ['rejected', 'suspicious']);

  assert.equal(run(['reject', DOMAIN, 'net:192.0.2.0/24', '--undo', '--db', db]).stdout, 'example.com: no decision about net:192.0.2.0/24 any more\n');
  senders = byKey(run(['senders', DOMAIN, '--db', db, ...NOW, '--offline', '--json']).stdout);
  assert.deepEqual([senders.get('net:192.0.2.0/24')?.decision, senders.get('net:192.0.2.0/24')?.class], [null, 'aligned']);

  const bad = run(['approve', DOMAIN, 'mailchimp', '--db', db]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /"mailchimp" is not a sender key/);
  assert.equal(run(['senders', 'not a domain', '--db', db]).status, 2);

  // Every change is kept: newest first, with who, what it was before and the note.
  const history = run(['decisions', DOMAIN, '--db', db]);
  assert.equal(history.status, 0, history.stderr);
  const lines = history.stdout.trimEnd().split('\n').map((line) => line.split('\t').slice(1));
  assert.deepEqual(
    lines.map(([key, what]) => [key, what]),
    [
      ['net:192.0.2.0/24', 'decision removed (was rejected)'],
      ['net:192.0.2.0/24', 'rejected'],
      ['net:198.51.100.0/24', 'approved'],
    ],
  );
  assert.match(lines[2]?.[2] ?? '', /^cli:/);
  assert.equal(lines[2]?.[3], 'our new CRM');
  const one = JSON.parse(run(['decisions', DOMAIN, 'NET:198.51.100.0/24', '--json', '--db', db]).stdout) as { key: string; decision: string; previous: string | null; note: string }[];
  assert.deepEqual(one.map((c) => [c.key, c.decision, c.previous, c.note]), [['net:198.51.100.0/24', 'approved', null, 'our new CRM']]);
}));

test('cli senders --asn-db: an offline IP-to-network database names each unknown network and its sources; a bad file is a usage error', { skip }, withHistory((db) => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-asn-'));
  try {
    const tsv = join(dir, 'ip2asn.tsv');
    writeFileSync(tsv, '198.51.100.0\t198.51.100.255\t64501\tGB\tEXAMPLE-VENDOR-NET\n2001:db8::\t2001:db8:ffff:ffff:ffff:ffff:ffff:ffff\t64666\tNone\tEXAMPLE-BOTNET-HOSTING\n');
    const result = run(['senders', DOMAIN, '--db', db, ...NOW, '--offline', '--json', '--asn-db', tsv]);
    assert.equal(result.status, 0, result.stderr);
    const senders = byKey(result.stdout);
    const vendor = senders.get('net:198.51.100.0/24');
    assert.equal(vendor?.label, '198.51.100.0/24 (AS64501 EXAMPLE-VENDOR-NET, GB)');
    assert.deepEqual(vendor?.sources?.[0]?.network, { asn: 64501, organization: 'EXAMPLE-VENDOR-NET', country: 'GB' });
    assert.match(senders.get('net:2001:db8:b4::/48')?.label ?? '', /AS64666 EXAMPLE-BOTNET-HOSTING/);
    const table = run(['senders', DOMAIN, '--db', db, ...NOW, '--offline', '--asn-db', tsv]);
    assert.match(table.stdout, /EXAMPLE-VENDOR-NET/);
    const missing = run(['senders', DOMAIN, '--db', db, ...NOW, '--offline', '--asn-db', join(dir, 'missing.tsv')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--asn-db: cannot read .*missing\.tsv/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}));
