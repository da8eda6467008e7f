/**
 * A private PostgreSQL cluster for one test, in a temporary folder, on a free loopback port, with
 * trust authentication: a test may stop it (`-m immediate`, as a crash or an operator's hard
 * stop would) and start it again, which the machine's shared server must never be. Made with the
 * initdb and pg_ctl of the newest /usr/lib/postgresql/<version>/bin (as .ci/run does), as the
 * `postgres` user when running as root (PostgreSQL refuses to run as root).
 *
 * Without those programs the tests are skipped with the reason shown, unless
 * DMARCPILOT_REQUIRE_INTEGRATION=1 (set by CI), when they fail instead.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  readonly url: string;
  readonly port: number;
  /** Starts the cluster again (after a stop), waiting until it accepts connections. */
  start(): void;
  /** `pg_ctl stop -m immediate`: every backend ends at once, without a checkpoint (recovery on the next start). */
  stopImmediately(): void;
  /** Stops it (if running) and removes its folder. */
  remove(): void;
}

export type PrivatePostgresForTests = PrivatePostgres | { readonly skip: string };

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(a) - Number(b));
  const newest = versions[versions.length - 1];
  return newest === undefined ? undefined : join(root, newest, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function privatePostgresForTests(): Promise<PrivatePostgresForTests> {
  const bin = binDir();
  if (bin === undefined) {
    const reason = 'no initdb/pg_ctl under /usr/lib/postgresql/*/bin (install postgresql)';
    if (process.env['DMARCPILOT_REQUIRE_INTEGRATION'] === '1') throw new Error(`${reason}, and DMARCPILOT_REQUIRE_INTEGRATION=1`);
    return { skip: reason };
  }
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-pg-'));
  if (root) {
    const pg = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (pg.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      return { skip: 'running as root without a postgres user to run PostgreSQL as' };
    }
    chownSync(dir, Number(pg.stdout.trim()), Number(gid.stdout.trim()));
  }
  const run = (program: string, args: string[]): void => {
    const command = [join(bin, program), ...args];
    const result = root
      ? spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', command.map((part) => `'${part.replace(/'/g, "'\\''")}'`).join(' ')], { encoding: 'utf8' })
      : spawnSync(command[0] ?? '', command.slice(1), { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`);
  };
  const data = join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  let running = false;
  const cluster: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start() {
      run('pg_ctl', ['-D', data, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
      running = true;
    },
    stopImmediately() {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      running = false;
    },
    remove() {
      try {
        if (running) run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        running = false;
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  try {
    cluster.start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return cluster;
}
