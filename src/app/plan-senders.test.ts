import { test } from 'node:test';
import assert from 'node:assert/strict';
import { senderHistory, NOW, zone, DOMAIN } from '../../test/helpers/sender-history.js';
import { planDomain } from './plan-domain.js';
import { decideSender, listSenderDecisions, listSenders, senderDecisionHistory } from './senders.js';
import { AppError } from './problems.js';
import { ingestReports, withTestApp } from './app-fixtures.test-helper.js';

const DAY_MS = 86_400_000;
const since = new Date(NOW.getTime() - 30 * DAY_MS);
const isInvalid = (field: string, code?: string) => (caught: unknown): boolean =>
  caught instanceof AppError && caught.kind === 'invalid' && caught.problems.some((p) => p.field === field && (code === undefined || p.code === code));

test('listSenders: the domain as looked up, every sender with its class; onlyNew keeps the vendor first seen after the policy change', () =>
  withTestApp({ now: NOW, zone }, async ({ ctx }) => {
    await ingestReports(ctx, senderHistory());
    const list = await listSenders(ctx, 'Example.COM.', { since });
    assert.equal(list.domain, DOMAIN);
    assert.deepEqual(list.until, NOW);
    const keys = list.senders.map((s) => s.key);
    assert.ok(keys.includes('service:google-workspace') && keys.includes('service:mailchimp'), keys.join(', '));
    const fresh = await listSenders(ctx, DOMAIN, { since, onlyNew: true });
    assert.deepEqual(fresh.senders.map((s) => s.key), ['domain:newvendor.example']);
    await assert.rejects(listSenders(ctx, 'not a domain', { since }), isInvalid('domain', 'not-a-domain'));
    await assert.rejects(listSenders(ctx, DOMAIN, { since: NOW, until: since }), isInvalid('since', 'window-empty'));
  }));

test('decideSender: approve, reject and undo are kept in the history with who, when, why and what it was before', () =>
  withTestApp({ now: NOW, zone }, async ({ ctx }) => {
    await ingestReports(ctx, senderHistory());
    const key = 'domain:newvendor.example';
    const approved = await decideSender(ctx, DOMAIN, ' Domain:NewVendor.example ', { decision: 'approved', actor: 'cli:alice', note: 'the new CRM' });
    assert.deepEqual([approved.key, approved.decision, approved.previous, approved.actor, approved.note], [key, 'approved', null, 'cli:alice', 'the new CRM']);
    const vendor = (await listSenders(ctx, DOMAIN, { since })).senders.find((s) => s.key === key);
    assert.equal(vendor?.decision, 'approved');
    const rejected = await decideSender(ctx, DOMAIN, key, { decision: 'rejected', actor: 'cli:bob' });
    assert.equal(rejected.previous, 'approved');
    const undone = await decideSender(ctx, DOMAIN, key, { decision: null, actor: 'cli:alice', note: '  ' });
    assert.deepEqual([undone.decision, undone.previous, undone.note], [null, 'rejected', null]);
    await decideSender(ctx, DOMAIN, 'service:mailchimp', { decision: 'approved', actor: 'cli:alice' });
    const history = await senderDecisionHistory(ctx, DOMAIN, { sender: key });
    assert.deepEqual(history.items.map((c) => [c.decision, c.previous, c.actor]), [
      [null, 'rejected', 'cli:alice'],
      ['rejected', 'approved', 'cli:bob'],
      ['approved', null, 'cli:alice'],
    ]);
    assert.equal((await senderDecisionHistory(ctx, DOMAIN)).items.length, 4);
    assert.deepEqual((await listSenderDecisions(ctx, DOMAIN)).items.map((d) => [d.key, d.decision, d.actor]), [['service:mailchimp', 'approved', 'cli:alice']]);
    await assert.rejects(decideSender(ctx, DOMAIN, '192.0.2.0/24', { decision: 'approved', actor: 'x' }), isInvalid('sender', 'not-a-sender-key'));
  }));

test('planDomain offline: the plan comes from the reports, the domain normalised, with no notices', () =>
  withTestApp({ now: NOW, zone }, async ({ ctx }) => {
    await ingestReports(ctx, senderHistory());
    const { plan, notices } = await planDomain(ctx, 'EXAMPLE.com', { offline: true });
    assert.equal(plan.domain, DOMAIN);
    assert.equal(plan.published.from, 'reports');
    assert.equal(plan.generatedAt, NOW.toISOString());
    assert.deepEqual(notices, []);
    assert.ok(plan.blockers.some((b) => b.sender === 'service:mailchimp'), JSON.stringify(plan.blockers.map((b) => b.sender)));
  }));

test('planDomain: DNS not answering for _dmarc is a notice, and the plan falls back to the reports; an inherited record is a notice too', () =>
  withTestApp({ now: NOW, zone: { ...zone, '_dmarc.example.com': 'servfail' } }, async ({ ctx }) => {
    await ingestReports(ctx, senderHistory());
    const { plan, notices } = await planDomain(ctx, DOMAIN);
    assert.equal(plan.published.from, 'reports');
    assert.deepEqual(notices.map((n) => [n.code, n.params['name']]), [['plan-dns-unanswered', '_dmarc.example.com']]);
    assert.doesNotMatch(notices[0]?.message ?? '', /dmarcpilot|--/);
  }));

test('planDomain: a subdomain inheriting the organisational record is planned under it, never given a p=none of its own', () =>
  withTestApp({ now: NOW, zone: { ...zone, '_dmarc.example.com': { TXT: ['v=DMARC1; p=none; rua=mailto:dmarc@example.com'] } } }, async ({ ctx }) => {
    const { plan, notices } = await planDomain(ctx, 'shop.example.com');
    assert.deepEqual(notices.map((n) => [n.code, n.params['domain'], n.params['inheritedFrom'], n.params['parent']]), [['plan-subdomain-under-parent', 'shop.example.com', '_dmarc.example.com', 'example.com']]);
    assert.equal(plan.domain, 'example.com');
    assert.equal(plan.published.record, 'v=DMARC1; p=none; rua=mailto:dmarc@example.com');
  }));

test('planDomain: gate settings come in layers, the later winning; every wrong one is an invalid request naming it', () =>
  withTestApp({ now: NOW, zone }, async ({ ctx }) => {
    await ingestReports(ctx, senderHistory());
    const { plan } = await planDomain(ctx, DOMAIN, { offline: true, gates: [{ minDaysAtStage: 3, minReporters: 5 }, undefined, { minReporters: 1 }] });
    const threshold = (id: string): number | undefined => plan.gates.find((g) => g.id === id)?.threshold;
    assert.equal(threshold('days-at-stage'), 3);
    assert.equal(plan.gates.find((g) => g.id === 'coverage')?.detail.params.minReporters, 1);
    await assert.rejects(planDomain(ctx, DOMAIN, { offline: true, gates: [{ minDaysAtStage: 'three' }, { minLegitimatePassShare: 7 }] }), (caught: unknown) => {
      assert.ok(caught instanceof AppError);
      assert.equal(caught.kind, 'invalid');
      assert.equal(caught.problems.length, 2, caught.message);
      return true;
    });
    await assert.rejects(planDomain(ctx, 'not a domain'), isInvalid('domain', 'not-a-domain'));
    await assert.rejects(planDomain(ctx, DOMAIN, { days: 0 }), isInvalid('days', 'value-out-of-range'));
  }));
