/**
 * The configuration of an IMAP source, shared by the one-off back-fill (`dmarcpilot ingest
 * --imap`) and the watcher in `serve`, declared and checked once: `readImapMailboxes` reads the
 * `imap` section of the configuration file (for the loader, app/config.ts), and `makeImapConfig`
 * completes one mailbox (password, defaults), so that defaults and checks are the same everywhere.
 *
 * What happens to a message once it is dealt with (`afterIngest`):
 * - `move` (default): to `archiveFolder` when at least one report in it is stored (new or
 *   already there), to `failedFolder` when it was refused or held no report. The move happens
 *   only after the store committed; a crash before it means the message is read again next
 *   time, and the store recognises its reports.
 * - `delete`: stored messages are deleted instead of archived; failed ones still go to
 *   `failedFolder` (nothing refused is ever deleted).
 * - `keep`: nothing is moved or deleted (read-only back-fills); re-runs rely on deduplication.
 */
import { readFileSync } from 'node:fs';
import type { Problem } from '../../core/problem.js';
import { problem } from '../../core/problem.js';
import type { SettingsReader, SettingsSection } from '../../core/settings-reader.js';
import type { ImapLocation } from './imap-location.js';
import { describeImapLocation, maskUrlPassword, parseImapLocation } from './imap-location.js';

export type ImapAfterIngest = 'move' | 'delete' | 'keep';

export interface ImapSourceConfig {
  readonly location: ImapLocation;
  readonly password: string;
  /** Where stored messages go (`move`); created when missing. Default `dmarcpilot-archive`. */
  readonly archiveFolder: string;
  /** Where refused messages and messages without a report go; created when missing. Default `dmarcpilot-failed`. */
  readonly failedFolder: string;
  readonly afterIngest: ImapAfterIngest;
  /** UIDs handled per round: sizes fetched together, then one message at a time, then one MOVE. Default 50. */
  readonly batchSize: number;
  /** Accept a server certificate that does not verify (self-signed test servers only). */
  readonly insecureTls: boolean;
  /** Allow imap:// without STARTTLS to a host that is not loopback (the password travels in clear). */
  readonly allowPlaintext: boolean;
  /** Connection and greeting time-out, milliseconds. Default 30 s. */
  readonly connectTimeoutMs: number;
}

/** Back-off between reconnection attempts: `initialMs` doubling up to `maxMs`, with jitter. */
export interface BackoffSettings {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_ARCHIVE_FOLDER = 'dmarcpilot-archive';
export const DEFAULT_FAILED_FOLDER = 'dmarcpilot-failed';
export const DEFAULT_BATCH_SIZE = 50;

export interface ImapConfigInput {
  readonly url: string;
  /** From the environment (`DMARCPILOT_IMAP_PASSWORD`), passed in by the caller. */
  readonly envPassword?: string | undefined;
  /** A file holding the password (first line; a trailing newline is ignored). */
  readonly passwordFile?: string | undefined;
  readonly archiveFolder?: string | undefined;
  readonly failedFolder?: string | undefined;
  readonly afterIngest?: ImapAfterIngest | undefined;
  readonly batchSize?: number | undefined;
  readonly insecureTls?: boolean | undefined;
  readonly allowPlaintext?: boolean | undefined;
  readonly connectTimeoutMs?: number | undefined;
}

/** The source ready to use, or every problem with it (field: `url`, `password`, `archiveFolder`, …, prefixed by `field`). */
export type ImapConfigResult = { readonly config: ImapSourceConfig; readonly problems: readonly [] } | { readonly config?: undefined; readonly problems: readonly Problem[] };

/**
 * Checks and completes an IMAP source configuration. The password comes from `passwordFile`,
 * else the URL, else `envPassword`; errors name the URL with its password masked.
 */
export function makeImapConfig(input: ImapConfigInput, field = ''): ImapConfigResult {
  // Every problem of the mailbox is reported at once, each naming its setting.
  const problems: Problem[] = [];
  const refuse = (name: string, message: string): void => void problems.push(problem('setting-invalid', `${field}${name}`, message));
  const parsed = parseImapLocation(input.url);
  if (!parsed.ok) refuse('url', parsed.message);
  const location = parsed.ok ? parsed.location : undefined;
  const where = location ? describeImapLocation(location) : maskUrlPassword(input.url);
  const password = location ? resolvePassword(input, location) : input.passwordFile !== undefined ? readPasswordFile(input.passwordFile) : '';
  if (typeof password !== 'string') refuse(input.passwordFile !== undefined ? 'passwordFile' : 'password', `${where}: ${password.error}`);
  const archiveFolder = input.archiveFolder ?? DEFAULT_ARCHIVE_FOLDER;
  const failedFolder = input.failedFolder ?? DEFAULT_FAILED_FOLDER;
  const afterIngest = input.afterIngest ?? 'move';
  if (afterIngest !== 'keep') {
    for (const [name, folder] of [['archive', archiveFolder], ['failed', failedFolder]] as const) {
      if (folder === '') refuse(`${name}Folder`, `${where}: the ${name} folder name is empty`);
      else if (location && sameFolder(folder, location.folder)) refuse(`${name}Folder`, `${where}: the ${name} folder cannot be the folder being read (${folder})`);
    }
  }
  const batchSize = input.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) refuse('batchSize', `${where}: the batch size must be a positive whole number`);
  if (problems.length > 0 || location === undefined || typeof password !== 'string') return { problems };
  return {
    problems: [],
    config: {
      location,
      password,
      archiveFolder,
      failedFolder,
      afterIngest,
      batchSize,
      insecureTls: input.insecureTls === true,
      allowPlaintext: input.allowPlaintext === true,
      connectTimeoutMs: input.connectTimeoutMs ?? 30_000,
    },
  };
}

function resolvePassword(input: ImapConfigInput, location: ImapLocation): string | { error: string } {
  if (input.passwordFile !== undefined) return readPasswordFile(input.passwordFile);
  if (location.urlPassword !== undefined) return location.urlPassword;
  if (input.envPassword !== undefined && input.envPassword !== '') return input.envPassword;
  return { error: 'no password: set DMARCPILOT_IMAP_PASSWORD or use --imap-password-file FILE' };
}

function readPasswordFile(file: string): string | { error: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (caught) {
    return { error: `cannot read the password file ${file}: ${caught instanceof Error ? caught.message : String(caught)}` };
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '') return { error: `the password file ${file} is empty` };
  return password;
}

/** INBOX is case-insensitive (RFC 3501 §5.1); other names are compared as written. */
function sameFolder(a: string, b: string): boolean {
  return a === b || (a.toUpperCase() === 'INBOX' && b.toUpperCase() === 'INBOX');
}

/** One mailbox of the `imap` section of the configuration, as written (checked, not yet completed). */
export interface ImapMailboxSettings {
  /** `imaps://user@host[:port]/FOLDER`. */
  readonly url: string;
  /** A file holding the password (one line); else the URL, else $DMARCPILOT_IMAP_PASSWORD. */
  readonly passwordFile: string | undefined;
  readonly archiveFolder: string | undefined;
  readonly failedFolder: string | undefined;
  /** Leave messages where they are (no move, no delete). */
  readonly keep: boolean;
  /** Delete messages once their reports are stored, instead of moving them. */
  readonly delete: boolean;
  /** Accept a certificate that does not verify (a test server; never in production). */
  readonly insecureTls: boolean;
  /** Where it was configured, for messages: `imap[0].`, or `DMARCPILOT_IMAP_URL `. */
  readonly field: string;
}

const MAILBOX_KEYS = ['url', 'passwordFile', 'archiveFolder', 'failedFolder', 'keep', 'delete', 'insecureTls'];

/** The `imap` section (a list of mailboxes) and DMARCPILOT_IMAP_URL; every mistake goes to `read`. */
export function readImapMailboxes(value: unknown, envUrl: string | undefined, read: SettingsReader): ImapMailboxSettings[] {
  const mailboxes: ImapMailboxSettings[] = [];
  if (value !== undefined) {
    if (!Array.isArray(value)) read.fail('imap', 'expected a list of mailboxes');
    else {
      value.forEach((item: unknown, index) => {
        const path = `imap[${index}].`;
        const section = read.object(item, `imap[${index}]`);
        if (!section) return;
        read.known(section, path, MAILBOX_KEYS);
        const url = read.string(section, 'url', path);
        if (url === undefined) {
          read.fail(`${path}url`, 'required (imaps://user@host/FOLDER)');
          return;
        }
        mailboxes.push(readMailbox(url, section, path, read));
      });
    }
  }
  if (envUrl !== undefined && envUrl !== '') mailboxes.push(readMailbox(envUrl, {}, 'DMARCPILOT_IMAP_URL ', read));
  return mailboxes;
}

function readMailbox(url: string, section: SettingsSection, path: string, read: SettingsReader): ImapMailboxSettings {
  if (!/^imaps?:\/\/[^/]+/i.test(url)) read.fail(`${path}url`, `"${maskUrlPassword(url)}" is not imap:// or imaps://user@host/FOLDER`);
  const keep = read.boolean(section, 'keep', path) ?? false;
  const remove = read.boolean(section, 'delete', path) ?? false;
  if (keep && remove) read.fail(`${path}keep and ${path}delete`, 'choose one');
  return {
    url,
    passwordFile: read.string(section, 'passwordFile', path),
    archiveFolder: read.string(section, 'archiveFolder', path),
    failedFolder: read.string(section, 'failedFolder', path),
    keep,
    delete: remove,
    insecureTls: read.boolean(section, 'insecureTls', path) ?? false,
    field: path,
  };
}

/** The source of one configured mailbox (its password read), or its problems. */
export function imapSourceFrom(mailbox: ImapMailboxSettings, envPassword: string | undefined): ImapConfigResult {
  return makeImapConfig(
    {
      url: mailbox.url,
      envPassword,
      passwordFile: mailbox.passwordFile,
      archiveFolder: mailbox.archiveFolder,
      failedFolder: mailbox.failedFolder,
      afterIngest: mailbox.keep ? 'keep' : mailbox.delete ? 'delete' : 'move',
      insecureTls: mailbox.insecureTls,
    },
    mailbox.field.trim() === 'DMARCPILOT_IMAP_URL' ? '' : mailbox.field,
  );
}
