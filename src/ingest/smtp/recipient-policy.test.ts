import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRecipientAllowed, parseRecipientPolicy, subaddressTag } from './recipient-policy.js';

test('recipient entries: addresses and whole domains, in any case, with or without @', () => {
  const parsed = parseRecipientPolicy(['DMARC@Reports.Example', '@tlsrpt.example.', 'whole.example']);
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual([...(parsed.policy?.addresses ?? [])], ['dmarc@reports.example']);
  assert.deepEqual([...(parsed.policy?.domains ?? [])], ['tlsrpt.example', 'whole.example']);
});

test('recipient entries: an empty list and malformed entries are problems, not a policy', () => {
  const rows: { entries: string[]; problem: RegExp }[] = [
    { entries: [], problem: /no recipients/ },
    { entries: ['not a domain'], problem: /neither an address/ },
    { entries: ['dmarc@'], problem: /not a valid address/ },
    { entries: ['a b@reports.example'], problem: /not a valid address/ },
    { entries: ['@'], problem: /neither an address/ },
  ];
  for (const row of rows) {
    const parsed = parseRecipientPolicy(row.entries);
    assert.equal(parsed.policy, undefined, JSON.stringify(row.entries));
    assert.match(parsed.problems.join(' '), row.problem);
  }
});

test('RCPT TO matching (RFC 5321 §2.4 case, §4.1.2 paths): exact address, exact domain, never a subdomain', () => {
  const { policy } = parseRecipientPolicy(['dmarc@reports.example', 'tlsrpt.example']);
  assert.ok(policy);
  const rows: [string, boolean][] = [
    ['dmarc@reports.example', true],
    ['DMARC@REPORTS.EXAMPLE', true],
    ['dmarc@reports.example.', true],
    ['other@reports.example', false],
    ['anyone@tlsrpt.example', true],
    ['Anyone@TLSRPT.example', true],
    ['anyone@sub.tlsrpt.example', false],
    ['dmarc@reports.example.evil.example', false],
    ['"dmarc@reports.example"@evil.example', false],
    ['reports.example', false],
    ['', false],
    // Subaddresses (RFC 5233) of a listed address: an organisation's tokenised rua address.
    ['dmarc+camden0token@reports.example', true],
    ['DMARC+Camden@Reports.Example', true],
    ['other+camden@reports.example', false],
    ['+camden@reports.example', false],
    ['dmarc+x@evil.example', false],
  ];
  for (const [address, allowed] of rows) assert.equal(isRecipientAllowed(policy, address), allowed, address);
});

test('recipient entry "*": any recipient with a valid address (a loopback trial listener)', () => {
  const { policy } = parseRecipientPolicy(['*']);
  assert.ok(policy);
  assert.equal(isRecipientAllowed(policy, 'anyone@anywhere.example'), true);
  assert.equal(isRecipientAllowed(policy, 'no-domain'), false);
  assert.equal(isRecipientAllowed(parseRecipientPolicy(['dmarc@reports.example']).policy!, 'anyone@anywhere.example'), false);
});

test('subaddressTag: the tag after the first +, lower case; none without one', () => {
  assert.equal(subaddressTag('dmarc+AbC@reports.example'), 'abc');
  assert.equal(subaddressTag('dmarc@reports.example'), undefined);
  assert.equal(subaddressTag('+x@reports.example'), undefined);
  assert.equal(subaddressTag('dmarc+@reports.example'), undefined);
});
