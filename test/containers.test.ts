/**
 * Containers and hostile binaries through the whole pipeline (sniff → unpack → parse): the
 * kinds that are generated here rather than kept as fixture files (bombs, truncation, corrupt
 * archives, deep nesting).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { defaultLimits } from '../src/core/limits.js';
import { makeZip } from '../src/reports/unpack/zip-writer.test-helper.js';
import { collectFromBytes } from './helpers/collect-reports.js';

const fixture = (name: string): Uint8Array => readFileSync(new URL(`./fixtures/aggregate/${name}`, import.meta.url));
const report = fixture('google-relaxed-dkim-pass.xml'); // 4 records, 53 messages
const large = fixture('comcast-large-300-records.xml'); // 300 records
const broken = fixture('invalid-missing-report-id.xml');

/** A well-formed report that inflates to about `mib` MiB: white space and comments before its records. */
function xmlBomb(mib: number): Buffer {
  const text = Buffer.from(report).toString('utf8');
  const at = text.indexOf('<record>');
  const padding = `${' '.repeat(1024 * 1024 - 8)}<!-- -->`;
  return Buffer.from(text.slice(0, at) + padding.repeat(mib) + text.slice(at));
}

const refusals = (got: Awaited<ReturnType<typeof collectFromBytes>>): string[] => got.rejections.map((r) => r.rejection.code);

test('gzip: a plain .xml.gz report', async () => {
  const got = await collectFromBytes('r.xml.gz', gzipSync(report));
  assert.deepEqual(refusals(got), []);
  assert.equal(got.aggregates[0]?.records.length, 4);
});

test('gzip inside gzip (seen in the wild)', async () => {
  const got = await collectFromBytes('r.xml.gz.gz', gzipSync(gzipSync(report)));
  assert.equal(got.aggregates[0]?.trailer.messageCount, 53);
});

test('gzip followed by CR LF (Mimecast): accepted with gzip-trailing-bytes', async () => {
  const bytes = Buffer.concat([gzipSync(report), Buffer.from('\r\n')]);
  const got = await collectFromBytes('r.gz', bytes);
  assert.deepEqual(refusals(got), []);
  assert.ok(got.aggregates[0]?.trailer.warnings.some((w) => w.code === 'gzip-trailing-bytes'));
});

test('gzip input read in 7-byte chunks gives the same report', async () => {
  const whole = await collectFromBytes('r.gz', gzipSync(large));
  const chunked = await collectFromBytes('r.gz', gzipSync(large), undefined, 7);
  assert.equal(chunked.aggregates[0]?.records.length, 300);
  assert.deepEqual(chunked.aggregates, whole.aggregates);
});

test('base64 text of a gzip report', async () => {
  const got = await collectFromBytes('r.b64', Buffer.from(gzipSync(report).toString('base64').replace(/(.{76})/g, '$1\n')));
  assert.equal(got.aggregates[0]?.records.length, 4);
});

test('gzip-truncated: a gzip file cut short', async () => {
  const gz = gzipSync(large);
  const got = await collectFromBytes('cut.xml.gz', gz.subarray(0, Math.floor(gz.length / 2)));
  assert.deepEqual(refusals(got), ['gzip-truncated']);
  assert.equal(got.aggregates.length, 0, 'nothing from the half that was read');
});

test('gzip-corrupt: damaged deflate data', async () => {
  const gz = Buffer.from(gzipSync(large));
  for (let i = 20; i < 60; i++) gz[i] = 0xff;
  const got = await collectFromBytes('bad.xml.gz', gz);
  assert.deepEqual(refusals(got), ['gzip-corrupt']);
});

test('decompression bomb: 64 MiB of repeated records in a small gzip is refused early', async () => {
  const bomb = gzipSync(xmlBomb(64));
  assert.ok(bomb.length < 100 * 1024, `bomb is ${bomb.length} bytes`);
  const got = await collectFromBytes('bomb.xml.gz', bomb);
  assert.deepEqual(refusals(got), ['decompression-ratio-exceeded']);
  assert.match(got.rejections[0]?.rejection.message ?? '', /200 times/);
});

test('decompression bomb inside a zip member', async () => {
  const zip = makeZip([{ name: 'report.xml', data: xmlBomb(32), method: 'deflate' }]);
  const got = await collectFromBytes('bomb.zip', zip);
  assert.deepEqual(refusals(got), ['decompression-ratio-exceeded']);
});

test('decompressed-size-exceeded: the absolute cap applies whatever the ratio', async () => {
  const limits = { ...defaultLimits, maxDecompressedBytes: 64 * 1024 };
  const got = await collectFromBytes('large.xml.gz', gzipSync(large), limits);
  assert.deepEqual(refusals(got), ['decompressed-size-exceeded']);
});

test('zip: every member is read, and one bad member does not stop the others', async () => {
  const zip = makeZip([
    { name: 'a.xml', data: report, method: 'deflate' },
    { name: 'broken.xml', data: broken, method: 'deflate' },
    { name: 'b.xml.gz', data: gzipSync(large), method: 'store' },
  ]);
  const got = await collectFromBytes('three.zip', zip);
  assert.deepEqual(got.aggregates.map((a) => a.records.length), [4, 300]);
  assert.deepEqual(refusals(got), ['missing-required-field']);
  assert.equal(got.rejections[0]?.source, 'three.zip > broken.xml');
});

test('zip-too-many-members: more members than the cap', async () => {
  const members = Array.from({ length: 5 }, (_, i) => ({ name: `r${i}.xml`, data: report }));
  const got = await collectFromBytes('many.zip', makeZip(members), { ...defaultLimits, maxZipMembers: 4 });
  assert.deepEqual(refusals(got), ['zip-too-many-members']);
  assert.equal(got.aggregates.length, 0);
});

test('zip-corrupt: a damaged archive', async () => {
  const zip = Buffer.from(makeZip([{ name: 'a.xml', data: report, method: 'deflate' }]));
  zip.writeUInt32LE(0xdeadbeef, zip.length - 6); // central directory offset in the end record
  const got = await collectFromBytes('bad.zip', zip);
  assert.deepEqual(refusals(got), ['zip-corrupt']);
});

test('nesting-too-deep: gzip nested eight times', async () => {
  let bytes: Uint8Array = report;
  for (let i = 0; i < 8; i++) bytes = gzipSync(bytes);
  const got = await collectFromBytes('deep.gz', bytes);
  assert.deepEqual(refusals(got), ['nesting-too-deep']);
});

test('unrecognised-content and empty-input name the input', async () => {
  const junk = await collectFromBytes('junk.bin', Uint8Array.from({ length: 512 }, (_, i) => (i * 7919) % 251));
  assert.deepEqual(refusals(junk), ['unrecognised-content']);
  assert.equal(junk.rejections[0]?.source, 'junk.bin');
  const empty = await collectFromBytes('empty.xml', new Uint8Array(0));
  assert.deepEqual(refusals(empty), ['empty-input']);
});

test('a report after more white space than the sniffing window is not called empty', async () => {
  const got = await collectFromBytes('padded.xml', Buffer.concat([Buffer.alloc(10_000, 0x20), report]));
  assert.deepEqual(refusals(got), []);
  assert.equal(got.aggregates[0]?.records.length, 4);
});
