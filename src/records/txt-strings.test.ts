import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countOctets, formatTxtPresentation, formatTxtZoneLine, formatZoneLine, measureTxtRdata, quoteTxtString, splitTxtStrings } from './txt-strings.js';

test('RFC 1035 §3.3: strings of at most 255 octets, joined back to the text', () => {
  const text = 'p='.padEnd(600, 'A');
  const strings = splitTxtStrings(text);
  assert.deepEqual(strings.map((s) => s.length), [255, 255, 90]);
  assert.equal(strings.join(''), text);
});

test('a short record is one string; the empty text is one empty string', () => {
  assert.deepEqual(splitTxtStrings('v=DMARC1; p=none'), ['v=DMARC1; p=none']);
  assert.deepEqual(splitTxtStrings(''), ['']);
});

test('a multi-byte character is never cut in two', () => {
  const text = `${'a'.repeat(254)}é${'b'.repeat(10)}`;
  const strings = splitTxtStrings(text);
  assert.deepEqual(strings.map(countOctets), [254, 12]);
  assert.equal(strings.join(''), text);
  const emoji = '😀'.repeat(100);
  assert.ok(splitTxtStrings(emoji).every((s) => countOctets(s) <= 255 && [...s].every((c) => c === '😀')));
});

test('RFC 1035 §5.1 escaping: quote, backslash, control characters, optional non-ASCII', () => {
  assert.equal(quoteTxtString('say "hi" \\ now\t'), '"say \\"hi\\" \\\\ now\\009"');
  assert.equal(quoteTxtString('é', { asciiOnly: true }), '"\\195\\169"');
  assert.equal(quoteTxtString('é'), '"é"');
  assert.equal(formatTxtPresentation(['a', 'b']), '"a" "b"');
});

test('RDATA size counts a length octet per string', () => {
  assert.equal(measureTxtRdata(['abc', '']), 5);
});

test('zone-file lines: absolute, relative, with and without TTL', () => {
  assert.equal(formatTxtZoneLine('_dmarc.example.com', 'v=DMARC1; p=none', { ttl: 3600 }), '_dmarc.example.com. 3600 IN TXT "v=DMARC1; p=none"');
  assert.equal(formatTxtZoneLine('_dmarc', 'v=DMARC1; p=none', { relative: true }), '_dmarc IN TXT "v=DMARC1; p=none"');
  assert.equal(formatZoneLine('example.com.', 'MX', '0 .'), 'example.com. IN MX 0 .');
  const long = formatTxtZoneLine('k._domainkey.example.com', `v=DKIM1; p=${'A'.repeat(392)}`);
  assert.match(long, /^k\._domainkey\.example\.com\. IN TXT "v=DKIM1; p=A{244}" "A{148}"$/);
});
