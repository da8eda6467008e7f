import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEmailDate } from './parse-email-date.js';

const cases: [string, string, string | undefined, boolean?][] = [
  ['RFC 5322 §3.3 full form', 'Tue, 14 May 2024 11:12:40 +0200', '2024-05-14T09:12:40Z', false],
  ['RFC 5322 §3.3 no day of week, single-digit day', '8 Oct 2011 20:15:58 +0000', '2011-10-08T20:15:58Z', false],
  ['RFC 5322 §3.3 seconds optional', 'Mon, 1 Jul 2024 10:00 -0500', '2024-07-01T15:00:00Z', false],
  ['RFC 5322 §3.2.2 comment after the zone', 'Wed, 14 Apr 2010 12:15:31 -0700 (PDT)', '2010-04-14T19:15:31Z', false],
  ['RFC 5322 §4.3 obsolete zone EDT', 'Thu, 8 Mar 2005 14:00:00 EDT', '2005-03-08T18:00:00Z', false],
  ['RFC 5322 §4.3 obsolete zone GMT', 'Tue, 30 Apr 2019 02:09:00 GMT', '2019-04-30T02:09:00Z', false],
  ['RFC 5322 §4.3 military zone counts as unknown (UTC assumed)', 'Tue, 30 Apr 2019 02:09:00 A', '2019-04-30T02:09:00Z', true],
  ['RFC 5322 §4.3 two-digit year below 50 is 20xx', 'Mon, 1 Jul 24 10:00:00 +0000', '2024-07-01T10:00:00Z', false],
  ['RFC 5322 §4.3 two-digit year 50 and above is 19xx', 'Thu, 2 Sep 99 12:00:00 +0000', '1999-09-02T12:00:00Z', false],
  ['RFC 5322 §4.3 three-digit year adds 1900', 'Thu, 2 Sep 104 12:00:00 +0000', '2004-09-02T12:00:00Z', false],
  ['extra spaces (day padded with a space)', 'Mon,  7 Apr 2025  23:16:09  +0200', '2025-04-07T21:16:09Z', false],
  ['fractional seconds', 'Fri, 28 Sep 2018 08:48:36.716 +0000 (UTC)', '2018-09-28T08:48:36Z', false],
  ['full month name', '1 October 2018 11:20:27 +0200', '2018-10-01T09:20:27Z', false],
  ['no zone: UTC assumed', 'Mon, 1 Jul 2024 10:00:00', '2024-07-01T10:00:00Z', true],
  ['common non-RFC zone CEST', 'Mon, 1 Oct 2018 11:20:27 CEST', '2018-10-01T09:20:27Z', false],
  ['asctime (mbox separator style)', 'Tue Apr 30 02:09:16 2019', '2019-04-30T02:09:16Z', true],
  ['ISO 8601 with Z', '2026-06-10T07:59:58Z', '2026-06-10T07:59:58Z', false],
  ['ISO 8601 with offset', '2024-01-31T12:00:00+01:00', '2024-01-31T11:00:00Z', false],
  ['ISO-like with space and numeric zone', '2018-09-28 08:48:36.858842501 +0000', '2018-09-28T08:48:36Z', false],
  ['impossible day (31 Feb)', 'Sat, 31 Feb 2024 10:00:00 +0000', undefined],
  ['impossible hour', 'Mon, 1 Jul 2024 25:00:00 +0000', undefined],
  ['unknown month', 'Mon, 1 Foo 2024 10:00:00 +0000', undefined],
  ['not a date', 'yesterday', undefined],
  ['empty', '  ', undefined],
];

for (const [name, input, iso, assumed] of cases) {
  test(`parseEmailDate: ${name}`, () => {
    const parsed = parseEmailDate(input);
    assert.equal(parsed?.iso, iso);
    if (assumed !== undefined) assert.equal(parsed?.zoneAssumed, assumed);
  });
}
