/**
 * Which parts of an e-mail are read as reports (src/reports/extract/email-reports.ts): a part
 * declared as a report (media type or file name) always, with its failures refused; any other
 * part whose first bytes are a report's, decided as for a file; readable text tried, and taken as
 * text when it does not parse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { collectFromBytes } from './helpers/collect-reports.js';

const report = readFileSync(new URL('./fixtures/aggregate/google-relaxed-dkim-pass.xml', import.meta.url), 'latin1');

function message(...parts: { headers: string; body: string }[]): Buffer {
  const body = parts.map((p) => `--p\r\n${p.headers}\r\n\r\n${p.body}\r\n`).join('');
  return Buffer.from(`From: r@example.net\r\nSubject: report\r\nContent-Type: multipart/mixed; boundary="p"\r\n\r\n${body}--p--\r\n`, 'latin1');
}
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const outcome = async (bytes: Uint8Array): Promise<{ aggregates: number; refusals: string[] }> => {
  const got = await collectFromBytes('m.eml', bytes);
  return { aggregates: got.aggregates.length, refusals: got.rejections.map((r) => `${r.source.replace('m.eml > ', '')}: ${r.rejection.code}`) };
};

test('e-mail parts: the report is found however long the comment before <feedback>, in a declared and an undeclared part, as for a file', async () => {
  const padded = report.replace('<feedback>', `<!--${' padding'.repeat(2000)} --><feedback>`);
  assert.ok(padded.indexOf('<feedback>') > 8192);
  for (const type of ['application/xml', 'application/octet-stream', 'text/xml']) {
    assert.deepEqual(await outcome(message({ headers: `Content-Type: ${type}\r\nContent-Transfer-Encoding: base64`, body: b64(Buffer.from(padded)) })), { aggregates: 1, refusals: [] }, type);
  }
  const asFile = await collectFromBytes('r.xml', Buffer.from(padded));
  assert.equal(asFile.aggregates.length, 1);
  // Padded with white space past the sniffing window: XML, in a part as in a file.
  const spaced = `${' '.repeat(5000)}${report}`;
  assert.deepEqual(await outcome(message({ headers: 'Content-Type: application/octet-stream', body: spaced })), { aggregates: 1, refusals: [] });
});

test('e-mail parts: a readable text part is a report when it parses as one, and ignored when it does not', async () => {
  assert.deepEqual(await outcome(message({ headers: 'Content-Type: text/plain', body: report })), { aggregates: 1, refusals: [] }, 'an inline report sent as text/plain');
  const gz = { headers: 'Content-Type: application/gzip\r\nContent-Transfer-Encoding: base64', body: b64(gzipSync(report)) };
  for (const text of ['<https://example.net/dmarc>', '{summary}', '<?xml version="1.0"?><rss></rss>', '{"not": "a TLS report"}', '<feedback>cut']) {
    assert.deepEqual(await outcome(message({ headers: 'Content-Type: text/plain; charset=utf-8', body: text }, gz)), { aggregates: 1, refusals: [] }, text);
    assert.deepEqual(await outcome(message({ headers: 'Content-Type: text/plain; charset=utf-8', body: text })), { aggregates: 0, refusals: ['m.eml: no-report-found'] }, `${text} alone`);
  }
  const alone = await collectFromBytes('m.eml', message({ headers: 'Content-Type: text/plain', body: '<feedback>cut' }));
  assert.match(alone.rejections[0]?.rejection.message ?? '', /Readable text tried as a report and taken as text: part 1 \(text\/plain\): xml-malformed: /);
});

test('e-mail parts: a declared report that is broken is refused, named by its part', async () => {
  const cases: [string, string, string][] = [
    ['Content-Type: application/gzip; name="r.xml.gz"\r\nContent-Transfer-Encoding: base64', b64(gzipSync(report).subarray(0, 200)), 'r.xml.gz: gzip-truncated'],
    ['Content-Type: application/gzip', 'not gzip at all', 'part 1: unrecognised-content'],
    ['Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="r.zip"', 'PK garbage', 'r.zip: unrecognised-content'],
    ['Content-Type: application/xml', '<?xml version="1.0"?><rss></rss>', 'part 1: xml-wrong-root'],
    ['Content-Type: text/xml', '<feedback>cut', 'part 1: xml-malformed'],
    ['Content-Type: application/tlsrpt+json', '{"organization-name": 1}', 'part 1: tlsrpt-invalid'],
    ['Content-Type: application/gzip', '', 'part 1: empty-input'],
  ];
  for (const [headers, body, refusal] of cases) {
    assert.deepEqual(await outcome(message({ headers, body })), { aggregates: 0, refusals: [refusal] }, headers);
  }
});

test('e-mail parts: text/html, images and other readable parts are not read', async () => {
  const html = { headers: 'Content-Type: text/html', body: '<html><feedback></feedback></html>' };
  const png = { headers: 'Content-Type: image/png\r\nContent-Transfer-Encoding: base64', body: b64(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) };
  const dsn = { headers: 'Content-Type: message/delivery-status', body: 'Reporting-MTA: dns; mx.example.net\r\n' };
  assert.deepEqual(await outcome(message(html, png, dsn)), { aggregates: 0, refusals: ['m.eml: no-report-found'] });
});
