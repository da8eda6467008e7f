/**
 * Opens the store a location names: a `postgres://` or `postgresql://` URL opens PostgreSQL,
 * anything else is the path of an embedded SQLite file (created with its folder if missing, unless
 * `create: false`). Migrations run on open. Either way the result is the whole instance (StoreRoot): every concern
 * of store.ts, the organisations, and each organisation's view (scoped-store.ts).
 */
import { statSync } from 'node:fs';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { StoreRoot } from './store.js';
import { StoreNotFoundError } from './store.js';

export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The location as it may be shown: a PostgreSQL URL without its password. */
export function describeStoreLocation(location: string): string {
  if (!isPostgresLocation(location)) return `SQLite ${location}`;
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    return `PostgreSQL ${url.toString()}`;
  } catch {
    return 'PostgreSQL (unparsable URL)';
  }
}

export interface OpenStoreOptions {
  /** Hears of a long schema upgrade before it starts, e.g. to tell the user why opening takes a while. */
  readonly notice?: (message: string) => void;
  /**
   * False: open only a store that exists (a SQLite file, a PostgreSQL database with the store's
   * tables); otherwise reject with StoreNotFoundError and create nothing. Default true.
   */
  readonly create?: boolean;
  /** Hears that this open created the store (a new SQLite file, the tables in an empty database). */
  readonly onCreated?: () => void;
  /**
   * `write` (default) or `read`: a caller that only reads gets an SQLite file that cannot be
   * written opened read-only, where one that writes is refused with StoreNotWritableError
   * (sqlite-store.ts). PostgreSQL's permissions are the server's.
   */
  readonly access?: 'read' | 'write';
}

/** True only when nothing is at `path` (a file this account may not see is there: opening it says why). */
function isMissing(path: string): boolean {
  try {
    statSync(path);
    return false;
  } catch (caught) {
    const code = (caught as { code?: unknown }).code;
    return code === 'ENOENT' || code === 'ENOTDIR';
  }
}

export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<StoreRoot> {
  if (isPostgresLocation(location)) return openPostgresStore(location, { ...(options.create !== undefined ? { create: options.create } : {}), ...(options.onCreated ? { onCreated: options.onCreated } : {}) });
  const existed = location === ':memory:' || !isMissing(location);
  if (!existed && options.create === false) throw new StoreNotFoundError('the file does not exist');
  const store = await openSqliteStore(location, { notice: options.notice, access: options.access ?? 'write' });
  if (!existed) options.onCreated?.();
  return store;
}
