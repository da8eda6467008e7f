#!/usr/bin/env node
/**
 * `node bench/ingest.js`: back-fills the 1,000,000-record bench corpus into new stores with
 * `dmarcpilot ingest -q --db STORE CORPUS` and reports wall time, records/s and peak RSS.
 *
 *   node bench/ingest.js [--stores sqlite,postgres] [--jobs 1,2,3] [--runs 2] [--pg URL]
 *                        [--cli bin/dmarcpilot.js] [--corpus DIR] [--tmp DIR] [--interval 20]
 *
 * Each run gets a new store: a new SQLite file, or a new PostgreSQL database (created on the
 * server --pg names, default postgres://postgres@127.0.0.1:5432/postgres, and dropped after the
 * run). `--jobs` lists the thread counts to measure (`ingest --jobs N`; 1 is the sequential
 * path; `none` passes no --jobs, for builds older than the option). A run counts only when the
 * exit status is 0 and `dmarcpilot db status --json` then shows as many reports and records as
 * the corpus manifest, nothing quarantined. Peak RSS is that of the ingest process (its worker
 * threads included), not of the PostgreSQL server. Each run also shows the CPU seconds of the
 * ingest process and the cores the rest of the machine kept busy meanwhile (/proc/stat; the
 * PostgreSQL server counts there), since on a shared machine the wall time says little without
 * them. Prints a markdown table on stdout; copy it into
 * docs/benchmarks.md. Exit status 1 if any run failed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { readCpuSeconds } from './lib/proc-cpu.js';
import { createMemorySampler } from './lib/proc-memory.js';
import { MANIFEST_KIND } from './lib/write-corpus.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const usage =
  'usage: node bench/ingest.js [--stores sqlite,postgres] [--jobs 1,2,3] [--runs N] [--pg URL] [--cli FILE] [--corpus DIR] [--tmp DIR] [--interval MS]';
const log = (line) => process.stderr.write(`${line}\n`);
const integer = (n) => Math.round(n).toLocaleString('en-GB');

function loadManifest(dir) {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new Error(`no corpus in ${dir}: run node bench/generate-corpus.js first`);
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  if (manifest.kind !== MANIFEST_KIND) throw new Error(`${path} is not a bench corpus manifest`);
  return manifest;
}

/** A new, empty store: its --db location and how to remove it. */
async function newStore(kind, pgUrl, tmp) {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmp, 'dmarcpilot-bench-ingest-'));
    return { location: join(dir, 'store.sqlite'), remove: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `dmarcpilot_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  return { location: url.toString(), remove: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Busy and total clock ticks of the whole machine so far (/proc/stat), or undefined. */
function readMachineTicks() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

function runIngest(args, intervalMs) {
  return new Promise((resolvePromise) => {
    const machineBefore = readMachineTicks();
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const sampler = child.pid === undefined ? undefined : createMemorySampler(child.pid);
    sampler?.sample();
    let cpuSeconds = 0;
    const timer = setInterval(() => {
      sampler?.sample();
      cpuSeconds = readCpuSeconds(child.pid)?.total ?? cpuSeconds;
    }, intervalMs);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => (stderr = (stderr + text).slice(-16_384)));
    child.on('error', (caught) => (stderr += `\ncould not start: ${caught.message}`));
    child.on('close', (code, signal) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const machineAfter = readMachineTicks();
      // Cores busy on average during the run, whatever with (this process, the database, others).
      const machineCores =
        machineBefore && machineAfter ? ((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) * availableParallelism() : NaN;
      resolvePromise({ seconds, code, signal, stderr, memory: sampler?.result(), cpuSeconds, machineCores });
    });
  });
}

function checkStore(cli, location, manifest) {
  const status = spawnSync(process.execPath, [cli, 'db', 'status', '--json', '--db', location], { cwd: ROOT, encoding: 'utf8' });
  if (status.status !== 0) return [`db status failed: ${status.stderr.trim()}`];
  const counts = JSON.parse(status.stdout);
  const failures = [];
  if (counts.aggregate !== manifest.reports) failures.push(`${counts.aggregate} reports stored, expected ${manifest.reports}`);
  if (counts.records !== manifest.records) failures.push(`${counts.records} records stored, expected ${manifest.records}`);
  if (counts.quarantine !== 0) failures.push(`${counts.quarantine} inputs quarantined`);
  return failures;
}

async function main() {
  const { values } = parseArgs({
    options: {
      stores: { type: 'string', default: 'sqlite,postgres' },
      jobs: { type: 'string', default: `1,${availableParallelism()},${availableParallelism() + 1}` },
      runs: { type: 'string', default: '2' },
      pg: { type: 'string', default: process.env['DMARCPILOT_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
      cli: { type: 'string', default: join(ROOT, 'bin', 'dmarcpilot.js') },
      corpus: { type: 'string', default: join(ROOT, 'bench', 'out', 'corpus') },
      tmp: { type: 'string', default: tmpdir() },
      interval: { type: 'string', default: '20' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const stores = values.stores.split(',');
  for (const store of stores) if (store !== 'sqlite' && store !== 'postgres') throw new Error(`--stores: sqlite or postgres, not ${store}`);
  const jobsList = values.jobs.split(',').map((j) => {
    if (j !== 'none' && !/^[1-9]\d*$/.test(j)) throw new Error(`--jobs: positive integers (or none), not ${j}`);
    return j;
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  const dir = resolve(values.corpus);
  const manifest = loadManifest(dir);
  const target = join(dir, manifest.inputDir);
  const cli = resolve(values.cli);
  const shown = (path) => (path.startsWith(ROOT) ? relative(ROOT, path) : path);

  const rows = [];
  // Runs alternate between the --jobs values, so a change in the machine's load hits them alike.
  for (const store of stores) {
    for (let i = 1; i <= runs; i++) {
      for (const jobs of jobsList) {
        const made = await newStore(store, values.pg, values.tmp);
        const load = loadavg()[0].toFixed(1);
        try {
          const jobsArgs = jobs === 'none' ? [] : ['--jobs', jobs];
          const run = await runIngest([cli, 'ingest', '-q', ...jobsArgs, '--db', made.location, target], Number(values.interval));
          const failures = run.code === 0 ? checkStore(cli, made.location, manifest) : [`exit status ${run.code ?? `signal ${run.signal}`}`];
          const peakMiB = (run.memory?.peakKiB ?? 0) / 1024;
          const row = {
            store,
            jobs,
            run: i,
            seconds: run.seconds,
            perSecond: manifest.records / run.seconds,
            peakMiB,
            load,
            cpuSeconds: run.cpuSeconds,
            otherCores: Math.max(0, run.machineCores - run.cpuSeconds / run.seconds),
            ok: failures.length === 0,
          };
          rows.push(row);
          log(
            `  ${store} --jobs ${jobs} run ${i}/${runs}: ${run.seconds.toFixed(2)} s, ${integer(row.perSecond)} records/s, peak RSS ${integer(peakMiB)} MiB, ` +
              `CPU ${row.cpuSeconds.toFixed(1)} s, other work on the machine ${row.otherCores.toFixed(2)} cores, load ${load} at start: ${row.ok ? 'ok' : 'FAILED'}`,
          );
          for (const failure of failures) log(`    ${failure}`);
          if (!row.ok) log(`    stderr (last lines):\n      ${run.stderr.trim().split('\n').slice(-10).join('\n      ')}`);
        } finally {
          await made.remove();
        }
      }
    }
  }

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    `### Ingest into the store: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `- Machine: ${cpu}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, Node ${process.version}`,
    `- Command: \`node bench/ingest.js\`, which runs \`node ${shown(cli)} ingest -q --jobs N --db NEW_STORE ${shown(target)}\` per run`,
    `- Input: ${integer(manifest.reports)} reports in ${integer(manifest.files)} files, ${integer(manifest.records)} records (seed ${manifest.seed})`,
    `- Check: exit status 0, then \`db status\` shows ${integer(manifest.reports)} reports and ${integer(manifest.records)} records, nothing quarantined`,
    '',
    '| store | --jobs | run | wall time (s) | records/s | peak RSS (MiB) | CPU of ingest (s) | other work (cores) | load average at start | check |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.store} | ${r.jobs} | ${r.run} | ${r.seconds.toFixed(2)} | ${integer(r.perSecond)} | ${integer(r.peakMiB)} | ` +
        `${r.cpuSeconds.toFixed(1)} | ${r.otherCores.toFixed(2)} | ${r.load} | ${r.ok ? 'ok' : 'FAILED'} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return rows.every((r) => r.ok) ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (caught) {
  log(`bench: ${caught instanceof Error ? caught.message : String(caught)}`);
  log(usage);
  process.exitCode = 2;
}
