/**
 * A private Dovecot IMAP server on loopback for one test: the configuration of
 * ../shared/docs/peers.md written into a temporary folder, on a free port (test files run in
 * parallel), plain IMAP (ssl = no) with one static password for any user name. `stop()` and
 * `start()` let a test restart it on the same port and mail store.
 *
 * Without a dovecot binary the tests are skipped with the reason shown, unless
 * DMARCPILOT_REQUIRE_INTEGRATION=1 (set by CI), when they fail instead. As root the mail
 * belongs to the `dovecot` user (as in peers.md); otherwise Dovecot runs as the current user.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';

export interface TestDovecot {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The temporary folder (configuration, log, mail). */
  readonly dir: string;
  /** imap://user@127.0.0.1:port/FOLDER (no password). */
  url(folder?: string): string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export type DovecotForTests = TestDovecot | { readonly skip: string };

const PASSWORD = 'dmarcpass';

function findDovecot(): string | undefined {
  const fromEnv = process.env['DMARCPILOT_TEST_DOVECOT'];
  if (fromEnv) return fromEnv;
  for (const dir of [...(process.env['PATH'] ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    if (dir && existsSync(join(dir, 'dovecot'))) return join(dir, 'dovecot');
  }
  return undefined;
}

export async function dovecotForTests(user = 'dmarc'): Promise<DovecotForTests> {
  const binary = findDovecot();
  if (!binary) {
    const reason = 'Dovecot not installed (apt-get install dovecot-imapd; or set DMARCPILOT_TEST_DOVECOT to the dovecot binary)';
    if (process.env['DMARCPILOT_REQUIRE_INTEGRATION'] === '1') throw new Error(`${reason}, and DMARCPILOT_REQUIRE_INTEGRATION=1`);
    return { skip: reason };
  }
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-dovecot-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'mail'));
  const owner = mailOwner();
  if (owner.chown) chownSync(join(dir, 'mail'), owner.uid, owner.gid);
  let port = 0;
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      if (port === 0 || attempt > 0) port = await findFreePort();
      writeFileSync(join(dir, 'dovecot.conf'), configuration(dir, port, owner));
      child = spawn(binary, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: 'ignore', detached: true });
      child.unref();
      if (await waitForPort(port, child, join(dir, 'run', 'master.pid'))) return;
      await stopChild(child);
      if (attempt >= 2) throw new Error(`Dovecot did not start on 127.0.0.1:${port}: ${readLog(dir)}`);
    }
  };
  const restartOnSamePort = async (): Promise<void> => {
    child = spawn(binary, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: 'ignore', detached: true });
    child.unref();
    if (!(await waitForPort(port, child, join(dir, 'run', 'master.pid')))) throw new Error(`Dovecot did not restart on 127.0.0.1:${port}: ${readLog(dir)}`);
  };
  await start();
  process.once('exit', () => {
    if (child?.pid) killGroup(child.pid, 'SIGKILL');
  });
  return {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    user,
    password: PASSWORD,
    dir,
    url: (folder = 'INBOX') => `imap://${user}@127.0.0.1:${port}/${encodeURIComponent(folder)}`,
    stop: async () => {
      if (child) await stopChild(child);
      child = undefined;
    },
    start: restartOnSamePort,
  };
}

/** Connects as the test user; the caller logs out. */
export async function connectTestClient(server: TestDovecot): Promise<ImapFlow> {
  const client = new ImapFlow({ host: server.host, port: server.port, secure: false, auth: { user: server.user, pass: server.password }, logger: false });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Appends messages to a folder (created when missing). */
export async function appendMessages(server: TestDovecot, folder: string, messages: readonly Uint8Array[]): Promise<void> {
  const client = await connectTestClient(server);
  try {
    await client.mailboxCreate(folder).catch(() => undefined);
    for (const message of messages) await client.append(folder, Buffer.from(message));
  } finally {
    await client.logout();
  }
}

/** How many messages each folder holds (missing folders: 0). */
export async function countMessages(server: TestDovecot, folders: readonly string[]): Promise<Record<string, number>> {
  const client = await connectTestClient(server);
  try {
    const counts: Record<string, number> = {};
    for (const folder of folders) {
      const status = await client.status(folder, { messages: true }).catch(() => false as const);
      counts[folder] = status ? (status.messages ?? 0) : 0;
    }
    return counts;
  } finally {
    await client.logout();
  }
}

/** The full sources of the messages in a folder, by UID order. */
export async function readMessages(server: TestDovecot, folder: string): Promise<Buffer[]> {
  const client = await connectTestClient(server);
  try {
    const status = await client.status(folder, { messages: true }).catch(() => false as const);
    if (!status || !status.messages) return [];
    await client.mailboxOpen(folder);
    const messages = await client.fetchAll('1:*', { uid: true, source: true });
    return messages.sort((a, b) => a.uid - b.uid).map((message) => message.source ?? Buffer.alloc(0));
  } finally {
    await client.logout();
  }
}

interface MailOwner {
  readonly chown: boolean;
  readonly uid: number;
  readonly gid: number;
  readonly userdb: string;
  readonly extra: string;
}

function mailOwner(): MailOwner {
  if (process.getuid?.() === 0) {
    const id = (flag: string): number => Number(spawnSync('id', [flag, 'dovecot'], { encoding: 'utf8' }).stdout.trim());
    return { chown: true, uid: id('-u'), gid: id('-g'), userdb: 'uid=dovecot gid=dovecot', extra: '' };
  }
  // Unprivileged: Dovecot runs every process as the current user.
  const me = userInfo();
  return {
    chown: false,
    uid: me.uid,
    gid: me.gid,
    userdb: `uid=${me.uid} gid=${me.gid}`,
    extra: `default_internal_user = ${me.username}\ndefault_login_user = ${me.username}\ndefault_internal_group = ${me.username}\n`,
  };
}

function configuration(dir: string, port: number, owner: MailOwner): string {
  return `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = ${Math.min(100, owner.uid)}
mail_location = maildir:${dir}/mail/%u
${owner.extra}service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
passdb {
  driver = static
  args = password=${PASSWORD}
}
userdb {
  driver = static
  args = ${owner.userdb} home=${dir}/mail/%u
}
`;
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether the port accepts connections within 10 s (false at once if the server exited). */
async function waitForPort(port: number, child: ChildProcess, pidFile: string): Promise<boolean> {
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let waited = 0; waited < 10_000 && !exited; waited += 50) {
    // The master handles signals once it wrote its PID file.
    if (existsSync(pidFile) && (await canConnect(port))) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Stops the server: the master and every process it started (its process group, which this
 * helper created), so that open client connections drop as in a real server restart.
 */
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const pid = child.pid;
    if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return resolve();
    let waited = 0;
    // A ref'd timer: the child is unref'd, and its exit event alone would not keep the test alive.
    const timer = setInterval(() => {
      waited += 50;
      // Dovecot ignores SIGTERM for a while after it starts, and then waits for its children.
      if (waited === 300) killGroup(pid, 'SIGKILL');
    }, 50);
    child.once('exit', () => {
      clearInterval(timer);
      killGroup(pid, 'SIGKILL'); // stragglers (imap processes) of this group only
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'dovecot.log'), 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}
