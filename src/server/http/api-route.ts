/**
 * The route table's entry: an OpenAPI route (the zod schemas that validate the request and
 * describe it in /api/v1/openapi.json), what the caller must hold to use it, and the handler.
 * Every route of the API is one of these (api.ts registers the table and nothing else), so the
 * isolation test (test/api-isolation.test.ts) can walk every route with every kind of caller:
 * a route without an access declaration cannot be written.
 *
 * Access:
 * - `public`: anyone (health, the OpenAPI document, sign-in, single sign-on);
 * - `signed-in`: any signed-in user or API token;
 * - `instance`: an instance operator (the central team);
 * - `organization`: the route's `{org}` path parameter names an organisation where the caller
 *   holds `permission` (app/accounts/access.ts). A caller that cannot see the organisation gets
 *   404, as for one that does not exist; one that sees it without the permission gets 403.
 */
import type { RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type { Context, Handler } from 'hono';
import type { Principal, Permission } from '../../app/accounts/access.js';
import type { AccountsContext, Organization } from '../../app/accounts/accounts.js';
import type { AppContext } from '../../app/context.js';
import type { AppInstance } from '../../app/open-app.js';
import type { ApiMetrics } from './metrics.js';
import type { OidcClient } from './oidc-client.js';

/** What handlers use beside the request: the accounts, the instance, report upload and the log. */
export interface ApiServices {
  readonly accounts: AccountsContext;
  readonly instance: AppInstance;
  /** Stores an uploaded input through the one ingest path (the SMTP listener's); the counts. */
  readonly upload: (app: AppContext, name: string, bytes: Uint8Array) => Promise<UploadOutcome>;
  /** The largest upload taken (the SMTP listener's message limit). */
  readonly maxUploadBytes: number;
  /** Secure cookies (TLS here or at the trusted proxy). */
  readonly secureCookies: boolean;
  /** The SMTP listener's mailboxes (`dmarc@reports.example`): each organisation's rua address is one with its token as subaddress. */
  readonly ruaMailboxes: readonly string[];
  /** Local passwords are accepted at sign-in. */
  readonly localSignIn: boolean;
  /** Single sign-on (http.oidc); absent: its routes answer 404 `oidc-not-configured`. */
  readonly oidc?: OidcClient | undefined;
  /** The first run's one-time set-up token (web-api.ts), while there is no user. */
  readonly setup: { token: string | undefined };
  readonly log: (message: string) => void;
  /** Counted requests and stored inputs, for /metrics; absent: /metrics is 404. */
  readonly metrics?: ApiMetrics;
  /** The dashboard's built files (web-files.ts); absent: the API alone. */
  readonly webRoot?: string | undefined;
  /** The bearer secret of a Prometheus scraper (http-settings.ts). */
  readonly metricsToken?: string | undefined;
}

export interface UploadOutcome {
  readonly newReports: number;
  readonly duplicateReports: number;
  readonly records: number;
  /** Parts refused: kept in the quarantine, for an operator to look at. */
  readonly rejected: number;
}

export type Access = { readonly kind: 'public' } | { readonly kind: 'signed-in' } | { readonly kind: 'instance' } | { readonly kind: 'organization'; readonly permission: Permission };

/** What the middleware puts on the request for the handler. */
export interface ApiVariables {
  principal: Principal;
  /** How the caller authenticated: a browser's session cookie (writes then need a matching Origin), a bearer token, or nothing. */
  credential: 'none' | 'cookie' | 'token';
  /** For `organization` routes: the organisation of `{org}` and a context acting for it. */
  organization: Organization;
  app: AppContext;
  /** The client's address (the peer's, or the forwarded one from a trusted proxy). */
  clientAddress: string;
  services: ApiServices;
  /** The OpenAPI document of the table. */
  openApi: () => unknown;
}

export interface ApiEnv {
  Variables: ApiVariables;
}

export type ApiContext = Context<ApiEnv>;

export interface ApiRoute {
  readonly route: RouteConfig;
  readonly access: Access;
  readonly handler: (c: ApiContext) => Promise<Response> | Response;
  /** A valid request body, for the route table's tests (and the document's example). */
  readonly exampleBody?: unknown;
}

/** The validated input of a route, as its schemas give it (`c.req.valid('query')`…). */
type InputOf<R extends RouteConfig> = RouteHandler<R, ApiEnv> extends Handler<ApiEnv, string, infer I> ? I : never;

/** A handler of the route: its input typed from the schemas, any Response out (lists may answer CSV). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiHandler<R extends RouteConfig> = (c: Context<ApiEnv, any, InputOf<R>>) => Response | Promise<Response>;

/** A route of the table, its handler typed from its schemas. */
export function apiRoute<R extends RouteConfig>(route: R, access: Access, handler: ApiHandler<R>, exampleBody?: unknown): ApiRoute {
  return { route, access, handler: handler, ...(exampleBody !== undefined ? { exampleBody } : {}) };
}
