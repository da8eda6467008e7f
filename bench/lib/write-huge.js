/**
 * Writes ONE uncompressed aggregate report of about `bytes` bytes, streaming: records are
 * generated and written in 4 MiB chunks, so memory stays flat whatever the size. Used to show
 * that the parser's memory stays flat too. <out>/huge-report.xml and <out>/manifest.json.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createRandom, deriveSeed } from './random.js';
import { makeRecord, makeReportHeader } from './report-model.js';
import { makeLayout, renderHead, renderRecord, renderTail } from './report-xml.js';
import { REPORTERS } from './reporters.js';

export const HUGE_MANIFEST_KIND = 'dmarcpilot-bench-huge';
export const HUGE_FILE = 'huge-report.xml';
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * @param {{ out: string, bytes: number, seed: number, log?: (line: string) => void }} options
 * @returns {object} the manifest
 */
export function writeHugeReport({ out, bytes, seed, log = () => {} }) {
  mkdirSync(out, { recursive: true });
  const manifestPath = join(out, 'manifest.json');
  if (existsSync(manifestPath)) rmSync(manifestPath);
  const random = createRandom(deriveSeed(seed, 0x7fffffff));
  // An RFC 7489 1.0 report from the reporter that sends envelope_to: the largest records.
  const reporter = REPORTERS.find((r) => r.flavour === 'rfc7489') ?? REPORTERS[0];
  const header = makeReportHeader(random, reporter);
  const layout = makeLayout(reporter);
  const tail = renderTail(layout);
  const partial = join(out, `${HUGE_FILE}.partial`);
  const fd = openSync(partial, 'w');
  let written = 0;
  let pending = [];
  let pendingBytes = 0;
  let records = 0;
  let sumOfCounts = 0;
  let nextLog = 0;
  const flush = () => {
    const text = pending.join('');
    writeSync(fd, text);
    written += text.length;
    pending = [];
    pendingBytes = 0;
  };
  try {
    pending.push(renderHead(header, layout));
    pendingBytes += pending[0].length;
    // At least one record (RFC 7489 App. C), then until the target size is reached.
    do {
      const record = makeRecord(random, header);
      const text = renderRecord(record, header, layout);
      pending.push(text);
      pendingBytes += text.length;
      records += 1;
      sumOfCounts += record.count;
      if (pendingBytes >= CHUNK_BYTES) {
        flush();
        if (written >= nextLog) {
          log(`  ${(written / 1e6).toFixed(0)} MB, ${records} records`);
          nextLog += 100e6;
        }
      }
    } while (written + pendingBytes + tail.length < bytes);
    pending.push(tail);
    flush();
  } finally {
    closeSync(fd);
  }
  renameSync(partial, join(out, HUGE_FILE));
  const manifest = {
    kind: HUGE_MANIFEST_KIND, version: 1, seed, file: HUGE_FILE, reports: 1, records, sumOfCounts,
    bytesOnDisk: written, bytesUncompressed: written, flavour: header.flavour, reporter: reporter.host,
  };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}
