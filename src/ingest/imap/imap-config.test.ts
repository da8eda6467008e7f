import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeImapConfig } from './imap-config.js';

const passwordFile = (text: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'dmarcpilot-imap-config-')), 'password');
  writeFileSync(path, text);
  return path;
};

test('makeImapConfig: defaults (move to dmarcpilot-archive / dmarcpilot-failed, 50 per round)', () => {
  const made = makeImapConfig({ url: 'imaps://dmarc@mail.example/INBOX', envPassword: 'from-env' });
  assert.ok(made.config);
  assert.deepEqual(
    [made.config.password, made.config.archiveFolder, made.config.failedFolder, made.config.afterIngest, made.config.batchSize, made.config.insecureTls],
    ['from-env', 'dmarcpilot-archive', 'dmarcpilot-failed', 'move', 50, false],
  );
});

const passwords: [string, Parameters<typeof makeImapConfig>[0], string][] = [
  ['the file wins over the URL and the environment (trailing newline dropped)', { url: 'imaps://u:in-url@h/INBOX', envPassword: 'env', passwordFile: passwordFile('in-file\n') }, 'in-file'],
  ['the URL wins over the environment', { url: 'imaps://u:in-url@h/INBOX', envPassword: 'env' }, 'in-url'],
  ['the environment when nothing else', { url: 'imaps://u@h/INBOX', envPassword: 'env' }, 'env'],
];

for (const [name, input, expected] of passwords) {
  test(`makeImapConfig password: ${name}`, () => {
    const made = makeImapConfig(input);
    assert.ok(made.config, made.problems.map((p) => p.message).join('; '));
    assert.equal(made.config.password, expected);
  });
}

const refused: [string, Parameters<typeof makeImapConfig>[0], string, RegExp][] = [
  ['no password anywhere', { url: 'imaps://u@h/INBOX' }, 'password', /^imaps:\/\/u@h\/INBOX: no password/],
  ['an unreadable password file', { url: 'imaps://u@h/INBOX', passwordFile: '/nonexistent/dmarcpilot-password' }, 'passwordFile', /cannot read the password file/],
  ['an empty password file', { url: 'imaps://u@h/INBOX', passwordFile: passwordFile('\n') }, 'passwordFile', /is empty/],
  ['archiving into the folder being read (INBOX is case-insensitive, RFC 3501 §5.1)', { url: 'imaps://u@h/INBOX', envPassword: 'p', archiveFolder: 'inbox' }, 'archiveFolder', /archive folder cannot be the folder being read/],
  ['failing into the folder being read', { url: 'imaps://u@h/Reports', envPassword: 'p', failedFolder: 'Reports' }, 'failedFolder', /failed folder cannot be/],
  ['a batch size of 0', { url: 'imaps://u@h/INBOX', envPassword: 'p', batchSize: 0 }, 'batchSize', /batch size/],
  ['a URL that is not IMAP', { url: 'https://h/INBOX', envPassword: 'p' }, 'url', /not a usable IMAP location/],
];

for (const [name, input, field, message] of refused) {
  test(`makeImapConfig refuses ${name}, naming the setting`, () => {
    const made = makeImapConfig(input, 'imap[2].');
    assert.equal(made.config, undefined);
    assert.equal(made.problems.length, 1);
    assert.equal(made.problems[0]?.field, `imap[2].${field}`);
    assert.match(made.problems[0]?.message ?? '', message);
  });
}

test('makeImapConfig with keep accepts any folder names (nothing is moved)', () => {
  assert.ok(makeImapConfig({ url: 'imaps://u@h/INBOX', envPassword: 'p', afterIngest: 'keep', archiveFolder: 'INBOX' }).config);
});

test('makeImapConfig reports every problem of a mailbox at once, each naming its setting', () => {
  const made = makeImapConfig({ url: 'imaps://u@h/INBOX', passwordFile: '/nonexistent/dmarcpilot-password', archiveFolder: 'INBOX', failedFolder: '', batchSize: 0 }, 'imap[0].');
  assert.equal(made.config, undefined);
  assert.deepEqual(made.problems.map((p) => p.field), ['imap[0].passwordFile', 'imap[0].archiveFolder', 'imap[0].failedFolder', 'imap[0].batchSize']);
  const bad = makeImapConfig({ url: 'https://h/INBOX', passwordFile: '/nonexistent/dmarcpilot-password', batchSize: 0 });
  assert.deepEqual(bad.problems.map((p) => p.field), ['url', 'passwordFile', 'batchSize']);
});
