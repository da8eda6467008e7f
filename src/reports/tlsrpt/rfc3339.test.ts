import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseDateTime } from './rfc3339.js';

const cases: [string, string | undefined, boolean?][] = [
  ['2016-04-01T00:00:00Z', '2016-04-01T00:00:00Z', false],
  ['2016-04-01T23:59:59z', '2016-04-01T23:59:59Z', false], // RFC 3339 §5.6 NOTE: "z" may be lower case
  ['2016-04-01t10:00:00Z', '2016-04-01T10:00:00Z', false],
  ['2016-04-01 10:00:00Z', '2016-04-01T10:00:00Z', false], // §5.6 NOTE: a space may replace "T"
  ['2016-04-01T02:00:00+02:00', '2016-04-01T00:00:00Z', false],
  ['2016-04-01T00:00:00-05:30', '2016-04-01T05:30:00Z', false],
  ['2016-03-31T22:30:00-02:00', '2016-04-01T00:30:00Z', false],
  ['2016-01-01T00:30:00+01:00', '2015-12-31T23:30:00Z', false], // crosses a year
  ['2024-02-29T12:00:00+0000', '2024-02-29T12:00:00Z', false], // offset without colon (seen in the wild)
  ['2016-04-01T00:00:00.123456Z', '2016-04-01T00:00:00Z', false], // §5.6 time-secfrac dropped
  ['2016-12-31T23:59:60Z', '2016-12-31T23:59:59Z', false], // §5.6 leap second
  ['2016-04-01T00:00:00', '2016-04-01T00:00:00Z', true], // no offset: taken as UTC
  ['2023-02-29T00:00:00Z', undefined],
  ['2016-13-01T00:00:00Z', undefined],
  ['2016-04-31T00:00:00Z', undefined],
  ['2016-04-01T24:00:00Z', undefined],
  ['2016-04-01T00:00:00+24:00', undefined],
  ['2016-04-01', undefined],
  ['1459468800', undefined],
  ['', undefined],
];

for (const [input, utc, offsetMissing] of cases) {
  test(`normaliseDateTime(${JSON.stringify(input)}) (RFC 3339 §5.6)`, () => {
    const result = normaliseDateTime(input);
    assert.equal(result?.utc, utc);
    if (offsetMissing !== undefined) assert.equal(result?.offsetMissing, offsetMissing);
  });
}
