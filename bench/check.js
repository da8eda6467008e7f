#!/usr/bin/env node
/**
 * DNS check benchmark (issue 4): `dmarcpilot check` over 10,000 domains against a private nsd.
 *
 *   node bench/check.js [--domains 10000] [--concurrency 8,32,64] [--selectors both|defaults|none]
 *                       [--runs 1] [--seed 1] [--timeout 2000] [--cli bin/dmarcpilot.js] [--interval 20]
 *                       [--profile DIR]
 *
 * Generates the zones (bench/lib/check-zone.js: d00001.bench.test … with a seeded mix of DMARC,
 * SPF, MX, DKIM, TLS-RPT and BIMI records, the shared provider zone and the `test` TLD), starts nsd
 * on a free loopback port (bench/lib/nsd.js) and writes the domain list to a file, all before the
 * clock starts. Each run is
 *   node bin/dmarcpilot.js check --file LIST --resolver 127.0.0.1:PORT --json --concurrency N [--no-default-selectors]
 * with stdout streamed into a counter (bench/lib/check-counter.js), never kept. A run counts only
 * when every domain printed exactly one line, no check failed, no finding is a DNS error (a
 * timeout against a local server means the numbers are wrong) and the findings are the same in
 * every run of a selector mode. Prints domains/s, DNS queries (nsd's own counter), CPU seconds of
 * the checker and of nsd, peak RSS (VmHWM) and the findings by severity as markdown, for
 * docs/benchmarks.md. Exit status 1 if a run failed. Build first (`npm run build`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createCheckCounter } from './lib/check-counter.js';
import { generateCheckZones } from './lib/check-zone.js';
import { startNsd } from './lib/nsd.js';
import { readCpuSeconds, readTreeCpuSeconds } from './lib/proc-cpu.js';
import { canSampleMemory, createMemorySampler } from './lib/proc-memory.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const usage =
  'usage: node bench/check.js [--domains N] [--concurrency 8,32,64] [--selectors both|defaults|none] [--runs N] [--seed N] [--timeout MS] [--cli FILE] [--interval MS] [--profile DIR]';
const log = (line) => process.stderr.write(`${line}\n`);
const integer = (n) => Math.round(n).toLocaleString('en-GB');
const fixed = (n, digits) => n.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The checker process running now, so an interrupted benchmark can stop it. */
let running;

/** Runs the checker once; resolves with its timing, CPU, memory and counted output. */
function runCheck(args, nsd, intervalMs) {
  return new Promise((resolvePromise) => {
    const counter = createCheckCounter();
    const queriesBefore = nsd.stats()?.['num.queries'];
    const nsdCpuBefore = readTreeCpuSeconds(nsd.pid);
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    running = child;
    const sampler = child.pid === undefined || !canSampleMemory() ? undefined : createMemorySampler(child.pid);
    let cpu;
    const sample = () => {
      sampler?.sample();
      cpu = readCpuSeconds(child.pid) ?? cpu;
    };
    sample();
    const timer = setInterval(sample, intervalMs);
    let stderr = '';
    let spawnError;
    child.stdout.on('data', (chunk) => counter.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => (stderr = (stderr + text).slice(-16_384)));
    child.on('error', (caught) => (spawnError = caught));
    // The last CPU sample is taken when the process has exited but is not yet reaped.
    child.on('exit', () => sample());
    child.on('close', (code, signal) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const queriesAfter = nsd.stats()?.['num.queries'];
      const nsdCpuAfter = readTreeCpuSeconds(nsd.pid);
      resolvePromise({
        seconds,
        code,
        signal,
        stderr,
        spawnError,
        output: counter.end(),
        memory: sampler?.result(),
        cpuSeconds: cpu?.total,
        nsdCpuSeconds: nsdCpuBefore === undefined || nsdCpuAfter === undefined ? undefined : nsdCpuAfter - nsdCpuBefore,
        queries: queriesBefore === undefined || queriesAfter === undefined ? undefined : queriesAfter - queriesBefore,
      });
    });
  });
}

/** Why a run does not count, or undefined. `reference` is the first run's finding codes in the same selector mode. */
function checkRun(run, domains, reference) {
  const failures = [];
  const out = run.output;
  if (run.spawnError) failures.push(`could not start: ${run.spawnError.message}`);
  // Exit status 1 means "some domain has an error finding", which this mix has on purpose.
  if (run.code !== 0 && run.code !== 1) failures.push(`exit status ${run.code ?? `signal ${run.signal}`}`);
  if (out.lines !== domains.length) failures.push(`${integer(out.lines)} lines, expected ${integer(domains.length)}`);
  if (out.duplicates.length > 0) failures.push(`domains printed twice: ${out.duplicates.join(', ')}`);
  const missing = domains.filter((d) => !out.domains.has(d));
  if (missing.length > 0) failures.push(`${integer(missing.length)} domains not printed, e.g. ${missing.slice(0, 3).join(', ')}`);
  if (/the check failed/.test(run.stderr)) failures.push('a check failed (see stderr)');
  const dnsErrors = [...out.codes].filter(([code]) => code.endsWith('-dns-error')).reduce((sum, [, n]) => sum + n, 0);
  if (dnsErrors > 0) failures.push(`${integer(dnsErrors)} DNS-error findings (timeouts against a local server: the checker or nsd was overloaded)`);
  if (reference) {
    const differing = [...new Set([...reference.keys(), ...out.codes.keys()])].filter((code) => reference.get(code) !== out.codes.get(code));
    if (differing.length > 0) failures.push(`findings differ from the first run of this mode: ${differing.slice(0, 5).map((c) => `${c} ${reference.get(c) ?? 0}→${out.codes.get(c) ?? 0}`).join(', ')}`);
  }
  for (const problem of out.problems) failures.push(problem);
  return failures.length > 0 ? failures : undefined;
}

function describeMix(mix, total) {
  const pct = (n) => `${Math.round((100 * n) / total)}%`;
  const part = (counts) =>
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, n]) => `${kind} ${pct(n)}`)
      .join(', ');
  return [
    `no records at all: ${pct(Object.values(mix.empty).reduce((a, b) => a + b, 0))}`,
    `DMARC: ${part(mix.dmarc)}`,
    `SPF: ${part(mix.spf)}`,
    `MX: ${part(mix.mx)}`,
    `DKIM: ${part(mix.dkim)}`,
    `TLS-RPT: ${part(mix.tlsrpt)}`,
    `BIMI: ${part(mix.bimi)}`,
  ];
}

function formatMarkdown({ domains, zone, seed, command, rows, codes, load, when }) {
  const list = cpus();
  const lines = [
    `### DNS checks, ${integer(domains)} domains against a local nsd: ${when.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `- Machine: ${list[0]?.model?.trim() ?? 'unknown CPU'}, ${list.length} cores, ${fixed(totalmem() / 1024 ** 3, 1)} GiB RAM, ${type()} ${release()}, Node ${process.version}; load average before the runs ${load.map((n) => fixed(n, 1)).join(' ')}`,
    `- DNS server: nsd on 127.0.0.1 (one server process, response rate limiting off), ${integer(zone.records)} generated records in the zones bench.test, esp.example and test (seed ${seed})`,
    `- Input: ${integer(domains)} domains d00001.bench.test …; ${describeMix(zone.mix, domains).join('; ')}`,
    `- Command: \`${command}\``,
    '- Output check: every domain printed exactly once, no check failed, no DNS-error finding, the same findings in every run of a selector mode',
    '',
    '| DKIM selectors | concurrency | wall time (s) | domains/s | DNS queries | queries/domain | queries/s | checker CPU (s) | nsd CPU (s) | peak RSS (MiB) | findings error / warning / info / ok |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const q = r.queries;
    lines.push(
      `| ${r.mode}${r.ok ? '' : ' (FAILED)'} | ${r.concurrency} | ${fixed(r.seconds, 2)} | ${integer(domains / r.seconds)} | ${q === undefined ? '?' : integer(q)} | ${q === undefined ? '?' : fixed(q / domains, 1)} | ${q === undefined ? '?' : integer(q / r.seconds)} | ${r.cpuSeconds === undefined ? '?' : fixed(r.cpuSeconds, 1)} | ${r.nsdCpuSeconds === undefined ? '?' : fixed(r.nsdCpuSeconds, 2)} | ${integer(r.peakMiB)} | ${['error', 'warning', 'info', 'ok'].map((s) => integer(r.severities[s])).join(' / ')} |`,
    );
  }
  lines.push('');
  for (const [mode, byCode] of codes) {
    const top = [...byCode].sort((a, b) => b[1] - a[1]);
    lines.push(`Findings by code (${mode}): ${top.map(([code, n]) => `${code} ${integer(n)}`).join(', ')}.`, '');
  }
  return lines.join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      domains: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '8,32,64' },
      selectors: { type: 'string', default: 'both' },
      runs: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      timeout: { type: 'string', default: '2000' },
      cli: { type: 'string', default: join(ROOT, 'bin', 'dmarcpilot.js') },
      interval: { type: 'string', default: '20' },
      profile: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const count = Number(values.domains);
  const runs = Number(values.runs);
  const seed = Number(values.seed);
  const intervalMs = Number(values.interval);
  const levels = values.concurrency.split(',').map(Number);
  if (!Number.isInteger(count) || count < 1 || count > 999_999) throw new Error(`--domains must be an integer from 1 to 999999, got ${values.domains}`);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
  if (!levels.every((n) => Number.isInteger(n) && n >= 1)) throw new Error(`--concurrency must be positive integers separated by commas, got ${values.concurrency}`);
  if (!/^[1-9]\d*$/.test(values.timeout)) throw new Error(`--timeout must be a positive integer, got ${values.timeout}`);
  if (!(intervalMs >= 1)) throw new Error(`--interval must be at least 1 ms, got ${values.interval}`);
  const modes = { both: ['defaults', 'none'], defaults: ['defaults'], none: ['none'] }[values.selectors];
  if (!modes) throw new Error(`--selectors must be both, defaults or none, got ${values.selectors}`);

  const load = loadavg();
  const zone = generateCheckZones(count, seed);
  const work = mkdtempSync(join(tmpdir(), 'dmarcpilot-bench-check-'));
  const listFile = join(work, 'domains.txt');
  writeFileSync(listFile, `${zone.domains.join('\n')}\n`);
  log(`bench: ${integer(count)} domains, ${integer(zone.records)} records (seed ${seed}); starting nsd`);
  const nsd = await startNsd(zone.zones);
  // Interrupted: stop the checker and nsd (by their PIDs) and remove the temporary files.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      running?.kill('SIGTERM');
      void nsd.stop().finally(() => {
        rmSync(work, { recursive: true, force: true });
        process.exit(130);
      });
    });
  }
  const cli = resolve(values.cli);
  const shown = (path) => (path.startsWith(ROOT) ? relative(ROOT, path) : path);
  const rows = [];
  const codes = new Map();
  try {
    for (const mode of modes) {
      let reference;
      for (const concurrency of levels) {
        for (let i = 1; i <= runs; i++) {
          const profile = values.profile ? ['--cpu-prof', '--cpu-prof-dir', resolve(values.profile), '--cpu-prof-name', `check-${mode}-c${concurrency}-${i}.cpuprofile`] : [];
          const options = ['--resolver', nsd.server, '--timeout', values.timeout, '--json', '--concurrency', String(concurrency), ...(mode === 'none' ? ['--no-default-selectors'] : [])];
          const run = await runCheck([...profile, cli, 'check', '--file', listFile, ...options], nsd, intervalMs);
          const failures = checkRun(run, zone.domains, reference);
          reference ??= run.output.codes;
          if (!codes.has(mode)) codes.set(mode, run.output.codes);
          const peakMiB = (run.memory?.peakKiB ?? 0) / 1024;
          rows.push({ mode: mode === 'none' ? '`--no-default-selectors`' : '23 provider defaults', concurrency, ...run, peakMiB, severities: run.output.severities, ok: !failures });
          log(
            `  ${mode} selectors, concurrency ${concurrency}, run ${i}/${runs}: ${fixed(run.seconds, 2)} s, ${integer(count / run.seconds)} domains/s, ` +
              `${run.queries === undefined ? '?' : integer(run.queries)} queries, checker CPU ${run.cpuSeconds === undefined ? '?' : fixed(run.cpuSeconds, 1)} s, ` +
              `nsd CPU ${run.nsdCpuSeconds === undefined ? '?' : fixed(run.nsdCpuSeconds, 2)} s, peak RSS ${integer(peakMiB)} MiB, ` +
              `${integer(run.output.bytes / 1e6)} MB of JSON: ${failures ? 'FAILED' : 'ok'}`,
          );
          for (const failure of failures ?? []) log(`    ${failure}`);
          if (failures) {
            const tail = run.stderr.trim().split('\n').slice(-10).join('\n      ');
            if (tail) log(`    stderr (last lines):\n      ${tail}`);
          }
        }
      }
    }
  } finally {
    await nsd.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const command = `node ${shown(cli)} check --file LIST --resolver 127.0.0.1:PORT --timeout ${values.timeout} --json --concurrency N [--no-default-selectors]`;
  process.stdout.write(`${formatMarkdown({ domains: count, zone, seed, command, rows, codes, load, when: new Date() })}\n`);
  return rows.every((r) => r.ok) ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (caught) {
  log(`bench: ${caught instanceof Error ? caught.message : String(caught)}`);
  log(usage);
  process.exitCode = 2;
}
