import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ingestNameOf } from './quarantine.js';

const cases: [string, string][] = [
  ['reports/a.xml', 'reports/a.xml'],
  ['reports/a.zip > b.xml', 'reports/a.zip'],
  ['box.mbox > message 3', 'box.mbox > message 3'],
  ['box.mbox > message 3 > part 2 > r.xml.gz', 'box.mbox > message 3'],
  ['-', '-'],
  ['mail.eml > report.zip > message 1.xml', 'mail.eml'],
];

for (const [source, name] of cases) {
  test(`ingestNameOf(${JSON.stringify(source)}) is the input it was ingested as`, () => {
    assert.equal(ingestNameOf(source), name);
  });
}
