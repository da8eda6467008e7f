/**
 * `serve`'s HTTP listener: the API (api.ts) on @hono/node-server, plain HTTP or HTTPS, on
 * 127.0.0.1:8080 unless configured. Bounded against slow and greedy clients: headers must arrive
 * within 10 s, a whole request within 60 s (uploads 5 min), idle keep-alive connections close
 * after 5 s, and at most 256 connections are open at once. Stopping closes the listener and
 * waits for requests in flight.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { AccountsContext } from '../../app/accounts/accounts.js';
import type { HttpSettings } from '../../app/http-settings.js';
import { readOidcClientSecret } from '../../app/http-settings.js';
import type { IngestPort } from '../../app/ingest.js';
import type { App } from '../../app/open-app.js';
import type { ApiServices } from './api-route.js';
import { createApi } from './api.js';
import { DEFAULT_WEB_ROOT } from './web-files.js';
import type { ApiMetrics } from './metrics.js';
import { createOidcClient } from './oidc-client.js';

const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 300_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
const MAX_CONNECTIONS = 256;

export interface HttpListener {
  readonly address: { readonly host: string; readonly port: number };
  readonly url: string;
  close(): Promise<void>;
}

/** The mailboxes of the SMTP listener's recipients: addresses as they are, whole domains as `dmarc@domain`; none when it takes any recipient. */
export function ruaMailboxesOf(recipients: readonly string[]): string[] {
  return recipients
    .map((r) => r.trim().toLowerCase())
    .filter((r) => r !== '*' && r !== '')
    .map((r) => (r.includes('@') && !r.startsWith('@') ? r : `dmarc@${r.replace(/^@/, '')}`));
}

export function apiServicesFor(app: App, accounts: AccountsContext, port: IngestPort, settings: HttpSettings, maxUploadBytes: number, log: (message: string) => void, metrics?: ApiMetrics): ApiServices {
  return {
    ruaMailboxes: ruaMailboxesOf(app.config.smtp?.recipientList ?? []),
    webRoot: DEFAULT_WEB_ROOT,
    ...(metrics ? { metrics } : {}),
    metricsToken: settings.metricsToken,
    accounts,
    instance: app.instance,
    upload: async (_ctx, name, bytes) => {
      const counts = await port.ingest({ name, bytes });
      metrics?.stored('upload', counts);
      return { newReports: counts.newReports, duplicateReports: counts.duplicateReports, records: counts.records, rejected: counts.rejected };
    },
    maxUploadBytes,
    secureCookies: settings.tls !== undefined || settings.behindTls,
    localSignIn: settings.localSignIn,
    oidc: settings.oidc === undefined ? undefined : createOidcClient(settings.oidc, readOidcClientSecret(settings.oidc, process.env), log),
    setup: { token: undefined },
    log,
  };
}

export async function startHttpListener(settings: HttpSettings, services: ApiServices, version: string): Promise<HttpListener> {
  const tls = settings.tls ? { key: readFileSync(settings.tls.keyFile), cert: readFileSync(settings.tls.certFile) } : undefined;
  const api = createApi(services, { publicOrigin: settings.publicOrigin, trustedProxies: settings.trustedProxies, tls: tls !== undefined || settings.behindTls }, version);
  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve(
      {
        fetch: api.fetch,
        hostname: settings.host,
        port: settings.port,
        ...(tls ? { createServer: createHttpsServer, serverOptions: tls } : {}),
      },
      () => resolve(started),
    ) as Server;
    started.once('error', reject);
  });
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxConnections = MAX_CONNECTIONS;
  server.on('error', (err) => services.log(`http: ${err.message}`));
  const info = server.address() as AddressInfo;
  const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  return {
    address: { host: info.address, port: info.port },
    url: `${tls ? 'https' : 'http'}://${host}:${info.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
