import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignedPass, identityAlignmentMeaning, identityAlignmentTokens } from './identity-alignment.js';

const tokens: [string, string[]][] = [
  ['dkim', ['dkim']],
  ['spf,dkim', ['spf', 'dkim']],
  ['DKIM, SPF', ['dkim', 'spf']],
  ['none', ['none']],
  ['dkim (aligned) spf', ['dkim', 'spf']],
];
for (const [input, expected] of tokens) {
  test(`identityAlignmentTokens: ${JSON.stringify(input)}`, () => assert.deepEqual(identityAlignmentTokens(input), expected));
}

const meanings: [string, string[], string][] = [
  ['no hint', ['This is a DMARC failure report.'], 'unknown'],
  ['RFC 7489 §7.3.1 named', ['Report per RFC 7489.'], 'aligned'],
  ['RFC 9991 §4 named', ['Report per RFC9991.'], 'failed'],
  ['failure-reporting draft named', ['see draft-ietf-dmarc-failure-reporting-25'], 'failed'],
  ['both named', ['RFC 7489', 'RFC 9991'], 'unknown'],
];
for (const [name, hints, expected] of meanings) {
  test(`identityAlignmentMeaning: ${name}`, () => assert.equal(identityAlignmentMeaning(hints), expected));
}

test('alignedPass: RFC 7489 lists aligned mechanisms, RFC 9991 lists failed ones, unknown says nothing', () => {
  assert.equal(alignedPass(['dkim'], 'aligned', 'dkim'), true);
  assert.equal(alignedPass(['dkim'], 'aligned', 'spf'), false);
  assert.equal(alignedPass(['none'], 'aligned', 'dkim'), false);
  assert.equal(alignedPass(['spf'], 'failed', 'spf'), false);
  assert.equal(alignedPass(['spf'], 'failed', 'dkim'), null);
  assert.equal(alignedPass(['dkim'], 'unknown', 'dkim'), null);
  assert.equal(alignedPass(null, 'aligned', 'dkim'), null);
});
