/**
 * Where a mailbox is: `imaps://user@host[:port]/FOLDER` (implicit TLS, port 993) or
 * `imap://user@host[:port]/FOLDER` (port 143, STARTTLS), in the spirit of RFC 5092 (IMAP URL).
 * User name and folder are percent-decoded (`dmarc%40example.com`, `Reports%20DMARC`); the
 * folder defaults to INBOX and is used as written, with the server's own hierarchy delimiter.
 *
 * Security of `imap://`: STARTTLS is required, except to a loopback host (127.0.0.0/8, ::1,
 * localhost), where it is used when the server offers it. `allowPlaintext` lifts the requirement
 * for other hosts (the password then travels in clear). A password in the URL is accepted but
 * discouraged (it shows in process lists and shell history); it is never printed.
 *
 * Bad input is not thrown: the result names the URL, with any password masked.
 */

export interface ImapLocation {
  /** Implicit TLS from the first byte (imaps://). */
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** A password written in the URL (discouraged), else undefined. */
  readonly urlPassword: string | undefined;
  readonly folder: string;
  /** Whether the host is a loopback address, where imap:// may go without STARTTLS. */
  readonly loopback: boolean;
}

export type ImapLocationResult = { readonly ok: true; readonly location: ImapLocation } | { readonly ok: false; readonly message: string };

const DEFAULT_PORTS = { 'imap:': 143, 'imaps:': 993 } as const;

export function parseImapLocation(text: string): ImapLocationResult {
  const shown = maskUrlPassword(text);
  const fail = (why: string): ImapLocationResult => ({ ok: false, message: `${shown} is not a usable IMAP location: ${why}` });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('expected imaps://user@host[:port]/FOLDER or imap://user@host[:port]/FOLDER');
  }
  const protocol = url.protocol.toLowerCase();
  if (protocol !== 'imap:' && protocol !== 'imaps:') return fail(`the scheme must be imap:// or imaps://, not ${url.protocol}//`);
  if (url.hostname === '') return fail('no host');
  if (url.username === '') return fail('no user name (imaps://USER@host/FOLDER)');
  if (url.search !== '' || url.hash !== '') return fail('a query (?...) or fragment (#...) is not supported');
  const decoded = decodeParts(url);
  if (!decoded) return fail('bad percent-encoding');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    ok: true,
    location: {
      secure: protocol === 'imaps:',
      host,
      port: url.port === '' ? DEFAULT_PORTS[protocol] : Number(url.port),
      user: decoded.user,
      urlPassword: decoded.password === '' ? undefined : decoded.password,
      folder: decoded.folder === '' ? 'INBOX' : decoded.folder,
      loopback: isLoopbackHost(host),
    },
  };
}

/** The location as it may be printed: no password, defaults filled in. */
export function describeImapLocation(location: ImapLocation, folder: string = location.folder): string {
  const scheme = location.secure ? 'imaps' : 'imap';
  const defaultPort = location.secure ? 993 : 143;
  const host = location.host.includes(':') ? `[${location.host}]` : location.host;
  const port = location.port === defaultPort ? '' : `:${location.port}`;
  return `${scheme}://${encodeURIComponent(location.user)}@${host}${port}/${encodeFolder(folder)}`;
}

/**
 * The stable name of one message, used as its input name in the store (ingest log, quarantine,
 * provenance): the RFC 5092 form `imaps://user@host/INBOX;UIDVALIDITY=385759045/;UID=20`.
 */
export function describeImapMessage(location: ImapLocation, uidValidity: bigint, uid: number): string {
  return `${describeImapLocation(location)};UIDVALIDITY=${uidValidity}/;UID=${uid}`;
}

/** The text with the password of a URL-like `scheme://user:password@host` replaced by `***`. */
export function maskUrlPassword(text: string): string {
  // Up to the last @: a password may hold / or @ that were not percent-encoded (then the URL is not
  // even valid, and the message quoting it must still not show it).
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*):.*@/i, '$1:***@');
}

function decodeParts(url: URL): { user: string; password: string; folder: string } | undefined {
  try {
    return {
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      folder: decodeURIComponent(url.pathname.replace(/^\//, '')),
    };
  } catch {
    return undefined;
  }
}

function encodeFolder(folder: string): string {
  return folder.split('/').map(encodeURIComponent).join('/');
}

function isLoopbackHost(host: string): boolean {
  const lower = host.toLowerCase();
  return lower === 'localhost' || lower.endsWith('.localhost') || lower === '::1' || /^127(\.\d{1,3}){3}$/.test(lower);
}
