import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import type { PublishedPolicyPeriod } from '../store/store.js';
import { collectRolloutHistory, findNewestPublishedRecord } from './collect-rollout-history.js';

const period = (fields: Partial<PublishedPolicyPeriod> & { lastSeen: Date }): PublishedPolicyPeriod => ({
  p: 'quarantine',
  sp: null,
  np: null,
  pct: null,
  testing: null,
  adkim: 'r',
  aspf: 'r',
  firstSeen: new Date('2026-10-01T00:00:00Z'),
  reports: 1,
  messages: 1,
  ...fields,
});

describe('findNewestPublishedRecord', () => {
  it('merges pct from RFC 7489 reports with t from RFC 9990 reports of the same p', () => {
    const r = findNewestPublishedRecord([
      period({ p: 'none', pct: 100, lastSeen: new Date('2026-10-10T00:00:00Z') }),
      period({ pct: 25, lastSeen: new Date('2026-11-29T00:00:00Z') }),
      period({ testing: 'y', lastSeen: new Date('2026-11-30T00:00:00Z') }),
    ]);
    assert.equal(r?.text, 'v=DMARC1; p=quarantine; t=y; pct=25');
  });
  it('does not borrow pct from an older record with another p', () => {
    const r = findNewestPublishedRecord([period({ p: 'none', pct: 100, lastSeen: new Date('2026-11-29T00:00:00Z') }), period({ p: 'reject', adkim: 's', lastSeen: new Date('2026-11-30T00:00:00Z') })]);
    assert.equal(r?.text, 'v=DMARC1; p=reject; adkim=s');
  });
  it('is undefined without reports', () => {
    assert.equal(findNewestPublishedRecord([]), undefined);
  });
});

test('history ends at the window: policies first seen later are left out, later sightings end at it', async () => {
  const first = new Date('2026-10-01T00:00:00Z');
  const change = new Date('2026-11-20T00:00:00Z');
  const last = new Date('2026-11-30T23:59:59Z');
  const period = (p: string, firstSeen: Date, lastSeen: Date) => ({ p, sp: null, np: null, pct: null, testing: null, adkim: 'r', aspf: 'r', firstSeen, lastSeen, reports: 1, messages: 1 });
  const store = {
    listPublishedPolicies: () => Promise.resolve([period('none', first, new Date(change.getTime() - 1000)), period('quarantine', change, last)]),
    listDomainChecks: () => Promise.resolve({ items: [], next: null }),
    reportingStats: () => Promise.resolve({ reporters: [], headerFrom: [] }),
    listPublishedPolicyDays: () =>
      Promise.resolve([
        { day: '2026-11-14', p: 'none', sp: null, np: null, pct: null, testing: null, reports: 2, reporters: 2, messages: 10 },
        { day: '2026-11-20', p: 'quarantine', sp: null, np: null, pct: null, testing: null, reports: 2, reporters: 2, messages: 10 },
      ]),
  } as unknown as Parameters<typeof collectRolloutHistory>[0];
  const until = new Date('2026-11-15T12:00:00Z');
  const { history, periods } = await collectRolloutHistory(store, 'example.com', { since: new Date('2026-10-16T12:00:00Z'), until });
  assert.deepEqual(periods.map((p) => p.p), ['none']);
  assert.equal(history.lastDataAt, until.toISOString(), 'the none period, seen until after the window, ends at it');
  assert.ok(history.observations.every((o) => Date.parse(o.at) <= until.getTime()));
  assert.deepEqual(history.policyDays?.map((d) => d.day), ['2026-11-14'], 'days after the window are not history either');
});
