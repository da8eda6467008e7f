import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AggregateHeader, AggregateRecord, AggregateTrailer } from '../aggregate/aggregate-report.js';
import type { OutputFormat } from './report-printer.js';
import { ReportPrinter } from './report-printer.js';

const header: AggregateHeader = {
  kind: 'aggregate',
  schema: 'rfc7489',
  version: '1.0',
  namespace: null,
  metadata: { orgName: 'Receiver "Q" \\ \u0001 \u{1F600} é', email: null, extraContactInfo: null, reportId: 'r1', begin: 1700000000, end: 1700086399, errors: [], generator: null },
  policy: { domain: 'example.com', adkim: 'r', aspf: 'r', p: 'none', sp: null, np: null, pct: 100, fo: null, testing: null, discoveryMethod: null },
};

const record = (ip: string): AggregateRecord => ({
  sourceIp: ip,
  count: 2,
  disposition: 'none',
  dkim: 'pass',
  spf: 'fail',
  reasons: [{ type: 'other', comment: 'line\nbreak' }],
  headerFrom: 'example.com',
  envelopeFrom: null,
  envelopeTo: null,
  authDkim: [{ domain: 'example.com', selector: 's', result: 'pass', humanResult: null }],
  authSpf: [],
});

const trailer: AggregateTrailer = { recordCount: 2, messageCount: 4, extensions: [], warnings: [], recordErrors: [] };

function capture(format: OutputFormat, holdBytes?: number) {
  const out: string[] = [];
  const errors: string[] = [];
  const decoder = new TextDecoder();
  const printer = new ReportPrinter(format, { output: (chunks) => chunks.forEach((c) => out.push(decoder.decode(c))), error: (line) => errors.push(line) }, holdBytes);
  return { printer, text: () => out.join(''), errors };
}

test('JSONL lines are valid JSON whatever the characters (RFC 8259 §7 escaping)', () => {
  const { printer, text } = capture('jsonl');
  printer.aggregateStart(header, 'in.xml');
  printer.aggregateRecord(record('192.0.2.1'));
  printer.aggregateRecord(record('2001:db8::1'));
  printer.aggregateEnd(trailer);
  const lines = text().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(lines.length, 2);
  assert.equal(lines[0]?.['org_name'], header.metadata.orgName);
  assert.deepEqual(lines[1]?.['reasons'], [{ type: 'other', comment: 'line\nbreak' }]);
  assert.equal(lines[1]?.['begin'], '2023-11-14T22:13:20Z');
  assert.equal(lines[1]?.['source'], 'in.xml');
  assert.equal(printer.counts.records, 2);
  assert.equal(printer.counts.messages, 4);
});

test('a report refused half-way prints nothing', () => {
  const { printer, text, errors } = capture('jsonl');
  printer.aggregateStart(header, 'in.xml');
  printer.aggregateRecord(record('192.0.2.1'));
  printer.aggregateAbandoned();
  printer.rejected({ code: 'xml-malformed', message: 'truncated' }, 'in.xml');
  assert.equal(text(), '');
  assert.deepEqual(errors, ['in.xml: xml-malformed: truncated']);
  assert.equal(printer.counts.records, 0);
  assert.equal(printer.counts.rejected, 1);
});

test('a report past the hold size streams, and if refused the printer says how much was printed', () => {
  const { printer, text, errors } = capture('json', 1000);
  printer.aggregateStart(header, 'big.xml');
  for (let i = 0; i < 20; i++) printer.aggregateRecord(record(`192.0.2.${i}`));
  printer.aggregateAbandoned();
  const printed = JSON.parse(`[${text().slice(1)}]`) as { records: unknown[]; abandoned: boolean }[];
  assert.equal(printed[0]?.abandoned, true, 'the JSON stays valid');
  assert.ok((printed[0]?.records.length ?? 0) > 0);
  assert.match(errors[0] ?? '', /^big\.xml: note: 20 records of this report were printed before it was refused/);
});

test('--format csv rows quote commas, quotes and formula starts', () => {
  const { printer, text } = capture('csv');
  printer.aggregateStart({ ...header, metadata: { ...header.metadata, orgName: '=cmd|x, "y"' } }, 'in.xml');
  printer.aggregateRecord(record('192.0.2.1'));
  printer.aggregateEnd(trailer);
  assert.match(text(), /^"'=cmd\|x, ""y""",r1,example\.com,/);
  assert.ok(text().endsWith('\r\n'));
});

test('--format csv: control characters are escaped and formula starts defused in every text column; numbers stay numbers', () => {
  const { printer, text } = capture('csv');
  printer.aggregateStart({ ...header, metadata: { ...header.metadata, orgName: 'Evil\x1b]0;pwned\x07\x1b[2J', reportId: '-2+3' } }, '@in.xml');
  printer.aggregateRecord({ ...record('192.0.2.1'), headerFrom: '+cmd', envelopeFrom: 'a\r\nb', count: 7 });
  printer.aggregateEnd(trailer);
  const [row] = text().split('\r\n');
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  assert.doesNotMatch(text(), /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]/, 'no control character but the row ends');
  assert.ok(row?.startsWith('Evil\\x1b]0;pwned\\x07\\x1b[2J,"\'-2+3",'), row);
  assert.match(row ?? '', /,192\.0\.2\.1,7,/, 'the count is written as it is');
  assert.match(row ?? '', /,"'\+cmd",a\\x0d\\x0ab,/);
  assert.ok(row?.endsWith(',"\'@in.xml"'), row);
});

test('--format jsonl and json: C1 controls and direction overrides are \\u escapes too; the values are unchanged', () => {
  for (const format of ['jsonl', 'json'] as const) {
    const { printer, text } = capture(format);
    const orgName = 'a\x1b[2J\u009b2J\u202eb';
    printer.aggregateStart({ ...header, metadata: { ...header.metadata, orgName } }, 'in.xml');
    printer.aggregateRecord(record('192.0.2.1'));
    printer.aggregateEnd(trailer);
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    assert.doesNotMatch(text(), /[\x1b\u009b\u202e]/, format);
    const parsed = format === 'jsonl' ? (JSON.parse(text()) as { org_name: string }).org_name : (JSON.parse(`[${text().slice(1)}]`) as { report_metadata: { org_name: string } }[])[0]?.report_metadata.org_name;
    assert.equal(parsed, orgName, format);
  }
});
