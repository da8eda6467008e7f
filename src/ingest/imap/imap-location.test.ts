import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeImapLocation, describeImapMessage, maskUrlPassword, parseImapLocation } from './imap-location.js';

const accepted: [string, string, Record<string, unknown>][] = [
  ['imaps:// defaults to port 993 and INBOX', 'imaps://dmarc@mail.example', { secure: true, port: 993, folder: 'INBOX', user: 'dmarc', loopback: false }],
  ['imap:// defaults to port 143', 'imap://dmarc@mail.example/Reports', { secure: false, port: 143, folder: 'Reports' }],
  ['RFC 5092: user and folder are percent-decoded', 'imaps://dmarc%40example.com@mail.example:10993/DMARC%20Reports/Aggregate', { user: 'dmarc@example.com', port: 10993, folder: 'DMARC Reports/Aggregate' }],
  ['a password in the URL is taken (discouraged)', 'imaps://dmarc:p%40ss@mail.example/INBOX', { urlPassword: 'p@ss' }],
  ['no password in the URL', 'imaps://dmarc@mail.example/INBOX', { urlPassword: undefined }],
  ['IPv6 literal host', 'imap://dmarc@[::1]:1143/INBOX', { host: '::1', port: 1143, loopback: true }],
  ['127.0.0.0/8 is loopback', 'imap://dmarc@127.0.0.1:1143/INBOX', { loopback: true }],
  ['localhost is loopback', 'imap://dmarc@localhost/INBOX', { loopback: true }],
  ['the scheme is case-insensitive', 'IMAPS://dmarc@mail.example/INBOX', { secure: true }],
];

for (const [name, url, expected] of accepted) {
  test(`parseImapLocation: ${name}`, () => {
    const result = parseImapLocation(url);
    assert.ok(result.ok, result.ok ? '' : result.message);
    for (const [key, value] of Object.entries(expected)) assert.deepEqual((result.location as unknown as Record<string, unknown>)[key], value, key);
  });
}

const refused: [string, string, RegExp][] = [
  ['another scheme', 'pop3://dmarc:secret@mail.example/INBOX', /^pop3:\/\/dmarc:\*\*\*@mail\.example\/INBOX is not a usable IMAP location: the scheme must be/],
  ['no user', 'imaps://mail.example/INBOX', /no user name/],
  ['not a URL', 'mail.example', /expected imaps:\/\/user@host/],
  ['a query', 'imaps://dmarc@mail.example/INBOX?x=1', /query/],
  ['bad percent-encoding', 'imaps://dmarc@mail.example/%E0%A4%A', /percent-encoding/],
];

for (const [name, url, message] of refused) {
  test(`parseImapLocation refuses ${name}, naming the URL without its password`, () => {
    const result = parseImapLocation(url);
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.match(result.message, message);
      assert.doesNotMatch(result.message, /secret/);
    }
  });
}

test('describeImapLocation: no password, default port left out, folder encoded', () => {
  const result = parseImapLocation('imaps://dmarc%40example.com:secret@mail.example:993/DMARC%20Reports');
  assert.ok(result.ok);
  assert.equal(describeImapLocation(result.location), 'imaps://dmarc%40example.com@mail.example/DMARC%20Reports');
});

test('describeImapMessage: the RFC 5092 form with UIDVALIDITY and UID', () => {
  const result = parseImapLocation('imap://dmarc@127.0.0.1:1143/INBOX');
  assert.ok(result.ok);
  assert.equal(describeImapMessage(result.location, 385759045n, 20), 'imap://dmarc@127.0.0.1:1143/INBOX;UIDVALIDITY=385759045/;UID=20');
});

test('maskUrlPassword leaves URLs without a password alone', () => {
  assert.equal(maskUrlPassword('imaps://dmarc@mail.example/INBOX'), 'imaps://dmarc@mail.example/INBOX');
  assert.equal(maskUrlPassword('imaps://dmarc:s3cret@mail.example/INBOX'), 'imaps://dmarc:***@mail.example/INBOX');
});

test('maskUrlPassword: a password holding / or @ (not percent-encoded) is never shown', () => {
  assert.equal(maskUrlPassword('imaps://dmarc:se/cr@t@mail.example/INBOX'), 'imaps://dmarc:***@mail.example/INBOX');
  assert.equal(maskUrlPassword('ftp://u:se/cret@host/x'), 'ftp://u:***@host/x');
  assert.equal(maskUrlPassword('imaps://dmarc@mail.example/INBOX'), 'imaps://dmarc@mail.example/INBOX');
});
