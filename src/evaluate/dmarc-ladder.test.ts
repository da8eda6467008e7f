import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adviseDmarcRecord } from './dmarc-advice.js';
import { buildDmarcRecord } from '../records/dmarc-build.js';
import { record } from '../analysis/rollout-fixtures.test-helper.js';
import type { RolloutStageId } from './dmarc-ladder.js';
import { ROLLOUT_STAGES, computePolicyEffect, identifyStage, listStages, nextStage, recordFromPublished } from './dmarc-ladder.js';

describe('identifyStage: the highest stage the record enforces at least as much as, on both generations', () => {
  const rows: [string, string | undefined, RolloutStageId, boolean, RegExp?, string[]?][] = [
    ['no record at all', undefined, 'none', false, /no DMARC at all/, ['stage-no-record']],
    ['p=none (monitoring)', 'v=DMARC1; p=none; rua=mailto:d@example.com', 'none', true],
    ['invalid p with rua: RFC 9989 §4.10.1 fallback to none', 'v=DMARC1; p=bogus; rua=mailto:d@example.com', 'none', true],
    ['both-stacks test mode (standards §9)', 'v=DMARC1; p=quarantine; pct=0; t=y', 'test', true],
    ['pct=0 without t=y: RFC 9989 receivers quarantine everything', 'v=DMARC1; p=quarantine; pct=0', 'test', false, /RFC 9989 receivers ignore pct/, ['stage-not-exact', 'stage-pct-without-testing']],
    ['quarantine pct=10 with t=y', 'v=DMARC1; p=quarantine; pct=10; t=y', 'quarantine-10', true],
    ['quarantine pct=10 without t=y is full quarantine under RFC 9989', 'v=DMARC1; p=quarantine; pct=10', 'quarantine-10', false, /ALL failing mail/, ['stage-not-exact', 'stage-pct-without-testing']],
    ['quarantine pct=30 with t=y sits between stages', 'v=DMARC1; p=quarantine; pct=30; t=y', 'quarantine-25', false, /RFC 7489 receivers see 30% quarantined/, ['stage-not-exact']],
    ['quarantine pct=50 with t=y', 'v=DMARC1; p=quarantine; pct=50; t=y', 'quarantine-50', true],
    ['t=y without pct: RFC 7489 receivers quarantine everything, RFC 9989 none', 'v=DMARC1; p=quarantine; t=y', 'quarantine-50', false, /RFC 7489 receivers ignore t/, ['stage-not-exact', 'stage-testing-without-pct']],
    ['full quarantine', 'v=DMARC1; p=quarantine', 'quarantine-100', true],
    ['pct=100 is full quarantine', 'v=DMARC1; p=quarantine; pct=100', 'quarantine-100', true],
    ['reject in test mode on both stacks (RFC 7489 §6.6.4: not sampled → quarantine)', 'v=DMARC1; p=reject; pct=0; t=y', 'reject-test', true],
    ['reject pct=50 without t: half rejected under 7489, all under 9989', 'v=DMARC1; p=reject; pct=50', 'reject-test', false],
    ['reject with t=y only', 'v=DMARC1; p=reject; t=y', 'reject-test', false],
    ['full reject', 'v=DMARC1; p=reject; sp=reject', 'reject', true],
  ];
  for (const [name, text, stage, exact, note, codes] of rows) {
    it(name, () => {
      const found = identifyStage(text === undefined ? undefined : record(text));
      assert.equal(found.stage, stage);
      assert.equal(found.exact, exact);
      if (note) assert.match(found.notes.map((n) => n.message).join(' '), note);
      if (codes) assert.deepEqual(found.notes.map((n) => n.code), codes);
      if (exact) assert.deepEqual(found.notes, []);
    });
  }
  it('notes name the values they are about', () => {
    const notes = identifyStage(record('v=DMARC1; p=quarantine; pct=10')).notes;
    assert.deepEqual(notes[0]?.params, { stage: 'quarantine-10', rfc7489Quarantine: 0.1, rfc7489Reject: 0, rfc9989Quarantine: 1, rfc9989Reject: 0 });
    assert.equal(notes[0]?.message, 'The record does not match a planned stage exactly: of failing mail, RFC 7489 receivers see 10% quarantined, 0% rejected, RFC 9989 receivers 100% quarantined, 0% rejected.');
    assert.deepEqual(notes[1]?.params, { pct: 10, policy: 'quarantine' });
    assert.deepEqual(identifyStage(record('v=DMARC1; p=reject; t=y')).notes.find((n) => n.code === 'stage-testing-without-pct')?.params, { policy: 'reject' });
  });
});

describe('computePolicyEffect: RFC 7489 §6.6.4 pct sampling vs RFC 9989 §4.7 (pct removed, t=y one level down)', () => {
  const rows: [string, string, 'rfc7489' | 'rfc9989', number, number][] = [
    ['7489 quarantine pct=10', 'v=DMARC1; p=quarantine; pct=10', 'rfc7489', 0.1, 0],
    ['9989 ignores pct: quarantine pct=10 is full', 'v=DMARC1; p=quarantine; pct=10', 'rfc9989', 1, 0],
    ['9989 t=y: quarantine → none', 'v=DMARC1; p=quarantine; pct=10; t=y', 'rfc9989', 0, 0],
    ['7489 ignores t', 'v=DMARC1; p=quarantine; t=y', 'rfc7489', 1, 0],
    ['7489 reject pct=50: the rest is quarantined', 'v=DMARC1; p=reject; pct=50', 'rfc7489', 0.5, 0.5],
    ['7489 reject pct=0: all quarantined', 'v=DMARC1; p=reject; pct=0; t=y', 'rfc7489', 1, 0],
    ['9989 reject t=y: quarantine', 'v=DMARC1; p=reject; pct=0; t=y', 'rfc9989', 1, 0],
    ['9989 reject', 'v=DMARC1; p=reject', 'rfc9989', 0, 1],
    ['none does nothing', 'v=DMARC1; p=none; pct=50', 'rfc7489', 0, 0],
  ];
  for (const [name, text, generation, quarantine, reject] of rows) {
    it(name, () => assert.deepEqual(computePolicyEffect(record(text), generation), { quarantine, reject }));
  }
});

describe('stage list', () => {
  it('walks none → test → 10 → 25 → 50 → 100 → reject-test → reject', () => {
    assert.deepEqual(
      listStages().map((s) => s.id),
      ['none', 'test', 'quarantine-10', 'quarantine-25', 'quarantine-50', 'quarantine-100', 'reject-test', 'reject'],
    );
    assert.equal(nextStage('none')?.id, 'test');
    assert.equal(nextStage('quarantine-100')?.id, 'reject-test');
    assert.equal(nextStage('reject'), undefined);
  });
  it('skips reject-test when asked, and still leaves a published reject-test towards reject', () => {
    const options = { rejectTest: false, npReject: true };
    assert.equal(nextStage('quarantine-100', options)?.id, 'reject');
    assert.equal(nextStage('reject-test', options)?.id, 'reject');
  });
  for (const stage of ROLLOUT_STAGES) {
    it(`${stage.id}: its record builds, has no error finding, and is identified as itself`, () => {
      const built = buildDmarcRecord({ ...stage.tags, aggregateUris: ['mailto:d@example.com'] });
      assert.ok(built.ok);
      const errors = adviseDmarcRecord(built.parse, { policyDomain: 'example.com', domain: 'example.com', organizationalDomain: 'example.com' }).filter((f) => f.severity === 'error');
      assert.deepEqual(errors, []);
      assert.deepEqual(identifyStage(built.parse.record), { stage: stage.id, exact: true, notes: [] });
    });
  }
});

describe('recordFromPublished (planning from reports)', () => {
  it('keeps p, sp, np, pct, t and strict alignment from policy_published', () => {
    const r = recordFromPublished({ domain: 'example.com', adkim: 's', aspf: 'r', p: 'quarantine', sp: 'none', np: 'reject', pct: 25, fo: null, testing: 'y', discoveryMethod: null });
    assert.equal(r?.text, 'v=DMARC1; p=quarantine; sp=none; np=reject; t=y; pct=25; adkim=s');
    assert.equal(identifyStage(r).stage, 'quarantine-25');
  });
});
