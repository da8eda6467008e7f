/**
 * The HTTP API (docs/api.md): the route table (routes/*.ts) registered on one Hono app, with what
 * every request goes through first:
 *
 * 1. security headers on every response (a Content-Security-Policy allowing no inline script,
 *    frame-ancestors none, no referrer, nosniff, HSTS under TLS);
 * 2. the client's address (the peer, or X-Forwarded-For's last untrusted hop when the peer is a
 *    trusted proxy);
 * 3. the caller: a bearer API token, else the session cookie, else nobody. A bearer token that
 *    is not valid is refused (401), never ignored;
 * 4. CSRF: a write authenticated by the cookie needs an Origin (or Referer) of this server
 *    (`publicOrigin`, or the request's own origin); a bearer token needs none (a browser never
 *    sends one by itself);
 * 5. the route's access declaration (api-route.ts), before its input is validated, so a caller
 *    who may not use a route learns nothing from its validation errors;
 * 6. request validation against the route's schemas: every problem at once, each naming its field.
 *
 * Request bodies are bounded (JSON 1 MiB; uploads the SMTP listener's message limit: 413 past
 * it). Errors are problem+json (problem-response.ts); an unexpected one is logged and answered
 * 500 without detail.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import type { Principal } from '../../app/accounts/access.js';
import { ANONYMOUS, holds, isInstanceOperator } from '../../app/accounts/access.js';
import { organizationFor, principalOfApiToken, principalOfSession, requireHolds } from '../../app/accounts/accounts.js';
import { DEFAULT_ORGANIZATION_ID } from '../../app/accounts/default-organization.js';
import { forbidden, isAppError, unauthenticated } from '../../app/problems.js';
import type { Access, ApiEnv, ApiRoute, ApiServices } from './api-route.js';
import { appErrorResponse, errorResponse, problemResponse, validationProblems } from './problem-response.js';
import { accountRoutes } from './routes/account-routes.js';
import { domainRoutes } from './routes/domain-routes.js';
import { exportRoutes } from './routes/export-routes.js';
import { oidcRoutes } from './routes/oidc-routes.js';
import { reportRoutes } from './routes/report-routes.js';
import { systemRoutes } from './routes/system-routes.js';
import { SESSION_COOKIE } from './session-cookie.js';
import { webFile } from './web-files.js';

/** Every route of the API: what the isolation test walks. */
export const API_ROUTES: readonly ApiRoute[] = [...systemRoutes, ...accountRoutes, ...oidcRoutes, ...domainRoutes, ...reportRoutes, ...exportRoutes];

export const MAX_JSON_BYTES = 1024 * 1024;

export interface ApiSettings {
  /** `https://dmarc.example.org`: the origin browsers use (behind a proxy, the public one). Absent: the request's own. */
  readonly publicOrigin?: string | undefined;
  /** Peers whose X-Forwarded-For and X-Forwarded-Proto are believed (a reverse proxy's address). */
  readonly trustedProxies: readonly string[];
  /** TLS terminates here or at a trusted proxy: HSTS and Secure cookies. */
  readonly tls: boolean;
}

export function createApi(services: ApiServices, settings: ApiSettings, version: string): OpenAPIHono<ApiEnv> {
  const api = new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return problemResponse(c, 400, validationProblems(result.target, result.error.issues));
      return undefined;
    },
  });
  let document: unknown;
  api.use('*', securityHeaders(settings));
  api.use('*', async (c, next) => {
    c.set('services', services);
    c.set('openApi', () => (document ??= openApiDocument(api, version)));
    c.set('clientAddress', clientAddress(c.env as NodeBindings | undefined, c.req.header('x-forwarded-for'), settings.trustedProxies));
    await next();
  });
  api.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath === '/*' || c.req.routePath === '*' ? 'unmatched' : c.req.routePath.replace(/:(\w+)/g, '{$1}');
    services.metrics?.request(c.req.method, route, c.res.status, (performance.now() - started) / 1000);
  });
  api.use('*', authenticate(services));
  api.use('*', csrf(settings));
  api.onError((caught, c) => errorResponse(c, caught, services.log));
  api.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    // The dashboard's files, for what is not the API (web-files.ts).
    if ((c.req.method === 'GET' || c.req.method === 'HEAD') && !path.startsWith('/api/') && services.webRoot !== undefined) {
      const file = webFile(services.webRoot, path);
      if (file) return c.body(file.bytes as Uint8Array<ArrayBuffer>, 200, { 'content-type': file.type, 'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache' });
    }
    return problemResponse(c, 404, [{ code: 'no-such-route', message: `there is no ${c.req.method} ${path}` }]);
  });

  for (const entry of API_ROUTES) {
    const limit = entry.route.path.endsWith('/reports') && entry.route.method === 'post' ? services.maxUploadBytes : MAX_JSON_BYTES;
    const middleware = [authorize(entry.access, services), bodyLimit({ maxSize: limit, onError: (c) => problemResponse(c, 413, [{ code: 'body-too-large', field: 'body', message: `the body is larger than ${limit} bytes` }]) })];
    api.openapi({ ...entry.route, middleware }, entry.handler as never);
  }
  return api;
}

/** The OpenAPI 3.1 document of the table (served at /api/v1/openapi.json, checked in CI). */
export function openApiDocument(api: OpenAPIHono<ApiEnv>, version: string): unknown {
  return api.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'dmarcpilot', version, description: 'The dmarcpilot HTTP API (docs/api.md). Errors are RFC 9457 problem details.' },
    servers: [{ url: '/' }],
  });
}

interface NodeBindings {
  readonly incoming?: { readonly socket?: { readonly remoteAddress?: string } };
}

function clientAddress(env: NodeBindings | undefined, forwarded: string | undefined, trusted: readonly string[]): string {
  const peer = normalizeAddress(env?.incoming?.socket?.remoteAddress ?? 'unknown');
  if (forwarded === undefined || !trusted.includes(peer)) return peer;
  const hops = forwarded.split(',').map((h) => normalizeAddress(h.trim())).filter((h) => h.length > 0);
  // The last hop not itself a trusted proxy is the client as far as anyone trusted saw it.
  for (let i = hops.length - 1; i >= 0; i--) if (!trusted.includes(hops[i] as string)) return hops[i] as string;
  return peer;
}

function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function securityHeaders(settings: ApiSettings): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    h.set('x-content-type-options', 'nosniff');
    h.set('referrer-policy', 'no-referrer');
    h.set('x-frame-options', 'DENY');
    h.set('cross-origin-opener-policy', 'same-origin');
    h.set('cross-origin-resource-policy', 'same-origin');
    if (!h.has('cache-control')) h.set('cache-control', 'no-store');
    if (settings.tls) h.set('strict-transport-security', 'max-age=31536000');
  };
}

function authenticate(services: ApiServices): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    let principal: Principal = ANONYMOUS;
    let credential: 'none' | 'cookie' | 'token' = 'none';
    const authorization = c.req.header('authorization');
    try {
      // A Prometheus scraper's own secret is not an API token: /metrics checks it itself.
      const scraper = c.req.path === '/metrics' && authorization !== undefined && !/^Bearer\s+dpk_/i.test(authorization);
      if (authorization !== undefined && !scraper) {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
        if (match === null) throw unauthenticated('bad-authorization', 'the Authorization header must be `Bearer <API token>`');
        principal = await principalOfApiToken(services.accounts, match[1] as string);
        credential = 'token';
      } else if (!scraper) {
        const cookie = getCookie(c, SESSION_COOKIE);
        if (cookie !== undefined) {
          principal = await principalOfSession(services.accounts, cookie);
          credential = principal.kind === 'user' ? 'cookie' : 'none';
        }
      }
    } catch (caught) {
      if (isAppError(caught)) return appErrorResponse(c, caught);
      throw caught;
    }
    c.set('principal', principal);
    c.set('credential', credential);
    await next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function csrf(settings: ApiSettings): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (c.var.credential === 'cookie' && !SAFE_METHODS.has(c.req.method)) {
      const own = settings.publicOrigin ?? new URL(c.req.url).origin;
      const origin = c.req.header('origin') ?? originOf(c.req.header('referer'));
      if (origin !== own) {
        return problemResponse(c, 403, [{ code: 'cross-site-request', message: `a write with the session cookie must come from ${own} (Origin: ${origin ?? 'none'})` }]);
      }
    }
    await next();
  };
}

function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function authorize(access: Access, services: ApiServices): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const principal = c.var.principal;
    if (access.kind === 'public') {
      await next();
      return;
    }
    if (principal.kind === 'anonymous') throw unauthenticated('not-signed-in', 'sign in, or send an API token as `Authorization: Bearer …`');
    if (access.kind === 'instance') {
      if (!isInstanceOperator(principal)) throw forbidden('operator-only', 'only an instance operator may do this');
      c.set('app', await services.instance.contextFor(DEFAULT_ORGANIZATION_ID));
    } else if (access.kind === 'organization') {
      const organization = await organizationFor(services.accounts, principal, c.req.param('org') ?? '');
      requireHolds(principal, organization.id, access.permission);
      if (!holds(principal, organization.id, access.permission)) throw forbidden('role-too-low', 'not allowed');
      c.set('organization', organization);
      c.set('app', await services.instance.contextFor(organization.id));
    }
    await next();
  };
}
