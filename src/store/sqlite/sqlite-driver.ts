/**
 * The few better-sqlite3 methods the SQLite store uses, declared structurally so the driver can
 * be swapped or faked (docs/architecture.md, "Structural driver interfaces"), and the opening of
 * a real database with the settings that make a commit durable.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** What `run` reports (better-sqlite3 `RunResult`). */
export interface SqliteRunResult {
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
}

/** A prepared statement (better-sqlite3 `Statement`); positional parameters only. */
export interface SqliteStatement {
  /** Whether it returns rows (a SELECT, or a statement with RETURNING): those are run with `all`. */
  readonly reader: boolean;
  run(...params: unknown[]): SqliteRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** A connection (better-sqlite3 `Database`). Every call is synchronous. */
export interface SqliteDatabase {
  readonly inTransaction: boolean;
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  pragma(source: string, options?: { readonly simple?: boolean }): unknown;
  /** Defines a SQL function on this connection (better-sqlite3 `Database#function`). */
  function(name: string, options: { readonly deterministic?: boolean }, implementation: (...args: unknown[]) => unknown): unknown;
  close(): unknown;
}

/** How long a connection waits for another process's write lock before failing (SQLITE_BUSY). */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (creating if needed) the database file at `path`, or an in-memory one for `:memory:`,
 * and applies the durability settings. The driver is loaded here, not at import time, so that
 * a PostgreSQL-only installation never loads the native SQLite module.
 */
export async function openSqliteDatabase(path: string): Promise<SqliteDatabase> {
  if (path !== ':memory:' && path !== '') createFolder(dirname(path));
  const { default: Database } = await import('better-sqlite3');
  const db: SqliteDatabase = new Database(path);
  try {
    applyDurabilitySettings(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Creates `dir` and its missing parents, one level at a time. Not `mkdirSync(dir, { recursive:
 * true })`: on Node 20 that never returns for a path under /proc (or another file system that
 * answers ENOENT for a folder it will not create), so a mistyped `--db` would hang the command;
 * here the error names the folder that could not be made.
 */
function createFolder(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) createFolder(parent);
  try {
    mkdirSync(dir);
  } catch (caught) {
    if ((caught as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw new Error(`cannot create the folder ${dir}: ${caught instanceof Error ? caught.message : String(caught)}`, { cause: caught });
  }
}

/**
 * WAL journal (readers do not block the writer; a crash mid-transaction leaves nothing),
 * synchronous=FULL (in WAL mode NORMAL may lose the last commits on power loss; FULL syncs the
 * WAL at every commit, so a committed report is never lost), foreign keys enforced, and a busy
 * timeout so a second process (e.g. `dmarcpilot summary` during an ingest) waits instead of failing.
 */
export function applyDurabilitySettings(db: SqliteDatabase): void {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
}
