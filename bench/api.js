#!/usr/bin/env node
/**
 * `node bench/api.js` (issue 13): the HTTP API under 50 concurrent clients, on SQLite and on
 * PostgreSQL, over a store of 10,000 domains in 500 organisations and 10,000,000 records:
 * the domain list (first page, filtered by phase), one domain's senders and its daily series.
 *
 *   node bench/api.js [--stores sqlite,postgres] [--pg URL] [--domains 10000] [--orgs 500]
 *                     [--records 10000000] [--days 30] [--concurrency 50] [--duration 20]
 *                     [--keep] [--regenerate] [--warm all|first] [--no-analyze] [--seed 1] [--out bench/out]
 *
 * 1. The corpus (bench/lib/api-corpus.js, seeded): aggregate reports of every domain with
 *    reports over the `--days` UTC days before today, written to <out>/api-corpus/ (reused when
 *    its manifest has the same arguments and day, unless --regenerate).
 * 2. Per store, a new one (the SQLite file <out>/api-store.sqlite; the PostgreSQL database
 *    dmarcpilot_bench_api on the --pg server, dropped first), filled through the real path:
 *    `node bin/dmarcpilot.js ingest -q --db STORE <corpus>`, then checked with `db status`
 *    against the manifest (PostgreSQL: then ANALYZE, as autovacuum would, unless --no-analyze). Then, through the built application (dist/), `--orgs` organisations,
 *    each owning domains/orgs domains proven by a TXT record (claimDomain + recordDomainCheck),
 *    and one read-only API token each. With --keep a store made earlier for the same corpus
 *    (<out>/api-store-<kind>.json says which) is used as it is.
 * 3. `dmarcpilot serve --http 127.0.0.1:0 --smtp off --db STORE`; the first request of each
 *    endpoint is timed on its own ("first query": it fills the domain's rollups), then with
 *    `--warm all` (the default) every organisation's list and every domain's senders are asked
 *    once (4 at a time), so the runs measure the steady state.
 * 4. Per endpoint, `--concurrency` loops of fetch (undici, keep-alive) for `--duration` seconds,
 *    each request for a random organisation (its token) and, for senders and series, a random
 *    domain of it; the list asks for a random phase. Throughput, p50/p90/p99/max latency,
 *    answers other than 200 (must be none), and the server's memory (/proc/<pid>/status every
 *    100 ms: VmRSS at start and end of the run, the largest VmRSS, VmHWM), its CPU seconds, this
 *    client's, and the cores the whole machine kept busy.
 *
 * Needs `npm run build` first (it runs bin/dmarcpilot.js and dist/). Prints a Markdown section
 * on stdout and writes it, with the raw numbers, to <out>/api-<time>.md and .json; copy it into
 * docs/benchmarks.md. Exit status 1 when a request failed or a check did not hold.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { fetch } = globalThis;
import { existingCorpus, orgSlug, writeApiCorpus } from './lib/api-corpus.js';
import { readCpuSeconds } from './lib/proc-cpu.js';
import { createRandom } from './lib/random.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI_PATH = join(ROOT, 'bin', 'dmarcpilot.js');
const PG_DATABASE = 'dmarcpilot_bench_api';
const PHASES = ['assess', 'deploy', 'enforce', 'maintain'];
const usage =
  'usage: node bench/api.js [--stores sqlite,postgres] [--pg URL] [--domains N] [--orgs N] [--records N] [--days N] [--concurrency N] [--duration S] [--keep] [--regenerate] [--warm all|first] [--seed N] [--out DIR]';
const log = (line) => process.stderr.write(`${line}\n`);
const integer = (n) => Math.round(n).toLocaleString('en-GB');
const ms = (n) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const mib = (kib) => (kib / 1024).toFixed(0);
const seconds = (from) => (performance.now() - from) / 1000;
const dist = (path) => import(new URL(`../dist/${path}`, import.meta.url).href);

function positive(name, text) {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${text}`);
  return n;
}

// Machine -----------------------------------------------------------------------------------------

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

function readMemory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rssKiB: Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0), hwmKiB: Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) };
  } catch {
    return undefined;
  }
}

const uptimeLine = () => spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();

// Stores --------------------------------------------------------------------------------------------

async function pgAdmin(url, sql) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

function pgDatabaseUrl(url) {
  const u = new URL(url);
  u.pathname = `/${PG_DATABASE}`;
  return u.toString();
}

async function storeExists(kind, location, pgUrl) {
  if (kind === 'sqlite') return existsSync(location);
  const found = await pgAdmin(pgUrl, `SELECT 1 FROM pg_database WHERE datname = '${PG_DATABASE}'`);
  return found.rowCount === 1;
}

async function freshStore(kind, location, pgUrl) {
  if (kind === 'sqlite') {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${location}${suffix}`, { force: true });
    return;
  }
  await pgAdmin(pgUrl, `DROP DATABASE IF EXISTS ${PG_DATABASE} WITH (FORCE)`);
  await pgAdmin(pgUrl, `CREATE DATABASE ${PG_DATABASE}`);
}

/** Runs the built CLI's ingest over the corpus: wall time, peak RSS, CPU seconds. */
function ingest(location, reportsDir) {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI_PATH, 'ingest', '-q', '--db', location, reportsDir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let peak = 0;
    let cpu = 0;
    const timer = setInterval(() => {
      peak = Math.max(peak, readMemory(child.pid)?.hwmKiB ?? 0);
      cpu = readCpuSeconds(child.pid)?.total ?? cpu;
    }, 200);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t) => (stderr = (stderr + t).slice(-8192)));
    child.on('error', fail);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) fail(new Error(`ingest exited with ${code}: ${stderr.trim().split('\n').slice(-5).join(' / ')}`));
      else done({ seconds: seconds(started), peakKiB: peak, cpuSeconds: cpu });
    });
  });
}

function checkStore(location, manifest) {
  const status = spawnSync(process.execPath, [CLI_PATH, 'db', 'status', '--json', '--db', location], { cwd: ROOT, encoding: 'utf8' });
  if (status.status !== 0) throw new Error(`db status failed: ${status.stderr.trim()}`);
  const counts = JSON.parse(status.stdout);
  const failures = [];
  if (counts.aggregate !== manifest.reports) failures.push(`${counts.aggregate} reports stored, expected ${manifest.reports}`);
  if (counts.records !== manifest.records) failures.push(`${counts.records} records stored, expected ${manifest.records}`);
  if (counts.quarantine !== 0) failures.push(`${counts.quarantine} inputs quarantined`);
  if (failures.length > 0) throw new Error(`the store does not match the corpus: ${failures.join('; ')}`);
  return counts;
}

/** Organisations, proven domains and one read token each, through the built application. */
async function setUpAccounts(location, manifest) {
  const [{ loadConfig }, { openApp }, { accountsContextFor }, { createOrganization, createApiToken }, { CLI }, { randomToken }] = await Promise.all([
    dist('app/config.js'),
    dist('app/open-app.js'),
    dist('app/accounts/accounts-context.js'),
    dist('app/accounts/accounts.js'),
    dist('app/accounts/access.js'),
    dist('core/secrets.js'),
  ]);
  const app = await openApp(loadConfig({ db: location }, {}), { log: { info: () => {}, warn: () => {} }, create: false });
  try {
    const ctx = await accountsContextFor(app);
    const byOrg = new Map();
    for (const d of manifest.domains) {
      if (!byOrg.has(d.org)) byOrg.set(d.org, []);
      byOrg.get(d.org).push(d.domain);
    }
    const orgs = [];
    for (const [index, domains] of [...byOrg.entries()].sort((a, b) => a[0] - b[0])) {
      const slug = orgSlug(index);
      const organization = await createOrganization(ctx, CLI, { slug, name: `Bench organisation ${index + 1}` });
      const audit = (action, subject) => ({ at: new Date(), organizationId: organization.id, actor: 'bench', action, subject, before: null, after: null });
      await Promise.all(
        domains.map(async (domain) => {
          await ctx.root.claimDomain(organization.id, domain, randomToken(), new Date(), audit('domain.claim', domain));
          const claim = await ctx.root.recordDomainCheck(organization.id, domain, { at: new Date(), proven: 'dns-txt', error: null }, audit('domain.verify', domain));
          if (claim?.verifiedAt == null) throw new Error(`${domain} is not proven after recordDomainCheck`);
        }),
      );
      const token = await createApiToken(ctx, CLI, organization.id, { name: 'bench-read', access: 'read' });
      orgs.push({ slug, token: token.token, domains });
    }
    return orgs;
  } finally {
    await app.close();
  }
}

// The server ----------------------------------------------------------------------------------------

function startServer(location) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI_PATH, 'serve', '--http', '127.0.0.1:0', '--smtp', 'off', '--db', location], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    let found = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t) => {
      if (found) {
        server.log = (server.log + t).slice(-16_384);
        return;
      }
      text += t;
      const match = /http: the API answers at (\S+)\/api\/v1/.exec(text);
      if (match) {
        found = true;
        done(server.set(match[1]));
      }
    });
    child.on('error', fail);
    child.on('close', (code) => {
      if (!found) fail(new Error(`serve exited (${code}) before listening: ${text.trim().slice(-2000)}`));
    });
    const server = {
      child,
      pid: child.pid,
      base: '',
      log: '',
      set(base) {
        this.base = base;
        return this;
      },
      stop() {
        return new Promise((stopped) => {
          if (child.exitCode !== null) return stopped();
          child.once('close', () => stopped());
          child.kill('SIGTERM');
        });
      },
    };
  });
}

// The load ------------------------------------------------------------------------------------------

const ENDPOINTS = {
  list: {
    title: 'domain list (first page, ?phase=)',
    path: (org, random) => `/api/v1/organizations/${org.slug}/domains?phase=${random.pick(PHASES)}`,
    goalMs: 200,
  },
  senders: {
    title: 'senders (?days=30&offline=true)',
    path: (org, random) => `/api/v1/organizations/${org.slug}/domains/${random.pick(org.domains)}/senders?days=30&offline=true`,
    goalMs: 300,
  },
  series: {
    title: 'daily series (?days=30)',
    path: (org, random) => `/api/v1/organizations/${org.slug}/domains/${random.pick(org.domains)}/series?days=30`,
    goalMs: 300,
  },
};

async function timedGet(base, org, path) {
  const started = performance.now();
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${org.token}` } });
  const body = await res.arrayBuffer();
  return { ms: performance.now() - started, status: res.status, bytes: body.byteLength, body };
}

async function inParallel(items, width, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function runLoad(server, orgs, endpoint, concurrency, durationS, seed) {
  const latencies = [];
  const statuses = {};
  const failures = [];
  let bytes = 0;
  const memory = [];
  const sample = () => {
    const m = readMemory(server.pid);
    if (m) memory.push(m);
  };
  sample();
  const timer = setInterval(sample, 100);
  const load1 = loadavg()[0];
  const cpuBefore = readCpuSeconds(server.pid)?.total ?? 0;
  const selfBefore = process.cpuUsage();
  const ticksBefore = readMachineTicks();
  const started = performance.now();
  const until = started + durationS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      const random = createRandom(seed * 1000 + loop);
      while (performance.now() < until) {
        const org = random.pick(orgs);
        try {
          const r = await timedGet(server.base, org, endpoint.path(org, random));
          latencies.push(r.ms);
          bytes += r.bytes;
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          if (r.status !== 200 && failures.length < 5) failures.push(`${r.status}: ${Buffer.from(r.body).toString('utf8').slice(0, 300)}`);
        } catch (caught) {
          statuses.error = (statuses.error ?? 0) + 1;
          if (failures.length < 5) failures.push(String(caught?.cause ?? caught));
        }
      }
    }),
  );
  const wall = seconds(started);
  clearInterval(timer);
  sample();
  const ticksAfter = readMachineTicks();
  const self = process.cpuUsage(selfBefore);
  const serverCpu = (readCpuSeconds(server.pid)?.total ?? 0) - cpuBefore;
  latencies.sort((a, b) => a - b);
  const ok = statuses[200] ?? 0;
  return {
    requests: latencies.length + (statuses.error ?? 0),
    ok,
    errors: latencies.length + (statuses.error ?? 0) - ok,
    statuses,
    failures,
    seconds: wall,
    perSecond: latencies.length / wall,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    meanBytes: latencies.length === 0 ? 0 : bytes / latencies.length,
    rssStartKiB: memory[0]?.rssKiB ?? 0,
    rssEndKiB: memory[memory.length - 1]?.rssKiB ?? 0,
    rssMaxKiB: Math.max(0, ...memory.map((m) => m.rssKiB)),
    hwmKiB: memory[memory.length - 1]?.hwmKiB ?? 0,
    memorySamples: memory.length,
    serverCpuSeconds: serverCpu,
    clientCpuSeconds: (self.user + self.system) / 1e6,
    machineCores: ticksBefore && ticksAfter ? ((ticksAfter.busy - ticksBefore.busy) / (ticksAfter.total - ticksBefore.total)) * availableParallelism() : NaN,
    load1,
  };
}

// Main ------------------------------------------------------------------------------------------------

async function benchStore(kind, options, manifest, corpusDir) {
  const location = kind === 'sqlite' ? join(options.out, 'api-store.sqlite') : pgDatabaseUrl(options.pg);
  const markerPath = join(options.out, `api-store-${kind}.json`);
  const result = { kind, location: kind === 'sqlite' ? relative(ROOT, location) : location, reused: false };
  let marker;
  if (options.keep && existsSync(markerPath)) {
    const m = JSON.parse(readFileSync(markerPath, 'utf8'));
    if (JSON.stringify(m.params) === JSON.stringify(manifest.params) && (await storeExists(kind, location, options.pg))) marker = m;
  }
  if (marker) {
    log(`${kind}: reusing the store made ${marker.madeAt} (--keep)`);
    result.reused = true;
    result.made = marker.made;
  } else {
    log(`${kind}: new store ${result.location}`);
    await freshStore(kind, location, options.pg);
    const ingested = await ingest(location, join(corpusDir, 'reports'));
    log(`${kind}: ingest ${ingested.seconds.toFixed(1)} s (${integer(manifest.records / ingested.seconds)} records/s), peak RSS ${mib(ingested.peakKiB)} MiB`);
    const counts = checkStore(location, manifest);
    const setupStarted = performance.now();
    const orgs = await setUpAccounts(location, manifest);
    const setupSeconds = seconds(setupStarted);
    log(`${kind}: ${orgs.length} organisations, ${manifest.domains.length} proven domains, ${orgs.length} tokens in ${setupSeconds.toFixed(1)} s`);
    marker = { params: manifest.params, madeAt: new Date().toISOString(), made: { ingest: ingested, counts, setupSeconds }, orgs };
    writeFileSync(markerPath, `${JSON.stringify(marker)}\n`);
    result.made = marker.made;
  }
  const orgs = marker.orgs;
  if (kind === 'postgres') {
    result.pgVersion = (await pgAdmin(options.pg, 'SHOW server_version')).rows[0].server_version;
    result.autovacuum = (await pgAdmin(location, 'SHOW autovacuum')).rows[0].autovacuum;
    if (options.analyze) {
      // Without statistics (autovacuum off, or before its first pass after a back-fill) the planner scans
      // aggregate_reports in full for `id = ANY(…)`; a server with autovacuum on analyses such tables by itself.
      const started = performance.now();
      await pgAdmin(location, 'ANALYZE');
      result.analyzeSeconds = seconds(started);
      log(`${kind}: ANALYZE ${result.analyzeSeconds.toFixed(1)} s (autovacuum ${result.autovacuum})`);
    }
  }

  const server = await startServer(location);
  log(`${kind}: serve pid ${server.pid} at ${server.base}`);
  try {
    result.serverStartRssKiB = readMemory(server.pid)?.rssKiB ?? 0;
    // The first request of each endpoint, each on a domain (organisation) nothing has asked about yet.
    const biggest = (org) => org.domains.map((d) => manifest.domains.find((m) => m.domain === d)).sort((a, b) => b.records - a.records)[0];
    const first = [];
    const firstOf = async (name, org, path, domain) => {
      const r = await timedGet(server.base, org, path);
      first.push({ endpoint: name, org: org.slug, domain: domain?.domain ?? null, records: domain?.records ?? null, ms: r.ms, status: r.status });
      log(`${kind}: first ${name}: ${ms(r.ms)} ms (${r.status})${domain ? ` for ${domain.domain}, ${integer(domain.records)} records` : ''}`);
    };
    // The last organisations: the warm-up goes in order, so an interrupted earlier run (--keep) has least likely filled them.
    const [o1, o2, o3] = [orgs[orgs.length - 1], orgs[Math.max(0, orgs.length - 2)], orgs[Math.max(0, orgs.length - 3)]];
    await firstOf('list', o1, `/api/v1/organizations/${o1.slug}/domains?phase=deploy`, null);
    const d2 = biggest(o2);
    await firstOf('senders', o2, `/api/v1/organizations/${o2.slug}/domains/${d2.domain}/senders?days=30&offline=true`, d2);
    const d3 = biggest(o3);
    await firstOf('series', o3, `/api/v1/organizations/${o3.slug}/domains/${d3.domain}/series?days=30`, d3);
    result.first = first;
    if (options.warm === 'all') {
      log(`${kind}: warm-up (${uptimeLine()})`);
      const bad = [];
      let started = performance.now();
      await inParallel(orgs, 4, async (org) => {
        const r = await timedGet(server.base, org, `/api/v1/organizations/${org.slug}/domains`);
        if (r.status !== 200) bad.push(`list ${org.slug}: ${r.status}`);
      });
      const listSeconds = seconds(started);
      log(`${kind}: warm-up, every organisation's list once: ${listSeconds.toFixed(1)} s`);
      // PostgreSQL has no sender rollup (it groups the window's records each time: src/store/postgres/sender-queries.ts).
      const pairs = kind === 'sqlite' ? orgs.flatMap((org) => org.domains.map((domain) => [org, domain])) : [];
      started = performance.now();
      await inParallel(pairs, 4, async ([org, domain]) => {
        const r = await timedGet(server.base, org, `/api/v1/organizations/${org.slug}/domains/${domain}/senders?days=30&offline=true`);
        if (r.status !== 200) bad.push(`senders ${domain}: ${r.status}`);
      });
      const sendersSeconds = seconds(started);
      log(`${kind}: warm-up, every domain's senders once: ${sendersSeconds.toFixed(1)} s`);
      if (bad.length > 0) throw new Error(`warm-up answers other than 200: ${bad.slice(0, 5).join('; ')}`);
      result.warm = { listSeconds, lists: orgs.length, sendersSeconds, senders: pairs.length };
    }
    result.runs = {};
    for (const name of options.endpoints) {
      const endpoint = ENDPOINTS[name];
      const run = await runLoad(server, orgs, endpoint, options.concurrency, options.duration, options.seed);
      result.runs[name] = run;
      log(
        `${kind} ${name}: ${integer(run.requests)} requests, ${run.perSecond.toFixed(1)}/s, p50 ${ms(run.p50)} p90 ${ms(run.p90)} p99 ${ms(run.p99)} max ${ms(run.max)} ms, ` +
          `errors ${run.errors}, RSS ${mib(run.rssStartKiB)} → ${mib(run.rssEndKiB)} MiB (max ${mib(run.rssMaxKiB)}, HWM ${mib(run.hwmKiB)}), load ${run.load1.toFixed(2)}`,
      );
      for (const f of run.failures) log(`    ${f}`);
    }
    result.serverEndRssKiB = readMemory(server.pid)?.rssKiB ?? 0;
    result.serverHwmKiB = readMemory(server.pid)?.hwmKiB ?? 0;
  } finally {
    await server.stop();
  }
  return result;
}

function markdown(options, manifest, corpusInfo, results, startedAt, uptimeBefore) {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const when = `${startedAt.toISOString().slice(0, 16).replace('T', ' ')}–${new Date().toISOString().slice(11, 16)} UTC`;
  const lines = [
    `### HTTP API under ${options.concurrency} clients (issue 13): ${integer(options.domains)} domains, ${integer(manifest.records)} records, ${when}`,
    '',
    `- Machine: ${cpu}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, Node ${process.version}` +
      (results.some((r) => r.pgVersion) ? `, PostgreSQL ${results.find((r) => r.pgVersion).pgVersion} on the same machine` : ''),
    `- Before the runs: \`${uptimeBefore}\``,
    `- Command: \`node bench/api.js --stores ${options.stores.join(',')} --domains ${options.domains} --orgs ${options.orgs} --records ${options.records} --days ${options.days} --concurrency ${options.concurrency} --duration ${options.duration}${options.keep ? ' --keep' : ''}\``,
    `- Store: ${integer(manifest.domains.length)} domains in ${integer(options.orgs)} organisations (each owning ${Math.round(options.domains / options.orgs)}, proven by TXT, one read token each); ` +
      `${integer(manifest.reports)} aggregate reports, ${integer(manifest.records)} records (${integer(manifest.sumOfCounts)} messages) over the ${options.days} days before today; ` +
      `phases ${PHASES.map((p) => `${p} ${manifest.phases[p] ?? 0}`).join(', ')}; the largest domain ${integer(manifest.largestDomainRecords)} records`,
    `- Corpus: ${corpusInfo}`,
    `- Load: ${options.concurrency} loops of \`fetch\` (keep-alive) in the bench process for ${options.duration} s per endpoint, each request for a random organisation's token and ` +
      `(senders, series) a random domain of its ${Math.round(options.domains / options.orgs)}; the list asks for a random phase. The server is \`dmarcpilot serve --http 127.0.0.1:0 --smtp off\`; ` +
      `its memory is /proc/<pid>/status every 100 ms`,
    '',
  ];
  for (const r of results) {
    lines.push(`#### ${r.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`, '');
    if (r.kind === 'postgres') lines.push(`- autovacuum ${r.autovacuum} on this server; ${r.analyzeSeconds !== undefined ? `\`ANALYZE\` before serving (${r.analyzeSeconds.toFixed(1)} s)` : 'no ANALYZE (--no-analyze)'}`);
    if (r.reused) lines.push(`- Store reused (--keep): made earlier, ingest then ${r.made.ingest.seconds.toFixed(0)} s; rollups an earlier run filled stay filled, so a "first query" below may not be one`);
    else {
      lines.push(
        `- Ingest (\`dmarcpilot ingest -q\`): ${r.made.ingest.seconds.toFixed(0)} s, ${integer(manifest.records / r.made.ingest.seconds)} records/s, peak RSS ${mib(r.made.ingest.peakKiB)} MiB, ` +
          `checked with \`db status\` (${integer(r.made.counts.aggregate)} reports, ${integer(r.made.counts.records)} records, nothing quarantined); accounts and proofs ${r.made.setupSeconds.toFixed(0)} s`,
      );
    }
    lines.push(`- First query (fills the domain's rollups): ${r.first.map((f) => `${f.endpoint} ${ms(f.ms)} ms${f.records !== null ? ` (${f.domain}, ${integer(f.records)} records)` : ` (${Math.round(options.domains / options.orgs)} domains)`}`).join('; ')}`);
    if (r.warm) {
      lines.push(
        `- Warm-up before the runs, 4 at a time: every organisation's list ${r.warm.listSeconds.toFixed(1)} s (${r.warm.lists} requests: fills every domain's daily rollup)` +
          (r.warm.senders > 0 ? `, every domain's senders ${r.warm.sendersSeconds.toFixed(1)} s (${integer(r.warm.senders)}: fills the sender rollups)` : ' (PostgreSQL has no sender rollup: nothing to warm for senders)'),
      );
    }
    lines.push(
      `- Server RSS: ${mib(r.serverStartRssKiB)} MiB after start, ${mib(r.serverEndRssKiB)} MiB at the end, peak (VmHWM) ${mib(r.serverHwmKiB)} MiB`,
      '',
      '| endpoint | requests | req/s | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | not 200 | RSS start → end (MiB) | largest RSS (MiB) | server CPU (s) | client CPU (s) | machine busy (cores) | load at start | goal p99 |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|',
    );
    for (const [name, run] of Object.entries(r.runs)) {
      const goal = ENDPOINTS[name].goalMs;
      const met = run.errors === 0 && run.p99 < goal;
      lines.push(
        `| ${ENDPOINTS[name].title} | ${integer(run.requests)} | ${run.perSecond.toFixed(1)} | ${ms(run.p50)} | ${ms(run.p90)} | ${ms(run.p99)} | ${ms(run.max)} | ${run.errors} | ` +
          `${mib(run.rssStartKiB)} → ${mib(run.rssEndKiB)} | ${mib(run.rssMaxKiB)} | ${run.serverCpuSeconds.toFixed(1)} | ${run.clientCpuSeconds.toFixed(1)} | ${run.machineCores.toFixed(2)} | ${run.load1.toFixed(2)} | ` +
          `< ${goal} ms: ${met ? 'met' : 'not met'}${r.kind === 'sqlite' ? ' (goal is for PostgreSQL)' : ''} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      stores: { type: 'string', default: 'sqlite,postgres' },
      pg: { type: 'string', default: process.env['DMARCPILOT_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
      domains: { type: 'string', default: '10000' },
      orgs: { type: 'string', default: '500' },
      records: { type: 'string', default: '10000000' },
      days: { type: 'string', default: '30' },
      concurrency: { type: 'string', default: '50' },
      duration: { type: 'string', default: '20' },
      endpoints: { type: 'string', default: 'list,senders,series' },
      warm: { type: 'string', default: 'all' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: join(ROOT, 'bench', 'out') },
      keep: { type: 'boolean', default: false },
      'no-analyze': { type: 'boolean', default: false },
      regenerate: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const options = {
    stores: values.stores.split(','),
    pg: values.pg,
    domains: positive('domains', values.domains),
    orgs: positive('orgs', values.orgs),
    records: positive('records', values.records),
    days: positive('days', values.days),
    concurrency: positive('concurrency', values.concurrency),
    duration: positive('duration', values.duration),
    endpoints: values.endpoints.split(','),
    warm: values.warm,
    seed: positive('seed', values.seed),
    out: resolve(values.out),
    keep: values.keep,
    analyze: !values['no-analyze'],
  };
  for (const s of options.stores) if (s !== 'sqlite' && s !== 'postgres') throw new Error(`--stores: sqlite or postgres, not ${s}`);
  for (const e of options.endpoints) if (!(e in ENDPOINTS)) throw new Error(`--endpoints: ${Object.keys(ENDPOINTS).join(', ')}, not ${e}`);
  if (options.warm !== 'all' && options.warm !== 'first') throw new Error(`--warm: all or first, not ${options.warm}`);
  if (options.orgs > options.domains) throw new Error('--orgs must not exceed --domains');
  if (!existsSync(join(ROOT, 'dist', 'app', 'open-app.js'))) throw new Error('no dist/: run `npm run build` first');

  const startedAt = new Date();
  const uptimeBefore = uptimeLine();
  log(`bench/api.js: ${uptimeBefore}`);
  const corpusDir = join(options.out, 'api-corpus');
  const today = Math.floor(Date.now() / 86_400_000) * 86_400;
  const params = { domains: options.domains, orgs: options.orgs, records: options.records, days: options.days, seed: options.seed, today };
  let manifest = values.regenerate ? undefined : existingCorpus(corpusDir, params);
  let corpusInfo;
  if (manifest) {
    corpusInfo = `reused from ${relative(ROOT, corpusDir)} (generated earlier in ${manifest.seconds.toFixed(0)} s)`;
    log(`corpus: ${corpusInfo}`);
  } else {
    log(`corpus: generating ${integer(options.records)} records into ${relative(ROOT, corpusDir)}`);
    manifest = await writeApiCorpus(corpusDir, params, log);
    corpusInfo = `generated in ${manifest.seconds.toFixed(0)} s`;
    log(`corpus: ${integer(manifest.reports)} reports, ${integer(manifest.records)} records, ${(manifest.bytesOnDisk / 1e6).toFixed(0)} MB gzip (${(manifest.bytesUncompressed / 1e9).toFixed(2)} GB XML) in ${manifest.seconds.toFixed(1)} s`);
  }
  corpusInfo += `, ${integer(manifest.reports)} gzip files, ${(manifest.bytesOnDisk / 1e6).toFixed(0)} MB (${(manifest.bytesUncompressed / 1e9).toFixed(2)} GB of XML)`;

  const results = [];
  for (const kind of options.stores) results.push(await benchStore(kind, options, manifest, corpusDir));

  const text = markdown(options, manifest, corpusInfo, results, startedAt, uptimeBefore);
  const stamp = startedAt.toISOString().slice(0, 16).replace(/[:T]/g, '-');
  writeFileSync(join(options.out, `api-${stamp}.md`), `${text}\n`);
  writeFileSync(join(options.out, `api-${stamp}.json`), `${JSON.stringify({ options, manifest: { ...manifest, domains: undefined }, results }, null, 2)}\n`);
  process.stdout.write(`${text}\n`);
  log(`written to ${relative(ROOT, join(options.out, `api-${stamp}.md`))} and .json`);
  return results.every((r) => Object.values(r.runs).every((run) => run.errors === 0)) ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (caught) {
  log(`bench/api.js: ${caught instanceof Error ? (caught.stack ?? caught.message) : String(caught)}`);
  log(usage);
  process.exitCode = 2;
}
