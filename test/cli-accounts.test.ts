/**
 * The account commands of the built CLI (`user`, `org`, `token`), as an operator runs them on a
 * fresh store: the first administrator with a password printed once, organisations with an owner,
 * members and roles, a domain claimed with the TXT record to publish, tokens printed once and
 * revoked; mistakes as one line naming the input, exit status 2; the audit log names `cli`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const skip = existsSync(join(root, 'dist/cli/main.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';

function cli(db: string, args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [bin, ...args, '--db', db], { cwd: root, encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('cli: users, organisations, members, domains and tokens on a fresh store', { skip }, () => {
  const db = join(mkdtempSync(join(tmpdir(), 'dmarcpilot-cli-accounts-')), 'store.sqlite');
  const admin = cli(db, ['user', 'add', 'Security@Council.example', '--admin']);
  assert.equal(admin.status, 0, admin.stderr);
  assert.match(admin.stdout, /^added security@council\.example \(user 1, instance operator, owner of the default organisation\)\npassword \(shown once\): [A-Za-z0-9_-]{24}\n$/);
  assert.match(admin.stderr, /created a new store/);
  const chosen = cli(db, ['user', 'add', 'it@camden.example', '--password-stdin', '--name', 'Camden IT'], 'a chosen long passphrase\n');
  assert.equal(chosen.status, 0, chosen.stderr);
  assert.doesNotMatch(chosen.stdout, /password/, 'a password given is not printed');
  const short = cli(db, ['user', 'add', 'short@camden.example', '--password-stdin'], 'short\n');
  assert.equal(short.status, 2);
  assert.equal(short.stderr, 'error: --password-stdin: the password must have at least 12 characters\n');
  assert.equal(cli(db, ['user', 'add', 'it@camden.example']).status, 2, 'the e-mail is taken');

  assert.equal(cli(db, ['org', 'add', 'camden', 'Camden Council', '--owner', 'it@camden.example']).status, 0);
  const badSlug = cli(db, ['org', 'add', 'Camden Council', 'x']);
  assert.equal(badSlug.status, 2);
  assert.match(badSlug.stderr, /^error: not a slug \(lower-case letters, digits and inner hyphens, up to 63\): Camden Council\n$/);
  assert.match(cli(db, ['org', 'list']).stdout, /^default\tDefault organisation\t\(sees every domain\)\ncamden\tCamden Council\n$/);
  assert.equal(cli(db, ['user', 'add', 'analyst@camden.example']).status, 0);
  assert.match(cli(db, ['org', 'member', 'camden', 'analyst@camden.example', 'analyst']).stdout, /analyst@camden\.example: analyst of camden/);
  assert.equal(cli(db, ['org', 'member', 'camden', 'analyst@camden.example', 'king']).status, 2);
  assert.match(cli(db, ['org', 'members', 'camden']).stdout, /it@camden\.example\towner\nanalyst@camden\.example\tanalyst\n/);
  const lastOwner = cli(db, ['org', 'member', 'camden', 'it@camden.example', '--remove']);
  assert.equal(lastOwner.status, 2);
  assert.match(lastOwner.stderr, /no owner left/);

  const claimed = cli(db, ['org', 'domain', 'add', 'camden', 'Camden.Example']);
  assert.equal(claimed.status, 0, claimed.stderr);
  assert.match(claimed.stdout, /camden\.example: waiting for proof\. Publish\n {2}_dmarcpilot\.camden\.example\. IN TXT "dmarcpilot-verify=[A-Za-z0-9_-]{43}"\nthen run: dmarcpilot org domain verify camden camden\.example\n/);
  assert.match(cli(db, ['org', 'domains', 'camden']).stdout, /^camden\.example\twaiting for proof\n$/);
  assert.equal(cli(db, ['org', 'domain', 'add', 'nowhere', 'x.example']).status, 2, 'no such organisation');

  const token = cli(db, ['token', 'add', 'camden', 'monitoring', '--days', '30']);
  assert.equal(token.status, 0, token.stderr);
  const [, id] = /^token ([A-Za-z0-9]{12}) for camden \(read, expires [^)]+\); shown once:\ndpk_\1_[A-Za-z0-9_-]{43}\n$/.exec(token.stdout) ?? [];
  assert.ok(id, token.stdout);
  assert.match(cli(db, ['token', 'list', 'camden']).stdout, new RegExp(`^${id}\tmonitoring\tread\n$`));
  assert.equal(cli(db, ['token', 'revoke', 'camden', id]).status, 0);
  assert.match(cli(db, ['token', 'list', 'camden']).stdout, /\trevoked\n$/);
  assert.equal(cli(db, ['token', 'revoke', 'default', id]).status, 2, "another organisation's token is not found");

  assert.match(cli(db, ['user', 'disable', 'analyst@camden.example']).stdout, /analyst@camden\.example: disabled/);
  const users = cli(db, ['user', 'list']).stdout;
  assert.match(users, /^security@council\.example\tsecurity@council\.example\toperator\nit@camden\.example\tCamden IT\nanalyst@camden\.example\tanalyst@camden\.example\tdisabled\n$/);
});
