/**
 * A private Dovecot IMAP server for the benchmark, as in ../shared/docs/peers.md: a temporary
 * folder, a free loopback port, plain IMAP, one static password, maildir storage. Messages are
 * seeded straight into the user's maildir (`new/`), which Dovecot picks up like delivered mail.
 * Runs as root (mail owned by `dovecot`, as in peers.md) or as the current user.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const PASSWORD = 'dmarcpass';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts Dovecot; resolves with { port, url(folder), seed(messages), stop() }. */
export async function startDovecot(user = 'dmarc') {
  const binary = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'].find((path) => existsSync(path));
  if (!binary) throw new Error('dovecot not found (apt-get install dovecot-imapd)');
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-bench-dovecot-'));
  chmodSync(dir, 0o755);
  const root = process.getuid() === 0;
  const id = (flag) => Number(spawnSync('id', [flag, 'dovecot'], { encoding: 'utf8' }).stdout.trim());
  const me = userInfo();
  const owner = root ? { uid: id('-u'), gid: id('-g') } : { uid: me.uid, gid: me.gid };
  const maildir = join(dir, 'mail', user);
  for (const sub of ['', 'new', 'cur', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
  if (root) for (const path of [join(dir, 'mail'), maildir, join(maildir, 'new'), join(maildir, 'cur'), join(maildir, 'tmp')]) chownSync(path, owner.uid, owner.gid);
  const port = await freePort();
  writeFileSync(
    join(dir, 'dovecot.conf'),
    `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = ${Math.min(100, owner.uid)}
mail_location = maildir:${dir}/mail/%u
${root ? '' : `default_internal_user = ${me.username}\ndefault_login_user = ${me.username}\ndefault_internal_group = ${me.username}\n`}service imap-login {
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
  args = uid=${owner.uid} gid=${owner.gid} home=${dir}/mail/%u
}
`,
  );
  const child = spawn(binary, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: 'ignore', detached: true });
  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // gone
    }
  };
  process.once('exit', () => killGroup('SIGKILL'));
  for (let waited = 0; !(existsSync(join(dir, 'run', 'master.pid')) && (await canConnect(port))); waited += 50) {
    if (waited > 10_000 || child.exitCode !== null) throw new Error(`dovecot did not start; see ${dir}/dovecot.log`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  let seeded = 0;
  return {
    port,
    dir,
    url: (folder = 'INBOX') => `imap://${user}@127.0.0.1:${port}/${encodeURIComponent(folder)}`,
    /** Writes messages into the maildir as delivered mail. */
    seed(messages) {
      for (const message of messages) {
        const path = join(maildir, 'new', `${Date.now()}.bench${++seeded}.localhost`);
        writeFileSync(path, message);
        if (root) chownSync(path, owner.uid, owner.gid);
      }
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => {
          killGroup('SIGKILL');
          resolve();
        });
        killGroup('SIGTERM');
        setTimeout(() => killGroup('SIGKILL'), 2_000).unref();
      });
    },
  };
}
