/**
 * The few better-sqlite3 methods the SQLite store uses, declared structurally so the driver can
 * be swapped or faked (docs/architecture.md, "Structural driver interfaces"), and the opening of
 * a real database with the settings that make a commit durable.
 */
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// A read-only store in a folder that cannot be written is opened with an `immutable` URI
// (openSqliteReadOnly). better-sqlite3 reads this once, when its native module loads, and then
// takes only names starting with `file:` as URIs; paths are made never to start so (sqlitePath).
process.env['SQLITE_USE_URI'] ??= '1';

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
  const db: SqliteDatabase = new Database(sqlitePath(path));
  try {
    applyDurabilitySettings(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** A path as better-sqlite3 is given it: one that starts like a URI is made relative (`./file:x`), so it stays a path. */
function sqlitePath(path: string): string {
  return /^file:/i.test(path) ? `./${path}` : path;
}

/**
 * Why the store at `path` cannot be written, or undefined when it can (or does not exist yet and
 * its folder can be written, or is still to be made). SQLite in WAL mode writes the file and
 * creates `-wal` and `-shm` beside it, so both the file and its folder must be writable. The
 * reason names the path and the error (`EACCES`, `EROFS`, `EPERM` for an immutable file).
 */
export function unwritableReason(path: string): string | undefined {
  if (path === ':memory:' || path === '') return undefined;
  const denied = (target: string): NodeJS.ErrnoException | undefined => {
    try {
      accessSync(target, constants.W_OK);
      return undefined;
    } catch (caught) {
      return caught as NodeJS.ErrnoException;
    }
  };
  const why = (error: NodeJS.ErrnoException): string => `${error.code ?? 'error'}: ${error.message.replace(/^[A-Z]+: /, '').replace(/, access '.*'$/, '')}`;
  if (existsSync(path)) {
    const error = denied(path);
    if (error) return `the file ${path} is read-only (${why(error)})`;
  }
  const dir = dirname(resolve(path));
  if (existsSync(dir)) {
    const error = denied(dir);
    if (error) return `its folder ${dirname(path)} is read-only (${why(error)}), where SQLite keeps its write-ahead log (-wal, -shm)`;
  }
  return undefined;
}

/**
 * Opens an existing database file read-only: nothing is created, changed or migrated. In WAL mode
 * a reader needs the `-shm` file; when it is missing and the folder cannot be written (so no
 * writer is at work: a writer keeps `-wal` while connected), the file is opened `immutable`,
 * read as it is. Throws when there is no such file or it cannot be read.
 */
export async function openSqliteReadOnly(path: string): Promise<SqliteDatabase> {
  if (!existsSync(path)) throw new Error(`there is no store at ${path} (and none can be created there)`);
  const { default: Database } = await import('better-sqlite3');
  const probe = (db: SqliteDatabase): void => void db.prepare('SELECT COUNT(*) AS n FROM sqlite_master').get();
  let db: SqliteDatabase = new Database(sqlitePath(path), { readonly: true, fileMustExist: true });
  try {
    probe(db);
  } catch (caught) {
    db.close();
    if ((caught as { code?: unknown }).code !== 'SQLITE_CANTOPEN' || existsSync(`${path}-wal`)) throw caught;
    db = new Database(`file:${encodeURI(resolve(path)).replace(/[?#]/g, encodeURIComponent)}?immutable=1`, { readonly: true, fileMustExist: true });
    try {
      probe(db);
    } catch (again) {
      db.close();
      throw again;
    }
  }
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
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
 * secure_delete: what is deleted (failure-report data at the end of its retention, a purged
 * quarantine input) is overwritten with zeros in the file, not left in its free pages.
 */
export function applyDurabilitySettings(db: SqliteDatabase): void {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('secure_delete = ON');
}
