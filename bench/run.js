#!/usr/bin/env node
/**
 * `npm run bench`: measures `dmarcpilot parse --format jsonl` on the synthetic corpus.
 *
 *   node bench/run.js [--runs 3] [--huge] [--write] [--write-file docs/benchmarks.md]
 *                     [--jobs N] [--cli bin/dmarcpilot.js] [--corpus DIR] [--huge-dir DIR] [--interval 20]
 *
 * Generates the corpus first if it is missing (bench/generate-corpus.js; with --huge, the 1 GB
 * single report). Each run pipes the parser's stdout into a counter: the number of lines and
 * the sum of their "count" members must equal the manifest, and the exit status must be 0,
 * otherwise the run fails. Wall time covers spawn to the end of the output; memory is sampled
 * from /proc every --interval ms. Prints a markdown table; --write appends it, dated, to
 * docs/benchmarks.md. Exit status 1 if any run failed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatMarkdown } from './lib/bench-report.js';
import { createJsonlCounter } from './lib/jsonl-counter.js';
import { canSampleMemory, createMemorySampler } from './lib/proc-memory.js';
import { MANIFEST_KIND } from './lib/write-corpus.js';
import { HUGE_MANIFEST_KIND } from './lib/write-huge.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GENERATOR = fileURLToPath(new URL('./generate-corpus.js', import.meta.url));
const usage =
  'usage: node bench/run.js [--runs N] [--huge] [--write] [--write-file FILE] [--jobs N] [--cli FILE] [--corpus DIR] [--huge-dir DIR] [--interval MS]';

const log = (line) => process.stderr.write(`${line}\n`);
const integer = (n) => n.toLocaleString('en-GB');

function readManifest(dir, kind) {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return undefined;
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  return manifest.kind === kind ? manifest : undefined;
}

/** The manifest of the data set, generating the data first when it is missing. */
function ensureData(dir, huge) {
  const kind = huge ? HUGE_MANIFEST_KIND : MANIFEST_KIND;
  let manifest = readManifest(dir, kind);
  if (manifest) return manifest;
  log(`bench: no ${huge ? 'huge report' : 'corpus'} in ${dir}; generating it`);
  const args = [GENERATOR, '--out', dir, ...(huge ? ['--huge-gb', '1'] : [])];
  // The generator's own summary goes to stderr: stdout carries only the markdown.
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 2, 2] });
  if (result.status !== 0) throw new Error(`generating the data failed (exit status ${result.status})`);
  manifest = readManifest(dir, kind);
  if (!manifest) throw new Error(`no manifest in ${dir} after generating`);
  return manifest;
}

/** Runs the parser once; resolves with its timing, memory and verified output totals. */
function runOnce(args, intervalMs) {
  return new Promise((resolvePromise) => {
    const counter = createJsonlCounter();
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const sampler = child.pid === undefined ? undefined : createMemorySampler(child.pid);
    sampler?.sample();
    const timer = setInterval(() => sampler?.sample(), intervalMs);
    let stderr = '';
    let spawnError;
    child.stdout.on('data', (chunk) => {
      counter.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
      stderr = (stderr + text).slice(-16_384);
    });
    child.on('error', (caught) => {
      spawnError = caught;
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolvePromise({ seconds, code, signal, stderr, spawnError, output: counter.end(), memory: sampler?.result() });
    });
  });
}

/** Why a run does not count, or undefined when its output matches the manifest. */
function checkRun(run, manifest) {
  const failures = [];
  if (run.spawnError) failures.push(`could not start: ${run.spawnError.message}`);
  if (run.code !== 0) failures.push(`exit status ${run.code ?? `signal ${run.signal}`}`);
  if (run.output.lines !== manifest.records) failures.push(`${integer(run.output.lines)} lines, expected ${integer(manifest.records)} records`);
  if (run.output.sumOfCounts !== manifest.sumOfCounts) failures.push(`sum of counts ${integer(run.output.sumOfCounts)}, expected ${integer(manifest.sumOfCounts)}`);
  for (const problem of run.output.problems) failures.push(problem);
  return failures.length > 0 ? failures : undefined;
}

function describeInput(manifest, huge, target) {
  const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
  if (huge) {
    return `one uncompressed ${manifest.flavour} aggregate report, ${mb(manifest.bytesOnDisk)}, ${integer(manifest.records)} records (\`${target}\`, seed ${manifest.seed})`;
  }
  const containers = Object.entries(manifest.byContainer)
    .sort((a, b) => b[1].files - a[1].files)
    .map(([name, c]) => `${integer(c.files)} ${name === 'xml' ? '.xml' : name === 'gzip' ? '.xml.gz' : `.${name}`}`)
    .join(', ');
  return (
    `${integer(manifest.reports)} reports in ${integer(manifest.files)} files (${containers}), ${integer(manifest.records)} records, ` +
    `${mb(manifest.bytesUncompressed)} of XML, ${mb(manifest.bytesOnDisk)} on disk (\`${target}\`, seed ${manifest.seed})`
  );
}

async function main() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      huge: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      'write-file': { type: 'string' },
      jobs: { type: 'string' },
      cli: { type: 'string', default: join(ROOT, 'bin', 'dmarcpilot.js') },
      corpus: { type: 'string', default: join(ROOT, 'bench', 'out', 'corpus') },
      'huge-dir': { type: 'string', default: join(ROOT, 'bench', 'out', 'huge') },
      interval: { type: 'string', default: '20' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const runs = Number(values.runs);
  const intervalMs = Number(values.interval);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  if (!(intervalMs >= 1)) throw new Error(`--interval must be at least 1 ms, got ${values.interval}`);
  if (values.jobs !== undefined && !/^[1-9]\d*$/.test(values.jobs)) throw new Error(`--jobs must be a positive integer, got ${values.jobs}`);
  if (!canSampleMemory()) log('bench: /proc/<pid>/status is not readable here; peak RSS will read 0');

  const huge = values.huge;
  const dir = resolve(huge ? values['huge-dir'] : values.corpus);
  const manifest = ensureData(dir, huge);
  const target = huge ? join(dir, manifest.file) : join(dir, manifest.inputDir);
  const cli = resolve(values.cli);
  const args = [cli, 'parse', '--format', 'jsonl', ...(values.jobs ? ['--jobs', values.jobs] : []), target];
  const shown = (path) => (path.startsWith(ROOT) ? relative(ROOT, path) : path);
  const command = `node ${[shown(cli), ...args.slice(1, -1), shown(target)].join(' ')}`;
  log(`bench: ${command} (${runs} run${runs === 1 ? '' : 's'})`);

  const results = [];
  for (let i = 1; i <= runs; i++) {
    const run = await runOnce(args, intervalMs);
    const failures = checkRun(run, manifest);
    const peakKiB = run.memory?.peakKiB ?? 0;
    results.push({ seconds: run.seconds, records: manifest.records, xmlBytes: manifest.bytesUncompressed, peakKiB, ok: !failures });
    log(
      `  run ${i}/${runs}: ${run.seconds.toFixed(2)} s, ${integer(Math.round(manifest.records / run.seconds))} records/s, ` +
        `peak RSS ${integer(Math.round(peakKiB / 1024))} MiB (main VmHWM ${integer(Math.round((run.memory?.rootHwmKiB ?? 0) / 1024))} MiB, ` +
        `${run.memory?.processes ?? 0} process${run.memory?.processes === 1 ? '' : 'es'}, ${run.memory?.samples ?? 0} samples), ` +
        `${integer(run.output.lines)} lines: ${failures ? 'FAILED' : 'ok'}`,
    );
    if (failures) {
      for (const failure of failures) log(`    ${failure}`);
      const tail = run.stderr.trim().split('\n').slice(-20).join('\n      ');
      if (tail) log(`    stderr (last lines):\n      ${tail}`);
    }
  }

  const allOk = results.every((r) => r.ok);
  const markdown = formatMarkdown({
    title: huge ? `Parse, one ${(manifest.bytesOnDisk / 1e9).toFixed(manifest.bytesOnDisk < 1e9 ? 2 : 1)} GB report` : 'Parse, synthetic corpus',
    command,
    input: describeInput(manifest, huge, shown(target)),
    verified: allOk
      ? `every run printed ${integer(manifest.records)} lines whose counts sum to ${integer(manifest.sumOfCounts)}, as the manifest says`
      : 'FAILED: see the runs marked FAILED',
    runs: results,
    when: new Date(),
  });
  process.stdout.write(`${markdown}\n`);

  if (values.write || values['write-file']) {
    const file = resolve(values['write-file'] ?? join(ROOT, 'docs', 'benchmarks.md'));
    if (!allOk) {
      log(`bench: not writing ${file}: a run failed`);
    } else {
      if (!existsSync(file)) {
        writeFileSync(file, '# Benchmarks\n\nMeasured with `npm run bench` (bench/run.js); each section is appended by `node bench/run.js --write`.\n\n');
      }
      appendFileSync(file, `${markdown}\n`);
      log(`bench: appended to ${file}`);
    }
  }
  return allOk ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (caught) {
  log(`bench: ${caught instanceof Error ? caught.message : String(caught)}`);
  log(usage);
  process.exitCode = 2;
}
