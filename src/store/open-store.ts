/**
 * Opens the store a location names: a `postgres://` or `postgresql://` URL opens PostgreSQL,
 * anything else is the path of an embedded SQLite file (created with its folder if missing).
 * Migrations run on open. Either way the result is the whole instance (StoreRoot): every concern
 * of store.ts, the organisations, and each organisation's view (scoped-store.ts).
 */
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { StoreRoot } from './store.js';

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
   * `write` (default) or `read`: a caller that only reads gets an SQLite file that cannot be
   * written opened read-only, where one that writes is refused with StoreNotWritableError
   * (sqlite-store.ts). PostgreSQL's permissions are the server's.
   */
  readonly access?: 'read' | 'write';
}

export function openStore(location: string, options: OpenStoreOptions = {}): Promise<StoreRoot> {
  return isPostgresLocation(location) ? openPostgresStore(location) : openSqliteStore(location, { notice: options.notice, access: options.access ?? 'write' });
}
