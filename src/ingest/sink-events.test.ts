import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { streamBytes } from '../reports/extract/byte-stream.js';
import { extractReports } from '../reports/extract/extract-reports.js';
import type { ReportSink } from '../reports/extract/report-sink.js';
import type { IngestBatch } from './ingest-messages.js';
import { BATCH_RECORDS, EventBatcher, replayBatch } from './sink-events.js';

/** A sink that records every call, in order, with its arguments. */
function recordingSink(): { sink: ReportSink; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const sink: ReportSink = {
    aggregateStart: (...args) => void calls.push(['aggregateStart', ...args]),
    aggregateRecord: (...args) => void calls.push(['aggregateRecord', ...args]),
    aggregateEnd: (...args) => void calls.push(['aggregateEnd', ...args]),
    aggregateAbandoned: () => void calls.push(['aggregateAbandoned']),
    failureReport: (...args) => void calls.push(['failureReport', ...args]),
    tlsReport: (...args) => void calls.push(['tlsReport', ...args]),
    rejected: (...args) => void calls.push(['rejected', ...args]),
  };
  return { sink, calls };
}

async function direct(name: string, bytes: Uint8Array): Promise<unknown[][]> {
  const { sink, calls } = recordingSink();
  await extractReports({ name, chunks: streamBytes(bytes), size: bytes.length }, sink);
  return calls;
}

/** Extraction into an EventBatcher, each batch cloned as postMessage would, replayed into a recording sink. */
async function throughBatches(name: string, bytes: Uint8Array): Promise<{ calls: unknown[][]; batches: IngestBatch[] }> {
  const batches: IngestBatch[] = [];
  const batcher = new EventBatcher(7, new Uint8Array(bytes), (batch) => void batches.push(structuredClone(batch)), () => undefined);
  await extractReports({ name, chunks: streamBytes(bytes), size: bytes.length }, batcher);
  batcher.finish();
  const { sink, calls } = recordingSink();
  for (const batch of batches) replayBatch(batch, sink);
  return { calls, batches };
}

/** An RFC 7489 report with `n` records, some with reasons and several auth results. */
function bigReport(n: number): Uint8Array {
  const records: string[] = [];
  for (let i = 0; i < n; i++) {
    const reason = i % 7 === 0 ? '<reason><type>forwarded</type><comment>arc=pass</comment></reason>' : '';
    const dkim = i % 3 === 0 ? '<dkim><domain>esp.example</domain><selector>k1</selector><result>fail</result></dkim>' : '';
    records.push(
      `<record><row><source_ip>198.51.100.${i % 250}</source_ip><count>${i + 1}</count><policy_evaluated><disposition>none</disposition>` +
        `<dkim>pass</dkim><spf>fail</spf>${reason}</policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers>` +
        `<auth_results><dkim><domain>example.com</domain><selector>s1</selector><result>pass</result></dkim>${dkim}` +
        `<spf><domain>bounce.example.com</domain><result>softfail</result></spf></auth_results></record>`,
    );
  }
  const xml =
    '<?xml version="1.0"?><feedback><version>1.0</version><report_metadata><org_name>big.example</org_name><email>r@big.example</email>' +
    '<report_id>big-1</report_id><date_range><begin>1741564800</begin><end>1741651199</end></date_range></report_metadata>' +
    `<policy_published><domain>example.com</domain><p>none</p></policy_published>${records.join('')}</feedback>`;
  return new TextEncoder().encode(xml);
}

const fixtureDir = new URL('../../test/fixtures/', import.meta.url);
const fixtures = ['aggregate', 'email', 'failure', 'tlsrpt'].flatMap((dir) =>
  readdirSync(new URL(`${dir}/`, fixtureDir))
    .filter((name) => name !== 'manifest.json' && name !== 'README.md')
    .map((name) => `${dir}/${name}`),
);

test('sink events: every fixture (reports, refusals, e-mails, mbox, failure and TLS reports) gives the same calls through batches', async () => {
  assert.ok(fixtures.length > 50, `${fixtures.length} fixtures`);
  for (const fixture of fixtures) {
    const bytes = readFileSync(new URL(fixture, fixtureDir));
    const { calls } = await throughBatches(fixture, bytes);
    assert.deepEqual(calls, await direct(fixture, bytes), fixture);
  }
});

test('sink events: a report of 2.5 batches of records, gzip-compressed, arrives whole and in order', async () => {
  const bytes = gzipSync(bigReport(BATCH_RECORDS * 2 + BATCH_RECORDS / 2));
  const { calls, batches } = await throughBatches('big.xml.gz', bytes);
  const expected = await direct('big.xml.gz', bytes);
  assert.equal(expected.filter((call) => call[0] === 'aggregateRecord').length, 2500);
  assert.deepEqual(calls, expected);
  assert.equal(batches.length, 3);
  assert.deepEqual(batches.map((b) => b.recordCount), [1000, 1000, 500]);
  assert.deepEqual(batches.map((b) => b.last), [false, false, true]);
  assert.deepEqual(batches.map((b) => b.id), [7, 7, 7]);
  assert.deepEqual(batches[0]?.bytes, new Uint8Array(bytes), 'the raw bytes go with the first batch');
  assert.ok(batches.slice(1).every((b) => b.bytes === undefined), 'and only with it');
});

test('sink events: an input with no report still sends one last batch with its bytes and the refusal', async () => {
  const bytes = new TextEncoder().encode('not a report at all');
  const { calls, batches } = await throughBatches('junk.txt', bytes);
  assert.equal(batches.length, 1);
  assert.equal(batches[0]?.last, true);
  assert.deepEqual(batches[0]?.bytes, bytes);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.[0], 'rejected');
});
