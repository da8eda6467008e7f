/**
 * Decisions, notes and failure reports as a user runs them: the built CLI over a SQLite store
 * holding the report history of helpers/sender-history.ts (and the failure reports of
 * helpers/failure-reports.ts), analysed `--offline`: `approve` and `reject` refusing keys that can
 * never match and senders never seen, `reject --all suspicious` with its dry run, the decision
 * with who, when and the note in `senders`, and failure reports per sender, one by one and exported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SenderSummary } from '../src/analysis/sender-model.js';
import { failureHistory } from './helpers/failure-reports.js';
import { DOMAIN, senderHistory } from './helpers/sender-history.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const skip = existsSync(join(root, 'dist/cli/main.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';
const NOW = ['--now', '2026-12-01T12:00:00Z'];

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env['DMARCPILOT_DB'];
  delete env['DMARCPILOT_CONFIG'];
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A SQLite store holding the aggregate history (and with `failures`, the failure reports, headers kept), in a folder removed afterwards. */
function withStore(options: { failures?: boolean }, body: (db: string, dir: string) => void): () => void {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-decisions-'));
    try {
      mkdirSync(join(dir, 'in'));
      for (const { name, xml } of senderHistory()) writeFileSync(join(dir, 'in', name), xml);
      if (options.failures) {
        for (const { name, eml } of failureHistory()) writeFileSync(join(dir, 'in', name), eml);
        copyFileSync(join(root, 'test/fixtures/tlsrpt/sender-example-sts-failures.json'), join(dir, 'in', 'tls.json'));
      }
      const db = join(dir, 'store.sqlite');
      const ingest = run(['ingest', '-q', '--keep-failure-headers', '--db', db, join(dir, 'in')]);
      assert.equal(ingest.status, 0, ingest.stderr);
      body(db, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const senders = (db: string): Map<string, SenderSummary> =>
  new Map((JSON.parse(run(['senders', DOMAIN, '--db', db, ...NOW, '--offline', '--json']).stdout) as SenderSummary[]).map((s) => [s.key, s]));
const history = (db: string): string[][] => run(['decisions', DOMAIN, '--db', db]).stdout.trimEnd().split('\n').filter((l) => l !== '').map((line) => line.split('\t').slice(1));

test('cli approve / reject: keys that can never match are refused with the key meant; an unseen sender only with --unseen', { skip }, withStore({}, (db) => {
  const refusals: [string, RegExp][] = [
    ['service:mailchimpp', /^error: service:mailchimpp can never match a sender: no service of the catalogue has the id "mailchimpp"; did you mean service:mailchimp\?\n$/],
    ['net:203.0.113.4/24', /^error: net:203\.0\.113\.4\/24 can never match a sender: 203\.0\.113\.4 is not the network address of its \/24; did you mean net:203\.0\.113\.0\/24\?\n$/],
    ['net:203.0.113.0/16', /^error: net:203\.0\.113\.0\/16 can never match a sender: senders are networks of exactly \/24 \(IPv4\) or \/48 \(IPv6\) \(and 203\.0\.113\.0 is not the network address of a \/16: that is 203\.0\.0\.0\/16\); the sender of 203\.0\.113\.0 is net:203\.0\.113\.0\/24/],
    ['domain:smtp.newvendor.example', /did you mean domain:newvendor\.example\?\n$/],
  ];
  for (const [key, message] of refusals) {
    const result = run(['approve', DOMAIN, key, '--db', db]);
    assert.equal(result.status, 2, key);
    assert.match(result.stderr, message);
    assert.equal(result.stdout, '');
  }
  const unseen = run(['reject', DOMAIN, 'net:10.1.2.0/24', '--note', 'never ours', '--db', db]);
  assert.equal(unseen.status, 2);
  assert.match(unseen.stderr, /^error: net:10\.1\.2\.0\/24 has not been seen in the aggregate reports stored for example\.com \(\d+ other senders have\)\n/);
  assert.match(unseen.stderr, /\nTo reject it before it is seen \(a pre-emptive rejection\), run: dmarcpilot reject example\.com net:10\.1\.2\.0\/24 --unseen\n$/);
  const typo = run(['approve', 'exmaple.com', 'service:mailchimp', '--db', db]);
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /no aggregate reports for exmaple\.com are stored/);
  assert.deepEqual(history(db), [], 'nothing refused was recorded');

  const pre = run(['reject', DOMAIN, 'net:10.1.2.0/24', '--note', 'never ours', '--unseen', '--db', db]);
  assert.equal(pre.status, 0, pre.stderr);
  assert.equal(pre.stdout, 'example.com: net:10.1.2.0/24 rejected (not seen yet)\n');
  assert.match(pre.stderr, /^warning: net:10\.1\.2\.0\/24 has not been seen in the aggregate reports stored for example\.com .*; recorded as decided before it is seen\n$/);
  const seen = run(['approve', DOMAIN, 'net:2001:DB8:B1:0::/48', '--db', db]);
  assert.equal(seen.stdout, 'example.com: net:2001:db8:b1::/48 approved\n', 'a seen sender, in any spelling, as the list writes it');
  assert.equal(seen.stderr, '');
  assert.equal(run(['approve', DOMAIN, 'net:192.0.2.0/24', '--undo', '--db', db]).stdout, 'example.com: there was no decision about net:192.0.2.0/24\n');
  assert.deepEqual(history(db).map(([key, what]) => [key, what]), [['net:2001:db8:b1::/48', 'approved'], ['net:10.1.2.0/24', 'rejected']]);
  const usage = run(['reject', DOMAIN, '--db', db]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /give the SENDER to reject/);
  assert.equal(run(['reject', DOMAIN, 'net:192.0.2.0/24', '--all', 'suspicious', '--db', db]).status, 2);
}));

test('cli reject --all suspicious: a dry run names every sender and its mail and records nothing; --yes records one decision each with the note', { skip }, withStore({}, (db) => {
  const preview = run(['reject', DOMAIN, '--all', 'suspicious', '--note', 'spoofing campaign', '--db', db, ...NOW, '--offline']);
  assert.equal(preview.status, 0, preview.stderr);
  const lines = preview.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'example.com: would reject 6 undecided suspicious senders from 2026-11-01 to 2026-12-01 (180 messages, 180 failing DMARC):');
  assert.deepEqual(lines.slice(1, 7).map((line) => line.trim().split(/ {2,}/)), [1, 2, 3, 4, 5, 6].map((i) => [`net:2001:db8:b${i}::/48`, 'suspicious', '30 messages', '30 failing', '1 IP']));
  assert.equal(lines[7], 'Nothing recorded (a dry run). To reject these 6 senders, run the same command with --yes.');
  assert.deepEqual(history(db), []);

  const json = JSON.parse(run(['reject', DOMAIN, '--all', 'suspicious', '--json', '--db', db, ...NOW, '--offline']).stdout) as { applied: boolean; senders: { key: string }[]; messages: number };
  assert.deepEqual([json.applied, json.senders.length, json.messages], [false, 6, 180]);

  const applied = run(['reject', DOMAIN, '--all', 'suspicious', '--note', 'spoofing campaign', '--yes', '--db', db, ...NOW, '--offline']);
  assert.equal(applied.status, 0, applied.stderr);
  assert.match(applied.stdout, /^example\.com: rejected 6 suspicious senders from 2026-11-01 to 2026-12-01 \(180 messages, 180 failing DMARC\):\n/);
  assert.match(applied.stdout, /\nRecorded 6 decisions, one per sender/);
  const recorded = history(db);
  assert.equal(recorded.length, 6);
  assert.ok(recorded.every(([key, what, actor, note]) => /^net:2001:db8:b\d::\/48$/.test(key ?? '') && what === 'rejected' && /^cli:/.test(actor ?? '') && note === 'spoofing campaign'));
  const all = senders(db);
  for (let i = 1; i <= 6; i++) assert.equal(all.get(`net:2001:db8:b${i}::/48`)?.decisionRecord?.note, 'spoofing campaign', 'JSON keeps every sender');
  const table = run(['senders', DOMAIN, '--db', db, ...NOW, '--offline']).stdout;
  assert.match(table, /\n6 suspicious senders \(state rejected\) with the same advice: .*\n {2}decided: rejected by cli:\S+ on \d{4}-\d\d-\d\d \d\d:\d\d UTC, note: spoofing campaign \(every change: `dmarcpilot decisions example\.com`\)\n/);
  assert.doesNotMatch(table, /reject every undecided suspicious sender/, 'nothing left to reject');
  assert.equal(run(['reject', DOMAIN, '--all', 'suspicious', '--yes', '--db', db, ...NOW, '--offline']).stdout, 'example.com: no undecided suspicious senders from 2026-11-01 to 2026-12-01: nothing to reject.\n');
  const bad = run(['reject', DOMAIN, '--all', 'spam', '--db', db, ...NOW, '--offline']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /not a class of senders: spam/);
}));

test('cli senders: the decision with who, when and its note, in the table and in JSON; the earlier note stays in `decisions`', { skip }, withStore({}, (db) => {
  assert.equal(run(['approve', DOMAIN, 'net:198.51.100.0/24', '--note', 'our new CRM', '--db', db]).status, 0);
  assert.equal(run(['reject', DOMAIN, 'net:198.51.100.0/24', '--note', 'no: a phishing kit', '--db', db]).status, 0);
  const bad = run(['reject', DOMAIN, 'net:198.51.100.0/24', '--note', 'two\nlines', '--db', db]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /a note is one line of text/);
  const vendor = senders(db).get('net:198.51.100.0/24');
  assert.equal(vendor?.decision, 'rejected');
  assert.equal(vendor?.decisionRecord?.note, 'no: a phishing kit');
  assert.match(vendor?.decisionRecord?.actor ?? '', /^cli:/);
  assert.match(vendor?.decisionRecord?.at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const table = run(['senders', DOMAIN, '--db', db, ...NOW, '--offline']).stdout;
  assert.match(table, /\nnet:198\.51\.100\.0\/24 \(198\.51\.100\.77\): suspicious, rejected, 56 of 56 messages fail DMARC\n {2}decided: rejected by cli:\S+ on \d{4}-\d\d-\d\d \d\d:\d\d UTC, note: no: a phishing kit \(every change: `dmarcpilot decisions example\.com net:198\.51\.100\.0\/24`\)\n/);
  assert.deepEqual(history(db).map(([, what, , note]) => [what, note]), [['rejected (was approved)', 'no: a phishing kit'], ['approved', 'our new CRM']]);
}));

test('cli failure reports: counted per sender in senders, listed per sender, shown with every field, exported as CSV and JSON lines; TLS reports exported', { skip }, withStore({ failures: true }, (db) => {
  const all = senders(db);
  assert.deepEqual(
    ['net:2001:db8:b1::/48', 'service:mailchimp', 'net:198.51.100.0/24', 'net:192.0.2.0/24'].map((key) => all.get(key)?.failureReports),
    [3, 3, 1, 0],
    'the one about news.example.com counts for its sender; the one from an address no aggregate report names, signed by mcsv.net, is Mailchimp\'s',
  );
  const table = run(['senders', DOMAIN, '--db', db, ...NOW, '--offline']).stdout;
  assert.match(table, /^example\.com: 10 senders, .*\nFailure reports in the window: 7, about example\.com and its subdomains\.\n/);
  assert.match(table, /\nservice:mailchimp \(.*\n {2}failure reports: 3 \(`dmarcpilot reports failure --domain example\.com --sender service:mailchimp --since 2026-11-01T12:00:00\.000Z --until 2026-12-01T12:00:00\.000Z`\)\n/);
  assert.match(table, /\n {2}failure reports: 3 \(net:2001:db8:b1::\/48 3; `dmarcpilot reports failure --domain example\.com --sender SENDER /);

  const listed = run(['reports', 'failure', '--domain', DOMAIN, '--sender', 'service:mailchimp', '--db', db]);
  assert.equal(listed.status, 0, listed.stderr);
  const rows = listed.stdout.trimEnd().split('\n').map((line) => line.split('\t'));
  assert.deepEqual(rows.map((row) => row[3]), ['198.51.100.20', '198.51.100.20', '192.0.2.200']);
  const bot = run(['reports', 'failure', '--domain', DOMAIN, '--sender', 'net:2001:db8:b1::/48', '--since', '2026-11-01', '--limit', '2', '--json', '--db', db]);
  assert.deepEqual((JSON.parse(bot.stdout) as { sourceIp: string }[]).map((r) => r.sourceIp), ['2001:db8:b1::7', '2001:db8:b1::7']);
  assert.equal(run(['reports', 'failure', '--ip', '2001:DB8:B1:0::7', '--db', db]).stdout.trimEnd().split('\n').length, 4, 'an IP in any spelling');
  const noDomain = run(['reports', 'failure', '--sender', 'service:mailchimp', '--db', db]);
  assert.equal(noDomain.status, 2);
  assert.match(noDomain.stderr, /give the domain/);

  const id = rows[0]?.[0] ?? '';
  const shown = run(['reports', 'failure', 'show', id, '--db', db]);
  assert.equal(shown.status, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`^Failure report ${id}\\n {2}received: +\\d{4}-`));
  for (const field of ['source', 'raw input: +sha256 [0-9a-f]{64}, [\\d,]+ bytes', 'format: +arf', 'feedback type: +auth-failure', 'reported domain: +example\\.com', 'source IP: +198\\.51\\.100\\.20', 'arrival date: +2026-11-25T08:00:00Z', 'auth failure: +dmarc', 'identity alignment: +none', 'delivery result: +reject', 'DKIM domain: +mcsv\\.net', 'DKIM selector: +k1', 'SPF domain: +mail20\\.mcsv\\.net', 'original mail from: +bounce@mail20\\.mcsv\\.net', 'subject \\(SHA-256\\): +[0-9a-f]{64}', 'message ID: +<mc-2@example\\.com>', 'warnings: +', 'headers: +kept:']) {
    assert.match(shown.stdout, new RegExp(`\\n {2}${field}`), field);
  }
  assert.match(shown.stdout, /\n {4}Subject: Newsletter mc-2\n/);
  const json = JSON.parse(run(['reports', 'failure', '--db', db, 'show', id, '--json']).stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(json).sort(), ['arrivalDate', 'authFailure', 'deliveryResult', 'dkimDomain', 'dkimSelector', 'feedbackType', 'format', 'headers', 'id', 'identityAlignment', 'messageId', 'originalMailFrom', 'raw', 'receivedAt', 'reportedDomain', 'source', 'sourceIp', 'spfDomain', 'subjectSha256', 'warnings']);
  // A control character in a reported header is shown escaped, never sent to the terminal.
  const [escaped] = run(['reports', 'failure', '--ip', '2001:db8:b1::7', '--since', '2026-11-23', '--db', db]).stdout.split('\t');
  const withEscape = run(['reports', 'failure', 'show', escaped ?? '', '--db', db]).stdout;
  assert.match(withEscape, /Subject: Invoice \\x1b\[31moverdue\n/, 'the escape shown as core/safe-text.ts writes it');
  assert.ok(!withEscape.includes('\u001b'), 'no escape character reaches the terminal');
  const missing = run(['reports', 'failure', 'show', '9999', '--db', db]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no failure report 9999/);

  const csv = run(['export', 'failures', '--format', 'csv', '--domain', DOMAIN, '--sender', 'service:mailchimp', '--db', db]);
  assert.equal(csv.status, 0, csv.stderr);
  const csvLines = csv.stdout.split('\r\n').filter((l) => l !== '');
  assert.equal(csvLines[0], 'id,received_at,arrival_date,reported_domain,source_ip,format,feedback_type,auth_failure,identity_alignment,delivery_result,dkim_domain,dkim_selector,spf_domain,original_mail_from,subject_sha256,message_id,headers,warnings,raw_sha256,raw_size,source');
  assert.equal(csvLines.filter((l) => /^\d+,/.test(l)).length, 3);
  const jsonl = run(['export', 'failures', '--db', db]).stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { source_ip: string; subject_sha256: string; headers: string | null });
  assert.equal(jsonl.length, failureHistory().length);
  assert.ok(jsonl.every((r) => /^[0-9a-f]{64}$/.test(r.subject_sha256)), 'the subject only as its hash');
  assert.equal(run(['export', 'failures', '--since', '2026-11-27', '--db', db]).stdout.trimEnd().split('\n').length, 1);

  const tlsCsv = run(['export', 'tls', '--format', 'csv', '--db', db]).stdout.split('\r\n').filter((l) => l !== '');
  assert.equal(tlsCsv[0], 'id,received_at,organization_name,contact_info,report_id,start,end,policy_type,policy_domain,policy_strings,mx_hosts,successful_session_count,failed_session_count,failure_details,warnings,raw_sha256,source');
  assert.match(tlsCsv[1] ?? '', /,sts,example\.com,.*,1204,17,certificate-expired mx1\.example\.com 2001:db8::25=12;/);
  const tls = JSON.parse(run(['export', 'tls', '--domain', DOMAIN, '--db', db]).stdout) as { policy_domains: string[]; report: { policies: unknown[] } };
  assert.deepEqual(tls.policy_domains, [DOMAIN]);
  assert.ok(tls.report.policies.length > 0);
  assert.equal(run(['export', 'tls', '--domain', 'nobody.example', '--db', db]).stdout, '');
}));
