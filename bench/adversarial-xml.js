#!/usr/bin/env node
/**
 * `node bench/adversarial-xml.js`: time per byte of the aggregate parser on hostile XML shapes
 * (bench/lib/adversarial-shapes.js) at growing sizes, and its throughput on an ordinary report.
 *
 *   node bench/adversarial-xml.js [--sizes 65536,262144,1048576,4194304] [--runs 3] [--chunk 16384]
 *                                 [--shapes NAME,...] [--records 100000] [--dist DIR] [--max-seconds 20]
 *
 * Runs in this process, against the compiled parser in dist/ (`npm run build` first), or in
 * another build's dist folder with --dist (to compare builds on the same machine). Each shape is
 * parsed --runs times at each size, written --chunk bytes at a time as gunzip would hand it over;
 * the run that took the least CPU time counts (CPU time, not wall time: other work on the machine
 * changes it less). A linear parser keeps the time per byte about flat as the size grows:
 * the last column is the time per byte at the largest size over that at the smallest. A shape
 * whose run takes more than --max-seconds is not tried at larger sizes (an old, quadratic build).
 *
 * Then the throughput: one ordinary report of --records records (bench/lib/write-corpus.js, seed 1,
 * about 450 bytes a record) parsed --runs times: records and MB per CPU second of the run with the least CPU time.
 * Prints markdown; copy it into docs/benchmarks.md.
 */
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SHAPES, chunked } from './lib/adversarial-shapes.js';
import { buildReportXml } from './lib/write-corpus.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const usage =
  'usage: node bench/adversarial-xml.js [--sizes N,N,...] [--runs N] [--chunk BYTES] [--shapes NAME,...] [--records N] [--dist DIR] [--max-seconds S]';
const log = (line) => process.stderr.write(`${line}\n`);
const integer = (n) => Math.round(n).toLocaleString('en-GB');
const sizeName = (bytes) => (bytes >= 1048576 ? `${bytes / 1048576} MiB` : `${bytes / 1024} KiB`);

async function main() {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '65536,262144,1048576,4194304' },
      runs: { type: 'string', default: '3' },
      chunk: { type: 'string', default: '16384' },
      shapes: { type: 'string' },
      records: { type: 'string', default: '100000' },
      dist: { type: 'string', default: `${ROOT}dist` },
      'max-seconds': { type: 'string', default: '20' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const sizes = values.sizes.split(',').map(Number);
  const runs = Number(values.runs);
  const chunk = Number(values.chunk);
  const records = Number(values.records);
  const maxSeconds = Number(values['max-seconds']);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(runs) || runs < 1 || !Number.isInteger(chunk) || chunk < 1 || !Number.isInteger(records) || records < 0) {
    throw new Error('--sizes, --runs, --chunk and --records take positive whole numbers');
  }
  const dist = resolve(values.dist);
  const { AggregateParser } = await import(pathToFileURL(`${dist}/reports/aggregate/aggregate-parser.js`).href);
  const chosen = values.shapes ? SHAPES.filter((s) => values.shapes.split(',').includes(s.name)) : SHAPES;
  if (chosen.length === 0) throw new Error(`no shape named ${values.shapes}; shapes: ${SHAPES.map((s) => s.name).join(', ')}`);

  let recordsSeen = 0;
  const parse = (bytes) => {
    const parser = new AggregateParser({ header() {}, record() { recordsSeen++; }, reportEnd() {} });
    chunked(bytes, chunk, (c) => parser.write(c));
    const outcome = parser.end();
    return outcome.ok ? 'accepted' : outcome.rejection.code;
  };
  /** Fastest of `runs` parses: wall and CPU seconds. */
  const measure = (bytes) => {
    let best = { wall: Infinity, cpu: Infinity, outcome: '' };
    for (let i = 0; i < runs; i++) {
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      const outcome = parse(bytes);
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      const used = process.cpuUsage(cpu);
      const cpuSeconds = (used.user + used.system) / 1e6;
      if (cpuSeconds < best.cpu) best = { wall, cpu: cpuSeconds, outcome };
      if (wall > maxSeconds) break;
    }
    return best;
  };

  // Warm the parser up, so the smallest size is not measured with a cold JIT.
  for (let i = 0; i < 3; i++) parse(new TextEncoder().encode(SHAPES[0].make(262144)));

  const started = new Date();
  const lines = [
    `### Adversarial XML shapes: ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    machineLine(),
    `- Command: \`node bench/adversarial-xml.js --sizes ${sizes.join(',')} --runs ${runs} --chunk ${chunk}${values.dist === `${ROOT}dist` ? '' : ` --dist ${values.dist}`}\``,
    `- Each cell: CPU nanoseconds per byte (user + system, this process) of the fastest of ${runs} parses, written ${integer(chunk)} bytes at a time; last column: that at ${sizeName(sizes[sizes.length - 1])} over that at ${sizeName(sizes[0])} (flat = 1)`,
    '',
    `| shape | ${sizes.map(sizeName).join(' | ')} | ratio | outcome |`,
    `|---|${sizes.map(() => '---:').join('|')}|---:|---|`,
  ];
  for (const shape of chosen) {
    const cells = [];
    let first;
    let last;
    let outcome = '';
    let skipped = false;
    for (const size of sizes) {
      if (skipped) {
        cells.push('–');
        continue;
      }
      const bytes = new TextEncoder().encode(shape.make(size));
      const best = measure(bytes);
      const perByte = (best.cpu * 1e9) / bytes.length;
      first ??= perByte;
      last = perByte;
      outcome = best.outcome;
      cells.push(perByte < 10 ? perByte.toFixed(2) : perByte.toFixed(1));
      if (best.wall > maxSeconds) {
        skipped = true;
        cells[cells.length - 1] += ` (${best.wall.toFixed(0)} s)`;
      }
    }
    const ratio = skipped ? 'stopped' : (last / first).toFixed(2);
    lines.push(`| ${shape.name} | ${cells.join(' | ')} | ${ratio} | ${outcome} |`);
    log(`  ${shape.name}: ${cells.join(' | ')} (ratio ${ratio}, ${outcome})`);
  }

  if (records > 0) {
    const { xml, sumOfCounts } = buildReportXml(1, 0, records);
    const bytes = new TextEncoder().encode(xml);
    recordsSeen = 0;
    const best = measure(bytes);
    const perRun = recordsSeen / runs;
    if (perRun !== records) throw new Error(`the parser gave ${perRun} records a run, expected ${records} (sum of counts ${sumOfCounts})`);
    lines.push(
      '',
      `Throughput on one ordinary report (\`buildReportXml(seed 1, report 0, ${integer(records)} records)\`, ${(bytes.length / 1e6).toFixed(1)} MB, ` +
        `the run with the least CPU time of ${runs}): ${integer(records / best.cpu)} records per CPU second, ${(bytes.length / 1e6 / best.cpu).toFixed(1)} MB per CPU second ` +
        `(${best.cpu.toFixed(2)} s CPU, ${best.wall.toFixed(2)} s wall).`,
    );
    log(`  throughput: ${integer(records / best.cpu)} records per CPU second, ${best.cpu.toFixed(2)} s CPU, ${best.wall.toFixed(2)} s wall`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function machineLine() {
  const list = cpus();
  const load = loadavg().map((n) => n.toFixed(1)).join(', ');
  return `- Machine: ${list[0]?.model?.trim() ?? 'unknown CPU'}, ${list.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${type()} ${release()}, Node ${process.version}; load average at the start ${load}`;
}

try {
  process.exitCode = await main();
} catch (caught) {
  log(`bench: ${caught instanceof Error ? caught.message : String(caught)}`);
  log(usage);
  process.exitCode = 2;
}
