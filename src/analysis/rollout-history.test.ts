import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyObservation } from './rollout-history.js';
import { computeRfc9989Share, findStageStart } from './rollout-history.js';
import { snapshot } from './rollout-fixtures.test-helper.js';

const seen = (at: string, text: string, source: PolicyObservation['source'] = 'report'): PolicyObservation => ({ at: `${at}T00:00:00.000Z`, source, policy: snapshot(text) });
const NONE = 'v=DMARC1; p=none';
const TEST = 'v=DMARC1; p=quarantine; pct=0; t=y';

describe('findStageStart', () => {
  it('is the first sighting of the current stage after the last of another', () => {
    const start = findStageStart([seen('2026-10-01', NONE), seen('2026-11-01', TEST), seen('2026-10-31', NONE), seen('2026-11-20', TEST)], 'test');
    assert.equal(start?.toISOString(), '2026-11-01T00:00:00.000Z');
  });
  it('ignores a stale sighting of the old policy right after the change (a cached record)', () => {
    assert.equal(findStageStart([seen('2026-10-01', NONE), seen('2026-11-01', TEST), seen('2026-11-02', NONE), seen('2026-11-20', TEST)], 'test')?.toISOString(), '2026-11-01T00:00:00.000Z');
  });
  it('restarts when the policy went back and forth', () => {
    assert.equal(findStageStart([seen('2026-09-01', TEST), seen('2026-10-01', NONE), seen('2026-10-15', TEST, 'dns-check')], 'test')?.toISOString(), '2026-10-15T00:00:00.000Z');
  });
  it('counts RFC 9990 sightings without pct when p and t agree with the published record', () => {
    const q25 = 'v=DMARC1; p=quarantine; pct=25; t=y';
    const nine = seen('2026-11-15', 'v=DMARC1; p=quarantine; t=y');
    const observations = [seen('2026-10-01', NONE), seen('2026-11-01', q25), nine, seen('2026-11-20', q25)];
    assert.equal(findStageStart(observations, 'quarantine-25', snapshot(q25))?.toISOString(), '2026-11-01T00:00:00.000Z');
    assert.equal(findStageStart(observations, 'quarantine-25')?.toISOString(), '2026-11-20T00:00:00.000Z');
  });
  it('is undefined when nothing shows the current stage', () => {
    assert.equal(findStageStart([seen('2026-10-01', NONE)], 'test'), undefined);
  });
  it('treats records of the same stage as one (pct=10 with or without t=y are both quarantine-10)', () => {
    assert.equal(findStageStart([seen('2026-10-01', 'v=DMARC1; p=quarantine; pct=10'), seen('2026-11-01', 'v=DMARC1; p=quarantine; pct=10; t=y')], 'quarantine-10')?.toISOString(), '2026-10-01T00:00:00.000Z');
  });
});

describe('computeRfc9989Share', () => {
  it('is the share of reported messages from RFC 9990 reporters', () => {
    assert.equal(computeRfc9989Share([{ orgName: 'a', messages: 300, rfc9989: false }, { orgName: 'b', messages: 100, rfc9989: true }]), 0.25);
    assert.equal(computeRfc9989Share([]), 0);
  });
});
