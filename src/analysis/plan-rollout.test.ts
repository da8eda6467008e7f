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
    assert.ok(p.watch.some((w) => w.includes(`To roll back, publish the current record again: ${Q25}`)));
  });

  it('a forgotten marketing platform blocks, named with its messages', () => {
    const p = plan({ senders: [googleWorkspace, forgottenMarketing] });
    assert.equal(p.ready, false);
    assert.deepEqual(p.blockers.map((b) => [b.sender, b.messages, b.failing, b.gates]), [['service:mailchimp', 4000, 4000, ['legitimate-pass-share']]]);
    // The simulation says what the next step would do to it: 50% of its mail at RFC 7489 receivers.
    const row = p.impact?.senders.find((s) => s.sender === 'service:mailchimp');
    assert.deepEqual(row?.rfc7489, { quarantined: 2000, rejected: 0 });
    assert.deepEqual(row?.rfc9989, { quarantined: 0, rejected: 0 });
    assert.ok(p.watch.some((w) => w.includes('Mailchimp')));
  });

  it('a new sender after the last step blocks', () => {
    const fresh = sender('service:sendgrid', { label: 'SendGrid', messages: 60, dmarcPass: 0, firstSeen: '2026-11-27', class: 'legitimate-unaligned', state: 'new' });
    const p = plan({ senders: [googleWorkspace, fresh] });
    assert.equal(p.ready, false);
    const gate = p.gates.find((g) => g.id === 'new-senders');
    assert.equal(gate?.passes, false);
    assert.deepEqual(p.blockers.map((b) => b.sender), ['service:sendgrid']);
    assert.match(p.blockers[0]?.reasons.join(' ') ?? '', /after the last policy change/);
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
    assert.equal(days?.value, 5);
    assert.equal(p.ready, false);
    assert.deepEqual(p.blockers, []);
  });

  it('the published record newer than every report: 0 days', () => {
    const p = plan({ history: history([['2026-09-01', `v=DMARC1; p=none; rua=${RUA}`]]) });
    assert.equal(p.stageStart, null);
    assert.equal(p.gates.find((g) => g.id === 'days-at-stage')?.value, 0);
  });

  it('too few reporters', () => {
    const p = plan({ history: { ...history([['2026-09-01', Q25]]), reporters: [{ orgName: 'google.com', messages: 100, rfc9989: false }] } });
    assert.equal(p.gates.find((g) => g.id === 'reporters')?.passes, false);
    assert.equal(p.ready, false);
  });

  it('pct without t=y: the next record does not loosen RFC 9989 receivers (no t=y) and says so', () => {
    const legacy = `v=DMARC1; p=quarantine; pct=10; rua=${RUA}`;
    const p = plan({ published: record(legacy), history: history([['2026-09-01', legacy]]) });
    assert.equal(p.stage, 'quarantine-10');
    assert.equal(p.stageExact, false);
    assert.match(p.stageNotes.join(' '), /ALL failing mail/);
    assert.equal(p.next?.record, `v=DMARC1; p=quarantine; np=reject; pct=25; rua=${RUA}`);
    assert.match(p.next?.why.join(' ') ?? '', /leaves t=y out/);
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
    assert.match(p.next?.why.join(' ') ?? '', /sp raised from none to quarantine/);
  });

  it('sp staging: without sp, subdomains that fail are held at today\'s policy', () => {
    const none = `v=DMARC1; p=none; rua=${RUA}`;
    const p = plan({ published: record(none), history: history([['2026-09-01', none]], { subdomains: [{ domain: 'shop.example.com', messages: 2000, dmarcPass: 400 }] }) });
    assert.match(p.next?.record ?? '', /^v=DMARC1; p=quarantine; sp=none;/);
    assert.match(p.next?.why.join(' ') ?? '', /shop\.example\.com \(2,000 messages, 20% pass\)/);
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

  it('planned from reports (--offline): rua is unknown and the plan says to copy it', () => {
    const p = plan({ published: record('v=DMARC1; p=quarantine; pct=25; t=y'), publishedFrom: 'reports' });
    assert.equal(p.published.from, 'reports');
    assert.match(p.next?.warnings.join(' ') ?? '', /copy them from the record you publish today/);
  });

  it('no record at all: publish p=none first', () => {
    const p = plan({ published: undefined, senders: [] });
    assert.equal(p.stage, 'none');
    assert.equal(p.next?.stage, 'none');
    assert.equal(p.next?.record, 'v=DMARC1; p=none');
    assert.match(p.next?.warnings.join(' ') ?? '', /Add rua=mailto:ADDRESS/);
    assert.equal(p.impact, null);
  });

  it('at reject there is no next step', () => {
    const text = `v=DMARC1; p=reject; rua=${RUA}`;
    const p = plan({ published: record(text), history: history([['2026-01-01', text]]) });
    assert.equal(p.stage, 'reject');
    assert.equal(p.next, null);
    assert.equal(p.impact, null);
    assert.equal(p.ready, true);
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

  it('is JSON-serialisable with the documented top-level fields', () => {
    const json = JSON.parse(JSON.stringify(plan({ senders: [googleWorkspace, forgottenMarketing] }))) as Record<string, unknown>;
    for (const key of ['domain', 'stage', 'ready', 'gates', 'blockers', 'next', 'impact', 'watch']) assert.ok(key in json, key);
  });
});
