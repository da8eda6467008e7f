import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AggregateHeader, AggregateRecord } from '../reports/aggregate/aggregate-report.js';
import type { StoredRecord } from '../store/store.js';
import { summarizeDomains } from './summarize-domains.js';

const DAY = 86400;
const day0 = 1700006400;

const header = (domain: string, org: string, begin: number, end: number): AggregateHeader => ({
  kind: 'aggregate', schema: 'rfc7489', version: '1.0', namespace: null,
  metadata: { orgName: org, email: null, extraContactInfo: null, reportId: `${org}-${begin}`, begin, end, errors: [], generator: null },
  policy: { domain, adkim: 'r', aspf: 'r', p: 'none', sp: null, np: null, pct: null, fo: null, testing: null, discoveryMethod: null },
});

const record = (ip: string, count: number, dkim: 'pass' | 'fail', spf: 'pass' | 'fail', disposition: 'none' | 'quarantine' = 'none'): AggregateRecord => ({
  sourceIp: ip, count, disposition, dkim, spf, reasons: [], headerFrom: 'example.com', envelopeFrom: null, envelopeTo: null, authDkim: [], authSpf: [],
});

async function* stream(items: StoredRecord[]): AsyncIterable<StoredRecord> {
  for (const item of items) yield await Promise.resolve(item);
}

test('DMARC pass is an aligned DKIM or SPF pass; sources and reporters ranked by messages', async () => {
  const a = header('example.com', 'receiver-a.example', day0, day0 + DAY - 1);
  const b = header('example.com', 'receiver-b.example', day0, day0 + DAY - 1);
  const items: StoredRecord[] = [
    { header: a, record: record('192.0.2.1', 60, 'pass', 'fail'), source: 's' },
    { header: a, record: record('192.0.2.2', 30, 'fail', 'pass'), source: 's' },
    { header: b, record: record('192.0.2.3', 10, 'fail', 'fail', 'quarantine'), source: 's' },
    { header: b, record: record('192.0.2.1', 5, 'pass', 'pass'), source: 's' },
  ];
  const [summary] = await summarizeDomains(stream(items), { fromDay: day0, toDay: day0 });
  assert.equal(summary?.messages, 105);
  assert.equal(summary?.dmarcPass, 95);
  assert.equal(summary?.passShare, 95 / 105);
  assert.deepEqual(summary?.dispositions, { none: 95, quarantine: 10 });
  assert.deepEqual(summary?.topSources[0], { name: '192.0.2.1', messages: 65 });
  assert.deepEqual(summary?.topReporters, [{ name: 'receiver-a.example', messages: 90 }, { name: 'receiver-b.example', messages: 15 }]);
});

test('records outside the window are left out; domains are listed in order', async () => {
  const old = header('example.org', 'r.example', day0 - 10 * DAY, day0 - 9 * DAY - 1);
  const now = header('example.net', 'r.example', day0, day0 + DAY - 1);
  const items: StoredRecord[] = [
    { header: old, record: record('192.0.2.9', 7, 'pass', 'pass'), source: 's' },
    { header: now, record: record('192.0.2.9', 3, 'fail', 'fail'), source: 's' },
  ];
  const summaries = await summarizeDomains(stream(items), { fromDay: day0, toDay: day0 + 5 * DAY });
  assert.deepEqual(summaries.map((s) => [s.domain, s.messages, s.passShare]), [['example.net', 3, 0]]);
});
