/**
 * The one configuration loader, used by every command and by `serve`: a JSON file (`--config
 * FILE` or $DMARCPILOT_CONFIG; docs/serve.md, dmarcpilot.example.json), then environment
 * variables over it, then command-line options over both. Everything has a default, so with
 * nothing configured the store is data/dmarcpilot.sqlite and `serve` listens on 127.0.0.1:2525.
 *
 * Every mistake is reported at once, each naming its setting (`smtp.maxConnections`,
 * `DMARCPILOT_SMTP`), as one AppError `invalid`, before anything opens or listens. The SMTP and
 * IMAP settings are declared and checked by their adapters (ingest/smtp/smtp-listener-config.ts,
 * ingest/imap/imap-config.ts), here only read in order. This is the only place that reads the
 * environment.
 */
import { readFileSync } from 'node:fs';
import { resolveGateSettings } from '../analysis/readiness-gates.js';
import type { Limits } from '../core/limits.js';
import { defaultLimits } from '../core/limits.js';
import { parseServerAddress } from '../core/server-address.js';
import type { SettingsSection } from '../core/settings-reader.js';
import { SettingsReader } from '../core/settings-reader.js';
import type { ImapMailboxSettings } from '../ingest/imap/imap-config.js';
import { imapSourceFrom, readImapMailboxes } from '../ingest/imap/imap-config.js';
import type { SmtpListenerSettings } from '../ingest/smtp/smtp-listener-config.js';
import { readSmtpSettings } from '../ingest/smtp/smtp-listener-config.js';
import type { RetentionSettings } from './context.js';
import { DEFAULT_RETENTION } from './context.js';
import type { HttpSettings } from './http-settings.js';
import { OIDC_CLIENT_SECRET_ENV, readHttpSettings } from './http-settings.js';
import { invalid, throwIfInvalid } from './problems.js';

/** The embedded default store: zero set-up, one file under ./data. */
export const DEFAULT_STORE_LOCATION = 'data/dmarcpilot.sqlite';
export const DEFAULT_DNS_TIMEOUT_MS = 2000;

export interface AppConfig {
  /** The configuration file read, if any. */
  readonly file: string | undefined;
  /** A SQLite file path or a postgres:// URL. */
  readonly db: string;
  /** True when a store was named (option, environment or file), not just the embedded default. */
  readonly dbConfigured: boolean;
  /** An offline IP-to-network database (iptoasn.com TSV), naming each source's network. */
  readonly asnDb: string | undefined;
  /** Keep failure reports' original headers (privacy: off by default). */
  readonly keepFailureHeaders: boolean;
  /** Keep the raw bytes of inputs that hold failure reports, until their retention ends (privacy: off by default). */
  readonly keepFailureRaw: boolean;
  /** How long failure-report data and closed quarantine entries are kept (docs/data-retention.md). */
  readonly retention: RetentionSettings;
  /** The resource limits every input is read under (docs/formats.md). */
  readonly limits: Limits;
  /** DNS servers to ask (default: the system's) and the time one server gets for one attempt. */
  readonly dns: { readonly servers: readonly string[] | undefined; readonly timeoutMs: number };
  /** The SMTP listener of `serve`; undefined when it is off or the command receives no mail. */
  readonly smtp: SmtpListenerSettings | undefined;
  /** The HTTP API of `serve`; undefined when it is off or the command serves none. */
  readonly http: HttpSettings | undefined;
  /** The mailboxes `serve` watches. */
  readonly imap: readonly ImapMailboxSettings[];
  /** $DMARCPILOT_IMAP_PASSWORD, for mailboxes without a password file or URL password. */
  readonly imapPassword: string | undefined;
  /** The file's `gates` section (checked here; the planner applies it first, app/plan-domain.ts). */
  readonly gates: SettingsSection | undefined;
  /** Settings accepted with an adjustment the operator should hear of (`serve` logs them). */
  readonly warnings: readonly string[];
}

/** What command-line options can set; each wins over the environment and the file. */
export interface ConfigFlags {
  readonly config?: string | undefined;
  readonly db?: string | undefined;
  readonly asnDb?: string | undefined;
  /** `HOST:PORT` or `off`. */
  readonly smtp?: string | undefined;
  /** `HOST:PORT` or `off`. */
  readonly http?: string | undefined;
  readonly keepFailureHeaders?: boolean | undefined;
  readonly keepFailureRaw?: boolean | undefined;
  readonly dnsServers?: readonly string[] | undefined;
  readonly dnsTimeoutMs?: number | undefined;
  readonly limits?: Partial<Limits> | undefined;
}

export interface LoadOptions {
  /** Read the SMTP and IMAP settings too (`serve`); other commands receive no mail and ignore them. */
  readonly receivers?: boolean;
}

export type Environment = Readonly<Record<string, string | undefined>>;

const FILE_KEYS = ['db', 'asnDb', 'keepFailureHeaders', 'keepFailureRaw', 'retention', 'dns', 'limits', 'smtp', 'imap', 'http', 'gates'];
const LIMIT_KEYS: readonly (keyof Limits)[] = ['maxDecompressedBytes', 'maxRatio', 'ratioGraceBytes', 'maxBufferedBytes', 'maxZipMembers'];

/** Reads the configuration file (if one is named) and resolves everything; throws AppError `invalid`. */
export function loadConfig(flags: ConfigFlags = {}, env: Environment = process.env, options: LoadOptions = {}): AppConfig {
  const path = flags.config ?? env['DMARCPILOT_CONFIG'];
  let file: { path: string; text: string } | undefined;
  if (path !== undefined && path !== '') {
    try {
      file = { path, text: readFileSync(path, 'utf8') };
    } catch (caught) {
      throw invalid('config-unreadable', flags.config !== undefined ? '--config' : 'DMARCPILOT_CONFIG', `cannot read the configuration ${path}: ${caught instanceof Error ? caught.message : String(caught)}`);
    }
  }
  const read = new SettingsReader(file ? `${file.path}: ` : '');
  const config = readConfig(read, file, env, flags, options, true);
  if (options.receivers === true) checkReceiverFiles(config, read);
  throwIfInvalid(read.problems);
  return config;
}

/** The pure part of loadConfig: the file's text (if any), the environment and the options. */
export function resolveConfig(file: { path: string; text: string } | undefined, env: Environment, flags: ConfigFlags = {}, options: LoadOptions = {}): AppConfig {
  const read = new SettingsReader(file ? `${file.path}: ` : '');
  const config = readConfig(read, file, env, flags, options, false);
  throwIfInvalid(read.problems);
  return config;
}

/**
 * What `serve`'s mailboxes need besides their settings, read now so that its problems are
 * reported with every other one, each naming its setting: each mailbox's password (file, URL or
 * environment). A setting already refused is not reported twice.
 */
function checkReceiverFiles(config: AppConfig, read: SettingsReader): void {
  const refused = new Set(read.problems.map((p) => p.field));
  for (const mailbox of config.imap) {
    for (const p of imapSourceFrom(mailbox, config.imapPassword).problems) {
      const field = p.field ?? `${mailbox.field}url`;
      if (!refused.has(field)) read.fail(field, p.message, p.code);
    }
  }
}

/** Every setting read into `read`'s problems; `readFiles`: read the files settings name (the TLS key and certificate) too. */
function readConfig(read: SettingsReader, file: { path: string; text: string } | undefined, env: Environment, flags: ConfigFlags, options: LoadOptions, readFiles: boolean): AppConfig {
  let root: SettingsSection = {};
  if (file) {
    try {
      const parsed: unknown = JSON.parse(file.text);
      const section = read.object(parsed, '(the whole file)');
      if (section) root = section;
    } catch (caught) {
      read.problems.push({ code: 'config-not-json', field: file.path, message: `${file.path}: not valid JSON: ${caught instanceof Error ? caught.message : String(caught)}` });
    }
  }
  read.known(root, '', FILE_KEYS);
  const fileDb = read.string(root, 'db');
  const db = flags.db ?? nonEmpty(env['DMARCPILOT_DB']) ?? fileDb ?? DEFAULT_STORE_LOCATION;
  const limits = readLimits(root['limits'], flags.limits, read);
  const dns = readDns(root['dns'], flags, read);
  const gates = root['gates'] === undefined ? undefined : read.object(root['gates'], 'gates');
  if (gates) for (const p of resolveGateSettings(gates).problems) read.fail(`gates.${p.field ?? ''}`.replace(/\.$/, ''), p.message, p.code);
  const receivers = options.receivers === true;
  const smtp = receivers
    ? readSmtpSettings(
        root['smtp'],
        {
          listen: flags.smtp ?? env['DMARCPILOT_SMTP'],
          listenFrom: flags.smtp !== undefined ? '--smtp' : 'DMARCPILOT_SMTP',
          recipients: env['DMARCPILOT_SMTP_RECIPIENTS'],
          tlsKeyFile: env['DMARCPILOT_SMTP_TLS_KEY'],
          tlsCertFile: env['DMARCPILOT_SMTP_TLS_CERT'],
        },
        limits,
        read,
        { emptyRecipientsOnLoopback: 'any', messageLimitAboveBuffered: 'lower', readTlsFiles: readFiles },
      )
    : undefined;
  const imap = receivers ? readImapMailboxes(root['imap'], env['DMARCPILOT_IMAP_URL'], read) : [];
  const http = receivers
    ? readHttpSettings(root['http'], { text: flags.http ?? nonEmpty(env['DMARCPILOT_HTTP']), from: flags.http !== undefined ? '--http' : 'DMARCPILOT_HTTP' }, read, {
        metricsToken: nonEmpty(env['DMARCPILOT_METRICS_TOKEN']),
        oidcClientSecret: env[OIDC_CLIENT_SECRET_ENV],
        readFiles,
      })
    : undefined;
  const config: AppConfig = {
    file: file?.path,
    db,
    dbConfigured: flags.db !== undefined || nonEmpty(env['DMARCPILOT_DB']) !== undefined || fileDb !== undefined,
    asnDb: flags.asnDb ?? nonEmpty(env['DMARCPILOT_ASN_DB']) ?? read.string(root, 'asnDb'),
    keepFailureHeaders: flags.keepFailureHeaders === true || (read.boolean(root, 'keepFailureHeaders') ?? false),
    keepFailureRaw: flags.keepFailureRaw === true || (read.boolean(root, 'keepFailureRaw') ?? false),
    retention: readRetention(root['retention'], read),
    limits,
    dns,
    smtp,
    http,
    imap,
    imapPassword: env['DMARCPILOT_IMAP_PASSWORD'],
    gates,
    warnings: read.warnings.map((w) => w.message),
  };
  return config;
}

function readLimits(value: unknown, flags: Partial<Limits> | undefined, read: SettingsReader): Limits {
  const section = value === undefined ? {} : (read.object(value, 'limits') ?? {});
  read.known(section, 'limits.', LIMIT_KEYS);
  const limits: Record<string, number> = { ...defaultLimits };
  for (const key of LIMIT_KEYS) {
    const fromFile = read.integer(section, key, 1, Number.MAX_SAFE_INTEGER, 'limits.');
    const chosen = flags?.[key] ?? fromFile;
    if (chosen !== undefined) limits[key] = chosen;
  }
  return limits as unknown as Limits;
}

/** The most days anything can be kept for: 100 years. */
const MAX_RETENTION_DAYS = 36_500;

function readRetention(value: unknown, read: SettingsReader): RetentionSettings {
  const section = value === undefined ? {} : (read.object(value, 'retention') ?? {});
  read.known(section, 'retention.', ['failureReportDays', 'closedQuarantineDays']);
  return {
    failureReportDays: read.integer(section, 'failureReportDays', 1, MAX_RETENTION_DAYS, 'retention.') ?? DEFAULT_RETENTION.failureReportDays,
    closedQuarantineDays: read.integer(section, 'closedQuarantineDays', 1, MAX_RETENTION_DAYS, 'retention.') ?? DEFAULT_RETENTION.closedQuarantineDays,
  };
}

function readDns(value: unknown, flags: ConfigFlags, read: SettingsReader): AppConfig['dns'] {
  const section = value === undefined ? {} : (read.object(value, 'dns') ?? {});
  read.known(section, 'dns.', ['servers', 'timeoutMs']);
  const servers = flags.dnsServers ?? read.stringList(section, 'servers', 'dns.');
  for (const server of servers ?? []) {
    if (parseServerAddress(server) === undefined) read.fail(flags.dnsServers ? '--resolver' : 'dns.servers', `"${server}" is not an IP address with an optional port`);
  }
  const timeoutMs = flags.dnsTimeoutMs ?? read.integer(section, 'timeoutMs', 1, 600_000, 'dns.') ?? DEFAULT_DNS_TIMEOUT_MS;
  return { servers: servers === undefined || servers.length === 0 ? undefined : servers, timeoutMs };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
