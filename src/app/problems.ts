/**
 * The one error type callers of the application core see: AppError, of a kind (`invalid`,
 * `not-found`, `forbidden`, `conflict`, `unavailable`) with a stable code, the field or input at
 * fault and a message, and for `invalid` every problem found at once (core/problem.ts). The CLI
 * prints each problem on one line (`dmarcpilot plan: --gate-days: …`) and exits 2 (1 for
 * `unavailable`: the store or a server is down, not the caller's mistake); the HTTP API will
 * answer RFC 9457 problem+json with the status of the kind and the fields named.
 *
 * Anything else thrown out of app/ is a bug or an I/O failure and is reported as such.
 * `toAppError` turns the store's own typed errors (bad cursor, out of scope, conflict) into
 * AppErrors, so no caller has to know them.
 */
import type { Problem } from '../core/problem.js';
import { problem } from '../core/problem.js';
import { InvalidCursorError, OutOfScopeError, StoreConflictError, StoreNotFoundError } from '../store/store.js';

/**
 * `unauthenticated`: no valid credentials (HTTP 401); `forbidden`: the caller is known but may not
 * (403); `throttled`: too many attempts, try again later (429; `retryAfterSeconds`).
 */
export type AppErrorKind = 'invalid' | 'unauthenticated' | 'not-found' | 'forbidden' | 'conflict' | 'throttled' | 'unavailable';

export class AppError extends Error {
  readonly kind: AppErrorKind;
  /** The first problem's code (the only one unless `invalid` found several). */
  readonly code: string;
  /** The first problem's field, when it names one. */
  readonly field: string | undefined;
  /** Every problem, at least one. */
  readonly problems: readonly Problem[];

  /** For `throttled`: when to try again. */
  readonly retryAfterSeconds: number | undefined;

  constructor(kind: AppErrorKind, problems: readonly [Problem, ...Problem[]], options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(problems.map((p) => (p.field === undefined ? p.message : `${p.field}: ${p.message}`)).join('; '), options);
    this.name = 'AppError';
    this.kind = kind;
    this.problems = problems;
    this.code = problems[0].code;
    this.field = problems[0].field;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** Throws `invalid` with every problem, when there is any. */
export function throwIfInvalid(problems: readonly Problem[]): void {
  const [first, ...rest] = problems;
  if (first !== undefined) throw new AppError('invalid', [first, ...rest]);
}

export function invalid(code: string, field: string | undefined, message: string): AppError {
  return new AppError('invalid', [problem(code, field, message)]);
}

export function notFound(code: string, field: string | undefined, message: string): AppError {
  return new AppError('not-found', [problem(code, field, message)]);
}

export function conflict(code: string, field: string | undefined, message: string): AppError {
  return new AppError('conflict', [problem(code, field, message)]);
}

export function forbidden(code: string, message: string): AppError {
  return new AppError('forbidden', [problem(code, undefined, message)]);
}

export function unauthenticated(code: string, message: string): AppError {
  return new AppError('unauthenticated', [problem(code, undefined, message)]);
}

export function throttled(code: string, message: string, retryAfterSeconds: number): AppError {
  return new AppError('throttled', [problem(code, undefined, message)], { retryAfterSeconds });
}

export function unavailable(code: string, message: string, cause?: unknown): AppError {
  return new AppError('unavailable', [problem(code, undefined, message)], { cause });
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/**
 * The store's typed errors as AppErrors; anything else is returned as it is. Given the store's
 * label (`SQLite data/dmarcpilot.sqlite`, a URL without its password), a write the store refused
 * because it is read-only becomes `store-read-only`, naming the store and why.
 */
export function toAppError(caught: unknown, store?: string): unknown {
  if (caught instanceof AppError) return caught;
  if (caught instanceof InvalidCursorError) return invalid('invalid-page', caught.field, caught.message);
  if (caught instanceof OutOfScopeError) {
    return caught.reason === 'instance-only' ? new AppError('forbidden', [problem('instance-only', undefined, caught.message)]) : notFound('out-of-scope', undefined, caught.message);
  }
  if (caught instanceof StoreConflictError) return conflict('conflict', caught.field, caught.message);
  if (caught instanceof StoreNotFoundError && store !== undefined) return notFound('store-not-found', 'db', `no store at ${store} (${caught.message})`);
  const readOnly = store === undefined ? undefined : describeReadOnly(caught);
  if (readOnly !== undefined) return unavailable('store-read-only', `${store} is read-only here: ${readOnly.why} (${readOnly.message})`, caught);
  return caught;
}

/**
 * Why a driver refused to write, from the error's code (or its cause's): SQLite's
 * SQLITE_READONLY family, a read-only file system or a permission refused, PostgreSQL's
 * read_only_sql_transaction (25006) and insufficient_privilege (42501). Undefined for anything else.
 */
export function describeReadOnly(caught: unknown): { readonly why: string; readonly message: string } | undefined {
  for (let error = caught, depth = 0; error instanceof Error && depth < 4; error = error.cause, depth++) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    const why = READ_ONLY_REASONS[code] ?? (code.startsWith('SQLITE_READONLY') ? READ_ONLY_REASONS['SQLITE_READONLY'] : undefined);
    if (why !== undefined) return { why, message: error.message };
  }
  return undefined;
}

const READ_ONLY_REASONS: Readonly<Record<string, string>> = {
  SQLITE_READONLY: 'this account cannot write the database file or its folder (SQLite writes its -wal and -shm files beside the file), or the file system is mounted read-only',
  SQLITE_READONLY_DIRECTORY: 'this account cannot write the folder of the database file (SQLite creates its -wal and -shm files there)',
  SQLITE_PERM: 'the database file may not be written (permission denied)',
  EROFS: 'the file system holding it is mounted read-only',
  EACCES: 'this account may not write there (permission denied)',
  EPERM: 'this account may not write there (operation not permitted)',
  '25006': 'the PostgreSQL database only accepts reads (a standby, or default_transaction_read_only is on)',
  '42501': 'the PostgreSQL role may not write to its tables (insufficient privilege)',
};

/** Runs `work`, turning the store's typed errors into AppErrors. */
export async function withAppErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (caught) {
    throw toAppError(caught);
  }
}
