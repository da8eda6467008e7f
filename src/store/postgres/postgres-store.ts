/**
 * The PostgreSQL Store: a `pg` connection pool on one database, migrated on open (migrations.ts).
 * For a shared server, several dmarcpilot processes, or more data than suits one file. The
 * concerns both SQL stores share run their shared SQL through ../sql/sql-store-base.ts; this file
 * holds what PostgreSQL does its own way: raw inputs, aggregate writers, record streaming, the
 * daily rollup, sender statistics, counts.
 *
 * Concurrency: every call runs on any free pooled connection, so calls may overlap. An open
 * AggregateWriter holds a connection and its transaction until commit or abort; one writer at a
 * time per store is the supported use (aggregate-writer.ts). Dedup of every report kind relies on
 * UNIQUE constraints with ON CONFLICT DO NOTHING, so it holds across processes too.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
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
import { readDailySeries } from '../daily-rows.js';
import { StoreNotFoundError } from '../store.js';
import { needsBytes, rawInputRef, rawInputState, writeRawInput } from '../queries/raw-input-queries.js';
import { gzipRawInput } from '../raw-compression.js';
import { organizationView } from '../scoped-store.js';
import { SqlStoreBase } from '../sql/sql-store-base.js';
import { beginAggregateWriter } from './aggregate-writer.js';
import { domainsPendingRollup, readDomainOverviews } from '../queries/domain-overview-queries.js';
import { rollUpDaily } from './daily-rollup.js';
import { migratePostgres } from './migrations.js';
import type { PgPool, PgPoolOptions } from './pg-driver.js';
import { createPgPool } from './pg-driver.js';
import { PgRunner } from './pg-runner.js';
import { queryDkimSelectors, queryPublishedPolicies, queryPublishedPolicyDays, queryReportingStats, querySourceDays, querySourceStats, readSourceEnrichments, writeSourceEnrichments } from './sender-queries.js';
import type { StreamPageSizes } from './stream-records.js';
import { DEFAULT_PAGE_SIZES, streamPostgresRecords } from './stream-records.js';

const gunzipAsync = promisify(gunzip);

/** Domains one domainOverviews call answers for (a page of the portfolio holds far fewer). */
const MAX_OVERVIEW_DOMAINS = 1_000;

export interface PostgresStoreOptions extends PgPoolOptions {
  /** Page sizes of streamRecords (small ones in tests exercise paging). */
  readonly pageSizes?: StreamPageSizes;
  /** False: a database without the store's tables is not set up but refused (StoreNotFoundError). Default true. */
  readonly create?: boolean;
  /** Hears that this open set the store up in an empty database. */
  readonly onCreated?: () => void;
}

/**
 * Connects to the database `url` names (postgres://user:password@host:port/database; it must
 * exist), applies pending migrations and returns the store. The pool is closed again if that fails.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<StoreRoot> {
  const pool = await createPgPool(url, options);
  let existed: boolean;
  try {
    const { rows } = await pool.query<{ present: boolean }>({ text: "SELECT to_regclass('schema_migrations') IS NOT NULL AS present" });
    existed = rows[0]?.present === true;
    if (!existed && options.create === false) throw new StoreNotFoundError('the database has no dmarcpilot tables');
    await migratePostgres(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  if (!existed) options.onCreated?.();
  return new PostgresStore(pool, options.pageSizes ?? DEFAULT_PAGE_SIZES);
}

/** A write group of a store that commits every write on its own. */
const UNGROUPED: WriteGroup = { commit: () => Promise.resolve(), rollback: () => Promise.resolve() };

class PostgresStore extends SqlStoreBase implements StoreRoot {
  readonly #pool: PgPool;
  readonly #runner: PgRunner;
  readonly #pageSizes: StreamPageSizes;
  #closed: Promise<void> | undefined;

  constructor(pool: PgPool, pageSizes: StreamPageSizes) {
    const runner = new PgRunner(pool);
    super(runner);
    this.#pool = pool;
    this.#runner = runner;
    this.#pageSizes = pageSizes;
  }

  forOrganization(organizationId: number): Promise<Store> {
    return organizationView(this, organizationId);
  }

  async saveRawInput(bytes: Uint8Array, options: RawInputOptions = {}): Promise<RawInputRef> {
    const ref = rawInputRef(bytes);
    const d = this.#runner.dialect;
    const state = await this.#runner.run(rawInputState(d, ref.sha256));
    // Compress only what is to be kept and is not yet: re-ingesting a large mailbox costs a hash, not a gzip.
    const compressed = needsBytes(state, options) ? await gzipRawInput(bytes) : undefined;
    await this.#runner.run(writeRawInput(d, ref, state, options, compressed, new Date()));
    return ref;
  }

  async readRawInput(sha256: string): Promise<Uint8Array | undefined> {
    const row = (await this.#pool.query<{ size: string; compressed: Uint8Array }>({
      text: 'SELECT size, compressed FROM raw_inputs WHERE sha256 = $1 AND bytes_kept',
      values: [sha256],
    })).rows[0];
    if (row === undefined) return undefined;
    const bytes = await gunzipAsync(row.compressed, { maxOutputLength: Math.max(Number(row.size), 1) });
    // A plain Uint8Array, not the Buffer subclass, as the interface promises.
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * Nothing to group: each report commits on the connection its writer holds, the other writes
   * are single statements, and the server's commits are cheap next to the round trips (the
   * back-fill meets its goal without grouping: docs/benchmarks.md).
   */
  beginWriteGroup(): Promise<WriteGroup> {
    return Promise.resolve(UNGROUPED);
  }

  beginAggregateReport(header: AggregateHeader, provenance: Provenance): Promise<AggregateWriter> {
    return beginAggregateWriter(this.#pool, header, provenance);
  }

  streamRecords(filter: RecordFilter): AsyncIterable<StoredRecord> {
    return streamPostgresRecords(this.#pool, filter, this.#pageSizes);
  }

  /** Brings the daily rollup up to date for the domain (daily-rollup.ts), then reads the days from it. */
  async dailySeries(domain: string, window: { readonly since: Date; readonly until: Date }): Promise<DailyVolume[]> {
    await rollUpDaily(this.#pool, domain);
    return this.#runner.run(readDailySeries(this.#runner.dialect, domain, window));
  }

  async domainOverviews(domains: readonly string[], since: Date, until: Date): Promise<DomainOverviewRow[]> {
    const asked = [...new Set(domains)].slice(0, MAX_OVERVIEW_DOMAINS);
    for (const domain of await this.#runner.run(domainsPendingRollup(this.#runner.dialect, asked))) await rollUpDaily(this.#pool, domain);
    return this.#runner.run(readDomainOverviews(this.#runner.dialect, asked, since, until));
  }

  sourceStats(domain: string, since: Date, until: Date, recentSince?: Date, filter?: SourceFilter): Promise<SourceStats[]> {
    return querySourceStats(this.#pool, domain, since, until, recentSince, filter);
  }

  sourceDays(domain: string, since: Date, until: Date, filter?: SourceFilter & { readonly ips?: readonly string[] }): Promise<SourceDay[]> {
    return querySourceDays(this.#pool, domain, since, until, filter);
  }

  listPublishedPolicyDays(domain: string): Promise<PublishedPolicyDay[]> {
    return queryPublishedPolicyDays(this.#pool, domain);
  }

  reportingStats(domain: string, since: Date, until: Date): Promise<ReportingStats> {
    return queryReportingStats(this.#pool, domain, since, until);
  }

  listPublishedPolicies(domain: string): Promise<PublishedPolicyPeriod[]> {
    return queryPublishedPolicies(this.#pool, domain);
  }

  dkimSelectors(domain: string, since: Date, max: number): Promise<string[]> {
    return queryDkimSelectors(this.#pool, domain, since, max);
  }

  getSourceEnrichments(ips: readonly string[]): Promise<Map<string, SourceEnrichment>> {
    return readSourceEnrichments(this.#pool, ips);
  }

  putSourceEnrichments(entries: readonly SourceEnrichment[]): Promise<void> {
    return writeSourceEnrichments(this.#pool, entries);
  }

  /** PostgreSQL's autovacuum makes the space of deleted rows reusable; giving it back to the disk (VACUUM FULL) is the administrator's call. */
  compact(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  async refreshStatistics(): Promise<void> {
    await this.#pool.query({ text: 'ANALYZE aggregate_reports, aggregate_records, failure_reports, tls_reports, daily_rollup, daily_rollup_reports' });
  }

  async countReports(): Promise<StoreCounts> {
    const tables = ['aggregate_reports', 'aggregate_records', 'failure_reports', 'tls_reports', 'raw_inputs WHERE bytes_kept', 'quarantine'] as const;
    const text = `SELECT ${tables.map((table, i) => `(SELECT count(*) FROM ${table}) AS c${i}`).join(', ')}`;
    const row = (await this.#pool.query<Record<string, string>>({ text })).rows[0] ?? {};
    const count = (i: number): number => Number(row[`c${i}`] ?? 0);
    return { aggregate: count(0), records: count(1), failure: count(2), tls: count(3), raw: count(4), quarantine: count(5) };
  }

  /** Closes the pool once it is idle; calling it again waits for the same close. */
  close(): Promise<void> {
    this.#closed ??= this.#pool.end();
    return this.#closed;
  }
}
