/**
 * Writes the benchmark corpus: `reports` aggregate reports holding exactly `records` records,
 * in the containers receivers use (gzip, zip, plain XML, e-mail), under <out>/reports/<receiver>/,
 * and <out>/manifest.json with the expected totals. The same seed gives the same bytes.
 */
import { Buffer } from 'node:buffer';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile, readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateRaw, gzip } from 'node:zlib';
import { makeReportEmail } from './email.js';
import { createRandom, deriveSeed } from './random.js';
import { makeRecord, makeReportHeader } from './report-model.js';
import { makeLayout, renderHead, renderRecord, renderTail } from './report-xml.js';
import { REPORTERS } from './reporters.js';
import { splitRecords } from './split-records.js';
import { makeZip } from './zip.js';

const gzipAsync = promisify(gzip);
const deflateRawAsync = promisify(deflateRaw);

/** Marks a manifest (and so an output folder) as written by this generator. */
export const MANIFEST_KIND = 'dmarcpilot-bench-corpus';
/** Folder under the output folder that holds the report files (the manifest stays outside it). */
export const REPORTS_DIR = 'reports';

const CONTAINERS = [['gzip', 60], ['zip', 15], ['xml', 10], ['eml', 15]];

/** One report as XML text, with its record count and the sum of its <count> values. */
export function buildReportXml(seed, index, records) {
  const random = createRandom(deriveSeed(seed, index));
  const reporter = random.weighted(REPORTERS.map((r) => [r, r.weight]));
  const header = makeReportHeader(random, reporter);
  const layout = makeLayout(reporter);
  const parts = [renderHead(header, layout)];
  let sumOfCounts = 0;
  for (let i = 0; i < records; i++) {
    const record = makeRecord(random, header);
    sumOfCounts += record.count;
    parts.push(renderRecord(record, header, layout));
  }
  parts.push(renderTail(layout));
  return { random, header, xml: parts.join(''), sumOfCounts };
}

/** Empties `out` if it holds an earlier corpus; refuses to touch a folder that holds anything else. */
async function prepareOutput(out) {
  const manifestPath = join(out, 'manifest.json');
  if (existsSync(manifestPath)) {
    const previous = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (previous.kind !== MANIFEST_KIND) throw new Error(`${manifestPath} was not written by this generator; choose another --out`);
    await rm(manifestPath);
    await rm(join(out, REPORTS_DIR), { recursive: true, force: true });
  } else if (existsSync(out) && (await readdir(out)).length > 0) {
    throw new Error(`${out} is not empty and holds no corpus manifest; choose another --out`);
  }
  await mkdir(join(out, REPORTS_DIR), { recursive: true });
}

/**
 * Compresses, wraps and writes one report; returns its manifest entry.
 * @param {string} out output folder
 * @param {ReturnType<typeof buildReportXml>} report
 * @param {number} records
 * @param {Set<string>} taken file names already used
 */
async function writeReport(out, report, records, taken) {
  const { random, header, xml, sumOfCounts } = report;
  const { reporter, policy } = header;
  const container = random.weighted(CONTAINERS);
  // RFC 7489 §7.2.1.1: receiver "!" policy-domain "!" begin "!" end [ "!" unique-id ]
  let base = `${reporter.host}!${policy.domain}!${header.begin}!${header.end}`;
  if (taken.has(base)) base += `!${random.digits(8)}`;
  taken.add(base);
  const data = Buffer.from(xml, 'utf8');
  let file;
  let payloadBytes;
  if (container === 'gzip' || container === 'eml') {
    const packed = await gzipAsync(data);
    payloadBytes = packed.length;
    if (container === 'gzip') file = { name: `${base}.xml.gz`, bytes: packed };
    else {
      const email = makeReportEmail({
        reporter, domain: policy.domain, reportId: header.reportId, sent: header.end + random.between(600, 20000),
        filename: `${base}.xml.gz`, gzip: packed, token: `${random.hex(16)}.${random.digits(13)}`,
      });
      file = { name: `${base}.eml`, bytes: email };
    }
  } else if (container === 'zip') {
    const method = random.chance(0.1) ? 'store' : 'deflate';
    const deflated = method === 'deflate' ? await deflateRawAsync(data) : undefined;
    payloadBytes = deflated ? deflated.length : data.length;
    file = { name: `${base}.zip`, bytes: makeZip(`${base}.xml`, data, method, header.end + 300, deflated) };
  } else {
    payloadBytes = data.length;
    file = { name: `${base}.xml`, bytes: data };
  }
  const path = join(REPORTS_DIR, reporter.host, file.name);
  await writeFile(join(out, path), file.bytes);
  return {
    path, container, flavour: header.flavour, reporter: reporter.host, policyDomain: policy.domain, reportId: header.reportId,
    records, sumOfCounts, xmlBytes: data.length, payloadBytes, fileBytes: file.bytes.length,
  };
}

/**
 * @param {{ out: string, reports: number, records: number, seed: number, log?: (line: string) => void }} options
 * @returns {Promise<object>} the manifest
 */
export async function writeCorpus({ out, reports, records, seed, log = () => {} }) {
  const sizes = splitRecords(records, reports, createRandom(seed));
  await prepareOutput(out);
  for (const reporter of REPORTERS) await mkdir(join(out, REPORTS_DIR, reporter.host), { recursive: true });

  const entries = new Array(reports);
  const taken = new Set();
  const inFlight = new Set();
  const limit = Math.max(2, Math.min(8, availableParallelism()));
  for (let i = 0; i < reports; i++) {
    const report = buildReportXml(seed, i, sizes[i]);
    const task = writeReport(out, report, sizes[i], taken).then((entry) => {
      entries[i] = entry;
      inFlight.delete(task);
    });
    inFlight.add(task);
    if (inFlight.size >= limit) await Promise.race(inFlight);
    if ((i + 1) % 250 === 0) log(`  ${i + 1}/${reports} reports`);
  }
  await Promise.all(inFlight);

  const sum = (key) => entries.reduce((total, e) => total + e[key], 0);
  const tally = (key) => {
    const result = {};
    for (const e of entries) {
      const slot = (result[e[key]] ??= { files: 0, records: 0, fileBytes: 0, xmlBytes: 0 });
      slot.files += 1;
      slot.records += e.records;
      slot.fileBytes += e.fileBytes;
      slot.xmlBytes += e.xmlBytes;
    }
    return result;
  };
  const manifest = {
    kind: MANIFEST_KIND,
    version: 1,
    seed,
    inputDir: REPORTS_DIR,
    reports,
    records: sum('records'),
    sumOfCounts: sum('sumOfCounts'),
    files: entries.length,
    bytesOnDisk: sum('fileBytes'),
    bytesUncompressed: sum('xmlBytes'),
    maxRatio: Math.max(...entries.filter((e) => e.container !== 'xml').map((e) => e.xmlBytes / e.payloadBytes), 0),
    byContainer: tally('container'),
    byFlavour: tally('flavour'),
    entries,
  };
  if (manifest.records !== records) throw new Error(`internal error: wrote ${manifest.records} records, expected ${records}`);
  // Written last: a corpus without a manifest is incomplete and gets regenerated.
  await writeFile(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}
