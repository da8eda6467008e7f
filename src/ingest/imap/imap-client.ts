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

/**
 * One line for a person: the server's words when there are some. Given the location, a TLS
 * mismatch is said plainly: imaps:// to a server that answers in plain text (a STARTTLS port such
 * as 143), or imap:// to one that sends no greeting because it waits for TLS (such as 993).
 */
export function describeImapError(error: unknown, location?: Pick<ImapSourceConfig['location'], 'secure' | 'port'>): string {
  if (!(error instanceof Error)) return String(error);
  const e = error as Error & { responseText?: unknown; code?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (location?.secure === true && isPlaintextAnswer(code, e.message)) {
    return `the server did not answer TLS on port ${location.port} (it may expect plain IMAP with STARTTLS, as on port 143; use imap://) (${code ?? e.message})`;
  }
  if (location?.secure === false && code === 'GREETING_TIMEOUT') {
    return `the server sent no IMAP greeting on port ${location.port} (it may expect TLS from the start, as on port 993; use imaps://) (${code})`;
  }
  const text = typeof e.responseText === 'string' && e.responseText !== '' ? e.responseText : e.message;
  return code !== undefined && !text.includes(code) ? `${text} (${code})` : text;
}

/** OpenSSL's words for a peer that answered something other than TLS (here: an IMAP greeting in plain text). */
function isPlaintextAnswer(code: string | undefined, message: string): boolean {
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || code === 'ERR_SSL_UNKNOWN_PROTOCOL') return true;
  return code === 'EPROTO' && /wrong version number|packet length too long|unknown protocol/i.test(message);
}
