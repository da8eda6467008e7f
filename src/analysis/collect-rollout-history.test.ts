import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PublishedPolicyPeriod } from '../store/store.js';
import { findNewestPublishedRecord } from './collect-rollout-history.js';

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
