import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDmarcRecord } from '../records/dmarc-record.js';
import { countOctets } from '../records/txt-strings.js';
import type { PlanInput } from './plan-rollout.js';
import { planRollout } from './plan-rollout.js';
import { DEFAULT_GATE_SETTINGS } from './readiness-gates.js';
import { NOW, botnet, forgottenMarketing, forwarder, googleWorkspace, history, record, sender } from './rollout-fixtures.test-helper.js';

const RUA = 'mailto:dmarc@reports.example.com';
const Q25 = `v=DMARC1; p=quarantine; pct=25; t=y; rua=${RUA}`;

function plan(overrides: Partial<PlanInput>) {
  return planRollout({
    domain: 'example.com',
    published: record(Q25),
    senders: [googleWorkspace],
    history: history([
      ['2026-09-01', `v=DMARC1; p=none; rua=${RUA}`],
      ['2026-10-20', Q25],
    ]),
    gates: DEFAULT_GATE_SETTINGS,
    now: NOW,
    days: 30,
    ...overrides,
  });
}

describe('planRollout scenarios', () => {
  it('a domain truly ready: every gate passes and the next record is quarantine-50, keeping rua, validated and split', () => {
    const p = plan({ senders: [googleWorkspace, forwarder, { ...botnet, decision: 'rejected' }] });
    assert.equal(p.stage, 'quarantine-25');
    assert.equal(p.stageStart, '2026-10-20T00:00:00.000Z');
    assert.deepEqual(p.gates.filter((g) => !g.passes).map((g) => g.id), []);
    assert.equal(p.ready, true);
    assert.deepEqual(p.blockers, []);
    assert.equal(p.next?.stage, 'quarantine-50');
    assert.equal(p.next?.record, `v=DMARC1; p=quarantine; np=reject; t=y; pct=50; rua=${RUA}`);
    assert.equal(p.next?.valid, true);
    assert.deepEqual(p.next?.strings, [p.next?.record]);
    assert.equal(p.next?.zoneLine, `_dmarc.example.com. IN TXT "${p.next?.record}"`);
    assert.deepEqual(p.watch.map((w) => w.code), ['watch-dispositions', 'watch-legitimate-affected', 'watch-new-senders', 'watch-overrides', 'watch-testing-reports', 'watch-stale-policy', 'watch-rollback']);
    const rollback = p.watch.find((w) => w.code === 'watch-rollback');
    assert.deepEqual(rollback?.params, { record: Q25 });
    assert.equal(rollback?.message, `To roll back, publish the current record again: ${Q25}`);
    assert.deepEqual(p.watch.find((w) => w.code === 'watch-new-senders')?.params, { domain: 'example.com' });
    assert.deepEqual(p.next?.why.map((w) => [w.code, w.params]), [['next-stage', { stage: 'quarantine-50', testing: true }], ['next-np-reject', { domain: 'example.com', testing: true }]]);
    assert.equal(p.next?.why[0]?.message, 'Next stage quarantine-50: RFC 7489 receivers quarantine 50% of failing mail; RFC 9989 receivers ignore pct and take no action on failing mail (t=y: one level below p).');
    assert.deepEqual(p.next?.warnings, []);
    assert.deepEqual(p.next?.errors, []);
  });

  it('a forgotten marketing platform blocks, named with its messages', () => {
    const p = plan({ senders: [googleWorkspace, forgottenMarketing] });
    assert.equal(p.ready, false);
    assert.deepEqual(p.blockers.map((b) => [b.sender, b.messages, b.failing, b.gates]), [['service:mailchimp', 4000, 4000, ['legitimate-senders']]]);
    assert.equal(p.verdict, 'not-ready');
    // The simulation says what the next step would do to it: 50% of its mail at RFC 7489 receivers.
    const row = p.impact?.senders.find((s) => s.sender === 'service:mailchimp');
    assert.deepEqual(row?.rfc7489, { quarantined: 2000, rejected: 0 });
    assert.deepEqual(row?.rfc9989, { quarantined: 0, rejected: 0 });
    const affected = p.watch.find((w) => w.code === 'watch-legitimate-affected');
    assert.deepEqual(affected?.params, { quarantined: affected?.params.quarantined, rejected: 0, days: 30, senders: ['service:mailchimp', 'service:google-workspace'] });
    assert.ok(typeof affected?.params.quarantined === 'number' && affected.params.quarantined > 0);
    assert.match(affected?.message ?? '', /mostly from Mailchimp \(/);
    // The blocker quotes the sender's first diagnosis, and names its code.
    const reason = p.blockers[0]?.reasons[0];
    assert.equal(reason?.code, 'blocker-legitimate-harmed');
    assert.deepEqual(reason?.params, {
      sender: 'service:mailchimp',
      failing: 4000,
      messages: 4000,
      since: null,
      basis: 'window',
      passShare: 0,
      expectedHarmed: 2000,
      observedQuarantined: 0,
      observedRejected: 0,
      diagnosis: 'sender-spf-not-aligned',
    });
    assert.match(reason?.message ?? '', /^legitimate sender failing DMARC: 4,000 of 4,000 messages fail \(SPF passes for mcsv\.net.*\); the next step would quarantine or reject about 2,000 of them$/);
  });

  it('a new sender after the last step blocks', () => {
    const fresh = sender('service:sendgrid', { label: 'SendGrid', messages: 60, dmarcPass: 0, firstSeen: '2026-11-27', class: 'legitimate-unaligned', state: 'new' });
    const p = plan({ senders: [googleWorkspace, fresh] });
    assert.equal(p.ready, false);
    const gate = p.gates.find((g) => g.id === 'new-senders');
    assert.equal(gate?.passes, false);
    assert.deepEqual(p.blockers.map((b) => b.sender), ['service:sendgrid']);
    assert.deepEqual(p.blockers[0]?.gates, ['legitimate-senders', 'new-senders'], 'a known service failing all its mail also harms legitimate mail');
    assert.deepEqual(p.blockers[0]?.reasons[1] && [p.blockers[0].reasons[1].code, p.blockers[0].reasons[1].params], [
      'blocker-new-sender',
      { sender: 'service:sendgrid', firstSeen: '2026-11-27', afterPolicyChange: true, failing: 60 },
    ]);
    assert.match(p.blockers[0]?.reasons[1]?.message ?? '', /after the last policy change/);
  });

  it('a spoofing botnet blocks while undecided; rejected it does not, and the impact shows it quarantined', () => {
    const undecided = plan({ senders: [googleWorkspace, botnet] });
    assert.equal(undecided.ready, false);
    assert.deepEqual(undecided.blockers.map((b) => [b.sender, b.messages]), [['net:203.0.113.0/24', 20_000]]);
    const at100 = `v=DMARC1; p=quarantine; np=reject; t=y; pct=50; rua=${RUA}`;
    const rejected = plan({
      published: record(at100),
      senders: [googleWorkspace, { ...botnet, decision: 'rejected' }],
      history: history([['2026-10-01', at100]]),
    });
    assert.equal(rejected.ready, true);
    assert.equal(rejected.next?.stage, 'quarantine-100');
    assert.equal(rejected.next?.record, `v=DMARC1; p=quarantine; np=reject; rua=${RUA}`);
    assert.deepEqual(rejected.impact?.suspicious.expected, { quarantined: 20_000, rejected: 0 });
    assert.equal(rejected.impact?.senders[0]?.sender, 'net:203.0.113.0/24');
  });

  it('a step taken days ago: not enough days at the stage', () => {
    const p = plan({ history: history([['2026-09-01', `v=DMARC1; p=none; rua=${RUA}`], ['2026-11-25', Q25]]) });
    const days = p.gates.find((g) => g.id === 'days-at-stage');
    assert.equal(days?.value, 6, 'calendar days 25 to 30 November');
    assert.equal(p.ready, false);
    assert.deepEqual(p.blockers, []);
  });

  it('the published record newer than every report: 0 days', () => {
    const p = plan({ history: history([['2026-09-01', `v=DMARC1; p=none; rua=${RUA}`]]) });
    assert.equal(p.stageStart, null);
    assert.equal(p.gates.find((g) => g.id === 'days-at-stage')?.value, 0);
  });

  it('too little coverage: one small reporter with a few messages', () => {
    const p = plan({ history: { ...history([['2026-09-01', Q25]]), reporters: [{ orgName: 'small.example', messages: 60, rfc9989: false }] } });
    assert.equal(p.gates.find((g) => g.id === 'coverage')?.passes, false);
    assert.equal(p.ready, false);
    assert.equal(p.verdict, 'not-ready');
  });

  it('pct without t=y: the next record does not loosen RFC 9989 receivers (no t=y) and says so', () => {
    const legacy = `v=DMARC1; p=quarantine; pct=10; rua=${RUA}`;
    const p = plan({ published: record(legacy), history: history([['2026-09-01', legacy]]) });
    assert.equal(p.stage, 'quarantine-10');
    assert.equal(p.stageExact, false);
    assert.deepEqual(p.stageNotes.map((n) => n.code), ['stage-not-exact', 'stage-pct-without-testing']);
    assert.deepEqual(p.stageNotes[1]?.params, { pct: 10, policy: 'quarantine' });
    assert.match(p.stageNotes[1]?.message ?? '', /ALL failing mail/);
    assert.equal(p.next?.record, `v=DMARC1; p=quarantine; np=reject; pct=25; rua=${RUA}`);
    assert.deepEqual(p.next?.why.map((w) => w.code), ['next-stage', 'next-testing-left-out', 'next-np-reject']);
    assert.match(p.next?.why[1]?.message ?? '', /leaves t=y out/);
    assert.deepEqual(p.impact?.effect.rfc9989, { quarantine: 1, reject: 0 });
  });

  it('from p=none the next step is the both-stacks test mode, keeping rua, ruf, adkim, aspf, fo', () => {
    const none = `v=DMARC1; p=none; adkim=s; aspf=r; rua=${RUA}; ruf=mailto:f@example.com; fo=1`;
    const p = plan({ published: record(none), history: history([['2026-09-01', none]]) });
    assert.equal(p.next?.stage, 'test');
    assert.equal(p.next?.record, `v=DMARC1; p=quarantine; np=reject; t=y; pct=0; adkim=s; aspf=r; rua=${RUA}; ruf=mailto:f@example.com; fo=1`);
    assert.deepEqual(p.impact?.legitimate.expected, { quarantined: 0, rejected: 0 });
  });

  it('sp staging: an explicit sp=none is raised once every subdomain seen passes', () => {
    const text = `v=DMARC1; p=quarantine; sp=none; pct=25; t=y; rua=${RUA}`;
    const p = plan({ published: record(text), history: history([['2026-09-01', text]], { subdomains: [{ domain: 'news.example.com', messages: 5000, dmarcPass: 4999 }] }) });
    assert.match(p.next?.record ?? '', /sp=quarantine/);
    const raised = p.next?.why.find((w) => w.code === 'next-sp-raised');
    assert.deepEqual(raised?.params, { from: 'none', to: 'quarantine', subdomains: ['news.example.com'] });
    assert.match(raised?.message ?? '', /^sp raised from none to quarantine: every subdomain seen passes \(news\.example\.com/);
  });

  it('sp staging: without sp, subdomains that fail are held at today\'s policy', () => {
    const none = `v=DMARC1; p=none; rua=${RUA}`;
    const p = plan({ published: record(none), history: history([['2026-09-01', none]], { subdomains: [{ domain: 'shop.example.com', messages: 2000, dmarcPass: 400 }] }) });
    assert.match(p.next?.record ?? '', /^v=DMARC1; p=quarantine; sp=none;/);
    const held = p.next?.why.find((w) => w.code === 'next-sp-held');
    assert.deepEqual(held?.params, { sp: 'none', subdomains: ['shop.example.com'] });
    assert.match(held?.message ?? '', /shop\.example\.com \(2,000 messages, 20% pass\)/);
    assert.equal(p.subdomains[0]?.ready, false);
  });

  it('np is kept when published and left out when np staging is off', () => {
    const p = plan({ options: { npReject: false } });
    assert.doesNotMatch(p.next?.record ?? '', /np=/);
    const withNp = `v=DMARC1; p=quarantine; np=quarantine; pct=25; t=y; rua=${RUA}`;
    assert.match(plan({ published: record(withNp), history: history([['2026-09-01', withNp]]) }).next?.record ?? '', /np=quarantine/);
  });

  it('no np or sp staging for a policy domain below the organisational domain', () => {
    const p = plan({ domain: 'mail.example.com' });
    assert.doesNotMatch(p.next?.record ?? '', /np=|sp=/);
  });

  it('planned from reports (--offline) with rua unknown: the next record is not valid, it would stop every report', () => {
    const p = plan({ published: record('v=DMARC1; p=quarantine; pct=25; t=y'), publishedFrom: 'reports' });
    assert.equal(p.published.from, 'reports');
    assert.equal(p.next?.valid, false);
    assert.deepEqual(p.next?.errors.map((e) => e.code), ['next-report-uris-unknown']);
    assert.match(p.next?.errors[0]?.message ?? '', /would stop every report/);
    assert.equal(p.ready, false);
  });

  it('planned from reports (--offline): rua and ruf come from the newest saved DNS check', () => {
    const checked = { at: '2026-11-20T09:00:00.000Z', text: `v=DMARC1; p=quarantine; pct=25; t=y; rua=${RUA}; ruf=mailto:ruf@example.com` };
    const p = plan({ published: record('v=DMARC1; p=quarantine; pct=25; t=y'), publishedFrom: 'reports', history: { ...history([['2026-09-01', Q25]]), lastCheckedRecord: checked } });
    assert.equal(p.next?.valid, true);
    assert.equal(p.next?.record, `v=DMARC1; p=quarantine; np=reject; t=y; pct=50; rua=${RUA}; ruf=mailto:ruf@example.com`);
    assert.deepEqual(p.next?.warnings.map((w) => w.code), ['next-report-uris-from-check']);
  });

  it('no record at all: publish p=none first', () => {
    const p = plan({ published: undefined, senders: [] });
    assert.equal(p.stage, 'none');
    assert.equal(p.next?.stage, 'none');
    assert.equal(p.next?.record, 'v=DMARC1; p=none');
    assert.deepEqual(p.stageNotes.map((n) => n.code), ['stage-no-record']);
    assert.deepEqual(p.next?.why.map((w) => [w.code, w.params]), [['next-first-record', { domain: 'example.com', stage: 'none' }]]);
    assert.deepEqual(p.next?.warnings.map((w) => [w.code, w.params]), [['next-add-rua', { domain: 'example.com' }]]);
    assert.match(p.next?.warnings[0]?.message ?? '', /^Add rua=mailto:ADDRESS/);
    assert.deepEqual(p.watch.map((w) => [w.code, w.params]), [['watch-first-reports', { domain: 'example.com' }]]);
    assert.equal(p.impact, null);
  });

  it('at reject there is no next step', () => {
    const text = `v=DMARC1; p=reject; rua=${RUA}`;
    const p = plan({ published: record(text), history: history([['2026-01-01', text]]) });
    assert.equal(p.stage, 'reject');
    assert.equal(p.next, null);
    assert.equal(p.impact, null);
    assert.equal(p.verdict, 'final');
    assert.equal(p.ready, false, 'nothing to publish');
    assert.deepEqual(p.watch.map((w) => [w.code, w.params]), [['watch-at-reject', { domain: 'example.com' }], ['watch-keep-rua', {}]]);
  });

  it('reject-test can be skipped', () => {
    const text = `v=DMARC1; p=quarantine; np=reject; rua=${RUA}`;
    const p = plan({ published: record(text), history: history([['2026-09-01', text]]), options: { rejectTest: false } });
    assert.equal(p.next?.stage, 'reject');
    assert.equal(p.next?.record, `v=DMARC1; p=reject; np=reject; rua=${RUA}`);
  });

  it('a long record is split into character-strings of at most 255 octets that join back', () => {
    const uris = Array.from({ length: 8 }, (_, i) => `mailto:dmarc-aggregate-reports-${i}@a-rather-long-reporting-domain-name.example.com`);
    const text = `v=DMARC1; p=quarantine; pct=25; t=y; rua=${uris.join(',')}`;
    const p = plan({ published: record(text), history: history([['2026-09-01', text]]) });
    assert.ok((p.next?.strings.length ?? 0) > 1);
    assert.ok(p.next?.strings.every((s) => countOctets(s) <= 255));
    assert.equal(p.next?.strings.join(''), p.next?.record);
    assert.ok(parseDmarcRecord(p.next?.strings.join('') ?? '').record);
  });

  it('a published record without rua (from DNS): the next one has none either, and the plan warns', () => {
    const text = 'v=DMARC1; p=quarantine; pct=25; t=y';
    const p = plan({ published: record(text), history: history([['2026-09-01', text]]) });
    assert.deepEqual(p.next?.warnings.map((w) => [w.code, w.params]), [['next-no-rua', {}]]);
  });

  it('gate details are advice with the measured value and the threshold', () => {
    const p = plan({ senders: [googleWorkspace, forgottenMarketing] });
    assert.deepEqual(p.gates.map((g) => g.detail.code), [
      'gate-published-record',
      'gate-days-at-stage',
      'gate-legitimate-pass-share',
      'gate-legitimate-senders',
      'gate-unexplained-senders',
      'gate-new-senders',
      'gate-coverage',
    ]);
    for (const g of p.gates) {
      assert.equal(g.detail.params.value, g.value, g.id);
      assert.equal(g.detail.params.threshold, g.threshold, g.id);
    }
  });

  it('no advice sentence names the program or a CLI flag', () => {
    const plans = [
      plan({ senders: [googleWorkspace, forgottenMarketing, botnet, forwarder] }),
      plan({ published: undefined, senders: [] }),
      plan({ published: record('v=DMARC1; p=quarantine; pct=25; t=y'), publishedFrom: 'reports' }),
      plan({ published: record(`v=DMARC1; p=reject; rua=${RUA}`) }),
    ];
    const all = plans.flatMap((p) => [...p.stageNotes, ...p.watch, ...(p.next ? [...p.next.why, ...p.next.warnings, ...p.next.errors] : []), ...p.gates.map((g) => g.detail), ...p.blockers.flatMap((b) => b.reasons)]);
    assert.ok(all.length > 30);
    assert.deepEqual(all.filter((a) => /dmarcpilot|(^|[\s(`])--[a-z]/i.test(a.message)).map((a) => a.message), []);
  });

  it('is JSON-serialisable with the documented top-level fields', () => {
    const json = JSON.parse(JSON.stringify(plan({ senders: [googleWorkspace, forgottenMarketing] }))) as Record<string, unknown>;
    for (const key of ['domain', 'stage', 'ready', 'gates', 'blockers', 'next', 'impact', 'watch']) assert.ok(key in json, key);
  });
});
