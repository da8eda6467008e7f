/**
 * Errors as RFC 9457 problem details (`application/problem+json`): the status from the AppError's
 * kind, `code` (stable, documented in docs/api.md), `detail`, and `errors`, one per problem, each
 * naming its `field` (`query.limit`, `body.email`, `path.domain`). A request that fails
 * validation gets every problem at once. Anything else thrown is a 500 whose detail says nothing
 * about the inside (it is logged instead, without request bodies).
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppError, AppErrorKind } from '../../app/problems.js';
import { isAppError } from '../../app/problems.js';

const STATUS: Readonly<Record<AppErrorKind, ContentfulStatusCode>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  throttled: 429,
  unavailable: 503,
};

const TITLE: Readonly<Record<number, string>> = {
  400: 'The request is not valid',
  401: 'Sign in first',
  403: 'Not allowed',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Unavailable',
};

export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: readonly { readonly code: string; readonly field?: string; readonly message: string }[];
}

export function problemBody(status: number, errors: readonly { code: string; field?: string | undefined; message: string }[]): ProblemBody {
  const first = errors[0] ?? { code: 'error', message: TITLE[status] ?? 'Error' };
  return {
    type: `urn:dmarcpilot:problem:${first.code}`,
    title: TITLE[status] ?? 'Error',
    status,
    code: first.code,
    detail: errors.map((e) => (e.field === undefined ? e.message : `${e.field}: ${e.message}`)).join('; '),
    errors: errors.map((e) => ({ code: e.code, ...(e.field !== undefined ? { field: e.field } : {}), message: e.message })),
  };
}

export function problemResponse(c: Context, status: ContentfulStatusCode, errors: readonly { code: string; field?: string | undefined; message: string }[], headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(problemBody(status, errors)), status, { 'content-type': 'application/problem+json', ...headers });
}

/** Fields of the API's problems are prefixed with where they came from; the app names them bare. */
const FIELD_PREFIX = /^(path|query|body|header)\./;

/**
 * Where a bare field named by the application came from: a path parameter of the matched route
 * (`:domain`), else the query of a read, else the body of a write.
 */
function whereOf(c: Context, field: string): 'path' | 'query' | 'body' {
  const route = c.req.routePath;
  if (new RegExp(`/:${field.replace(/[^A-Za-z0-9]/g, '')}(/|$)`).test(route)) return 'path';
  return c.req.method === 'GET' || c.req.method === 'HEAD' ? 'query' : 'body';
}

export function appErrorResponse(c: Context, error: AppError): Response {
  const status = STATUS[error.kind];
  const headers: Record<string, string> = error.retryAfterSeconds !== undefined ? { 'retry-after': String(error.retryAfterSeconds) } : {};
  if (status === 401) headers['www-authenticate'] = 'Bearer realm="dmarcpilot"';
  return problemResponse(
    c,
    status,
    error.problems.map((p) => ({ code: p.code, field: p.field === undefined || FIELD_PREFIX.test(p.field) ? p.field : `${whereOf(c, p.field)}.${p.field}`, message: p.message })),
    headers,
  );
}

/** The response for anything a handler threw. */
export function errorResponse(c: Context, caught: unknown, log: (message: string) => void): Response {
  if (isAppError(caught)) return appErrorResponse(c, caught);
  // Hono's own refusals: a body that is not the JSON or form its content type says, mainly.
  if (caught instanceof HTTPException && caught.status < 500) {
    const status = caught.status;
    return problemResponse(c, status, [{ code: status === 400 ? 'malformed-body' : 'bad-request', field: status === 400 ? 'body' : undefined, message: caught.message || (TITLE[status] ?? 'bad request') }]);
  }
  log(`${c.req.method} ${new URL(c.req.url).pathname}: ${caught instanceof Error ? (caught.stack ?? caught.message) : String(caught)}`);
  return problemResponse(c, 500, [{ code: 'internal-error', message: 'something went wrong on the server; the error is in its log' }]);
}

/** zod issues (from request validation) as problems naming each field. */
export function validationProblems(target: string, issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string; readonly code: string }[]): { code: string; field: string; message: string }[] {
  const where = target === 'param' ? 'path' : target === 'json' || target === 'form' ? 'body' : target;
  return issues.map((issue) => ({
    code: `invalid-${issue.code.replace(/^invalid_/, '').replace(/_/g, '-')}`,
    field: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}
