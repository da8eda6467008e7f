/**
 * `dmarcpilot plan` end to end on SQLite: aggregate reports written here for the scenarios
 * (Google Workspace aligned, a forgotten Mailchimp account, a spoofing botnet, an RFC 9990
 * reporter), ingested with `dmarcpilot ingest`, then planned with --offline (policy from the
 * reports, no DNS) and with an unreachable resolver (DNS fails → the reports' policy); and the
 * readable plan putting back the commands the plan's advice leaves out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/store/open-store.js';
import { planRollout } from '../src/analysis/plan-rollout.js';
import { DEFAULT_GATE_SETTINGS } from '../src/analysis/readiness-gates.js';
import { formatPlan, planAdviceText } from '../src/cli/plan-printer.js';
import { senderAdviceText } from '../src/cli/senders-printer.js';
import type { Advice } from '../src/core/advice.js';
import { parseDmarcRecord } from '../src/records/dmarc-record.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const skip = existsSync(join(root, 'dist/cli/main.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';
const DAY = 86_400;

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Row {
  ip: string;
  count: number;
  dkim: 'pass' | 'fail';
  spf: 'pass' | 'fail';
  from?: string;
  authDkim?: [string, string];
  authSpf: [string, string];
}

function reportXml(org: string, id: string, begin: number, policy: string, rows: readonly Row[], rfc9990 = false): string {
  const records = rows
    .map(
      (r) => `<record><row><source_ip>${r.ip}</source_ip><count>${r.count}</count><policy_evaluated><disposition>none</disposition><dkim>${r.dkim}</dkim><spf>${r.spf}</spf></policy_evaluated></row>
<identifiers><header_from>${r.from ?? 'example.com'}</header_from></identifiers><auth_results>${r.authDkim ? `<dkim><domain>${r.authDkim[0]}</domain><selector>s1</selector><result>${r.authDkim[1]}</result></dkim>` : ''}<spf><domain>${r.authSpf[0]}</domain><result>${r.authSpf[1]}</result></spf></auth_results></record>`,
    )
    .join('\n');
  const root = rfc9990 ? '<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0"><version>1.0</version>' : '<feedback>';
  return `<?xml version="1.0" encoding="UTF-8"?>
${root}<report_metadata><org_name>${org}</org_name><email>dmarc@${org}</email><report_id>${id}</report_id><date_range><begin>${begin}</begin><end>${begin + DAY - 1}</end></date_range></report_metadata>
<policy_published><domain>example.com</domain><adkim>r</adkim><aspf>r</aspf>${policy}</policy_published>
${records}</feedback>
`;
}

const GOOGLE: Row = { ip: '209.85.220.41', count: 500, dkim: 'pass', spf: 'pass', authDkim: ['example.com', 'pass'], authSpf: ['example.com', 'pass'] };
const MAILCHIMP: Row = { ip: '198.2.130.10', count: 40, dkim: 'fail', spf: 'fail', authDkim: ['mcsv.net', 'pass'], authSpf: ['mail.mcsv.net', 'pass'] };
const botnet = (day: number): Row[] => [5, 9, 77].map((host) => ({ ip: `203.0.113.${host}`, count: 100 + day, dkim: 'fail', spf: 'fail', authSpf: ['example.com', 'fail'] }));

/** 45 days of reports from three reporters: p=none until 20 days ago, then quarantine-25. */
function writeReports(dir: string, withMarketing: boolean): void {
  const today = Math.floor(Date.now() / 1000 / DAY) * DAY;
  for (let ago = 45; ago >= 1; ago--) {
    const begin = today - ago * DAY;
    const staged = ago <= 20;
    const policy7489 = staged ? '<p>quarantine</p><pct>25</pct>' : '<p>none</p><pct>100</pct>';
    const policy9990 = staged ? '<p>quarantine</p><testing>y</testing>' : '<p>none</p>';
    const rows = [GOOGLE, ...(withMarketing ? [MAILCHIMP] : []), ...botnet(ago)];
    writeFileSync(join(dir, `google-${ago}.xml`), reportXml('google.com', `g-${ago}`, begin, policy7489, rows));
    writeFileSync(join(dir, `yahoo-${ago}.xml`), reportXml('Yahoo', `y-${ago}`, begin, policy7489, [{ ...GOOGLE, count: 100 }]));
    writeFileSync(join(dir, `outlook-${ago}.xml`), reportXml('Outlook.com', `o-${ago}`, begin, policy9990, [{ ...GOOGLE, count: 50 }], true));
  }
}

function prepare(withMarketing: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-plan-'));
  const reports = join(dir, 'reports');
  spawnSync('mkdir', [reports]);
  writeReports(reports, withMarketing);
  const db = join(dir, 'store.sqlite');
  const ingested = run(['ingest', '--db', db, reports]);
  assert.equal(ingested.status, 0, ingested.stderr);
  return db;
}

async function rejectSender(db: string, prefix: string): Promise<void> {
  const store = await openStore(db);
  try {
    await store.setSenderDecision('example.com', prefix, { decision: 'rejected', at: new Date(), actor: 'test' });
  } finally {
    await store.close();
  }
}

/** A saved DNS check showing the record with its rua, as `dmarcpilot check` saves one. */
async function saveCheck(db: string, text: string): Promise<void> {
  const store = await openStore(db);
  try {
    await store.saveDomainCheck({ domain: 'example.com', checkedAt: new Date('2026-11-20T09:00:00Z'), errors: 0, warnings: 0, result: { records: { dmarc: { applied: { text } } } } });
  } finally {
    await store.close();
  }
}

interface PlanJson {
  domain: string;
  verdict: string;
  stage: string;
  ready: boolean;
  stageStart: string | null;
  published: { from: string };
  gates: { id: string; passes: boolean; value: number; threshold: number }[];
  blockers: { sender: string; messages: number; failing: number; gates: string[] }[];
  next: { stage: string; record: string; valid: boolean; errors: Advice[]; warnings: Advice[]; why: Advice[] };
  watch: Advice[];
  impact: { rfc9989Share: number; legitimate: { expected: { quarantined: number } }; suspicious: { expected: { quarantined: number } }; senders: { sender: string; legitimate: boolean }[] };
}

test('plan --offline: a forgotten marketing platform and a spoofing botnet block, each named with its messages', { skip }, () => {
  const db = prepare(true);
  const result = run(['plan', 'example.com', '--offline', '--json', '--db', db, '--days', '30']);
  assert.equal(result.status, 1, result.stderr);
  const plan = JSON.parse(result.stdout) as PlanJson;
  assert.equal(plan.stage, 'quarantine-25');
  assert.equal(plan.published.from, 'reports');
  assert.equal(plan.ready, false);
  const days = plan.gates.find((g) => g.id === 'days-at-stage');
  assert.ok(days && days.value >= 18 && days.passes, JSON.stringify(days));
  assert.equal(plan.gates.find((g) => g.id === 'coverage')?.passes, true);
  const marketing = plan.blockers.find((b) => b.sender === 'service:mailchimp');
  assert.ok(marketing, JSON.stringify(plan.blockers));
  assert.ok(marketing.gates.includes('legitimate-senders'));
  assert.equal(marketing.failing, marketing.messages);
  const spoof = plan.blockers.find((b) => b.sender.startsWith('net:203.0.113.'));
  assert.ok(spoof, JSON.stringify(plan.blockers));
  assert.ok(spoof.gates.includes('unexplained-senders'));
  assert.equal(plan.next.stage, 'quarantine-50');
  assert.match(plan.next.record, /^v=DMARC1; p=quarantine; np=reject; t=y; pct=50/);
  // Reports carry no rua and no check was saved: the record would stop every report, so it is not valid.
  assert.equal(plan.next.valid, false);
  assert.deepEqual(plan.next.errors.map((e) => e.code), ['next-report-uris-unknown']);
  assert.deepEqual(plan.next.why.map((w) => w.code), ['next-stage', 'next-np-reject']);
  assert.ok(plan.watch.some((w) => w.code === 'watch-new-senders' && w.params.domain === 'example.com'));
  // No advice of the plan (gates, blockers, next step, watch) names the program or an option.
  const advice = [...plan.next.why, ...plan.next.warnings, ...plan.watch];
  assert.deepEqual(advice.filter((a) => /dmarcpilot|--[a-z]/.test(a.message)), []);
  assert.ok(plan.impact.rfc9989Share > 0 && plan.impact.rfc9989Share < 0.2);
});

test('plan --offline: the botnet rejected by the owner no longer blocks; the impact shows it quarantined', { skip }, async () => {
  const db = prepare(false);
  const first = JSON.parse(run(['plan', 'example.com', '--offline', '--json', '--db', db]).stdout) as PlanJson;
  const spoof = first.blockers.find((b) => b.sender.startsWith('net:203.0.113.'));
  assert.ok(spoof);
  await rejectSender(db, spoof.sender);
  // Without rua the next record is not valid (exit 1); a saved check gives the planner rua and ruf.
  assert.equal(run(['plan', 'example.com', '--offline', '--json', '--db', db]).status, 1);
  await saveCheck(db, 'v=DMARC1; p=quarantine; t=y; pct=25; rua=mailto:dmarc@example.com');
  const result = run(['plan', 'example.com', '--offline', '--json', '--db', db]);
  assert.equal(result.status, 0, result.stdout);
  const plan = JSON.parse(result.stdout) as PlanJson;
  assert.equal(plan.ready, true);
  assert.equal(plan.verdict, 'ready');
  assert.deepEqual(plan.blockers, []);
  assert.ok(plan.impact.suspicious.expected.quarantined > 0);
  assert.equal(plan.impact.legitimate.expected.quarantined, 0);
  assert.equal(plan.impact.senders[0]?.legitimate, false);
  // Readable output: every gate with ✓, the next record and its zone line.
  const text = run(['plan', 'example.com', '--offline', '--db', db]);
  assert.equal(text.status, 0);
  assert.match(text.stdout, /example\.com: stage quarantine-25/);
  assert.match(text.stdout, /✓ legitimate-pass-share/);
  assert.match(text.stdout, /\nVerdict: READY for the next step\n/);
  assert.match(text.stdout, /_dmarc\.example\.com\. IN TXT "v=DMARC1; p=quarantine; np=reject; t=y; pct=50; rua=mailto:dmarc@example\.com"/);
  assert.match(text.stdout, /Watch after the change:/);
  // The readable plan adds the commands and options the advice leaves out.
  assert.match(text.stdout, /\n {2}! Planned from the reports' policy_published, which carries no rua or ruf: they are copied from the DNS check of 2026-11-20/);
  assert.match(text.stdout, /\n {2}- Aggregate reports over the next 14 days: the disposition of failing mail per sender \(dmarcpilot senders example\.com\) should match the simulation\.\n/);
  assert.match(text.stdout, /\n {2}- New senders \(dmarcpilot senders example\.com --new\): a system nobody listed shows up first as failing mail\.\n/);
  // A stricter gate from the command line turns it back to not ready.
  assert.equal(run(['plan', 'example.com', '--offline', '--json', '--db', db, '--gate-days', '60']).status, 1);
});

test('plan without --offline: an unreachable resolver falls back to the reports\' policy', { skip }, async () => {
  const db = prepare(false);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const result = run(['plan', 'example.com', '--json', '--db', db, '--resolver', `127.0.0.1:${port}`, '--timeout', '100']);
  assert.match(result.stderr, /DNS did not answer for _dmarc\.example\.com through resolver 127\.0\.0\.1:\d+ .*the published record is unknown, not absent\. Planning from the newest reports' policy_published/);
  const plan = JSON.parse(result.stdout) as PlanJson;
  assert.equal(plan.published.from, 'reports');
  assert.equal(plan.stage, 'quarantine-25');
  assert.equal(plan.gates.find((g) => g.id === 'published-record')?.passes, false, 'unknown is never a basis for a step');
  assert.equal(result.status, 1);
  // With no reports either, what is published is unknown: an error (2), never "publish p=none".
  const empty = join(mkdtempSync(join(tmpdir(), 'dmarcpilot-plan-')), 'empty.sqlite');
  assert.equal(run(['db', 'status', '--db', empty]).status, 0, 'creates the empty store');
  const unknown = run(['plan', 'example.com', '--json', '--db', empty, '--resolver', `127.0.0.1:${port}`, '--timeout', '100']);
  assert.equal(unknown.status, 2, unknown.stderr);
  assert.match(unknown.stderr, /what is published is unknown/);
  assert.equal(unknown.stdout, '');
});

test('plan: bad usage exits 2', { skip }, () => {
  const db = join(mkdtempSync(join(tmpdir(), 'dmarcpilot-plan-')), 'empty.sqlite');
  assert.equal(run(['plan', 'not a domain', '--db', db]).status, 2);
  assert.equal(run(['plan', 'example.com', '--gate-pass-share', '150', '--db', db]).status, 2);
  const settings = join(tmpdir(), `dmarcpilot-plan-settings-${process.pid}.json`);
  writeFileSync(settings, '{"minDays": 3}');
  const bad = run(['plan', 'example.com', '--settings', settings, '--db', db]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown gate setting "minDays"/);
});

test('plan printer: the readable plan puts back the command or option of every code that had one, as before', () => {
  const record = (text: string) => parseDmarcRecord(text).record;
  const history = { observations: [], reporters: [{ orgName: 'google.com', messages: 100, rfc9989: false }], subdomains: [], lastDataAt: '2026-11-30T00:00:00.000Z' };
  const now = new Date('2026-11-30T12:00:00Z');
  const spfError: Advice = { code: 'sender-spf-error', params: { domain: 'example.com', spfDomains: ['example.com'], results: ['permerror'] }, message: 'SPF for example.com gave an error at the receivers (temperror: DNS failed; permerror: a broken record or more than 10 DNS lookups); check the DNS records of example.com.' };
  const crm = { key: 'domain:crm.example', label: 'crm.example', serviceId: null, matches: [], sourceIps: ['192.0.2.1'], messages: 500, dmarcPass: 0, dkimAlignedPass: 0, spfAlignedPass: 0, dkimDomains: [], spfDomains: [], overrides: [], firstSeen: '2026-06-01', lastSeen: '2026-11-29', class: 'legitimate-unaligned', decision: 'approved', state: 'approved', diagnosis: [spfError], fix: [] } as const;
  const first = formatPlan(planRollout({ domain: 'example.com', published: undefined, senders: [crm], history, gates: DEFAULT_GATE_SETTINGS, now }));
  assert.match(first, /\n {2}! Add rua=mailto:ADDRESS with the address dmarcpilot receives reports on \(dmarcpilot serve or an IMAP mailbox\), or receivers send no aggregate reports\.\n/);
  assert.match(first, /\n {2}- The first aggregate reports for example\.com within a day or two of publishing; then run dmarcpilot senders example\.com\.\n/);
  assert.match(first, /\nVerdict: FIRST STEP: no DMARC record is published; the monitoring record \(p=none\) changes no delivery, so it is not gated: publish it now\n/);
  assert.doesNotMatch(first, /Gates:|[✓✗]/, 'the first step shows no gates');
  const staged = formatPlan(planRollout({ domain: 'example.com', published: record('v=DMARC1; p=quarantine; t=y; pct=10; rua=mailto:d@example.com'), senders: [crm], history, gates: DEFAULT_GATE_SETTINGS, now }));
  assert.match(staged, /\n {4}- legitimate sender failing DMARC: 500 of 500 messages fail \(SPF for example\.com gave an error at the receivers \(temperror: DNS failed; permerror: a broken record or more than 10 DNS lookups\); run `dmarcpilot check example\.com`\.\); the next step would quarantine or reject about 125 of them\n/);
  assert.match(staged, /\nVerdict: NOT READY \(\d of 7 gates fail\)\n/);
  const atReject = formatPlan(planRollout({ domain: 'example.com', published: record('v=DMARC1; p=reject'), senders: [], history, gates: DEFAULT_GATE_SETTINGS, now }));
  assert.match(atReject, /\n {2}- example\.com is at p=reject: keep watching for new senders \(dmarcpilot senders example\.com --new\) and legitimate mail failing, which is now rejected\.\n/);
  assert.equal(senderAdviceText(spfError), 'SPF for example.com gave an error at the receivers (temperror: DNS failed; permerror: a broken record or more than 10 DNS lookups); run `dmarcpilot check example.com`.');
  // Errors: a finding prints with its code, a build failure as it is; an unknown code prints its message.
  const plan = planRollout({ domain: 'example.com', published: record('v=DMARC1; p=none'), senders: [], history, gates: DEFAULT_GATE_SETTINGS, now });
  assert.ok(plan.next);
  const errors: Advice[] = [
    { code: 'dmarc-policy-invalid', params: { severity: 'error', name: '_dmarc.example.com', location: null, fix: '', rfc: 'RFC 7489 §6.6.3' }, message: 'No valid policy.' },
    { code: 'next-record-not-built', params: { stage: 'test' }, message: 'The record could not be built.' },
  ];
  const invalid = formatPlan({ ...plan, next: { ...plan.next, valid: false, errors } });
  assert.match(invalid, /\n {2}error: dmarc-policy-invalid: No valid policy\.\n {2}error: The record could not be built\.\n/);
  assert.equal(planAdviceText({ code: 'some-new-code', params: {}, message: 'As it is.' }, 'example.com'), 'As it is.');
});
