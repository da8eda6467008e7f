import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GateInput } from './readiness-gates.js';
import { DEFAULT_GATE_SETTINGS, evaluateGates, resolveGateSettings } from './readiness-gates.js';
import { NOW, botnet, forgottenMarketing, forwarder, googleWorkspace, sender } from './rollout-fixtures.test-helper.js';

/** The next record quarantines all failing mail on both generations. */
const QUARANTINE_ALL = { rfc7489: { quarantine: 1, reject: 0 }, rfc9989: { quarantine: 1, reject: 0 } };

function gate(input: Partial<GateInput>, id: string) {
  const all = evaluateGates({
    senders: [googleWorkspace],
    settings: DEFAULT_GATE_SETTINGS,
    now: NOW,
    stageStart: new Date('2026-10-01T00:00:00Z'),
    reporters: [{ orgName: 'a', messages: 100 }, { orgName: 'b', messages: 100 }, { orgName: 'c', messages: 100 }],
    nextEffect: QUARANTINE_ALL,
    ...input,
  });
  const found = all.find((g) => g.id === id);
  assert.ok(found, id);
  return found;
}

describe('resolveGateSettings: defaults < settings file < options', () => {
  it('gives the documented defaults', () => {
    assert.deepEqual(resolveGateSettings().settings, {
      minDaysAtStage: 14,
      minLegitimatePassShare: 0.98,
      unexplainedMaxShare: 0.005,
      unexplainedMaxMessages: 100,
      newSenderDays: 7,
      minReporters: 3,
      minLargeProviderShare: 0.3,
      minCoverageMessages: 100,
    });
  });
  it('overlays layers in order and skips undefined values', () => {
    const { settings, problems } = resolveGateSettings({ minDaysAtStage: 21, minReporters: 5 }, { minDaysAtStage: 28, newSenderDays: undefined });
    assert.deepEqual(problems, []);
    assert.equal(settings.minDaysAtStage, 28);
    assert.equal(settings.minReporters, 5);
    assert.equal(settings.newSenderDays, 7);
  });
  const bad: [string, unknown, string, string | undefined, RegExp][] = [
    ['unknown key', { minDays: 3 }, 'setting-unknown', 'minDays', /unknown gate setting "minDays"/],
    ['share above 1', { minLegitimatePassShare: 98 }, 'setting-not-a-share', 'minLegitimatePassShare', /share from 0 to 1/],
    ['fractional days', { minDaysAtStage: 1.5 }, 'setting-not-a-whole-number', 'minDaysAtStage', /whole number/],
    ['negative', { minReporters: -1 }, 'setting-not-a-whole-number', 'minReporters', /whole number/],
    ['a string', { minReporters: '3' }, 'setting-not-a-whole-number', 'minReporters', /"3" is not a whole number/],
    ['not an object', [1], 'settings-not-an-object', undefined, /JSON object/],
  ];
  for (const [name, layer, code, field, message] of bad) {
    it(`refuses ${name}, naming it, and keeps the default`, () => {
      const { settings, problems } = resolveGateSettings(layer);
      assert.equal(problems.length, 1);
      assert.equal(problems[0]?.code, code);
      assert.equal(problems[0]?.field, field);
      assert.match(problems[0]?.message ?? '', message);
      assert.deepEqual(settings, DEFAULT_GATE_SETTINGS);
    });
  }
  it('reports every problem of every layer at once', () => {
    const { problems } = resolveGateSettings({ minDays: 3, minReporters: 1.5 }, 'text');
    assert.deepEqual(problems.map((p) => [p.code, p.field]), [['setting-unknown', 'minDays'], ['setting-not-a-whole-number', 'minReporters'], ['settings-not-an-object', undefined]]);
  });
});

describe('gates', () => {
  it('days-at-stage counts calendar days from the stage start to the newest data, both counted', () => {
    const g = gate({ stageStart: new Date('2026-11-20T00:00:00Z'), lastDataAt: new Date('2026-11-29T00:00:00Z') }, 'days-at-stage');
    assert.equal(g.value, 9, 'reports for 20 to 28 November, the last ending at midnight');
    assert.equal(g.passes, false);
    assert.deepEqual(g.detail.params, { value: 9, threshold: 14, stageStart: '2026-11-20' });
    assert.equal(g.detail.message, '9 days since 2026-11-20 (need ≥ 14)');
    assert.equal(gate({ stageStart: new Date('2026-11-01T00:00:00Z'), lastDataAt: new Date('2026-11-14T23:59:59Z') }, 'days-at-stage').value, 14, '14 daily reports ending 23:59:59 are 14 days, not 13');
    assert.equal(gate({ stageStart: new Date('2026-11-01T00:00:00Z'), lastDataAt: new Date('2026-11-15T00:00:00Z') }, 'days-at-stage').value, 14, 'and so are 14 ending at midnight');
    assert.equal(gate({}, 'days-at-stage').passes, true);
  });
  it('days-at-stage is 0 when no report shows the current policy yet', () => {
    const g = gate({ stageStart: undefined }, 'days-at-stage');
    assert.equal(g.value, 0);
    assert.deepEqual(g.detail, {
      code: 'gate-days-at-stage',
      params: { value: 0, threshold: 14, stageStart: null },
      message: '0 days no report or DNS check shows the current policy yet (need ≥ 14)',
    });
  });
  it('legitimate-pass-share measures the domain; legitimate-senders names the failing legitimate sender, forwarders apart, with its cause and fix', () => {
    const g = gate({ senders: [googleWorkspace, forgottenMarketing, forwarder] }, 'legitimate-pass-share');
    assert.equal(g.passes, false);
    assert.ok(Math.abs(g.value - 49_950 / 54_000) < 1e-9);
    assert.equal(g.detail.code, 'gate-legitimate-pass-share');
    assert.deepEqual(g.detail.params, { value: g.value, threshold: 0.98, messages: 54_000 });
    assert.equal(g.detail.message, '92.5% of 54,000 messages (need ≥ 98%)');
    const named = gate({ senders: [googleWorkspace, forgottenMarketing, forwarder] }, 'legitimate-senders');
    assert.equal(named.passes, false);
    assert.deepEqual(named.blockers.map((b) => [b.sender, b.messages, b.failing]), [['service:mailchimp', 4000, 4000]]);
    assert.equal(named.blockers[0]?.reason.code, 'blocker-legitimate-harmed');
    assert.equal(named.blockers[0]?.reason.params.diagnosis, 'sender-spf-not-aligned');
    assert.equal(named.blockers[0]?.reason.params.expectedHarmed, 4000);
    assert.match(named.blockers[0]?.reason.message ?? '', /4,000 of 4,000 messages fail \(SPF passes for mcsv\.net.*the next step would quarantine or reject about 4,000 of them/);
  });
  it('legitimate-pass-share passes with only a forwarder failing (it is not the owner\'s to fix)', () => {
    assert.equal(gate({ senders: [googleWorkspace, forwarder] }, 'legitimate-pass-share').passes, true);
  });
  it('an approved sender counts as legitimate, a rejected one does not', () => {
    assert.equal(gate({ senders: [googleWorkspace, { ...botnet, decision: 'approved' }] }, 'legitimate-pass-share').passes, false);
    assert.equal(gate({ senders: [googleWorkspace, { ...forgottenMarketing, decision: 'rejected' }] }, 'legitimate-pass-share').passes, true);
  });
  it('unexplained-senders: an undecided botnet above the limit blocks; rejected it does not', () => {
    const open = gate({ senders: [googleWorkspace, botnet] }, 'unexplained-senders');
    assert.equal(open.passes, false);
    assert.deepEqual(open.blockers.map((b) => [b.sender, b.failing]), [['net:203.0.113.0/24', 20_000]]);
    assert.deepEqual(open.blockers[0]?.reason, {
      code: 'blocker-unexplained-sender',
      params: { sender: 'net:203.0.113.0/24', class: 'suspicious', failing: 20_000 },
      message: 'suspicious sender with 20,000 failing messages: approve it (and fix it) or reject it',
    });
    assert.deepEqual(open.detail.params, { value: 20_000, threshold: open.threshold, undecided: 1, maxMessages: 100, maxShare: 0.005, totalMessages: 70_000 });
    assert.equal(gate({ senders: [googleWorkspace, { ...botnet, decision: 'rejected' }] }, 'unexplained-senders').passes, true);
  });
  it('unexplained-senders: the limit is the larger of the message count and the share of volume', () => {
    const small = sender('net:198.51.100.0/24', { messages: 150, dmarcPass: 0, class: 'unknown' });
    const g = gate({ senders: [googleWorkspace, small] }, 'unexplained-senders');
    assert.equal(g.threshold, 0.005 * 50_150);
    assert.equal(g.passes, true);
    assert.equal(gate({ senders: [sender('service:x', { messages: 1000, dmarcPass: 1000 }), small] }, 'unexplained-senders').passes, false);
  });
  it('new-senders: an undecided failing sender first seen within 7 days blocks; an aligned or decided one does not', () => {
    const fresh = sender('service:sendgrid', { messages: 50, dmarcPass: 0, firstSeen: '2026-11-26', class: 'legitimate-unaligned' });
    const g = gate({ senders: [googleWorkspace, fresh], stageStart: new Date('2026-11-10T00:00:00Z') }, 'new-senders');
    assert.equal(g.passes, false);
    assert.deepEqual(g.blockers[0]?.reason.params, { sender: 'service:sendgrid', firstSeen: '2026-11-26', afterPolicyChange: true, failing: 50 });
    assert.match(g.blockers[0]?.reason.message ?? '', /first seen 2026-11-26, after the last policy change/);
    assert.deepEqual(g.detail.params, { value: 1, threshold: 0, since: '2026-11-23', days: 7 });
    assert.equal(gate({ senders: [{ ...fresh, dmarcPass: 50 }] }, 'new-senders').passes, true);
    assert.equal(gate({ senders: [{ ...fresh, decision: 'approved' }] }, 'new-senders').passes, true);
    assert.equal(gate({ senders: [{ ...fresh, firstSeen: '2026-11-20' }] }, 'new-senders').passes, true);
  });
  it('coverage weighs messages and the large mailbox providers, not the number of reporters alone', () => {
    const tiny = gate({ reporters: ['a.example', 'b.example', 'c.example', 'd.example', 'e.example'].map((orgName) => ({ orgName, messages: 8 })) }, 'coverage');
    assert.equal(tiny.passes, false, 'five small reporters with 40 messages are not coverage');
    assert.equal(tiny.value, 40);
    const big = gate({ reporters: [{ orgName: 'google.com', messages: 30_000 }, { orgName: 'Enterprise Outlook', messages: 12_000 }] }, 'coverage');
    assert.equal(big.passes, true, 'two large providers with 42,000 messages are');
    assert.deepEqual(big.detail.params.largeProviders, ['google.com', 'Enterprise Outlook']);
    assert.equal(big.detail.params.largeProviderShare, 1);
    const small = gate({ reporters: [{ orgName: 'google.com', messages: 50 }, { orgName: 'Google.com', messages: 10 }] }, 'coverage');
    assert.equal(small.passes, false, 'too few messages, whoever reports them');
    const broad = gate({ reporters: ['a.example', 'b.example', 'c.example'].map((orgName) => ({ orgName, messages: 500 })) }, 'coverage');
    assert.equal(broad.passes, true, 'three reporters with enough messages are, without a large provider');
    assert.equal(gate({ reporters: ['a.example', 'A.example'].map((orgName) => ({ orgName, messages: 500 })) }, 'coverage').passes, false, 'reporters are counted case-insensitively');
  });
  it('legitimate-senders: an approved sender failing 345 of 345 blocks any step that quarantines; the test stage (nothing quarantined) it does not', () => {
    const approved = sender('net:198.51.100.0/24', { messages: 345, dmarcPass: 0, class: 'legitimate-unaligned', decision: 'approved', state: 'approved' });
    assert.equal(gate({ senders: [googleWorkspace, approved] }, 'legitimate-senders').passes, false);
    const atTest = gate({ senders: [googleWorkspace, approved], nextEffect: { rfc7489: { quarantine: 0, reject: 0 }, rfc9989: { quarantine: 0, reject: 0 } } }, 'legitimate-senders');
    assert.equal(atTest.passes, true);
    const reject = gate({ senders: [googleWorkspace, approved], nextEffect: { rfc7489: { quarantine: 0, reject: 1 }, rfc9989: { quarantine: 0, reject: 1 } } }, 'legitimate-senders');
    assert.equal(reject.blockers[0]?.reason.params.expectedHarmed, 345);
  });
  it('legitimate-senders: judged on current evidence, so a sender fixed and passing since does not block', () => {
    const fixed = sender('service:mailchimp', { messages: 4000, dmarcPass: 2000, class: 'legitimate-unaligned' });
    const evidence = new Map([['service:mailchimp', { since: '2026-11-16', basis: 'fixed' as const, messages: 2000, dmarcPass: 2000 }]]);
    assert.equal(gate({ senders: [googleWorkspace, fixed] }, 'legitimate-senders').passes, false);
    assert.equal(gate({ senders: [googleWorkspace, fixed], evidence }, 'legitimate-senders').passes, true);
    assert.equal(gate({ senders: [googleWorkspace, fixed], evidence }, 'legitimate-pass-share').passes, true);
  });
  it('legitimate-senders: an aligned-capable sender (undecided, some aligned passes) counts; a suspicious one does not', () => {
    const partial = sender('net:192.0.2.0/24', { messages: 1000, dmarcPass: 400, dkimAlignedPass: 400, spfAlignedPass: 0, class: 'unknown', state: 'unknown' });
    assert.equal(gate({ senders: [googleWorkspace, partial] }, 'legitimate-senders').passes, false);
    assert.equal(gate({ senders: [googleWorkspace, botnet] }, 'legitimate-senders').passes, true);
  });
  it('legitimate-senders: what the current stage already quarantined blocks even when the next step would not harm more', () => {
    const hurt = sender('service:mailchimp', { messages: 295, dmarcPass: 184, class: 'legitimate-unaligned' });
    const observed = new Map([['service:mailchimp', { quarantined: 111, rejected: 0 }]]);
    const g = gate({ senders: [googleWorkspace, hurt], observed, nextEffect: null }, 'legitimate-senders');
    assert.equal(g.passes, false);
    assert.match(g.blockers[0]?.reason.message ?? '', /receivers quarantined 111 and rejected 0 of its messages/);
  });
  it('published-record: a DNS error is unknown, never a basis for a step', () => {
    assert.equal(gate({}, 'published-record').passes, true);
    assert.equal(gate({ publishedSource: 'reports-dns-unknown' }, 'published-record').passes, false);
    assert.equal(gate({ publishedSource: 'reports-dns-absent' }, 'published-record').passes, false);
    assert.equal(gate({ publishedSource: 'reports-offline' }, 'published-record').passes, true);
  });
});
