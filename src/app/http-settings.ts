/**
 * The `http` section of the configuration (docs/api.md, "Running the API"): where `serve`'s HTTP
 * API listens (default 127.0.0.1:8080, loopback only), TLS, the public origin and trusted reverse
 * proxies, session lifetimes, which domains may be claimed, and whether local passwords are
 * accepted, and single sign-on (`oidc`, docs/api.md, "Single sign-on (OIDC)"). Read by the one configuration loader
 * (config.ts); `listen` may come from `--http` or $DMARCPILOT_HTTP (`HOST:PORT` or `off`), the
 * OpenID client's secret from `http.oidc.clientSecretFile` or $DMARCPILOT_OIDC_CLIENT_SECRET.
 */
import { readFileSync } from 'node:fs';
import { parseServerAddress } from '../core/server-address.js';
import { invalid } from './problems.js';
import type { SettingsReader, SettingsSection } from '../core/settings-reader.js';
import type { MemberRole, SessionSettings } from './accounts/accounts.js';
import { DEFAULT_SESSION_SETTINGS, isSlug } from './accounts/accounts.js';
import { MEMBER_ROLES } from './accounts/access.js';
import type { OidcAccountRules, OidcRoleMapping } from './accounts/oidc.js';

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
  /** Single sign-on with an OpenID provider (docs/api.md, "Single sign-on (OIDC)"); undefined: none. */
  readonly oidc: OidcSettings | undefined;
  /** The bearer secret a Prometheus scraper sends to read /metrics (from `metricsTokenFile` or $DMARCPILOT_METRICS_TOKEN). */
  readonly metricsToken: string | undefined;
}

/** `http.oidc`: the OpenID Connect provider and how its groups map to roles (accounts/oidc.ts). */
export interface OidcSettings extends OidcAccountRules {
  /** The provider's issuer identifier, as its ID tokens name it (`https://accounts.google.com`). */
  readonly issuer: string;
  readonly clientId: string;
  /** Where the client secret is: a file (its first line), or $DMARCPILOT_OIDC_CLIENT_SECRET (which wins). */
  readonly clientSecret: { readonly file: string } | { readonly env: string };
  /** The callback registered at the provider (default `${publicOrigin}/api/v1/oidc/callback`). */
  readonly redirectUri: string;
  /** Scopes asked for (default openid email profile). */
  readonly scopes: readonly string[];
  /** The claim that lists the user's groups (default `groups`). */
  readonly groupsClaim: string;
  /** Members of any of these groups are instance operators; empty: sign-in leaves the operator flag as it is. */
  readonly operatorGroups: readonly string[];
  /** A user signing in for the first time is created (without a password); false: only existing users may sign in (default true). */
  readonly createUsers: boolean;
}

export const OIDC_CLIENT_SECRET_ENV = 'DMARCPILOT_OIDC_CLIENT_SECRET';
export const OIDC_CALLBACK_PATH = '/api/v1/oidc/callback';
export const DEFAULT_OIDC_SCOPES: readonly string[] = ['openid', 'email', 'profile'];

const KEYS = ['listen', 'tls', 'publicOrigin', 'trustedProxies', 'behindTls', 'session', 'domainSuffixes', 'localSignIn', 'oidc', 'metricsTokenFile'];

/** A metrics token shorter than this is refused: it guards the whole instance's figures. */
const MIN_METRICS_TOKEN = 16;
const OIDC_KEYS = ['issuer', 'clientId', 'clientSecretFile', 'redirectUri', 'scopes', 'groupsClaim', 'roleMappings', 'operatorGroups', 'createUsers'];
const MAPPING_KEYS = ['group', 'organization', 'role'];

/** What the `http` section needs beside itself: the client secret from the environment; whether to read the files it names now. */
export interface HttpSettingsSources {
  readonly oidcClientSecret?: string | undefined;
  /** $DMARCPILOT_METRICS_TOKEN (wins over http.metricsTokenFile). */
  readonly metricsToken?: string | undefined;
  /** Check that the files named can be read (the client secret file), as `serve` does at start. */
  readonly readFiles?: boolean;
}

/** undefined when the API is off. */
export function readHttpSettings(value: unknown, listen: { readonly text: string | undefined; readonly from: string }, read: SettingsReader, sources: HttpSettingsSources = {}): HttpSettings | undefined {
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
  if (!isLoopbackHost(host) && keyFile === undefined && !behindTls) {
    read.warn(listenField, `${host} is not a loopback address and there is no http.tls (nor http.behindTls): passwords and session cookies would cross the network in clear`, 'http-without-tls');
  }
  const suffixes = (read.stringList(section, 'domainSuffixes', 'http.') ?? []).map((s) => s.trim().toLowerCase().replace(/^\.+|\.+$/g, ''));
  return {
    metricsToken: readMetricsToken(section, read, sources),
    host,
    port,
    tls: keyFile !== undefined && certFile !== undefined ? { keyFile, certFile } : undefined,
    publicOrigin: origin,
    trustedProxies: read.stringList(section, 'trustedProxies', 'http.') ?? [],
    behindTls,
    session,
    domainSuffixes: suffixes.filter((s) => s.length > 0),
    localSignIn: read.boolean(section, 'localSignIn', 'http.') ?? true,
    oidc: section['oidc'] === undefined ? undefined : readOidcSettings(section['oidc'], origin, read, sources),
  };
}

/** The metrics token from the environment, else the first line of http.metricsTokenFile (read when `serve` starts). */
function readMetricsToken(section: SettingsSection, read: SettingsReader, sources: HttpSettingsSources): string | undefined {
  const file = read.string(section, 'metricsTokenFile', 'http.');
  let token = sources.metricsToken !== undefined && sources.metricsToken !== '' ? sources.metricsToken : undefined;
  if (token === undefined && file !== undefined && sources.readFiles === true) {
    try {
      token = readSecretFile(file);
    } catch (caught) {
      read.fail('http.metricsTokenFile', `cannot read ${file}: ${caught instanceof Error ? caught.message : String(caught)}`);
      return undefined;
    }
  }
  if (token !== undefined && token.length < MIN_METRICS_TOKEN) {
    read.fail(sources.metricsToken !== undefined && sources.metricsToken !== '' ? 'DMARCPILOT_METRICS_TOKEN' : 'http.metricsTokenFile', `the metrics token must have at least ${MIN_METRICS_TOKEN} characters`);
    return undefined;
  }
  return token;
}

/** A host on the loopback network: a listen address (`127.0.0.1`, `::1`) or a URL's host name (`localhost`, `[::1]`). */
function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '::1' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** An absolute http(s) URL without credentials or fragment; http only on loopback unless `plainHttp`. */
function readUrl(text: string, field: string, what: string, read: SettingsReader, plainHttp: boolean): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    read.fail(field, `"${text}" is not a URL (${what})`);
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (plainHttp || isLoopbackHost(url.hostname)))) {
    read.fail(field, `"${text}" must be an https:// URL (http:// only on loopback) (${what})`);
    return undefined;
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') {
    read.fail(field, `"${text}" must not hold a user name, password or #fragment`);
    return undefined;
  }
  return url;
}

function readOidcSettings(value: unknown, publicOrigin: string | undefined, read: SettingsReader, sources: HttpSettingsSources): OidcSettings | undefined {
  const before = read.problems.length;
  const section = read.object(value, 'http.oidc');
  if (section === undefined) return undefined;
  const path = 'http.oidc.';
  read.known(section, path, OIDC_KEYS);
  const issuerText = read.string(section, 'issuer', path);
  if (issuerText === undefined) read.fail(`${path}issuer`, 'required: the issuer identifier of the OpenID provider, such as https://accounts.google.com');
  else if (readUrl(issuerText, `${path}issuer`, 'the issuer identifier of the OpenID provider', read, false)?.search) read.fail(`${path}issuer`, `"${issuerText}" must not have a ?query`);
  const clientId = read.string(section, 'clientId', path);
  if (clientId === undefined) read.fail(`${path}clientId`, 'required: the client id the provider gave this service');

  const secretFile = read.string(section, 'clientSecretFile', path);
  const secretEnv = sources.oidcClientSecret !== undefined && sources.oidcClientSecret !== '' ? sources.oidcClientSecret : undefined;
  if (secretEnv === undefined && secretFile === undefined) read.fail(`${path}clientSecretFile`, `required: a file holding the client secret (or set ${OIDC_CLIENT_SECRET_ENV})`);
  if (secretEnv === undefined && secretFile !== undefined && sources.readFiles === true) {
    const why = clientSecretFileProblem(secretFile);
    if (why !== undefined) read.fail(`${path}clientSecretFile`, why);
  }

  const redirectText = read.string(section, 'redirectUri', path);
  let redirectUri: string | undefined;
  if (redirectText !== undefined) {
    // The callback may be plain http where the service itself is reached over plain http (behind no TLS).
    redirectUri = readUrl(redirectText, `${path}redirectUri`, `the callback registered at the provider, normally ${publicOrigin ?? 'https://dmarc.example.org'}${OIDC_CALLBACK_PATH}`, read, true)?.href;
    if (redirectUri !== undefined && new URL(redirectUri).search !== '') read.fail(`${path}redirectUri`, `"${redirectText}" must not have a ?query`);
  } else if (publicOrigin !== undefined) {
    redirectUri = `${publicOrigin}${OIDC_CALLBACK_PATH}`;
  } else {
    read.fail(`${path}redirectUri`, `required when http.publicOrigin is not set: the callback registered at the provider, such as https://dmarc.example.org${OIDC_CALLBACK_PATH}`);
  }

  const scopesText = read.string(section, 'scopes', path);
  const scopes = scopesText === undefined ? DEFAULT_OIDC_SCOPES : scopesText.split(/\s+/).filter((s) => s !== '');
  if (scopesText !== undefined) {
    if (!scopes.includes('openid')) read.fail(`${path}scopes`, `"${scopesText}" must include openid (scopes are separated by spaces, such as "openid email profile")`);
    const bad = scopes.filter((s) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s));
    if (bad.length > 0) read.fail(`${path}scopes`, `not a scope: ${bad.join(', ')}`);
  }
  const groupsClaim = read.string(section, 'groupsClaim', path) ?? 'groups';

  const roleMappings: OidcRoleMapping[] = [];
  const mappings = section['roleMappings'];
  if (mappings !== undefined && !Array.isArray(mappings)) read.fail(`${path}roleMappings`, 'expected a list of { "group", "organization", "role" }');
  else if (mappings !== undefined) {
    mappings.forEach((item: unknown, i) => {
      const at = `${path}roleMappings[${i}]`;
      const mapping = read.object(item, at);
      if (mapping === undefined) return;
      read.known(mapping, `${at}.`, MAPPING_KEYS);
      const group = read.string(mapping, 'group', `${at}.`);
      const organization = read.string(mapping, 'organization', `${at}.`);
      const role = read.string(mapping, 'role', `${at}.`);
      if (group === undefined) read.fail(`${at}.group`, 'required: the group, as the provider names it in the groups claim');
      if (organization === undefined) read.fail(`${at}.organization`, "required: the organisation's slug");
      else if (!isSlug(organization)) read.fail(`${at}.organization`, `"${organization}" is not an organisation's slug (lower-case letters, digits and inner hyphens)`);
      if (role === undefined) read.fail(`${at}.role`, `required: one of ${MEMBER_ROLES.join(', ')}`);
      else if (!(MEMBER_ROLES as readonly string[]).includes(role)) read.fail(`${at}.role`, `"${role}" is not a role (${MEMBER_ROLES.join(', ')})`);
      if (group !== undefined && organization !== undefined && isSlug(organization) && role !== undefined && (MEMBER_ROLES as readonly string[]).includes(role)) {
        roleMappings.push({ group, organization, role: role as MemberRole });
      }
    });
  }
  const operatorGroups = read.stringList(section, 'operatorGroups', path) ?? [];
  if (operatorGroups.some((g) => g === '')) read.fail(`${path}operatorGroups`, 'a group is a non-empty string');
  const createUsers = read.boolean(section, 'createUsers', path) ?? true;

  if (read.problems.length > before || issuerText === undefined || clientId === undefined || redirectUri === undefined) return undefined;
  return {
    issuer: issuerText,
    clientId,
    clientSecret: secretEnv !== undefined ? { env: OIDC_CLIENT_SECRET_ENV } : { file: secretFile as string },
    redirectUri,
    scopes,
    groupsClaim,
    roleMappings,
    operatorGroups,
    createUsers,
  };
}

function clientSecretFileProblem(file: string): string | undefined {
  try {
    return readSecretFile(file) === '' ? `the client secret file ${file} is empty` : undefined;
  } catch (caught) {
    return `cannot read the client secret file ${file}: ${caught instanceof Error ? caught.message : String(caught)}`;
  }
}

function readSecretFile(file: string): string {
  return (readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '').trim();
}

/**
 * The client secret the settings point at: the file's first line, or the environment variable's
 * value. Throws AppError `invalid` naming the setting when there is none. Never logged.
 */
export function readOidcClientSecret(settings: OidcSettings, env: Readonly<Record<string, string | undefined>>): string {
  if ('env' in settings.clientSecret) {
    const value = env[settings.clientSecret.env];
    if (value === undefined || value === '') throw invalid('setting-invalid', settings.clientSecret.env, `${settings.clientSecret.env} is empty`);
    return value;
  }
  const problem = clientSecretFileProblem(settings.clientSecret.file);
  if (problem !== undefined) throw invalid('setting-invalid', 'http.oidc.clientSecretFile', problem);
  return readSecretFile(settings.clientSecret.file);
}
