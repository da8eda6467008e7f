import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { botnet, forwarder, googleWorkspace, record, sender } from './rollout-fixtures.test-helper.js';
import { simulateImpact } from './simulate-impact.js';

const failing1000 = sender('service:mailchimp', { messages: 1000, dmarcPass: 0, class: 'legitimate-unaligned' });

describe('simulateImpact', () => {
  const rows: [string, string, { q7: number; r7: number; q9: number; r9: number }][] = [
    ['RFC 7489 §6.6.4: quarantine pct=10 samples 10%; RFC 9989 with t=y applies none', 'v=DMARC1; p=quarantine; pct=10; t=y', { q7: 100, r7: 0, q9: 0, r9: 0 }],
    ['RFC 9989 ignores pct: quarantine pct=10 without t quarantines all', 'v=DMARC1; p=quarantine; pct=10', { q7: 100, r7: 0, q9: 1000, r9: 0 }],
    ['RFC 7489 §6.6.4: reject pct=25 rejects 25% and quarantines the rest', 'v=DMARC1; p=reject; pct=25', { q7: 750, r7: 250, q9: 0, r9: 1000 }],
    ['reject-test: quarantine on both', 'v=DMARC1; p=reject; pct=0; t=y', { q7: 1000, r7: 0, q9: 1000, r9: 0 }],
    ['full quarantine on both', 'v=DMARC1; p=quarantine', { q7: 1000, r7: 0, q9: 1000, r9: 0 }],
    ['test stage: nothing on either', 'v=DMARC1; p=quarantine; pct=0; t=y', { q7: 0, r7: 0, q9: 0, r9: 0 }],
  ];
  for (const [name, text, e] of rows) {
    it(name, () => {
      const impact = simulateImpact([failing1000], record(text), { rfc9989Share: 0, days: 30 });
      const row = impact.senders[0];
      assert.deepEqual(row?.rfc7489, { quarantined: e.q7, rejected: e.r7 });
      assert.deepEqual(row?.rfc9989, { quarantined: e.q9, rejected: e.r9 });
    });
  }
  it('weights the two generations by the reported volume share', () => {
    const impact = simulateImpact([failing1000], record('v=DMARC1; p=quarantine; pct=10'), { rfc9989Share: 0.25, days: 30 });
    assert.deepEqual(impact.senders[0]?.expected, { quarantined: 0.75 * 100 + 0.25 * 1000, rejected: 0 });
  });
  it('splits legitimate from suspicious, and an owner-rejected sender counts as suspicious', () => {
    const rejectedBotnet = { ...botnet, decision: 'rejected' as const };
    const impact = simulateImpact([googleWorkspace, failing1000, rejectedBotnet], record('v=DMARC1; p=quarantine'), { rfc9989Share: 0.1, days: 30 });
    assert.deepEqual(impact.suspicious.expected, { quarantined: 20_000, rejected: 0 });
    assert.equal(impact.suspicious.senders, 1);
    assert.deepEqual(impact.legitimate.expected, { quarantined: 1050, rejected: 0 });
    assert.equal(impact.legitimate.failing, 1050);
    assert.equal(impact.senders[0]?.sender, 'net:203.0.113.0/24');
    assert.equal(impact.senders[0]?.legitimate, false);
  });
  it('failing mail a receiver let through as forwarded is exempt', () => {
    const impact = simulateImpact([forwarder], record('v=DMARC1; p=reject'), { rfc9989Share: 0, days: 30 });
    assert.equal(impact.senders[0]?.failing, 200);
    assert.equal(impact.senders[0]?.exempt, 150);
    assert.deepEqual(impact.senders[0]?.rfc7489, { quarantined: 0, rejected: 50 });
  });
  it('leaves out senders with nothing failing', () => {
    assert.deepEqual(simulateImpact([sender('service:ok', { messages: 10, dmarcPass: 10 })], record('v=DMARC1; p=reject'), { rfc9989Share: 0, days: 7 }).senders, []);
  });
});
