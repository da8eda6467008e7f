/**
 * The SMTP listener's settings, declared and checked once: here. The configuration loader
 * (app/config.ts) reads the `smtp` section of the `serve` file and the DMARCPILOT_SMTP_*
 * variables through `readSmtpSettings`; a caller that starts a listener directly (tests, an
 * embedding program) passes the same section as an object and startSmtpListener checks it the
 * same way. Checking is separate from starting, so that a loader can report every mistake of the
 * whole configuration at once before anything listens.
 */
import { readFileSync } from 'node:fs';
import type { Limits } from '../../core/limits.js';
import type { SettingsReader, SettingsSection } from '../../core/settings-reader.js';
import { splitSettingList } from '../../core/settings-reader.js';
import type { RecipientPolicy } from './recipient-policy.js';
import { parseRecipientPolicy } from './recipient-policy.js';

const MiB = 1024 * 1024;

/** What the operator configures (the `smtp` section); everything has a default. */
export interface SmtpListenerConfig {
  /** Turn the listener off (`false`). Default true. */
  readonly enabled?: boolean;
  /** Address to listen on. Default `127.0.0.1`: opening it to the world is a deliberate choice (`0.0.0.0` or `::`). */
  readonly host?: string;
  /** TCP port. Default 2525 (no root needed; forward 25 to it). 0 picks a free port (tests). */
  readonly port?: number;
  /** Name in the 220 banner and the EHLO reply. Default: the machine's host name. */
  readonly hostname?: string;
  /**
   * Whom mail is accepted for: addresses (`dmarc@reports.example`) and whole domains
   * (`reports.example` or `@reports.example`), case-insensitive; every other recipient is refused
   * at RCPT TO with 550 5.1.1, so the listener is never a relay. `*` (any recipient) only on a
   * loopback listener, for a first trial; in `serve`'s configuration no recipients on loopback
   * means `*` (SmtpReadOptions).
   */
  readonly recipients?: readonly string[];
  /**
   * Largest message accepted, in bytes; announced with the SIZE extension (RFC 1870). A larger
   * message is answered 552 5.3.4 and its bytes are read and dropped, never buffered.
   * Default 32 MiB; never more than `limits.maxBufferedBytes`, since the message is kept whole.
   */
  readonly maxMessageBytes?: number;
  /** Connections at once; one more is answered 421 4.7.0 and closed. Default 20. */
  readonly maxConnections?: number;
  /**
   * Connections at once from one client address (IPv4), or one IPv6 /64 network; one more is
   * answered 421 4.7.0 and closed, so that one sender, or one slow attacker, cannot take every
   * slot. Default 5 (at most `maxConnections`).
   */
  readonly maxConnectionsPerAddress?: number;
  /**
   * Message bytes held in memory at once across all connections: messages being received,
   * waiting for their turn and being stored. A message that would go past it is read to the end
   * and answered 452 4.2.2 (insufficient storage now: try again later); a MAIL FROM whose SIZE= does not fit gets the same
   * at once. Default 2 × `maxMessageBytes` (64 MiB); at least `maxMessageBytes`. Parsing a
   * message takes several times its size besides (docs/serve.md, "Memory").
   */
  readonly maxInFlightBytes?: number;
  /** Offer STARTTLS (RFC 3207) with this PEM key and certificate chain. Without it STARTTLS is not offered. */
  readonly tls?: { readonly keyFile: string; readonly certFile: string };
  /** Refuse MAIL FROM (530 5.7.0) until the client has done STARTTLS. Needs `tls`. Default false: report senders use opportunistic TLS. */
  readonly requireTls?: boolean;
  /** Idle time after which a silent client is disconnected (421), in milliseconds. Default 60 s. */
  readonly socketTimeoutMs?: number;
  /**
   * Longest a whole connection may last, in milliseconds: then it is answered 421 4.4.2 and
   * closed (a message being stored is stored and answered first). Default 10 min.
   */
  readonly sessionTimeoutMs?: number;
  /**
   * Longest from DATA to the final dot, in milliseconds: then 421 4.4.2, the connection is closed
   * and the partial message dropped (the sender retries). Default 5 min: 32 MiB at 1 Mbit/s.
   */
  readonly dataTimeoutMs?: number;
  /** How long close() lets sessions and ingests in flight finish before cutting them off. Default 10 s. */
  readonly closeTimeoutMs?: number;
}

/** The settings with defaults applied and the recipients parsed: what the listener runs with. */
export interface SmtpListenerSettings {
  readonly host: string;
  readonly port: number;
  readonly hostname: string | undefined;
  /** The recipients as configured (empty: any recipient, loopback only, as `serve` reads it). */
  readonly recipientList: readonly string[];
  readonly recipients: RecipientPolicy;
  readonly maxMessageBytes: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  readonly maxInFlightBytes: number;
  readonly tls: { readonly keyFile: string; readonly certFile: string } | undefined;
  readonly requireTls: boolean;
  readonly socketTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly dataTimeoutMs: number;
  readonly closeTimeoutMs: number;
}

/** The DMARCPILOT_SMTP_* variables and the `--smtp` option, over the file's section. */
export interface SmtpOverrides {
  /** `HOST:PORT`, `[v6]:PORT`, `:PORT`, or `off` (DMARCPILOT_SMTP, or `--smtp`, which wins). */
  readonly listen?: string | undefined;
  /** Where `listen` came from, for messages (`--smtp`, `DMARCPILOT_SMTP`). */
  readonly listenFrom?: string | undefined;
  /** Comma-separated (DMARCPILOT_SMTP_RECIPIENTS). */
  readonly recipients?: string | undefined;
  readonly tlsKeyFile?: string | undefined;
  readonly tlsCertFile?: string | undefined;
}

export const SMTP_DEFAULTS = {
  host: '127.0.0.1',
  port: 2525,
  maxMessageBytes: 32 * MiB,
  maxConnections: 20,
  maxConnectionsPerAddress: 5,
  /** Times maxMessageBytes. */
  inFlightMessages: 2,
  socketTimeoutMs: 60_000,
  sessionTimeoutMs: 10 * 60_000,
  dataTimeoutMs: 5 * 60_000,
  closeTimeoutMs: 10_000,
} as const;

const KEYS = [
  'enabled', 'host', 'port', 'hostname', 'recipients', 'maxMessageBytes', 'maxConnections', 'maxConnectionsPerAddress', 'maxInFlightBytes', 'tls', 'requireTls',
  'socketTimeoutMs', 'sessionTimeoutMs', 'dataTimeoutMs', 'closeTimeoutMs',
];

/**
 * How `serve`'s configuration differs from a listener started directly: there, no recipients on a
 * loopback listener means any recipient (the first-run default of `npm start`), and a message
 * limit above the largest input kept whole is lowered to it with a warning. Started directly, both
 * are mistakes (nothing would be accepted; the limit cannot be honoured).
 */
export interface SmtpReadOptions {
  readonly emptyRecipientsOnLoopback: 'any' | 'refuse';
  readonly messageLimitAboveBuffered: 'lower' | 'refuse';
  /** Read the TLS key and certificate now, so that one that cannot be read is reported with the other problems (the loader of `serve`). */
  readonly readTlsFiles?: boolean;
}

const DIRECT: SmtpReadOptions = { emptyRecipientsOnLoopback: 'refuse', messageLimitAboveBuffered: 'refuse' };

/**
 * Reads the `smtp` section (undefined: not configured) with the overrides over it; records every
 * problem (and warning) in `read`. Returns undefined when the listener is turned off (or when the
 * settings are wrong: the reader holds why).
 */
export function readSmtpSettings(
  value: unknown,
  overrides: SmtpOverrides,
  limits: Limits,
  read: SettingsReader,
  options: SmtpReadOptions = DIRECT,
  path = 'smtp.',
): SmtpListenerSettings | undefined {
  const section: SettingsSection | undefined = value === undefined ? {} : read.object(value, path.slice(0, -1));
  if (section === undefined) return undefined;
  const before = read.problems.length;
  read.known(section, path, KEYS);
  const listen = overrides.listen;
  if (listen?.trim().toLowerCase() === 'off' || (listen === undefined && read.boolean(section, 'enabled', path) === false)) return undefined;
  let host = read.string(section, 'host', path) ?? SMTP_DEFAULTS.host;
  let port = read.integer(section, 'port', 0, 65535, path) ?? SMTP_DEFAULTS.port;
  if (listen !== undefined) {
    const parsed = parseListen(listen);
    if (parsed === undefined) read.fail(overrides.listenFrom ?? 'DMARCPILOT_SMTP / --smtp', `"${listen}" is not HOST:PORT or "off"`);
    else ({ host, port } = parsed);
  }
  const recipientList = overrides.recipients !== undefined ? splitSettingList(overrides.recipients) : (read.stringList(section, 'recipients', path) ?? []);
  const loopback = isLoopback(host);
  if (recipientList.includes('*') && !loopback) read.fail(`${path}recipients`, `"*" (any recipient) is only allowed on a loopback listener, not on ${host}`);
  if (recipientList.length === 0 && !loopback) {
    read.fail(`${path}recipients`, `required (or DMARCPILOT_SMTP_RECIPIENTS) when the listener is on ${host}, not loopback: name the addresses or domains reports are sent to`);
  }
  const anyOnLoopback = recipientList.length === 0 && loopback && options.emptyRecipientsOnLoopback === 'any';
  const parsedRecipients = parseRecipientPolicy(anyOnLoopback ? ['*'] : recipientList);
  for (const problem of parsedRecipients.problems) read.fail(`${path}recipients`, problem);
  const tlsSection = section['tls'] === undefined ? undefined : read.object(section['tls'], `${path}tls`);
  if (tlsSection) read.known(tlsSection, `${path}tls.`, ['keyFile', 'certFile']);
  const keyFile = overrides.tlsKeyFile ?? (tlsSection && read.string(tlsSection, 'keyFile', `${path}tls.`));
  const certFile = overrides.tlsCertFile ?? (tlsSection && read.string(tlsSection, 'certFile', `${path}tls.`));
  if ((keyFile === undefined) !== (certFile === undefined)) read.fail(`${path}tls`, 'give both keyFile and certFile (or DMARCPILOT_SMTP_TLS_KEY and DMARCPILOT_SMTP_TLS_CERT)');
  // Read now, so that a file that cannot be read is reported with every other problem, naming its setting.
  if (options.readTlsFiles === true) {
    const files = [
      [keyFile, overrides.tlsKeyFile !== undefined ? 'DMARCPILOT_SMTP_TLS_KEY' : `${path}tls.keyFile`],
      [certFile, overrides.tlsCertFile !== undefined ? 'DMARCPILOT_SMTP_TLS_CERT' : `${path}tls.certFile`],
    ] as const;
    for (const [file, field] of files) {
      const why = file === undefined ? undefined : unreadable(file);
      if (why !== undefined) read.fail(field, `cannot read ${file ?? ''}: ${why}`);
    }
  }
  const requireTls = read.boolean(section, 'requireTls', path) ?? false;
  if (requireTls && keyFile === undefined) read.fail(`${path}requireTls`, `needs ${path}tls (keyFile and certFile)`);
  let maxMessageBytes = read.integer(section, 'maxMessageBytes', 1024, 2 ** 40, path) ?? Math.min(SMTP_DEFAULTS.maxMessageBytes, limits.maxBufferedBytes);
  if (maxMessageBytes > limits.maxBufferedBytes) {
    const why = `${maxMessageBytes} is more than the largest input kept whole (maxBufferedBytes, ${limits.maxBufferedBytes})`;
    if (options.messageLimitAboveBuffered === 'refuse') read.fail(`${path}maxMessageBytes`, why);
    else {
      read.warn(`${path}maxMessageBytes`, `${why}: messages are limited to ${limits.maxBufferedBytes} bytes`);
      maxMessageBytes = limits.maxBufferedBytes;
    }
  }
  const maxConnections = read.integer(section, 'maxConnections', 1, 10_000, path) ?? SMTP_DEFAULTS.maxConnections;
  const perAddress = read.integer(section, 'maxConnectionsPerAddress', 1, 10_000, path);
  if (perAddress !== undefined && perAddress > maxConnections) {
    read.fail(`${path}maxConnectionsPerAddress`, `${perAddress} is more than maxConnections (${maxConnections}): one client could take every connection`);
  }
  const inFlight = read.integer(section, 'maxInFlightBytes', 1024, 2 ** 40, path);
  if (inFlight !== undefined && inFlight < maxMessageBytes) {
    read.fail(`${path}maxInFlightBytes`, `${inFlight} is less than maxMessageBytes (${maxMessageBytes}): a message of the largest size could never be accepted`);
  }
  const sessionTimeoutMs = read.integer(section, 'sessionTimeoutMs', 1000, 86_400_000, path) ?? SMTP_DEFAULTS.sessionTimeoutMs;
  const dataTimeoutMs = read.integer(section, 'dataTimeoutMs', 1000, 86_400_000, path) ?? Math.min(SMTP_DEFAULTS.dataTimeoutMs, sessionTimeoutMs);
  if (dataTimeoutMs > sessionTimeoutMs) read.fail(`${path}dataTimeoutMs`, `${dataTimeoutMs} is more than sessionTimeoutMs (${sessionTimeoutMs}), which ends the connection first`);
  const settings: SmtpListenerSettings = {
    host,
    port,
    hostname: read.string(section, 'hostname', path),
    recipientList,
    recipients: parsedRecipients.policy ?? { addresses: new Set(), domains: new Set() },
    maxMessageBytes,
    maxConnections,
    maxConnectionsPerAddress: perAddress ?? Math.min(SMTP_DEFAULTS.maxConnectionsPerAddress, maxConnections),
    maxInFlightBytes: inFlight ?? SMTP_DEFAULTS.inFlightMessages * maxMessageBytes,
    tls: keyFile !== undefined && certFile !== undefined ? { keyFile, certFile } : undefined,
    requireTls,
    socketTimeoutMs: read.integer(section, 'socketTimeoutMs', 1000, 3_600_000, path) ?? SMTP_DEFAULTS.socketTimeoutMs,
    sessionTimeoutMs,
    dataTimeoutMs,
    closeTimeoutMs: read.integer(section, 'closeTimeoutMs', 100, 600_000, path) ?? SMTP_DEFAULTS.closeTimeoutMs,
  };
  return read.problems.length > before ? undefined : settings;
}

/** Why `file` cannot be read, or undefined when it can. */
function unreadable(file: string): string | undefined {
  try {
    readFileSync(file);
    return undefined;
  } catch (caught) {
    return caught instanceof Error ? caught.message : String(caught);
  }
}

/** `HOST:PORT`, `[v6]:PORT` or `:PORT` (loopback). */
function parseListen(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host: match[1] ?? (match[2] || SMTP_DEFAULTS.host), port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
