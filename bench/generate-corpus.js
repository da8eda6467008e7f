#!/usr/bin/env node
/**
 * Generates the synthetic, anonymised DMARC aggregate report corpus used by bench/run.js.
 *
 *   node bench/generate-corpus.js [--out bench/out/corpus] [--reports 2000] [--records 1000000] [--seed 1]
 *   node bench/generate-corpus.js --huge-gb 1 [--out bench/out/huge] [--seed 1]
 *
 * The first form writes <out>/reports/<receiver>/<receiver>!<domain>!<begin>!<end>.(xml.gz|zip|xml|eml)
 * and <out>/manifest.json (expected totals). The second writes one uncompressed report of about
 * that many GB (10^9 bytes) to <out>/huge-report.xml, streaming, plus <out>/manifest.json.
 * Same arguments, same bytes.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeCorpus } from './lib/write-corpus.js';
import { writeHugeReport } from './lib/write-huge.js';

const usage = 'usage: node bench/generate-corpus.js [--out DIR] [--reports N] [--records N] [--seed N] [--huge-gb G] [--quiet]';

function nonNegativeInteger(name, text) {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) throw new Error(`--${name} must be a non-negative integer, got ${text}`);
  return value;
}

function positiveInteger(name, text) {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${text}`);
  return value;
}

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      reports: { type: 'string', default: '2000' },
      records: { type: 'string', default: '1000000' },
      seed: { type: 'string', default: '1' },
      'huge-gb': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const seed = nonNegativeInteger('seed', values.seed) >>> 0;
  const log = values.quiet ? () => {} : (line) => console.error(line);
  const started = process.hrtime.bigint();
  const seconds = () => (Number(process.hrtime.bigint() - started) / 1e9).toFixed(1);
  const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

  if (values['huge-gb'] !== undefined) {
    const gb = Number(values['huge-gb']);
    if (!(gb > 0)) throw new Error(`--huge-gb must be a positive number, got ${values['huge-gb']}`);
    const out = values.out ?? fileURLToPath(new URL('./out/huge', import.meta.url));
    const m = writeHugeReport({ out, bytes: Math.round(gb * 1e9), seed, log });
    console.log(`huge report: ${out}/${m.file}`);
    console.log(`  records ${m.records}, sum of counts ${m.sumOfCounts}, ${mb(m.bytesOnDisk)} (uncompressed), ${seconds()} s`);
    return 0;
  }

  const out = values.out ?? fileURLToPath(new URL('./out/corpus', import.meta.url));
  const reports = positiveInteger('reports', values.reports);
  const records = positiveInteger('records', values.records);
  const manifest = await writeCorpus({ out, reports, records, seed, log });
  console.log(`corpus: ${out}`);
  console.log(`  files ${manifest.files}, reports ${manifest.reports}, records ${manifest.records}, sum of counts ${manifest.sumOfCounts}`);
  console.log(`  bytes on disk ${mb(manifest.bytesOnDisk)}, bytes uncompressed ${mb(manifest.bytesUncompressed)} (${(manifest.bytesUncompressed / manifest.bytesOnDisk).toFixed(1)}x overall)`);
  for (const [name, c] of Object.entries(manifest.byContainer)) {
    console.log(`  ${name.padEnd(5)} ${String(c.files).padStart(6)} files ${String(c.records).padStart(9)} records ${mb(c.fileBytes).padStart(10)} on disk ${mb(c.xmlBytes).padStart(10)} XML`);
  }
  console.log(`  largest compression ratio of one file ${manifest.maxRatio.toFixed(1)}x; ${seconds()} s`);
  return 0;
}

try {
  process.exitCode = await main();
} catch (caught) {
  console.error(`generate-corpus: ${caught instanceof Error ? caught.message : String(caught)}`);
  console.error(usage);
  process.exitCode = 2;
}
