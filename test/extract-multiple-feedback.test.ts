/**
 * Issue 12: a document with several <feedback> elements goes through the extraction pipeline as
 * several reports: each one started, given its records and ended (or refused) in turn, the
 * second and later ones named by their place in the document.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { collectFromBytes } from './helpers/collect-reports.js';

const feedback = (id: string, ip: string, metadata = `<report_id>${id}</report_id>`): string =>
  `<feedback><report_metadata><org_name>o.example</org_name><email>d@o.example</email>${metadata}` +
  '<date_range><begin>1741564800</begin><end>1741651199</end></date_range></report_metadata>' +
  '<policy_published><domain>example.com</domain><p>none</p></policy_published>' +
  `<record><row><source_ip>${ip}</source_ip><count>2</count></row><identifiers><header_from>example.com</header_from></identifiers></record></feedback>`;

test('three <feedback> in a gzip: two reports stored, the refused middle one named by its place', async () => {
  const xml = `<?xml version="1.0"?><reports>${feedback('a', '192.0.2.1')}${feedback('b', '192.0.2.2', '')}${feedback('c', '192.0.2.3')}</reports>`;
  const got = await collectFromBytes('mail.xml.gz', gzipSync(xml), undefined, 100);
  assert.deepEqual(got.aggregates.map((a) => [a.header.metadata.reportId, a.records.map((r) => r.sourceIp), a.source]), [
    ['a', ['192.0.2.1'], 'mail.xml.gz'],
    ['c', ['192.0.2.3'], 'mail.xml.gz > feedback 3'],
  ]);
  assert.deepEqual(got.rejections.map((r) => [r.rejection.code, r.source]), [['missing-required-field', 'mail.xml.gz > feedback 2']]);
  assert.equal(got.abandoned, 0);
});

test('a document that breaks in its second report keeps the first and abandons the second, whose records had started', async () => {
  const xml = `<reports>${feedback('a', '192.0.2.1')}${feedback('b', '192.0.2.2').slice(0, -'</feedback>'.length)}`;
  const got = await collectFromBytes('broken.xml', new TextEncoder().encode(xml));
  assert.deepEqual(got.aggregates.map((a) => a.header.metadata.reportId), ['a']);
  assert.deepEqual(got.rejections.map((r) => [r.rejection.code, r.source]), [['xml-malformed', 'broken.xml > feedback 2']]);
  assert.equal(got.abandoned, 1);
});
