/**
 * The `http` section of the configuration (docs/api.md, "Running the API"): where `serve`'s HTTP
 * API listens (default 127.0.0.1:8080, loopback only), TLS, the public origin and trusted reverse
 * proxies, session lifetimes, which domains may be claimed, and whether local passwords are
 * accepted. Read by the one configuration loader (config.ts); `listen` may come from `--http` or
 * $DMARCPILOT_HTTP (`HOST:PORT` or `off`).
 */
import { parseServerAddress } from '../core/server-address.js';
import type { SettingsReader, SettingsSection } from '../core/settings-reader.js';
import type { SessionSettings } from './accounts/accounts.js';
import { DEFAULT_SESSION_SETTINGS } from './accounts/accounts.js';

export const DEFAULT_HTTP_HOST = '127.0.0.1';
export const DEFAULT_HTTP_PORT = 8080;

export interface HttpSettings {
  readonly host: string;
  readonly port: number;
  /** Serve HTTPS with this key and certificate (PEM files). */
  readonly tls: { readonly keyFile: string; readonly certFile: string } | undefined;
  /** `https://dmarc.example.org`: the origin browsers see (CSRF checks, links); absent: the request's own. */
  readonly publicOrigin: string | undefined;
  /** Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed. */
  readonly trustedProxies: readonly string[];
  /** The proxy in front terminates TLS (Secure cookies, HSTS) though this listener is plain HTTP. */
  readonly behindTls: boolean;
  readonly session: SessionSettings;
  /** Only domains under these suffixes may be claimed (e.g. `gov.uk`); empty: any. */
  readonly domainSuffixes: readonly string[];
  /** Accept local passwords at sign-in (turn off when single sign-on is the only way in). */
  readonly localSignIn: boolean;
  /** The bearer secret a Prometheus scraper sends to read /metrics (from `metricsTokenFile` or $DMARCPILOT_METRICS_TOKEN). */
  readonly metricsToken: string | undefined;
}

const KEYS = ['listen', 'tls', 'publicOrigin', 'trustedProxies', 'behindTls', 'session', 'domainSuffixes', 'localSignIn', 'metricsTokenFile'];

/** A metrics token shorter than this is refused: it guards the whole instance's figures. */
const MIN_METRICS_TOKEN = 16;

/** undefined when the API is off. */
export function readHttpSettings(
  value: unknown,
  listen: { readonly text: string | undefined; readonly from: string },
  read: SettingsReader,
  secrets: { readonly metricsToken?: string | undefined; readonly readFile?: (path: string) => string } = {},
): HttpSettings | undefined {
  const section: SettingsSection = value === undefined ? {} : (read.object(value, 'http') ?? {});
  read.known(section, 'http.', KEYS);
  const listenText = listen.text ?? read.string(section, 'listen', 'http.');
  const listenField = listen.text !== undefined ? listen.from : 'http.listen';
  if (listenText === 'off') return undefined;
  let host = DEFAULT_HTTP_HOST;
  let port = DEFAULT_HTTP_PORT;
  if (listenText !== undefined) {
    // Port 0: any free port (tests); the log says which.
    const zero = /^(.*):0$/.exec(listenText);
    const parsed = /^(?:\[[^\]]+\]|[^:]+):\d{1,5}$/.test(listenText) ? parseServerAddress(zero ? `${zero[1] as string}:1` : listenText) : undefined;
    if (parsed === undefined) read.fail(listenField, `"${listenText}" is not IP:PORT, such as 127.0.0.1:8080 or [::1]:8080 (or off)`);
    else [host, port] = [parsed.host, zero ? 0 : parsed.port];
  }
  const tlsSection = section['tls'] === undefined ? undefined : read.object(section['tls'], 'http.tls');
  if (tlsSection) read.known(tlsSection, 'http.tls.', ['keyFile', 'certFile']);
  const keyFile = tlsSection && read.string(tlsSection, 'keyFile', 'http.tls.');
  const certFile = tlsSection && read.string(tlsSection, 'certFile', 'http.tls.');
  if ((keyFile === undefined) !== (certFile === undefined)) read.fail('http.tls', 'give both keyFile and certFile');
  const publicOrigin = read.string(section, 'publicOrigin', 'http.');
  let origin: string | undefined;
  if (publicOrigin !== undefined) {
    try {
      const url = new URL(publicOrigin);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
      origin = url.origin;
    } catch {
      read.fail('http.publicOrigin', `"${publicOrigin}" is not an http(s) origin such as https://dmarc.example.org`);
    }
  }
  const sessionSection = section['session'] === undefined ? {} : (read.object(section['session'], 'http.session') ?? {});
  read.known(sessionSection, 'http.session.', ['idleMinutes', 'maxHours']);
  const session: SessionSettings = {
    idleMinutes: read.integer(sessionSection, 'idleMinutes', 1, 7 * 24 * 60, 'http.session.') ?? DEFAULT_SESSION_SETTINGS.idleMinutes,
    maxHours: read.integer(sessionSection, 'maxHours', 1, 24 * 90, 'http.session.') ?? DEFAULT_SESSION_SETTINGS.maxHours,
  };
  const behindTls = read.boolean(section, 'behindTls', 'http.') ?? origin?.startsWith('https:') ?? false;
  if (!isLoopback(host) && keyFile === undefined && !behindTls) {
    read.warn(listenField, `${host} is not a loopback address and there is no http.tls (nor http.behindTls): passwords and session cookies would cross the network in clear`, 'http-without-tls');
  }
  const suffixes = (read.stringList(section, 'domainSuffixes', 'http.') ?? []).map((s) => s.trim().toLowerCase().replace(/^\.+|\.+$/g, ''));
  let metricsToken = secrets.metricsToken;
  const metricsTokenFile = read.string(section, 'metricsTokenFile', 'http.');
  if (metricsToken === undefined && metricsTokenFile !== undefined && secrets.readFile) {
    try {
      metricsToken = secrets.readFile(metricsTokenFile).trim();
    } catch (caught) {
      read.fail('http.metricsTokenFile', `cannot read ${metricsTokenFile}: ${caught instanceof Error ? caught.message : String(caught)}`);
    }
  }
  if (metricsToken !== undefined && metricsToken.length < MIN_METRICS_TOKEN) {
    read.fail(secrets.metricsToken !== undefined ? 'DMARCPILOT_METRICS_TOKEN' : 'http.metricsTokenFile', `the metrics token must have at least ${MIN_METRICS_TOKEN} characters`);
  }
  return {
    metricsToken,
    host,
    port,
    tls: keyFile !== undefined && certFile !== undefined ? { keyFile, certFile } : undefined,
    publicOrigin: origin,
    trustedProxies: read.stringList(section, 'trustedProxies', 'http.') ?? [],
    behindTls,
    session,
    domainSuffixes: suffixes.filter((s) => s.length > 0),
    localSignIn: read.boolean(section, 'localSignIn', 'http.') ?? true,
  };
}

function isLoopback(host: string): boolean {
  return host === '::1' || host.startsWith('127.');
}
