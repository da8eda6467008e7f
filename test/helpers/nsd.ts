/**
 * A private nsd (authoritative DNS, /work/shared/docs/peers.md) on a free 127.0.0.1 port, serving
 * the test zones of test/fixtures/dns/: every folder there is one zone named after the folder,
 * and its `*.zone` files are joined in name order into the zone file (`00-soa.zone` first, then
 * one file per area: resolver, dkim, mx, …), each part starting again at the zone's `$ORIGIN`.
 * To add test names, add a file to the folder; nothing here changes.
 *
 * nsd is looked up in PATH and /usr/sbin, or taken from DMARCPILOT_NSD. Without it the tests are
 * skipped with the reason shown, unless DMARCPILOT_REQUIRE_INTEGRATION=1 (set by .ci/run, which
 * installs nsd), when they fail instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const dnsFixtures: string = fileURLToPath(new URL('../fixtures/dns/', import.meta.url));

export type TestDnsServer = { readonly server: string; readonly stop: () => Promise<void> } | { readonly skip: string };

/** Starts nsd with the zones of `zonesRoot` (default test/fixtures/dns); call `stop()` when done. */
export async function startNsd(zonesRoot: string = dnsFixtures): Promise<TestDnsServer> {
  const nsd = process.env['DMARCPILOT_NSD'] !== undefined ? existingFile(process.env['DMARCPILOT_NSD']) : findExecutable('nsd');
  if (!nsd) {
    const reason = process.env['DMARCPILOT_NSD'] !== undefined ? `nsd not found at DMARCPILOT_NSD=${process.env['DMARCPILOT_NSD']}` : 'nsd is not installed (apt-get install nsd; .ci/run does)';
    if (process.env['DMARCPILOT_REQUIRE_INTEGRATION'] === '1') throw new Error(`${reason}, and DMARCPILOT_REQUIRE_INTEGRATION=1`);
    return { skip: reason };
  }
  const zones = writeZones(zonesRoot);
  checkZones(nsd, zones);
  let lastError: unknown;
  // A free port can be taken between finding it and nsd binding it: try a few.
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = await findFreePort();
    try {
      return await launch(nsd, zones, port);
    } catch (err) {
      lastError = err;
      if (err instanceof ZoneNotServed) break;
    }
  }
  rmSync(zones.dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

interface PreparedZones {
  readonly dir: string;
  readonly names: readonly string[];
}

/** A temporary folder with one joined zone file per fixture folder. */
function writeZones(zonesRoot: string): PreparedZones {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-nsd-'));
  const names: string[] = [];
  for (const zone of readdirSync(zonesRoot).sort()) {
    const folder = join(zonesRoot, zone);
    if (!statSync(folder).isDirectory()) continue;
    const parts = readdirSync(folder)
      .filter((file) => file.endsWith('.zone'))
      .sort()
      .map((file) => `; --- ${file}\n$ORIGIN ${zone}.\n${readFileSync(join(folder, file), 'utf8')}\n`);
    writeFileSync(join(dir, `${zone}.zone`), parts.join(''));
    names.push(zone);
  }
  if (names.length === 0) throw new Error(`no zone folders in ${zonesRoot}`);
  return { dir, names };
}

async function launch(nsd: string, zones: PreparedZones, port: number): Promise<TestDnsServer> {
  const { dir } = zones;
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
    '  server-count: 1',
    // Response rate limiting (on by default: 200 answers/s per client network) would drop or truncate
    // answers of tests that check many names and turn them into false timeouts.
    '  rrl-ratelimit: 0',
    '  do-ip6: no',
    'remote-control:',
    '  control-enable: no',
    ...zones.names.flatMap((name) => ['zone:', `  name: ${name}`, `  zonefile: ${name}.zone`]),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'nsd.conf'), config);
  // -d: stay in the foreground, so the test owns the process and stops it by its PID.
  const child = spawn(nsd, ['-d', '-c', join(dir, 'nsd.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const server = `127.0.0.1:${port}`;
  const ready = await waitUntilAnswering(server, zones.names[0] ?? '.', exited).catch(async (err: unknown) => {
    await stopChild(child, exited);
    throw err;
  });
  if (!ready) {
    await stopChild(child, exited);
    const log = existsSync(join(dir, 'nsd.log')) ? readFileSync(join(dir, 'nsd.log'), 'utf8') : '';
    throw new Error(`nsd did not start on ${server}: ${stderr}${log}`.trim());
  }
  return {
    server,
    stop: async () => {
      await stopChild(child, exited);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Polls the zone's SOA until nsd answers (true), it exits, or 10 s pass (false). An answer
 * other than the SOA (REFUSED, SERVFAIL) means nsd runs but did not load the zone.
 */
async function waitUntilAnswering(server: string, zone: string, exited: Promise<number | null>): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 10_000;
  while (!gone && Date.now() < deadline) {
    const resolver = new Resolver({ timeout: 200, tries: 1 });
    resolver.setServers([server]);
    try {
      await resolver.resolveSoa(zone);
      return true;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'EREFUSED' || code === 'ESERVFAIL' || code === 'ENOTFOUND') throw new ZoneNotServed(`nsd on ${server} answers ${String(code)} for the SOA of ${zone}: the zone did not load`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return false;
}

/** nsd runs but does not serve a zone: starting again on another port will not help. */
class ZoneNotServed extends Error {}

/** Fails fast, with nsd-checkzone's message, on a zone file nsd would refuse to load. */
function checkZones(nsd: string, zones: PreparedZones): void {
  const checker = join(dirname(nsd), 'nsd-checkzone');
  if (!existsSync(checker)) return;
  for (const name of zones.names) {
    const result = spawnSync(checker, [name, join(zones.dir, `${name}.zone`)], { encoding: 'utf8' });
    if (result.status !== 0) {
      rmSync(zones.dir, { recursive: true, force: true });
      throw new Error(`test zone ${name} (test/fixtures/dns/${name}/) is invalid: ${`${result.stdout}${result.stderr}`.trim()}`);
    }
  }
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A port free on 127.0.0.1 for TCP and UDP at the time of asking. */
async function findFreePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

function existingFile(path: string): string | undefined {
  return path !== '' && existsSync(path) ? path : undefined;
}

function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const path = join(dir, name);
    if (dir && existsSync(path)) return path;
  }
  return undefined;
}
