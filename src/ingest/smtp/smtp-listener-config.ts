/**
 * The SMTP listener's settings, as the `serve` configuration gives them, and their defaults.
 * Checking them is separate from starting the listener so a configuration loader can report
 * every mistake at once before anything listens.
 */
import type { Limits } from '../../core/limits.js';
import type { RecipientPolicy } from './recipient-policy.js';
import { parseRecipientPolicy } from './recipient-policy.js';

const MiB = 1024 * 1024;

/** What the operator configures; every field but `recipients` has a default. */
export interface SmtpListenerConfig {
  /** Address to listen on. Default `127.0.0.1`: opening it to the world is a deliberate choice (`0.0.0.0` or `::`). */
  readonly host?: string;
  /** TCP port. Default 2525 (no root needed; forward 25 to it). 0 picks a free port (tests). */
  readonly port?: number;
  /** Name in the 220 banner and the EHLO reply. Default: the machine's host name. */
  readonly hostname?: string;
  /**
   * Whom mail is accepted for: addresses (`dmarc@reports.example`) and whole domains
   * (`reports.example` or `@reports.example`), case-insensitive. Required and non-empty; every
   * other recipient is refused at RCPT TO with 550 5.1.1, so the listener is never a relay.
   */
  readonly recipients: readonly string[];
  /**
   * Largest message accepted, in bytes; announced with the SIZE extension (RFC 1870). A larger
   * message is answered 552 5.3.4 and its bytes are read and dropped, never buffered.
   * Default 32 MiB; never more than `limits.maxBufferedBytes`, since the message is kept whole.
   */
  readonly maxMessageBytes?: number;
  /** Connections at once; one more is answered 421 4.7.0 and closed. Default 20. */
  readonly maxConnections?: number;
  /** Offer STARTTLS (RFC 3207) with this PEM key and certificate chain. Without it STARTTLS is not offered. */
  readonly tls?: { readonly keyFile: string; readonly certFile: string };
  /** Refuse MAIL FROM (530 5.7.0) until the client has done STARTTLS. Needs `tls`. Default false: report senders use opportunistic TLS. */
  readonly requireTls?: boolean;
  /** Idle time after which a silent client is disconnected (421), in milliseconds. Default 60 s. */
  readonly socketTimeoutMs?: number;
  /** How long close() lets sessions and ingests in flight finish before cutting them off. Default 10 s. */
  readonly closeTimeoutMs?: number;
  /** Messages ingested at once. Default 1: both stores take one aggregate report writer at a time. */
  readonly ingestConcurrency?: number;
}

/** The settings with defaults applied and the recipients parsed. */
export interface ResolvedSmtpListenerConfig {
  readonly host: string;
  readonly port: number;
  readonly hostname: string | undefined;
  readonly recipients: RecipientPolicy;
  readonly maxMessageBytes: number;
  readonly maxConnections: number;
  readonly tls: { readonly keyFile: string; readonly certFile: string } | undefined;
  readonly requireTls: boolean;
  readonly socketTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly ingestConcurrency: number;
}

export const DEFAULT_SMTP_PORT = 2525;
export const DEFAULT_MAX_MESSAGE_BYTES = 32 * MiB;
export const DEFAULT_MAX_CONNECTIONS = 20;

/** The settings ready to use, or every problem found (one sentence each). */
export function resolveSmtpListenerConfig(
  config: SmtpListenerConfig,
  limits: Limits,
): { readonly config?: ResolvedSmtpListenerConfig; readonly problems: readonly string[] } {
  const problems: string[] = [];
  const recipients = parseRecipientPolicy(config.recipients);
  problems.push(...recipients.problems.map((p) => `smtp: ${p}`));
  const positive = (name: string, value: number | undefined, fallback: number, min = 1): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min) problems.push(`smtp: ${name} must be an integer of at least ${min}, not ${value}.`);
    return value;
  };
  const port = positive('port', config.port, DEFAULT_SMTP_PORT, 0);
  if (port > 65535) problems.push(`smtp: port must be at most 65535, not ${port}.`);
  const maxMessageBytes = positive('maxMessageBytes', config.maxMessageBytes, Math.min(DEFAULT_MAX_MESSAGE_BYTES, limits.maxBufferedBytes));
  if (maxMessageBytes > limits.maxBufferedBytes) {
    problems.push(`smtp: maxMessageBytes (${maxMessageBytes}) is more than the largest input kept whole (maxBufferedBytes, ${limits.maxBufferedBytes}).`);
  }
  if (config.requireTls === true && config.tls === undefined) problems.push('smtp: requireTls needs tls (keyFile and certFile).');
  if (config.tls !== undefined && (!config.tls.keyFile || !config.tls.certFile)) problems.push('smtp: tls needs both keyFile and certFile.');
  const resolved: ResolvedSmtpListenerConfig = {
    host: config.host ?? '127.0.0.1',
    port,
    hostname: config.hostname,
    recipients: recipients.policy ?? { addresses: new Set(), domains: new Set() },
    maxMessageBytes,
    maxConnections: positive('maxConnections', config.maxConnections, DEFAULT_MAX_CONNECTIONS),
    tls: config.tls,
    requireTls: config.requireTls ?? false,
    socketTimeoutMs: positive('socketTimeoutMs', config.socketTimeoutMs, 60_000),
    closeTimeoutMs: positive('closeTimeoutMs', config.closeTimeoutMs, 10_000),
    ingestConcurrency: positive('ingestConcurrency', config.ingestConcurrency, 1),
  };
  return problems.length > 0 ? { problems } : { config: resolved, problems };
}
