/**
 * Opens one imapflow connection for an IMAP source: TLS as the location says (implicit for
 * imaps://, STARTTLS required for imap:// unless loopback or allowed), no library logging
 * (our own events say what matters, and never the password), and a cap on a single literal so
 * that a broken or hostile server cannot make us buffer more than one allowed message.
 */
import { ImapFlow } from 'imapflow';
import type { ImapSourceConfig } from './imap-config.js';

/** Room above the largest allowed message for the IMAP framing around it. */
const LITERAL_MARGIN = 1024 * 1024;

/** `maxIdleTime`: IDLE ends after this long and the watcher starts it again (RFC 2177 §3). */
export function createImapClient(config: ImapSourceConfig, maxMessageBytes: number, maxIdleTime?: number): ImapFlow {
  const { location } = config;
  const requireStartTls = !location.secure && !location.loopback && !config.allowPlaintext;
  return new ImapFlow({
    host: location.host,
    port: location.port,
    secure: location.secure,
    // true: STARTTLS or fail; undefined: STARTTLS when offered.
    doSTARTTLS: requireStartTls ? true : undefined,
    auth: { user: location.user, pass: config.password },
    tls: { rejectUnauthorized: !config.insecureTls },
    logger: false,
    clientInfo: { name: 'dmarcpilot' },
    disableAutoIdle: true,
    connectionTimeout: config.connectTimeoutMs,
    greetingTimeout: config.connectTimeoutMs,
    maxLiteralSize: maxMessageBytes + LITERAL_MARGIN,
    maxResponseSize: maxMessageBytes + 2 * LITERAL_MARGIN,
    ...(maxIdleTime === undefined ? {} : { maxIdleTime }),
  });
}

/** Closes a connection politely when it still works, at once otherwise; never throws. */
export async function closeImapClient(client: ImapFlow): Promise<void> {
  if (client.usable) {
    try {
      await client.logout();
      return;
    } catch {
      // Fall through to the hard close.
    }
  }
  try {
    client.close();
  } catch {
    // Already closed.
  }
}

/** Whether an error means that trying again cannot help (wrong password, missing folder, bad certificate). */
export function isPermanentImapError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { authenticationFailed?: unknown; responseStatus?: unknown; code?: unknown; serverResponseCode?: unknown };
  if (e.authenticationFailed === true) return true;
  if (e.serverResponseCode === 'NONEXISTENT' || e.serverResponseCode === 'AUTHENTICATIONFAILED') return true;
  if (typeof e.code === 'string' && /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|ERR_TLS_CERT_ALTNAME_INVALID|ENOTFOUND)/.test(e.code)) return true;
  return false;
}

/** One line for a person: the server's words when there are some. */
export function describeImapError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const e = error as Error & { responseText?: unknown; code?: unknown };
  const text = typeof e.responseText === 'string' && e.responseText !== '' ? e.responseText : e.message;
  return typeof e.code === 'string' && !text.includes(e.code) ? `${text} (${e.code})` : text;
}
