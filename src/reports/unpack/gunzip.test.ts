import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Readable } from 'node:stream';
import { createGzip, deflateRawSync, gzipSync } from 'node:zlib';
import type { Diagnostic } from '../../core/diagnostic.js';
import { InputRejectedError } from '../../core/input-rejected.js';
import type { Limits } from '../../core/limits.js';
import { defaultLimits, withLimits } from '../../core/limits.js';
import { sliceChunks } from './byte-reader.js';
import { crc32Table } from './crc32.js';
import { DecompressionBudget } from './decompression-budget.js';
import { gunzipChunks } from './gunzip.js';

const MiB = 1024 * 1024;
const xml = '<?xml version="1.0"?>\n<feedback>\n' + '<record><row><source_ip>192.0.2.1</source_ip></row></record>\n'.repeat(500) + '</feedback>\n';

const chunked = sliceChunks;

interface Outcome {
  text: string;
  warnings: Diagnostic[];
  code?: string;
  message?: string;
  budget: DecompressionBudget;
}

async function gunzip(bytes: Uint8Array, options: { chunkSize?: number; limits?: Limits } = {}): Promise<Outcome> {
  const budget = new DecompressionBudget(bytes.length, options.limits ?? defaultLimits);
  const warnings: Diagnostic[] = [];
  const parts: Uint8Array[] = [];
  try {
    for await (const chunk of gunzipChunks(chunked(bytes, options.chunkSize ?? 65536), budget, 'report.xml.gz', (w) => warnings.push(w))) parts.push(chunk);
  } catch (caught) {
    assert.ok(caught instanceof InputRejectedError, `expected InputRejectedError, got ${String(caught)}`);
    assert.equal(caught.rejection.location, 'report.xml.gz');
    return { text: Buffer.concat(parts).toString(), warnings, code: caught.rejection.code, message: caught.rejection.message, budget };
  }
  return { text: Buffer.concat(parts).toString(), warnings, budget };
}

/** A gzip member with the optional header fields of RFC 1952 §2.3.1. */
function gzipMember(data: string, fields: { name?: string; comment?: string; extra?: Uint8Array; headerCrc?: boolean } = {}): Uint8Array {
  const body = Buffer.from(data);
  let flags = 0;
  const parts: Buffer[] = [];
  if (fields.extra) {
    flags |= 0x04;
    const length = Buffer.alloc(2);
    length.writeUInt16LE(fields.extra.length);
    parts.push(length, Buffer.from(fields.extra));
  }
  if (fields.name !== undefined) {
    flags |= 0x08;
    parts.push(Buffer.from(fields.name + '\0', 'latin1'));
  }
  if (fields.comment !== undefined) {
    flags |= 0x10;
    parts.push(Buffer.from(fields.comment + '\0', 'latin1'));
  }
  const header = Buffer.from([0x1f, 0x8b, 8, flags | (fields.headerCrc ? 0x02 : 0), 0, 0, 0, 0, 0, 3]);
  const headerCrc = Buffer.alloc(fields.headerCrc ? 2 : 0);
  if (fields.headerCrc) headerCrc.writeUInt16LE(crc32Table(Buffer.concat([header, ...parts])) & 0xffff);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32Table(body), 0);
  trailer.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, ...parts, headerCrc, deflateRawSync(body), trailer]);
}

for (const chunkSize of [1, 7, 4096, 1 << 20]) {
  test(`gunzip: one member read in ${chunkSize}-byte input chunks`, async () => {
    const outcome = await gunzip(gzipSync(xml), { chunkSize });
    assert.equal(outcome.code, undefined);
    assert.equal(outcome.text, xml);
    assert.deepEqual(outcome.warnings, []);
    assert.equal(outcome.budget.producedBytes, Buffer.byteLength(xml));
  });
}

test('gunzip: concatenated members are all decoded (RFC 1952 §2.2)', async () => {
  for (const chunkSize of [1, 5, 100000]) {
    const outcome = await gunzip(Buffer.concat([gzipSync('first '), gzipSync(''), gzipSync('second '), gzipSync(xml)]), { chunkSize });
    assert.equal(outcome.code, undefined);
    assert.equal(outcome.text, `first second ${xml}`);
    assert.deepEqual(outcome.warnings, []);
  }
});

test('gunzip: optional header fields FEXTRA, FNAME, FCOMMENT, FHCRC are skipped (RFC 1952 §2.3.1)', async () => {
  const member = gzipMember(xml, { extra: Uint8Array.from([1, 2, 3, 4]), name: 'example.net!example.com!1700000000!1700086399.xml', comment: 'test', headerCrc: true });
  for (const chunkSize of [1, 3, 65536]) {
    const outcome = await gunzip(member, { chunkSize });
    assert.equal(outcome.code, undefined);
    assert.equal(outcome.text, xml);
  }
});

const trailing: [string, Uint8Array][] = [
  ['CRLF appended after the member (Mimecast)', Buffer.from('\r\n')],
  ['a single LF', Buffer.from('\n')],
  ['zero padding', Buffer.alloc(16)],
  ['a lone 1f byte', Buffer.from([0x1f])],
  ['text', Buffer.from('-- \r\nsignature\r\n')],
];
for (const [name, tail] of trailing) {
  test(`gunzip: trailing bytes are ignored with a gzip-trailing-bytes warning: ${name}`, async () => {
    for (const chunkSize of [1, 65536]) {
      const outcome = await gunzip(Buffer.concat([gzipSync(xml), tail]), { chunkSize });
      assert.equal(outcome.code, undefined, outcome.message);
      assert.equal(outcome.text, xml);
      assert.equal(outcome.warnings.length, 1);
      assert.equal(outcome.warnings[0]?.code, 'gzip-trailing-bytes');
      assert.equal(outcome.warnings[0]?.severity, 'warning');
      assert.match(outcome.warnings[0]?.message ?? '', new RegExp(`^${tail.length} bytes? after`));
    }
  });
}

test('gunzip: truncated anywhere -> gzip-truncated', async () => {
  const whole = gzipMember(xml, { name: 'report.xml' });
  const cuts = [0, 1, 2, 5, 9, 12, 25, Math.floor(whole.length / 2), whole.length - 8, whole.length - 5, whole.length - 1];
  for (const cut of cuts) {
    const outcome = await gunzip(whole.subarray(0, cut), { chunkSize: 64 });
    assert.equal(outcome.code, 'gzip-truncated', `cut at ${cut} of ${whole.length}: ${outcome.message}`);
  }
});

test('gunzip: the second member truncated -> gzip-truncated after the first member was produced', async () => {
  const second = gzipSync(xml);
  const outcome = await gunzip(Buffer.concat([gzipSync('first'), second.subarray(0, 40)]));
  assert.equal(outcome.code, 'gzip-truncated');
  assert.ok(outcome.text.startsWith('first'));
});

test('gunzip: corrupt data -> gzip-corrupt', async () => {
  const good = Buffer.from(gzipSync(xml));
  const cases: [string, Buffer][] = [];
  const badBlock = Buffer.from(good);
  badBlock[10] = 0xff; // first deflate byte: BTYPE 11 is reserved (RFC 1951 §3.2.3)
  cases.push(['reserved deflate block type', badBlock]);
  const badCrc = Buffer.from(good);
  badCrc.writeUInt32LE((badCrc.readUInt32LE(good.length - 8) ^ 1) >>> 0, good.length - 8);
  cases.push(['CRC-32 mismatch', badCrc]);
  const badSize = Buffer.from(good);
  badSize.writeUInt32LE(badSize.readUInt32LE(good.length - 4) + 1, good.length - 4);
  cases.push(['ISIZE mismatch', badSize]);
  const badMethod = Buffer.from(good);
  badMethod[2] = 7;
  cases.push(['compression method other than 8', badMethod]);
  const reserved = Buffer.from(good);
  reserved[3] = 0x20;
  cases.push(['reserved flag bits', reserved]);
  cases.push(['not gzip at all', Buffer.from('<feedback/>')]);
  cases.push(['second member with a bad header', Buffer.concat([good, Buffer.from([0x1f, 0x8b, 0xff, 0xff, 0, 0, 0, 0, 0, 0])])]);
  for (const [name, bytes] of cases) {
    const outcome = await gunzip(bytes);
    assert.equal(outcome.code, 'gzip-corrupt', name);
  }
  const crcOutcome = await gunzip(badCrc);
  assert.match(crcOutcome.message ?? '', /CRC-32/);
});

test('gunzip: empty input -> gzip-truncated', async () => {
  assert.equal((await gunzip(new Uint8Array(0))).code, 'gzip-truncated');
});

test('gunzip: a gzip of 64 MiB of zeros is refused early (decompression-ratio-exceeded)', async () => {
  const bomb = gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
  for (const limits of [defaultLimits, withLimits({ maxRatio: 20 })]) {
    const budget = new DecompressionBudget(bomb.length, limits);
    let received = 0;
    let code: string | undefined;
    try {
      for await (const chunk of gunzipChunks(chunked(bomb, 65536), budget, 'bomb.gz')) received += chunk.length;
    } catch (caught) {
      assert.ok(caught instanceof InputRejectedError);
      code = caught.rejection.code;
      assert.match(caught.rejection.message, new RegExp(`inflates more than ${limits.maxRatio} times`));
    }
    assert.equal(code, 'decompression-ratio-exceeded');
    const threshold = Math.max(limits.ratioGraceBytes, limits.maxRatio * bomb.length);
    assert.ok(budget.producedBytes <= threshold + 256 * 1024, `stopped at ${budget.producedBytes}, threshold ${threshold}`);
    assert.ok(received <= threshold, `consumer received ${received}`);
  }
});

test('gunzip: past maxDecompressedBytes -> decompressed-size-exceeded', async () => {
  const data = Buffer.alloc(3 * MiB);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  const outcome = await gunzip(gzipSync(data), { limits: withLimits({ maxDecompressedBytes: MiB, maxRatio: 1e9 }) });
  assert.equal(outcome.code, 'decompressed-size-exceeded');
});

test('gunzip: gzip in gzip shares one budget across both levels', async () => {
  const inner = gzipSync(xml);
  const outer = gzipSync(inner);
  const budget = new DecompressionBudget(outer.length, defaultLimits);
  const parts: Uint8Array[] = [];
  for await (const chunk of gunzipChunks(gunzipChunks(chunked(outer, 100), budget, 'a.gz'), budget, 'a.gz')) parts.push(chunk);
  assert.equal(Buffer.concat(parts).toString(), xml);
  assert.equal(budget.producedBytes, inner.length + Buffer.byteLength(xml));
});

test('gunzip: stopping early closes the source', async () => {
  let closed = false;
  async function* source(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of chunked(gzipSync(Buffer.alloc(8 * MiB, 0x61)), 1024)) yield chunk;
    } finally {
      closed = true;
    }
  }
  const budget = new DecompressionBudget(1, withLimits({ maxRatio: 1e9 }));
  for await (const chunk of gunzipChunks(source(), budget, 'x')) {
    assert.ok(chunk.length > 0);
    break;
  }
  assert.equal(closed, true);
});

test('gunzip: an error from the source is passed on unchanged', async () => {
  async function* source(): AsyncGenerator<Uint8Array> {
    yield await Promise.resolve(gzipSync(xml).subarray(0, 20));
    throw new Error('disk on fire');
  }
  const budget = new DecompressionBudget(100, defaultLimits);
  await assert.rejects(async () => {
    for await (const chunk of gunzipChunks(source(), budget, 'x')) assert.ok(chunk);
  }, /disk on fire/);
});

test('gunzip: 256 MiB of output streams in flat memory (no accumulation; GC lag aside)', async (t) => {
  const total = 256 * MiB;
  const zeros = Buffer.alloc(MiB);
  const compressed: Buffer[] = [];
  const gzip = createGzip({ level: 1 });
  const done = new Promise<void>((resolve, reject) => {
    gzip.on('data', (chunk: Buffer) => compressed.push(chunk));
    gzip.on('end', resolve);
    gzip.on('error', reject);
  });
  Readable.from((function* () {
    for (let i = 0; i < total / MiB; i++) yield zeros;
  })()).pipe(gzip);
  await done;
  const input = Buffer.concat(compressed);
  const budget = new DecompressionBudget(input.length, withLimits({ maxRatio: 1e9 }));
  const baseline = process.memoryUsage().arrayBuffers;
  let peak = baseline;
  let received = 0;
  let n = 0;
  const started = performance.now();
  for await (const chunk of gunzipChunks(chunked(input, 65536), budget, 'big.gz')) {
    received += chunk.length;
    if (++n % 64 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  }
  const seconds = (performance.now() - started) / 1000;
  assert.equal(received, total);
  assert.ok(peak - baseline < 64 * MiB, `array buffers grew by ${((peak - baseline) / MiB).toFixed(1)} MiB`);
  t.diagnostic(`inflated ${total / MiB} MiB in ${seconds.toFixed(2)} s (${(total / MiB / seconds).toFixed(0)} MiB/s)`);
});
