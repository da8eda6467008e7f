/**
 * The configuration of an IMAP source, shared by the one-off back-fill (`dmarcpilot ingest
 * --imap`) and the watcher in `serve`. Build it with `makeImapConfig` so that defaults and
 * checks are the same everywhere.
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
import type { ImapLocation } from './imap-location.js';
import { describeImapLocation, parseImapLocation } from './imap-location.js';

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

export type ImapConfigResult = { readonly ok: true; readonly config: ImapSourceConfig } | { readonly ok: false; readonly message: string };

/**
 * Checks and completes an IMAP source configuration. The password comes from `passwordFile`,
 * else the URL, else `envPassword`; errors name the URL with its password masked.
 */
export function makeImapConfig(input: ImapConfigInput): ImapConfigResult {
  const parsed = parseImapLocation(input.url);
  if (!parsed.ok) return parsed;
  const location = parsed.location;
  const where = describeImapLocation(location);
  const password = resolvePassword(input, location);
  if (typeof password !== 'string') return { ok: false, message: `${where}: ${password.error}` };
  const archiveFolder = input.archiveFolder ?? DEFAULT_ARCHIVE_FOLDER;
  const failedFolder = input.failedFolder ?? DEFAULT_FAILED_FOLDER;
  const afterIngest = input.afterIngest ?? 'move';
  if (afterIngest !== 'keep') {
    for (const [name, folder] of [['archive', archiveFolder], ['failed', failedFolder]] as const) {
      if (folder === '') return { ok: false, message: `${where}: the ${name} folder name is empty` };
      if (sameFolder(folder, location.folder)) return { ok: false, message: `${where}: the ${name} folder cannot be the folder being read (${folder})` };
    }
  }
  const batchSize = input.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) return { ok: false, message: `${where}: the batch size must be a positive whole number` };
  return {
    ok: true,
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
  if (input.passwordFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(input.passwordFile, 'utf8');
    } catch (caught) {
      return { error: `cannot read the password file ${input.passwordFile}: ${caught instanceof Error ? caught.message : String(caught)}` };
    }
    const password = text.replace(/\r?\n$/, '');
    if (password === '') return { error: `the password file ${input.passwordFile} is empty` };
    return password;
  }
  if (location.urlPassword !== undefined) return location.urlPassword;
  if (input.envPassword !== undefined && input.envPassword !== '') return input.envPassword;
  return { error: 'no password: set DMARCPILOT_IMAP_PASSWORD or use --imap-password-file FILE' };
}

/** INBOX is case-insensitive (RFC 3501 §5.1); other names are compared as written. */
function sameFolder(a: string, b: string): boolean {
  return a === b || (a.toUpperCase() === 'INBOX' && b.toUpperCase() === 'INBOX');
}
