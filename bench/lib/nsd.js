/**
 * A private nsd (authoritative DNS, ../shared/docs/peers.md) for the benchmarks: the zones given
 * as text are written into a temporary folder, checked with nsd-checkzone, and served on a free
 * 127.0.0.1 port (UDP and TCP), with response rate limiting off. A local control socket (no TLS) lets the benchmark read nsd's own
 * query counters with nsd-control, so a run can say how many DNS queries the checker sent.
 * nsd is looked up in PATH and /usr/sbin, or taken from DMARCPILOT_NSD.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

function findExecutable(name) {
  const fromEnv = name === 'nsd' ? process.env.DMARCPILOT_NSD : undefined;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin']) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** A port free on 127.0.0.1 for both TCP and UDP at the time of asking. */
async function findFreePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port: found } = server.address();
        server.close(() => resolve(found));
      });
    });
    const udpFree = await new Promise((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

/** Polls the SOA of `zone` until nsd answers (true), it exits or 20 s pass (false). */
async function waitUntilAnswering(server, zone, child) {
  const deadline = Date.now() + 20_000;
  while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
    const resolver = new Resolver({ timeout: 200, tries: 1 });
    resolver.setServers([server]);
    try {
      await resolver.resolveSoa(zone);
      return true;
    } catch (caught) {
      if (caught?.code === 'EREFUSED' || caught?.code === 'ENOTFOUND') throw new Error(`nsd on ${server} answers ${caught.code} for the SOA of ${zone}: the zone did not load`, { cause: caught });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return false;
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts nsd serving `zones` (zone name → zone file text); resolves with
 * { server: '127.0.0.1:PORT', port, pid, stats(), stop() }. `stats()` returns nsd's counters
 * (e.g. `num.queries`) or undefined when nsd-control is not available.
 * @param {Record<string, string>} zones
 * @param {{ serverCount?: number, verbosity?: number }} [options]
 */
export async function startNsd(zones, options = {}) {
  const nsd = findExecutable('nsd');
  if (!nsd) throw new Error('nsd not found (apt-get install nsd, or set DMARCPILOT_NSD)');
  const names = Object.keys(zones);
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-bench-nsd-'));
  for (const name of names) writeFileSync(join(dir, `${name}.zone`), zones[name]);
  const checker = join(dirname(nsd), 'nsd-checkzone');
  if (existsSync(checker)) {
    for (const name of names) {
      const result = spawnSync(checker, [name, join(dir, `${name}.zone`)], { encoding: 'utf8' });
      if (result.status !== 0) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`generated zone ${name} is invalid: ${`${result.stdout}${result.stderr}`.trim()}`);
      }
    }
  }
  const control = join(dir, 'nsd.ctl');
  let lastError;
  // A free port can be taken between finding it and nsd binding it: try a few.
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = await findFreePort();
    const config = [
      'server:',
      `  ip-address: 127.0.0.1@${port}`,
      `  port: ${port}`,
      '  username: ""',
      '  chroot: ""',
      `  zonesdir: "${dir}"`,
      '  database: ""',
      `  pidfile: "${dir}/nsd.pid"`,
      `  xfrdfile: "${dir}/xfrd.state"`,
      `  zonelistfile: "${dir}/zone.list"`,
      `  logfile: "${dir}/nsd.log"`,
      `  server-count: ${options.serverCount ?? 1}`,
      '  do-ip6: no',
      `  verbosity: ${options.verbosity ?? 0}`,
      // nsd limits answers to 200/s per client /24 by default (response rate limiting): over it,
      // it drops queries and truncates others, which the checker sees as timeouts. One client
      // on loopback is the whole point here, so the limit is off.
      '  rrl-ratelimit: 0',
      '  rrl-whitelist-ratelimit: 0',
      'remote-control:',
      '  control-enable: yes',
      `  control-interface: ${control}`,
      ...names.flatMap((name) => ['zone:', `  name: ${name}`, `  zonefile: ${name}.zone`]),
      '',
    ].join('\n');
    const configFile = join(dir, 'nsd.conf');
    writeFileSync(configFile, config);
    // -d: stay in the foreground, so the benchmark owns the process and stops it by its PID.
    const child = spawn(nsd, ['-d', '-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
    const server = `127.0.0.1:${port}`;
    let ready;
    try {
      ready = await waitUntilAnswering(server, names[0], child);
    } catch (caught) {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
      throw caught;
    }
    if (!ready) {
      await stopChild(child);
      const logFile = join(dir, 'nsd.log');
      lastError = new Error(`nsd did not start on ${server}: ${stderr}${existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''}`.trim());
      continue;
    }
    const nsdControl = findExecutable('nsd-control');
    return {
      server,
      port,
      pid: child.pid,
      /** nsd's counters without resetting them, as numbers by name; undefined without nsd-control. */
      stats() {
        if (!nsdControl) return undefined;
        const result = spawnSync(nsdControl, ['-c', configFile, 'stats_noreset'], { encoding: 'utf8' });
        if (result.status !== 0) return undefined;
        const stats = {};
        for (const line of result.stdout.split('\n')) {
          const match = /^([\w.]+)=(\d+(?:\.\d+)?)$/.exec(line.trim());
          if (match) stats[match[1]] = Number(match[2]);
        }
        return stats;
      },
      async stop() {
        await stopChild(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError ?? new Error('nsd did not start');
}
