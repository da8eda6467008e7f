import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeDmarcUri, parseDmarcUriList, parseReportSize } from './dmarc-uri.js';

const sizes: [string, number | undefined][] = [
  ['10', 10],
  ['1k', 1024],
  ['50m', 50 * 2 ** 20],
  ['2G', 2 * 2 ** 30],
  ['1t', 2 ** 40],
  ['18446744073709551615', Number(18446744073709551615n)],
  ['18446744073709551616', undefined],
  ['16777216t', undefined],
  ['10x', undefined],
  ['', undefined],
];
for (const [suffix, octets] of sizes) {
  test(`RFC 7489 §6.2 size suffix "${suffix}" (units are powers of two, within 2^64-1)`, () => assert.equal(parseReportSize(suffix), octets));
}

test('RFC 7489 §6.2: "," and "!" inside a URI are percent-encoded', () => {
  assert.equal(encodeDmarcUri('mailto:a!b,c@example.com'), 'mailto:a%21b%2Cc@example.com');
});

test('URI list: mailto address and host, https host, size suffix, offsets', () => {
  const list = parseDmarcUriList('mailto:Rep@Example.COM!50m , https://reports.example.net/dmarc', 30, 'rua');
  assert.deepEqual(
    list.uris.map((u) => [u.uri, u.scheme, u.address, u.host, u.sizeLimit, u.offset]),
    [
      ['mailto:Rep@Example.COM', 'mailto', 'Rep@Example.COM', 'example.com', '50m', 30],
      ['https://reports.example.net/dmarc', 'https', undefined, 'reports.example.net', undefined, 59],
    ],
  );
  assert.deepEqual(list.issues.map((i) => i.code), ['dmarc-report-uri-size']);
});

test('URI list: percent-encoded "!" and "," stay in the address (RFC 9989 §4.8)', () => {
  const [uri] = parseDmarcUriList('mailto:a%21b%2Cc@example.com', 0, 'rua').uris;
  assert.equal(uri?.address, 'a!b,c@example.com');
  assert.equal(uri?.sizeLimit, undefined);
});

const bad: [string, string, RegExp][] = [
  ['an address without mailto:', 'dmarc@example.com', /not a URI/],
  ['an unencoded comma splits a URI', 'mailto:a@example.com,b', /not a URI/],
  ['an unencoded "!" that is not a size', 'mailto:a!b@example.com', /%21/],
  ['a bad size unit', 'mailto:a@example.com!10x', /not a size limit/],
  ['a space inside', 'mailto:a b@example.com', /a space/],
  ['a broken percent escape', 'mailto:a%2@example.com', /'%'/],
  ['mailto without a domain', 'mailto:postmaster', /address/],
  ['an empty entry', 'mailto:a@example.com,,mailto:b@example.com', /empty entry/],
];
for (const [name, value, message] of bad) {
  test(`URI list syntax error: ${name}`, () => {
    const issue = parseDmarcUriList(value, 0, 'rua').issues.find((i) => i.code === 'dmarc-syntax-error');
    assert.ok(issue);
    assert.match(issue.message, message);
  });
}
