import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SourceStats } from '../store/store.js';
import { classifySender, isAlignedDomain, senderState } from './classify-sender.js';
import { groupSenders, networkKey } from './group-senders.js';
import type { SenderClass } from './sender-model.js';
import type { SourceEnrichment } from '../core/source-facts.js';
import { loadServiceCatalogue } from './service-catalogue.js';

const stats = (overrides: Partial<SourceStats> = {}): SourceStats => ({
  ip: '192.0.2.1', messages: 100, dmarcPass: 0, dkimAlignedPass: 0, spfAlignedPass: 0, dispositions: { none: 100 },
  recentMessages: 0, recentDmarcPass: 0, arcPass: 0, firstSeen: new Date('2026-11-01T00:00:00Z'), lastSeen: new Date('2026-11-30T23:59:59Z'),
  dkim: [], spf: [], reasons: [], ...overrides,
});
const enrichment = (name: string | null, fcrdns: SourceEnrichment['fcrdns'] = name ? 'confirmed' : 'none'): SourceEnrichment => ({
  ip: '192.0.2.1', ptrNames: name ? [name] : [], confirmedName: fcrdns === 'confirmed' ? name : null, fcrdns,
  organizationalDomain: fcrdns === 'confirmed' && name ? name.split('.').slice(-2).join('.') : null, resolvedAt: '2026-12-01T00:00:00Z',
});

const classify = (s: SourceStats, e: SourceEnrichment, decision: 'approved' | 'rejected' | null = null): SenderClass => {
  const [group] = groupSenders([s], new Map([[s.ip, e]]), loadServiceCatalogue());
  assert.ok(group);
  return classifySender(group, 'example.com', decision);
};

const rows: [string, SourceStats, SourceEnrichment, 'approved' | 'rejected' | null, SenderClass][] = [
  ['aligned: ≥ 98% pass DMARC', stats({ dmarcPass: 98, dkim: [{ domain: 'example.com', selector: 's', result: 'pass', messages: 98 }] }), enrichment('mail.example.com'), null, 'aligned'],
  ['aligned threshold: 97% is not aligned', stats({ dmarcPass: 97, dkim: [{ domain: 'example.com', selector: 's', result: 'pass', messages: 97 }] }), enrichment('mail.example.com'), null, 'unknown'],
  ['forwarded: RFC 7489 §6.6.3 reason forwarded on most messages, even when DKIM passes', stats({ dmarcPass: 100, reasons: [{ type: 'forwarded', comment: null, messages: 60 }] }), enrichment(null), null, 'forwarded'],
  ['forwarded: RFC 8617 §7.2.2 arc=pass in local_policy comments', stats({ arcPass: 80, reasons: [{ type: 'local_policy', comment: 'arc=pass', messages: 80 }] }), enrichment(null), null, 'forwarded'],
  ['forwarded: mailing-list pattern (own DKIM broken, list identity passes, confirmed rDNS)', stats({ dkim: [{ domain: 'example.com', selector: 's', result: 'fail', messages: 100 }, { domain: 'list.example', selector: 'l', result: 'pass', messages: 100 }], spf: [{ domain: 'list.example', scope: 'mfrom', result: 'pass', messages: 100 }] }), enrichment('lists.list.example'), null, 'forwarded'],
  ['legitimate-unaligned: a catalogue service failing', stats({ dkim: [{ domain: 'sendgrid.net', selector: 's', result: 'pass', messages: 100 }], spf: [{ domain: 'sendgrid.net', scope: 'mfrom', result: 'pass', messages: 100 }] }), enrichment('o1.ptr1234.sendgrid.net'), null, 'legitimate-unaligned'],
  ['suspicious: no DKIM, SPF fails for the domain, no rDNS', stats({ spf: [{ domain: 'example.com', scope: 'mfrom', result: 'fail', messages: 100 }] }), enrichment(null), null, 'suspicious'],
  ['suspicious: residential reverse DNS', stats({ spf: [{ domain: 'spam.example', scope: 'mfrom', result: 'pass', messages: 100 }] }), enrichment('dsl-1-2-3-4.dyn.isp.example'), null, 'suspicious'],
  ['unknown: an uncatalogued vendor with its own DKIM and return path', stats({ dkim: [{ domain: 'vendor.example', selector: 'v', result: 'pass', messages: 100 }], spf: [{ domain: 'bounce.vendor.example', scope: 'mfrom', result: 'pass', messages: 100 }] }), enrichment('smtp.vendor.example'), null, 'unknown'],
  ['unknown: offline, nothing against it', stats({ dkim: [{ domain: 'vendor.example', selector: 'v', result: 'pass', messages: 100 }] }), enrichment(null, 'unresolved'), null, 'unknown'],
  ['decision wins: rejected aligned sender is suspicious', stats({ dmarcPass: 100 }), enrichment('mail.example.com'), 'rejected', 'suspicious'],
  ['decision wins: approved failing sender is legitimate-unaligned', stats({ spf: [{ domain: 'example.com', scope: 'mfrom', result: 'fail', messages: 100 }] }), enrichment(null), 'approved', 'legitimate-unaligned'],
];

for (const [name, s, e, decision, expected] of rows) {
  test(`classify: ${name}`, () => assert.equal(classify(s, e, decision), expected));
}

test('relaxed alignment (RFC 7489 §3.1): organisational domains equal; a public suffix never aligns', () => {
  assert.equal(isAlignedDomain('news.example.com', 'example.com'), true);
  assert.equal(isAlignedDomain('example.com', 'mail.example.com'), true);
  assert.equal(isAlignedDomain('example.net', 'example.com'), false);
  assert.equal(isAlignedDomain('com', 'example.com'), false);
  assert.equal(isAlignedDomain('', 'example.com'), false);
});

test('network keys: IPv4 /24, IPv6 /48, canonical', () => {
  assert.equal(networkKey('192.0.2.77'), 'net:192.0.2.0/24');
  assert.equal(networkKey('2001:db8:1:2::7'), 'net:2001:db8:1::/48');
  assert.equal(networkKey('2001:db8::1'), 'net:2001:db8::/48');
});

test('states: fixed needs a clear improvement, verified a passing window, new only after the history began', () => {
  const base = { decision: 'approved' as const, senderClass: 'legitimate-unaligned' as const, known: false, now: new Date('2026-12-01T00:00:00Z'), newSince: new Date('2026-11-24T00:00:00Z'), historyStart: new Date('2026-10-01T00:00:00Z') };
  const totals = (pass: number, recent: number, recentPass: number, first = '2026-10-01T00:00:00Z') => ({
    messages: 100, dmarcPass: pass, dkimAlignedPass: pass, spfAlignedPass: 0, recentMessages: recent, recentDmarcPass: recentPass, arcPass: 0,
    dispositions: {}, dkim: [], spf: [], reasons: [], firstSeen: new Date(first), lastSeen: new Date('2026-11-30T00:00:00Z'),
  });
  assert.equal(senderState(totals(20, 20, 20), base), 'fixed', 'recent 100% vs 0% before');
  assert.equal(senderState(totals(10, 20, 4), base), 'approved', 'recent 20% vs 7.5% before: not enough');
  assert.equal(senderState(totals(99, 20, 20), base), 'verified');
  assert.equal(senderState(totals(0, 0, 0, '2026-11-25T00:00:00Z'), { ...base, decision: null }), 'new');
  assert.equal(senderState(totals(0, 0, 0, '2026-11-25T00:00:00Z'), { ...base, decision: null, historyStart: new Date('2026-11-25T06:00:00Z') }), 'unknown', 'there since the first day of data');
  assert.equal(senderState(totals(0, 0, 0), { ...base, decision: 'rejected' }), 'rejected');
});
