/**
 * The configuration of `dmarcpilot serve`: a JSON file (docs/serve.md, dmarcpilot.example.json),
 * then environment variables over it, then command-line options over both. Everything has a
 * default, so `dmarcpilot serve` with nothing configured runs the SMTP listener on
 * 127.0.0.1:2525 into data/dmarcpilot.sqlite.
 *
 * Pure: the caller reads the file and passes the environment. Every mistake is reported with the
 * setting's path (`smtp.maxConnections`) and what was expected, all at once, before anything starts.
 */
import { DEFAULT_STORE_LOCATION } from '../store/open-store.js';

export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /** Name in the greeting banner; default the machine's host name. */
  readonly hostname: string | undefined;
  /** Addresses (`dmarc@reports.example`) and domains (`reports.example`) mail is accepted for. */
  readonly recipients: readonly string[];
  readonly maxMessageBytes: number;
  readonly maxConnections: number;
  readonly tls: { readonly keyFile: string; readonly certFile: string } | undefined;
  /** Refuse MAIL FROM before STARTTLS. */
  readonly requireTls: boolean;
  readonly socketTimeoutMs: number | undefined;
  readonly closeTimeoutMs: number | undefined;
}

export interface ImapSettings {
  /** `imaps://user@host[:port]/FOLDER`. */
  readonly url: string;
  /** A file holding the password (one line); else $DMARCPILOT_IMAP_PASSWORD. */
  readonly passwordFile: string | undefined;
  readonly archiveFolder: string | undefined;
  readonly failedFolder: string | undefined;
  /** Leave messages where they are (no move, no delete). */
  readonly keep: boolean;
  /** Delete messages once their reports are stored, instead of moving them. */
  readonly delete: boolean;
  /** Accept a certificate that does not verify (a test server; never in production). */
  readonly insecureTls: boolean;
}

export interface ServeConfig {
  readonly db: string;
  /** Keep failure reports' original headers (privacy: off by default). */
  readonly keepFailureHeaders: boolean;
  /** undefined when the listener is turned off. */
  readonly smtp: SmtpSettings | undefined;
  readonly imap: readonly ImapSettings[];
}

export interface ServeOverrides {
  readonly db?: string | undefined;
  /** `HOST:PORT`, or `off`. */
  readonly smtp?: string | undefined;
}

export const SMTP_DEFAULTS = {
  host: '127.0.0.1',
  port: 2525,
  maxMessageBytes: 32 * 1024 * 1024,
  maxConnections: 20,
} as const;

export type ServeConfigResult = { readonly config: ServeConfig; readonly errors?: undefined } | { readonly config?: undefined; readonly errors: readonly string[] };

type Env = Readonly<Record<string, string | undefined>>;

/** Builds the configuration from the file's text (if any), the environment and the options. */
export function resolveServeConfig(file: { path: string; text: string } | undefined, env: Env, overrides: ServeOverrides = {}): ServeConfigResult {
  const errors: string[] = [];
  const where = file ? `${file.path}: ` : '';
  let root: Record<string, unknown> = {};
  if (file) {
    try {
      const parsed: unknown = JSON.parse(file.text);
      if (!isObject(parsed)) errors.push(`${where}the configuration must be a JSON object`);
      else root = parsed;
    } catch (caught) {
      errors.push(`${where}not valid JSON: ${caught instanceof Error ? caught.message : String(caught)}`);
    }
  }
  const read = new Reader(where, errors);
  read.known(root, '', ['db', 'keepFailureHeaders', 'smtp', 'imap']);

  const db = overrides.db ?? env['DMARCPILOT_DB'] ?? read.string(root, 'db') ?? DEFAULT_STORE_LOCATION;
  const keepFailureHeaders = read.boolean(root, 'keepFailureHeaders') ?? false;
  const smtp = smtpSettings(root['smtp'], env, overrides.smtp, read);
  const imap = imapSettings(root['imap'], env, read);
  if (errors.length > 0) return { errors };
  return { config: { db, keepFailureHeaders, smtp, imap } };
}

function smtpSettings(value: unknown, env: Env, override: string | undefined, read: Reader): SmtpSettings | undefined {
  const section = value === undefined ? {} : read.object(value, 'smtp');
  if (section === undefined) return undefined;
  read.known(section, 'smtp.', ['enabled', 'host', 'port', 'hostname', 'recipients', 'maxMessageBytes', 'maxConnections', 'tls', 'requireTls', 'socketTimeoutMs', 'closeTimeoutMs']);
  const listen = override ?? env['DMARCPILOT_SMTP'];
  if (listen?.toLowerCase() === 'off' || (listen === undefined && read.boolean(section, 'enabled', 'smtp.') === false)) return undefined;
  let host = read.string(section, 'host', 'smtp.') ?? SMTP_DEFAULTS.host;
  let port = read.integer(section, 'port', 0, 65535, 'smtp.') ?? SMTP_DEFAULTS.port;
  if (listen !== undefined) {
    const parsed = parseListen(listen);
    if (parsed === undefined) read.fail(`DMARCPILOT_SMTP / --smtp: "${listen}" is not HOST:PORT or "off"`);
    else ({ host, port } = parsed);
  }
  const fromEnv = env['DMARCPILOT_SMTP_RECIPIENTS'];
  const recipients = fromEnv !== undefined ? splitList(fromEnv) : (read.stringList(section, 'recipients', 'smtp.') ?? []);
  for (const recipient of recipients) {
    if (recipient === '*') {
      if (!isLoopback(host)) read.fail(`smtp.recipients: "*" (any recipient) is only allowed on a loopback listener, not on ${host}`);
      continue;
    }
    if (!/^(@?[a-z0-9.-]+\.[a-z0-9-]+|[^@\s]+@[a-z0-9.-]+\.[a-z0-9-]+)$/i.test(recipient)) read.fail(`smtp.recipients: "${recipient}" is neither an address nor a domain`);
  }
  if (recipients.length === 0 && !isLoopback(host)) {
    read.fail(`smtp.recipients (or DMARCPILOT_SMTP_RECIPIENTS) is required when the listener is on ${host}, not loopback: name the addresses or domains reports are sent to`);
  }
  const tlsSection = section['tls'] === undefined ? undefined : read.object(section['tls'], 'smtp.tls');
  if (tlsSection) read.known(tlsSection, 'smtp.tls.', ['keyFile', 'certFile']);
  const keyFile = env['DMARCPILOT_SMTP_TLS_KEY'] ?? (tlsSection && read.string(tlsSection, 'keyFile', 'smtp.tls.'));
  const certFile = env['DMARCPILOT_SMTP_TLS_CERT'] ?? (tlsSection && read.string(tlsSection, 'certFile', 'smtp.tls.'));
  if ((keyFile === undefined) !== (certFile === undefined)) read.fail('smtp.tls: give both keyFile and certFile (or DMARCPILOT_SMTP_TLS_KEY and DMARCPILOT_SMTP_TLS_CERT)');
  const requireTls = read.boolean(section, 'requireTls', 'smtp.') ?? false;
  if (requireTls && keyFile === undefined) read.fail('smtp.requireTls: needs smtp.tls (keyFile and certFile)');
  return {
    host,
    port,
    hostname: read.string(section, 'hostname', 'smtp.'),
    recipients,
    maxMessageBytes: read.integer(section, 'maxMessageBytes', 1024, 2 ** 40, 'smtp.') ?? SMTP_DEFAULTS.maxMessageBytes,
    maxConnections: read.integer(section, 'maxConnections', 1, 10_000, 'smtp.') ?? SMTP_DEFAULTS.maxConnections,
    tls: keyFile !== undefined && certFile !== undefined ? { keyFile, certFile } : undefined,
    requireTls,
    socketTimeoutMs: read.integer(section, 'socketTimeoutMs', 1000, 3_600_000, 'smtp.'),
    closeTimeoutMs: read.integer(section, 'closeTimeoutMs', 100, 600_000, 'smtp.'),
  };
}

function imapSettings(value: unknown, env: Env, read: Reader): ImapSettings[] {
  const mailboxes: ImapSettings[] = [];
  if (value !== undefined) {
    if (!Array.isArray(value)) read.fail('imap: expected a list of mailboxes');
    else {
      value.forEach((item: unknown, index) => {
        const path = `imap[${index}].`;
        const section = read.object(item, `imap[${index}]`);
        if (!section) return;
        read.known(section, path, ['url', 'passwordFile', 'archiveFolder', 'failedFolder', 'keep', 'delete', 'insecureTls']);
        const url = read.string(section, 'url', path);
        if (url === undefined) {
          read.fail(`${path}url: required (imaps://user@host/FOLDER)`);
          return;
        }
        mailboxes.push(mailbox(url, section, path, read));
      });
    }
  }
  const fromEnv = env['DMARCPILOT_IMAP_URL'];
  if (fromEnv !== undefined && fromEnv !== '') mailboxes.push(mailbox(fromEnv, {}, 'DMARCPILOT_IMAP_URL ', read));
  return mailboxes;
}

function mailbox(url: string, section: Record<string, unknown>, path: string, read: Reader): ImapSettings {
  if (!/^imaps?:\/\/[^/]+/i.test(url)) read.fail(`${path}url: "${url.replace(/:[^:@/]*@/, ':****@')}" is not imap:// or imaps://user@host/FOLDER`);
  const keep = read.boolean(section, 'keep', path) ?? false;
  const remove = read.boolean(section, 'delete', path) ?? false;
  if (keep && remove) read.fail(`${path}keep and ${path}delete: choose one`);
  return {
    url,
    passwordFile: read.string(section, 'passwordFile', path),
    archiveFolder: read.string(section, 'archiveFolder', path),
    failedFolder: read.string(section, 'failedFolder', path),
    keep,
    delete: remove,
    insecureTls: read.boolean(section, 'insecureTls', path) ?? false,
  };
}

/** `HOST:PORT`, `[v6]:PORT` or `:PORT` (loopback). */
function parseListen(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host: match[1] ?? (match[2] || SMTP_DEFAULTS.host), port };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function splitList(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Typed reads from the parsed JSON that record a message for each wrong type instead of throwing. */
class Reader {
  constructor(
    private readonly where: string,
    private readonly errors: string[],
  ) {}

  fail(message: string): void {
    this.errors.push(`${this.where}${message}`);
  }

  known(section: Record<string, unknown>, path: string, keys: readonly string[]): void {
    for (const key of Object.keys(section)) {
      if (!keys.includes(key)) this.fail(`${path}${key}: unknown setting (known here: ${keys.join(', ')})`);
    }
  }

  object(value: unknown, path: string): Record<string, unknown> | undefined {
    if (isObject(value)) return value;
    this.fail(`${path}: expected an object`);
    return undefined;
  }

  string(section: Record<string, unknown>, key: string, path = ''): string | undefined {
    const value = section[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value !== '') return value;
    this.fail(`${path}${key}: expected a non-empty string`);
    return undefined;
  }

  boolean(section: Record<string, unknown>, key: string, path = ''): boolean | undefined {
    const value = section[key];
    if (value === undefined || typeof value === 'boolean') return value;
    this.fail(`${path}${key}: expected true or false`);
    return undefined;
  }

  integer(section: Record<string, unknown>, key: string, min: number, max: number, path = ''): number | undefined {
    const value = section[key];
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    this.fail(`${path}${key}: expected a whole number from ${min} to ${max}`);
    return undefined;
  }

  stringList(section: Record<string, unknown>, key: string, path = ''): string[] | undefined {
    const value = section[key];
    if (value === undefined) return undefined;
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
    this.fail(`${path}${key}: expected a list of strings`);
    return undefined;
  }
}
