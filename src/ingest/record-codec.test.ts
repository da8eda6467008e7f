import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AggregateRecord } from '../reports/aggregate/aggregate-report.js';
import { RecordDecoder, RecordEncoder } from './record-codec.js';

const base: AggregateRecord = {
  sourceIp: '192.0.2.1',
  count: 3,
  disposition: 'none',
  dkim: 'pass',
  spf: 'fail',
  reasons: [],
  headerFrom: 'example.com',
  envelopeFrom: 'bounce.example.com',
  envelopeTo: null,
  authDkim: [{ domain: 'example.com', selector: 's1', result: 'pass', humanResult: null }],
  authSpf: [{ domain: 'bounce.example.com', scope: 'mfrom', result: 'fail', humanResult: 'softfail' }],
};

/** Encode, clone as postMessage would, decode. */
function roundTrip(records: readonly AggregateRecord[]): { encoded: boolean[]; decoded: AggregateRecord[] } {
  const encoder = new RecordEncoder();
  const encoded = records.map((record) => encoder.add(record));
  const batch = structuredClone(encoder.take());
  const decoder = new RecordDecoder(batch);
  return { encoded, decoded: encoded.filter(Boolean).map(() => decoder.next()) };
}

const cases: { name: string; record: AggregateRecord }[] = [
  { name: 'RFC 7489 App. C: a plain record', record: base },
  { name: 'nulls where the schema allows absence (disposition, dkim, spf, identifiers)', record: { ...base, disposition: null, dkim: null, spf: null, headerFrom: null, envelopeFrom: null } },
  { name: 'RFC 7489 App. C: several reasons, comment null or text', record: { ...base, reasons: [{ type: 'forwarded', comment: null }, { type: 'local_policy', comment: 'arc=pass as.1.google.com' }] } },
  { name: 'no auth results at all', record: { ...base, authDkim: [], authSpf: [] } },
  {
    name: 'several DKIM signatures, helo scope, human results',
    record: {
      ...base,
      authDkim: [
        { domain: 'example.com', selector: null, result: 'fail', humanResult: 'body hash' },
        { domain: 'esp.example', selector: 'k2', result: 'pass', humanResult: null },
      ],
      authSpf: [{ domain: '', scope: 'helo', result: 'none', humanResult: null }],
    },
  },
  { name: 'RFC 5952 IPv6 source, count past 2^31', record: { ...base, sourceIp: '2001:db8::1', count: 2 ** 40 + 7 } },
  { name: 'count 0 and non-ASCII text', record: { ...base, count: 0, envelopeTo: 'bücher.example', reasons: [{ type: 'other', comment: 'überprüft ✓' }] } },
  { name: 'the same strings repeated in one record', record: { ...base, headerFrom: 'x.example', envelopeFrom: 'x.example', envelopeTo: 'x.example' } },
];

for (const { name, record } of cases) {
  test(`record codec round trip: ${name}`, () => {
    const { encoded, decoded } = roundTrip([record, base, record]);
    assert.deepEqual(encoded, [true, true, true]);
    assert.deepEqual(decoded, [record, base, record]);
    // The store serialises the nested lists: the text must be the same, key order included.
    for (const [i, original] of [record, base, record].entries()) {
      const back = decoded[i] as AggregateRecord;
      assert.equal(JSON.stringify(back), JSON.stringify(original));
    }
  });
}

/** `base` with `count` moved to the end. */
function reordered(): AggregateRecord {
  const { count, ...rest } = base;
  return { ...rest, count };
}

const refused: { name: string; record: AggregateRecord }[] = [
  { name: 'RFC 9990 App. A: record-level extension elements', record: { ...base, extensions: [{ name: 'ext', text: 'x' }] } },
  { name: 'keys in another order than the parser builds', record: reordered() },
  { name: 'a nested object with its keys in another order', record: { ...base, reasons: [{ comment: null, type: 'forwarded' }] } },
  { name: 'a nested object with an extra key', record: { ...base, authSpf: [{ ...(base.authSpf[0] as object), extra: 1 } as never] } },
  { name: 'a number where text goes', record: { ...base, headerFrom: 7 as unknown as string } },
];

for (const { name, record } of refused) {
  test(`record codec refuses (the record then travels as it is): ${name}`, () => {
    const encoder = new RecordEncoder();
    assert.equal(encoder.add(record), false);
    assert.equal(encoder.count, 0);
    assert.equal(encoder.take().layout.length, 0, 'nothing half-written');
  });
}

test('record codec: strings are sent once per batch, and a new batch starts empty', () => {
  const encoder = new RecordEncoder();
  for (let i = 0; i < 100; i++) encoder.add(base);
  const batch = encoder.take();
  assert.deepEqual(new Set(batch.strings).size, batch.strings.length);
  assert.ok(batch.strings.length <= 10, `${batch.strings.length} strings for 100 equal records`);
  assert.equal(encoder.count, 0);
  assert.deepEqual(encoder.take(), { strings: [], layout: new Float64Array(0) });
});
