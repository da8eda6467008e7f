/**
 * The embedded SQLite Store (the default): one database file, opened with durable settings
 * (sqlite-driver.ts), migrated on open (migrations.ts). The concerns both SQL stores share run
 * their shared SQL through ../sql/sql-store-base.ts; this file holds what SQLite does its own way:
 * raw inputs, write groups and aggregate writers, record streaming, the rollups behind daily
 * series and sender statistics, counts and compaction.
 *
 * Concurrency: one connection, used synchronously. One AggregateWriter at a time per store;
 * while it is open, other writes (raw inputs, quarantine, ...) join its transaction and are rolled
 * back with it if it aborts. Other processes may read the file meanwhile (WAL).
 */
import { gunzipSync } from 'node:zlib';
import type { AggregateHeader } from '../../reports/aggregate/aggregate-report.js';
import type { SourceEnrichment } from '../../core/source-facts.js';
import type {
  DomainOverviewRow,
  AggregateWriter,
  DailyVolume,
  Provenance,
  PublishedPolicyDay,
  PublishedPolicyPeriod,
  SourceDay,
  SourceFilter,
  RawInputOptions,
  RawInputRef,
  RecordFilter,
  ReportingStats,
  SourceStats,
  Store,
  StoreCounts,
  StoreRoot,
  StoredRecord,
  WriteGroup,
} from '../store.js';
import { StoreNotWritableError } from '../store.js';
import { readDailySeries } from '../daily-rows.js';
import { needsBytes, rawInputRef, rawInputState, writeRawInput } from '../queries/raw-input-queries.js';
import { gzipRawInput } from '../raw-compression.js';
import { organizationView } from '../scoped-store.js';
import { SqlStoreBase } from '../sql/sql-store-base.js';
import { AggregateStatements, beginAggregateWriter } from './aggregate-writer.js';
import { domainsPendingRollup, readDomainOverviews } from '../queries/domain-overview-queries.js';
import { rollUpDaily } from './daily-rollup.js';
import { checkSqliteSchema, migrateSqlite } from './migrations.js';
import { shadowRollups } from './read-only.js';
import { queryDkimSelectors, queryPublishedPolicies, queryPublishedPolicyDays, queryReportingStats, querySourceDays, querySourceStats, readSourceEnrichments, writeSourceEnrichments } from './sender-queries.js';
import { settle } from './settle.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js';
import { openSqliteDatabase, openSqliteReadOnly, unwritableReason } from './sqlite-driver.js';
import { SqliteRunner } from './sqlite-runner.js';
import { streamSqliteRecords } from './stream-records.js';

/** Domains one domainOverviews call answers for (a page of the portfolio holds far fewer). */
const MAX_OVERVIEW_DOMAINS = 1_000;

export interface SqliteStoreOptions {
  /** The clock for `created_at` and `applied_at` columns; defaults to the wall clock. */
  readonly now?: () => Date;
  /** Hears of a long upgrade before it starts (migrateSqlite). */
  readonly notice?: (message: string) => void;
  /**
   * `write` (default): the caller writes; a file or folder that cannot be written is refused at
   * once, with the reason (unwritableReason). `read`: the caller only reads; such a store is then
   * opened read-only instead (openSqliteReadOnly), without migrating it.
   */
  readonly access?: 'read' | 'write';
  /** Open read-only whatever the permissions (a copy that must not change; tests). */
  readonly readOnly?: boolean;
}

/**
 * Opens (creating the file and its folder if needed) and migrates the store at `path`; `:memory:`
 * for tests. A store that cannot be written is opened read-only for a caller that only reads
 * (`access: 'read'`), and refused with StoreNotWritableError for one that writes.
 */
export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<StoreRoot> {
  const unwritable = options.readOnly === true ? 'it was opened read-only' : unwritableReason(path);
  if (unwritable !== undefined) {
    if (options.access !== 'read' && options.readOnly !== true) throw new StoreNotWritableError(unwritable);
    const db = await openSqliteReadOnly(path);
    try {
      checkSqliteSchema(db);
      return new SqliteStore(db, options.now ?? (() => new Date()), unwritable);
    } catch (err) {
      db.close();
      throw err;
    }
  }
  const db = await openSqliteDatabase(path);
  try {
    return createSqliteStore(db, options);
  } catch (err) {
    db.close();
    throw err;
  }
}

/** A Store over an already-open connection (real or fake): migrates it, then prepares its statements. */
export function createSqliteStore(db: SqliteDatabase, options: SqliteStoreOptions = {}): StoreRoot {
  const now = options.now ?? (() => new Date());
  migrateSqlite(db, now(), undefined, options.notice);
  return new SqliteStore(db, now, undefined);
}

class SqliteStore extends SqlStoreBase implements StoreRoot {
  readonly #db: SqliteDatabase;
  readonly #runner: SqliteRunner;
  readonly #now: () => Date;
  readonly #aggregate: AggregateStatements;
  readonly #prepare: (sql: string) => SqliteStatement;
  #writerOpen = false;
  /** A write group holds the connection's transaction (beginWriteGroup). */
  #groupOpen = false;
  /** Why the store was opened read-only; undefined when it can be written. */
  readonly #readOnly: string | undefined;

  constructor(db: SqliteDatabase, now: () => Date, readOnly: string | undefined) {
    // Read-only: the rollups that queries bring up to date are shadowed by empty TEMP tables
    // (SQLite finds TEMP before main), which those queries then fill for this connection alone.
    if (readOnly !== undefined) shadowRollups(db);
    const runner = new SqliteRunner(db);
    super(runner);
    this.#db = db;
    this.#runner = runner;
    this.#now = now;
    this.#readOnly = readOnly;
    this.#aggregate = new AggregateStatements(db);
    this.#prepare = (sql) => runner.prepare(sql);
  }

  forOrganization(organizationId: number): Promise<Store> {
    return organizationView(this, organizationId);
  }

  /**
   * The row's state is read and the write it needs made in one synchronous step, at the call, as
   * every write here. When that write needs the compressed bytes, they are made first, off the
   * event loop (raw-compression.ts), and the step is then run again: whatever happened on the
   * connection meanwhile, the write follows the state it reads, in the transaction open then (a
   * write group's, as before: its caller commits only after this resolves).
   */
  async saveRawInput(bytes: Uint8Array, options: RawInputOptions = {}): Promise<RawInputRef> {
    const ref = rawInputRef(bytes);
    const d = this.#runner.dialect;
    /** False, writing nothing, when the write needs compressed bytes and none are given. */
    const step = (compressed: Uint8Array | undefined): boolean => {
      const state = this.#runner.drive(rawInputState(d, ref.sha256));
      // Compress only what is to be kept and is not yet: re-ingesting a large mailbox costs a hash, not a gzip.
      const needed = needsBytes(state, options);
      if (needed && compressed === undefined) return false;
      this.#runner.drive(writeRawInput(d, ref, state, options, needed ? compressed : undefined, this.#now()));
      return true;
    };
    if (await settle(() => step(undefined))) return ref;
    const compressed = await gzipRawInput(bytes);
    await settle(() => step(compressed));
    return ref;
  }

  readRawInput(sha256: string): Promise<Uint8Array | undefined> {
    return settle(() => {
      const row = this.#prepare('SELECT size, compressed FROM raw_inputs WHERE sha256 = ? AND bytes_kept').get(sha256) as
        | { size: number; compressed: Uint8Array }
        | undefined;
      if (row === undefined) return undefined;
      const bytes = gunzipSync(row.compressed, { maxOutputLength: Math.max(row.size, 1) });
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    });
  }

  /**
   * One IMMEDIATE transaction for the group: the writes that follow run in it (each report in a
   * savepoint of its own), and its COMMIT is the group's one durable commit.
   */
  beginWriteGroup(): Promise<WriteGroup> {
    return settle(() => {
      if (this.#writerOpen) throw new Error('SqliteStore: a write group cannot begin while an AggregateWriter is open.');
      if (this.#groupOpen) throw new Error('SqliteStore: a write group is already open; commit or roll it back first.');
      this.#db.exec('BEGIN IMMEDIATE');
      this.#groupOpen = true;
      let open = true;
      return {
        commit: () =>
          settle(() => {
            if (!open) return;
            if (this.#writerOpen) throw new Error('SqliteStore: a write group cannot commit while an AggregateWriter is open.');
            this.#db.exec('COMMIT');
            open = false;
            this.#groupOpen = false;
          }),
        rollback: () =>
          settle(() => {
            if (!open) return;
            open = false;
            this.#groupOpen = false;
            if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
          }),
      };
    });
  }

  beginAggregateReport(header: AggregateHeader, provenance: Provenance): Promise<AggregateWriter> {
    return settle(() => {
      const gate = {
        inGroup: () => this.#groupOpen,
        opened: () => {
          if (this.#writerOpen) throw new Error('SqliteStore: an AggregateWriter is already open; commit or abort it first.');
          this.#writerOpen = true;
        },
        closed: () => {
          this.#writerOpen = false;
        },
      };
      return beginAggregateWriter(this.#db, this.#aggregate, gate, header, provenance);
    });
  }

  streamRecords(filter: RecordFilter): AsyncIterable<StoredRecord> {
    return streamSqliteRecords(this.#db, filter);
  }

  /** Brings the daily rollup up to date for the domain (daily-rollup.ts), then reads the days from it. */
  dailySeries(domain: string, window: { readonly since: Date; readonly until: Date }): Promise<DailyVolume[]> {
    return settle(() => {
      rollUpDaily(this.#runner, domain);
      return this.#runner.drive(readDailySeries(this.#runner.dialect, domain, window));
    });
  }

  domainOverviews(domains: readonly string[], since: Date, until: Date): Promise<DomainOverviewRow[]> {
    return settle(() => {
      const asked = [...new Set(domains)].slice(0, MAX_OVERVIEW_DOMAINS);
      for (const domain of this.#runner.drive(domainsPendingRollup(this.#runner.dialect, asked))) rollUpDaily(this.#runner, domain);
      return this.#runner.drive(readDomainOverviews(this.#runner.dialect, asked, since, until));
    });
  }

  sourceStats(domain: string, since: Date, until: Date, recentSince?: Date, filter?: SourceFilter): Promise<SourceStats[]> {
    return settle(() => querySourceStats(this.#db, this.#prepare, domain, since, until, recentSince, filter));
  }

  sourceDays(domain: string, since: Date, until: Date, filter?: SourceFilter & { readonly ips?: readonly string[] }): Promise<SourceDay[]> {
    return settle(() => querySourceDays(this.#db, this.#prepare, domain, since, until, filter));
  }

  listPublishedPolicyDays(domain: string): Promise<PublishedPolicyDay[]> {
    return settle(() => queryPublishedPolicyDays(this.#prepare, domain));
  }

  reportingStats(domain: string, since: Date, until: Date): Promise<ReportingStats> {
    return settle(() => queryReportingStats(this.#db, this.#prepare, domain, since, until));
  }

  listPublishedPolicies(domain: string): Promise<PublishedPolicyPeriod[]> {
    return settle(() => queryPublishedPolicies(this.#prepare, domain));
  }

  dkimSelectors(domain: string, since: Date, max: number): Promise<string[]> {
    return settle(() => queryDkimSelectors(this.#db, this.#prepare, domain, since, max));
  }

  getSourceEnrichments(ips: readonly string[]): Promise<Map<string, SourceEnrichment>> {
    return settle(() => readSourceEnrichments(this.#prepare, ips));
  }

  /** A cache: read-only, what was looked up is simply not kept. */
  putSourceEnrichments(entries: readonly SourceEnrichment[]): Promise<void> {
    if (this.#readOnly !== undefined) return Promise.resolve();
    return settle(() => writeSourceEnrichments(this.#db, this.#prepare, entries));
  }

  countReports(): Promise<StoreCounts> {
    return settle(() => {
      const count = (table: string): number => (this.#prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      return {
        aggregate: (this.#prepare('SELECT COUNT(*) AS n FROM aggregate_reports WHERE record_count IS NOT NULL').get() as { n: number }).n,
        records: count('aggregate_records'),
        failure: count('failure_reports'),
        tls: count('tls_reports'),
        raw: (this.#prepare('SELECT COUNT(*) AS n FROM raw_inputs WHERE bytes_kept').get() as { n: number }).n,
        quarantine: count('quarantine'),
      };
    });
  }

  /**
   * VACUUM rewrites the file without its free pages; in WAL mode the new content goes through the
   * WAL, which the checkpoint then copies back and truncates. It needs free disk about twice the
   * store's size, and waits (busy timeout) for other processes' writes.
   */
  refreshStatistics(): Promise<void> {
    // A read-only store keeps what the file has (ANALYZE writes sqlite_stat1).
    if (this.#readOnly !== undefined) return Promise.resolve();
    return settle(() => void this.#db.exec('ANALYZE aggregate_reports; ANALYZE aggregate_records'));
  }

  compact(): Promise<{ bytesBefore: number; bytesAfter: number }> {
    return settle(() => {
      if (this.#writerOpen || this.#groupOpen) throw new Error('SqliteStore: cannot compact while an AggregateWriter or a write group is open.');
      const size = (): number => {
        const pages = this.#db.pragma('page_count', { simple: true }) as number;
        const pageSize = this.#db.pragma('page_size', { simple: true }) as number;
        return pages * pageSize;
      };
      const bytesBefore = size();
      this.#db.exec('VACUUM');
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
      return { bytesBefore, bytesAfter: size() };
    });
  }

  /** Closes the connection; an open writer's transaction is rolled back by SQLite. */
  close(): Promise<void> {
    return settle(() => {
      this.#db.close();
    });
  }
}
