#!/usr/bin/env node
/**
 * Benchmark of hostile e-mail shapes (issue 12): each shape of bench/lib/adversarial-mime.js
 * (long and folded header lines, parameters with and without `=`, RFC 2231 sections, encoded
 * words, comments, deep nesting, tiny parts, long boundaries, base64 garbage, quoted-printable,
 * mbox `From ` lines) through the whole extraction pipeline (`extractReports`, as `parse` and
 * `ingest` run it), at several sizes. Time per byte must stay flat as the size grows: a
 * quadratic step shows as a ratio that grows with the size (16 from 256 KiB to 4 MiB).
 *
 *   node bench/adversarial-mime.js [--sizes 256k,4m,32m] [--runs 3] [--shapes a,b|none] [--corpus DIR] [--dist DIR]
 *
 * Each size of each shape is made once, then parsed `--runs` times in this process (after one
 * warm-up parse of the smallest); the best time counts. With the benchmark corpus present
 * (bench/out/corpus, `node bench/generate-corpus.js`), its report e-mails are parsed too, as the
 * throughput of ordinary report mail. Prints markdown with the machine, the date and the load
 * average (the machine may be shared); copy it into docs/benchmarks.md. Needs `npm run build`
 * first (it runs dist/; `--dist DIR` runs another build, e.g. an older commit's, and
 * `--shapes none` measures only the corpus e-mails, to compare builds).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/bench-report.js';
import { SHAPES } from './lib/adversarial-mime.js';

const { values } = parseArgs({
  options: {
    dist: { type: 'string', default: fileURLToPath(new URL('../dist/', import.meta.url)) },
    sizes: { type: 'string', default: '256k,4m,32m' },
    runs: { type: 'string', default: '3' },
    shapes: { type: 'string', default: '' },
    corpus: { type: 'string', default: fileURLToPath(new URL('./out/corpus', import.meta.url)) },
  },
});

const UNITS = { '': 1, k: 1024, m: 1024 * 1024 };
const sizes = values.sizes.split(',').map((text) => {
  const match = /^(\d+)([km]?)$/i.exec(text.trim());
  if (!match) throw new Error(`--sizes: "${text}" is not a size like 256k or 4m`);
  return Number(match[1]) * UNITS[match[2].toLowerCase()];
});
const RUNS = Number(values.runs);
const wanted = values.shapes === 'none' ? [] : values.shapes ? values.shapes.split(',') : Object.keys(SHAPES);
const load = (path) => import(pathToFileURL(join(values.dist, path)).href);
for (const name of wanted) if (!SHAPES[name]) throw new Error(`--shapes: no shape "${name}" (shapes: ${Object.keys(SHAPES).join(', ')})`);

const { extractReports } = await load('reports/extract/extract-reports.js');
const { streamBytes } = await load('reports/extract/byte-stream.js');

/** A sink that counts what comes out and keeps nothing. */
function countingSink() {
  const counts = { aggregates: 0, records: 0, tls: 0, failures: 0, refusals: new Map() };
  return {
    counts,
    sink: {
      aggregateStart: () => undefined,
      aggregateRecord: () => void counts.records++,
      aggregateEnd: () => void counts.aggregates++,
      aggregateAbandoned: () => undefined,
      failureReport: () => void counts.failures++,
      tlsReport: () => void counts.tls++,
      rejected: (rejection) => void counts.refusals.set(rejection.code, (counts.refusals.get(rejection.code) ?? 0) + 1),
    },
  };
}

async function parseOnce(name, bytes) {
  const { sink, counts } = countingSink();
  const started = performance.now();
  await extractReports({ name, chunks: streamBytes(bytes), size: bytes.length }, sink);
  return { ms: performance.now() - started, counts };
}

async function best(name, bytes, runs) {
  let ms = Number.POSITIVE_INFINITY;
  let counts;
  for (let i = 0; i < runs; i++) {
    const run = await parseOnce(name, bytes);
    ms = Math.min(ms, run.ms);
    counts = run.counts;
  }
  return { ms, counts };
}

const fixed = (n, digits) => n.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const sizeLabel = (bytes) => (bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`);
const outcome = (counts) => {
  const refused = [...counts.refusals].map(([code, n]) => (n > 1 ? `${code} ×${n}` : code));
  return [counts.aggregates > 0 ? `${counts.aggregates} report${counts.aggregates > 1 ? 's' : ''}` : '', ...refused].filter(Boolean).join(', ') || 'nothing';
};

const machine = describeMachine();
const startedAt = new Date();
const lines = [];
const out = (line = '') => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};
out(`### Hostile e-mail shapes (issue 12): ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
out();
out(`Machine: ${machine.cpu}, ${machine.cores} cores, ${fixed(machine.memoryGiB, 1)} GiB, ${machine.os}, Node ${machine.node}; load average at start ${loadavg().map((n) => fixed(n, 2)).join(' ')}.`);
out(`Command: \`node bench/adversarial-mime.js --sizes ${values.sizes} --runs ${RUNS}${values.shapes ? ` --shapes ${values.shapes}` : ''}\` (best of ${RUNS} runs per size, extractReports over the bytes in memory).`);
out();
if (wanted.length > 0) out(`| shape | ${sizes.map((s) => `${sizeLabel(s)}: ms (ns/byte)`).join(' | ')} | largest/smallest per byte | outcome |`);
if (wanted.length > 0) out(`|---|${sizes.map(() => '---:').join('|')}|---:|---|`);
let worst = 0;
for (const name of wanted) {
  const shape = SHAPES[name];
  const file = shape.mbox ? `${name}.mbox` : `${name}.eml`;
  const cells = [];
  let first;
  let last;
  let counts;
  await parseOnce(file, shape.make(sizes[0])); // warm-up
  for (const size of sizes) {
    const bytes = shape.make(size);
    const run = await best(file, bytes, RUNS);
    const perByte = (run.ms * 1e6) / bytes.length;
    first ??= perByte;
    last = perByte;
    counts = run.counts;
    cells.push(`${fixed(run.ms, 1)} (${fixed(perByte, 1)})`);
  }
  const ratio = last / first;
  worst = Math.max(worst, ratio);
  out(`| ${name} | ${cells.join(' | ')} | ${fixed(ratio, 2)} | ${outcome(counts)} |`);
}
if (wanted.length > 0) {
  out();
  out(`Largest ratio of time per byte (largest size over smallest): ${fixed(worst, 2)}.`);
}

// Ordinary report mail, for the throughput this must not cost.
const reportsDir = join(values.corpus, 'reports');
if (existsSync(reportsDir)) {
  const emails = readdirSync(reportsDir, { recursive: true }).filter((f) => String(f).endsWith('.eml')).sort().map((f) => readFileSync(join(reportsDir, String(f))));
  const total = emails.reduce((n, b) => n + b.length, 0);
  const times = [];
  let records = 0;
  for (let run = 0; run < RUNS + 1; run++) {
    const started = performance.now();
    records = 0;
    for (const [i, bytes] of emails.entries()) records += (await parseOnce(`m${i}.eml`, bytes)).counts.records;
    if (run > 0) times.push(performance.now() - started); // run 0 warms up
  }
  const ms = Math.min(...times);
  out();
  out(`Report e-mails of the benchmark corpus (${emails.length} messages, ${fixed(total / 1024 / 1024, 1)} MiB, ${records.toLocaleString('en-GB')} records, base64 gzip attachments): best of ${RUNS} runs ${fixed(ms, 0)} ms, ${fixed(total / 1024 / 1024 / (ms / 1000), 1)} MiB/s, ${Math.round(records / (ms / 1000)).toLocaleString('en-GB')} records/s (one thread).`);
}
