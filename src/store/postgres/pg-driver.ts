/**
 * The few `pg` methods the PostgreSQL store uses, declared structurally so the driver can be
 * swapped or faked (docs/architecture.md, "Structural driver interfaces"), and the opening of a
 * real connection pool.
 */

/** A query with a name is prepared once per connection and reused (`pg` QueryConfig). */
export interface PgQuery {
  readonly text: string;
  readonly values?: unknown[];
  /** Prepared-statement name; the same name must always carry the same text. */
  readonly name?: string;
}

/** What a query returns (`pg` QueryResult): the rows as objects keyed by column name. */
export interface PgResult<Row> {
  readonly rows: Row[];
  readonly rowCount: number | null;
}

/** Anything that runs queries: the pool (any free connection) or one checked-out connection. */
export interface PgQueryable {
  query<Row extends object>(query: PgQuery): Promise<PgResult<Row>>;
}

/** One connection checked out of the pool (`pg` PoolClient); it must be released exactly once. */
export interface PgPoolClient extends PgQueryable {
  /** Returns the connection to the pool; with an error, closes it instead (its state is unknown). */
  release(err?: Error | boolean): void;
}

/** A connection pool (`pg` Pool). */
export interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
  /** A new connection was made (`pg` Pool 'connect'): it is given its own error listener here. */
  on(event: 'connect', listener: (client: PgEventSource) => void): unknown;
}

/** A connection as the pool's 'connect' event gives it: something that emits 'error'. */
export interface PgEventSource {
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export interface PgPoolOptions {
  /** Most connections open at once; `pg` defaults to 10. */
  readonly max?: number;
  /** How long to wait for a connection to the server before failing, in ms. */
  readonly connectionTimeoutMillis?: number;
}

/**
 * A pool for the server and database `url` names (postgres://user:password@host:port/database).
 * The driver is loaded here, not at import time, so a SQLite-only installation never loads it.
 * Nothing connects until the first query.
 */
export async function createPgPool(url: string, options: PgPoolOptions = {}): Promise<PgPool> {
  const { default: pg } = await import('pg');
  const pool: PgPool = new pg.Pool({
    connectionString: url,
    application_name: 'dmarcpilot',
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
  });
  // A connection the server closes (a restart, pg_terminate_backend, a network cut) emits 'error'.
  // While it is idle in the pool, pg-pool listens, discards it and re-emits the error on the pool;
  // while it is checked out (an aggregate writer holds one for a whole report), nobody listens
  // and the unhandled 'error' event would end the process. So every connection gets a listener
  // of its own from the start, for its whole life. Nothing is lost by ignoring the event: the
  // query in progress, or the next one on that connection, fails with the error, the writer
  // rolls back and gives the connection back with the error (release(err) closes it), and the
  // next checkout opens a fresh connection: that is the reconnect.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

/** Rolls back and releases `client`, closing it when even the rollback fails. Never throws. */
export async function rollbackAndRelease(client: PgPoolClient): Promise<void> {
  try {
    await client.query({ text: 'ROLLBACK' });
    client.release();
  } catch (err) {
    client.release(err instanceof Error ? err : new Error(String(err)));
  }
}
