/**
 * The PostgreSQL Store: a `pg` connection pool on one database, migrated on open (migrations.ts).
 * For a shared server, several dmarcpilot processes, or more data than suits one file.
 *
 * Concurrency: every call runs on any free pooled connection, so calls may overlap. An open
 * AggregateWriter holds a connection and its transaction until commit or abort; one writer at a
 * time per store is the supported use (aggregate-writer.ts). Dedup of every report kind relies on
 * UNIQUE constraints with ON CONFLICT DO NOTHING, so it holds across processes too.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Rejection } from '../../core/diagnostic.js';
import type { AggregateHeader } from '../../reports/aggregate/aggregate-report.js';
import type { FailureReport } from '../../reports/failure/failure-report.js';
import type { TlsReport } from '../../reports/tlsrpt/tls-report.js';
import type {
  DomainCheckEntry,
  AggregateWriter,
  FailureStoreOptions,
  IngestLogEntry,
  Provenance,
  QuarantineEntry,
  RawInputRef,
  RecordFilter,
  SaveOutcome,
  PublishedPolicyPeriod,
  ReportingStats,
  SenderDecisionEntry,
  SourceStats,
  Store,
  StoredRecord,
  WriteGroup,
} from '../store.js';
import type { SenderDecision, SourceEnrichment } from '../../core/source-facts.js';
import {
  queryPublishedPolicies,
  queryReportingStats,
  querySourceStats,
  readSenderDecisions,
  readSourceEnrichments,
  writeSenderDecision,
  writeSourceEnrichments,
} from './sender-queries.js';
import { beginAggregateWriter } from './aggregate-writer.js';
import { failureDedupeKey } from '../failure-dedupe-key.js';
import { FAILURE_COLUMNS, failureParams } from '../failure-rows.js';
import { migratePostgres } from './migrations.js';
import type { PgPool, PgPoolOptions, PgQuery } from './pg-driver.js';
import { createPgPool } from './pg-driver.js';
import type { StreamPageSizes } from './stream-records.js';
import { DEFAULT_PAGE_SIZES, streamPostgresRecords } from './stream-records.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export interface PostgresStoreOptions extends PgPoolOptions {
  /** Page sizes of streamRecords (small ones in tests exercise paging). */
  readonly pageSizes?: StreamPageSizes;
}

/**
 * Connects to the database `url` names (postgres://user:password@host:port/database; it must
 * exist), applies pending migrations and returns the store. The pool is closed again if that fails.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const pool = await createPgPool(url, options);
  try {
    await migratePostgres(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return new PostgresStore(pool, options.pageSizes ?? DEFAULT_PAGE_SIZES);
}

interface QuarantineRow {
  readonly id: string;
  readonly raw_sha256: string;
  readonly size: string | null;
  readonly source: string;
  readonly code: string;
  readonly message: string;
  readonly received_at: Date;
  readonly state: QuarantineEntry['state'];
}

interface IngestLogRow {
  readonly at: Date;
  readonly input: string;
  readonly raw_sha256: string | null;
  readonly size: string | null;
  readonly new_reports: number;
  readonly duplicate_reports: number;
  readonly rejected: number;
  readonly records: string;
}

const QUARANTINE_SELECT =
  'SELECT q.id, q.raw_sha256, r.size, q.source, q.code, q.message, q.received_at, q.state FROM quarantine q LEFT JOIN raw_inputs r ON r.sha256 = q.raw_sha256';

function quarantineFromRow(row: QuarantineRow): QuarantineEntry {
  return {
    id: Number(row.id),
    raw: { sha256: row.raw_sha256, size: Number(row.size ?? 0) },
    source: row.source,
    code: row.code,
    message: row.message,
    receivedAt: row.received_at,
    state: row.state,
  };
}

/** A write group of a store that commits every write on its own. */
const UNGROUPED: WriteGroup = { commit: () => Promise.resolve(), rollback: () => Promise.resolve() };

class PostgresStore implements Store {
  readonly #pool: PgPool;
  readonly #pageSizes: StreamPageSizes;
  #closed: Promise<void> | undefined;

  constructor(pool: PgPool, pageSizes: StreamPageSizes) {
    this.#pool = pool;
    this.#pageSizes = pageSizes;
  }

  async #rows<Row extends object>(query: PgQuery): Promise<Row[]> {
    return (await this.#pool.query<Row>(query)).rows;
  }

  /**
   * Inserts a row once per unique key: `insert` ends in ON CONFLICT DO NOTHING RETURNING id;
   * on conflict, `find` reads the id of the row already there (committed, since the insert
   * waited for any transaction inserting the same key).
   */
  async #insertOnce(insert: PgQuery, find: PgQuery): Promise<SaveOutcome> {
    for (let attempt = 1; ; attempt++) {
      const inserted = (await this.#rows<{ id: string }>(insert))[0];
      if (inserted !== undefined) return { status: 'new', id: Number(inserted.id) };
      const existing = (await this.#rows<{ id: string }>(find))[0];
      if (existing !== undefined) return { status: 'duplicate', id: Number(existing.id) };
      if (attempt === 3) throw new Error(`${find.text}: conflicting row not found`);
    }
  }

  async saveRawInput(bytes: Uint8Array): Promise<RawInputRef> {
    const ref = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
    // Compress only what is not kept yet: re-ingesting a large mailbox costs a hash, not a gzip.
    const kept = await this.#rows({ text: 'SELECT 1 FROM raw_inputs WHERE sha256 = $1', values: [ref.sha256] });
    if (kept.length === 0) {
      await this.#pool.query({
        text: 'INSERT INTO raw_inputs (sha256, size, compressed) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING',
        values: [ref.sha256, ref.size, await gzipAsync(bytes)],
      });
    }
    return ref;
  }

  async readRawInput(sha256: string): Promise<Uint8Array | undefined> {
    const row = (await this.#rows<{ size: string; compressed: Uint8Array }>({
      text: 'SELECT size, compressed FROM raw_inputs WHERE sha256 = $1',
      values: [sha256],
    }))[0];
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

  saveFailureReport(report: FailureReport, provenance: Provenance, options: FailureStoreOptions): Promise<SaveOutcome> {
    const key = failureDedupeKey(report);
    return this.#insertOnce(
      {
        text:
          `INSERT INTO failure_reports (${FAILURE_COLUMNS.join(', ')}) VALUES (${FAILURE_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}) ` +
          'ON CONFLICT (dedupe_key) DO NOTHING RETURNING id',
        values: failureParams(key, report, provenance, options, provenance.receivedAt),
      },
      { text: 'SELECT id FROM failure_reports WHERE dedupe_key = $1', values: [key] },
    );
  }

  saveTlsReport(report: TlsReport, provenance: Provenance): Promise<SaveOutcome> {
    return this.#insertOnce(
      {
        text:
          'INSERT INTO tls_reports (organization_name, report_id, begin_ts, end_ts, report_json, raw_sha256, source, received_at) ' +
          'VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (organization_name, report_id) DO NOTHING RETURNING id',
        values: [
          report.organizationName,
          report.reportId,
          report.dateRange.start,
          report.dateRange.end,
          JSON.stringify(report),
          provenance.raw.sha256,
          provenance.source,
          provenance.receivedAt,
        ],
      },
      { text: 'SELECT id FROM tls_reports WHERE organization_name = $1 AND report_id = $2', values: [report.organizationName, report.reportId] },
    );
  }

  async quarantine(rejection: Rejection, provenance: Provenance): Promise<number> {
    const rows = await this.#rows<{ id: string }>({
      text:
        'INSERT INTO quarantine (raw_sha256, source, code, message, received_at) VALUES ($1, $2, $3, $4, $5) ' +
        'ON CONFLICT (raw_sha256, source, code) DO NOTHING RETURNING id',
      values: [provenance.raw.sha256, provenance.source, rejection.code, rejection.message, provenance.receivedAt],
    });
    if (rows[0]) return Number(rows[0].id);
    const existing = await this.#rows<{ id: string }>({
      text: 'SELECT id FROM quarantine WHERE raw_sha256 = $1 AND source = $2 AND code = $3',
      values: [provenance.raw.sha256, provenance.source, rejection.code],
    });
    return Number(existing[0]?.id);
  }

  async listQuarantine(state?: QuarantineEntry['state']): Promise<QuarantineEntry[]> {
    const rows =
      state === undefined
        ? await this.#rows<QuarantineRow>({ text: `${QUARANTINE_SELECT} ORDER BY q.id` })
        : await this.#rows<QuarantineRow>({ text: `${QUARANTINE_SELECT} WHERE q.state = $1 ORDER BY q.id`, values: [state] });
    return rows.map(quarantineFromRow);
  }

  async getQuarantine(id: number): Promise<QuarantineEntry | undefined> {
    const row = (await this.#rows<QuarantineRow>({ text: `${QUARANTINE_SELECT} WHERE q.id = $1`, values: [id] }))[0];
    return row === undefined ? undefined : quarantineFromRow(row);
  }

  async setQuarantineState(id: number, state: QuarantineEntry['state']): Promise<void> {
    await this.#pool.query({ text: 'UPDATE quarantine SET state = $1 WHERE id = $2', values: [state, id] });
  }

  async logIngest(entry: IngestLogEntry): Promise<void> {
    await this.#pool.query({
      text: 'INSERT INTO ingest_log (at, input, raw_sha256, new_reports, duplicate_reports, rejected, records) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      values: [entry.at, entry.input, entry.raw?.sha256 ?? null, entry.newReports, entry.duplicateReports, entry.rejected, entry.records],
    });
  }

  async listIngestLog(limit: number): Promise<IngestLogEntry[]> {
    const rows = await this.#rows<IngestLogRow>({
      text:
        'SELECT l.at, l.input, l.raw_sha256, r.size, l.new_reports, l.duplicate_reports, l.rejected, l.records ' +
        'FROM ingest_log l LEFT JOIN raw_inputs r ON r.sha256 = l.raw_sha256 ORDER BY l.at DESC, l.id DESC LIMIT $1',
      values: [limit],
    });
    return rows.map((row) => ({
      at: row.at,
      input: row.input,
      raw: row.raw_sha256 === null ? null : { sha256: row.raw_sha256, size: Number(row.size ?? 0) },
      newReports: row.new_reports,
      duplicateReports: row.duplicate_reports,
      rejected: row.rejected,
      records: Number(row.records),
    }));
  }

  async saveDomainCheck(entry: DomainCheckEntry): Promise<void> {
    await this.#pool.query({
      text: 'INSERT INTO domain_checks (domain, checked_at, errors, warnings, result_json) VALUES ($1, $2, $3, $4, $5)',
      values: [entry.domain, entry.checkedAt, entry.errors, entry.warnings, JSON.stringify(entry.result)],
    });
  }

  async listDomainChecks(domain: string, limit: number): Promise<DomainCheckEntry[]> {
    const rows = await this.#rows<{ domain: string; checked_at: Date; errors: number; warnings: number; result_json: string }>({
      text: 'SELECT domain, checked_at, errors, warnings, result_json FROM domain_checks WHERE domain = $1 ORDER BY checked_at DESC, id DESC LIMIT $2',
      values: [domain, limit],
    });
    return rows.map((row) => ({ domain: row.domain, checkedAt: row.checked_at, errors: row.errors, warnings: row.warnings, result: JSON.parse(row.result_json) as unknown }));
  }

  sourceStats(domain: string, since: Date, until: Date, recentSince?: Date): Promise<SourceStats[]> {
    return querySourceStats(this.#pool, domain, since, until, recentSince);
  }

  reportingStats(domain: string, since: Date, until: Date): Promise<ReportingStats> {
    return queryReportingStats(this.#pool, domain, since, until);
  }

  listPublishedPolicies(domain: string): Promise<PublishedPolicyPeriod[]> {
    return queryPublishedPolicies(this.#pool, domain);
  }

  getSourceEnrichments(ips: readonly string[]): Promise<Map<string, SourceEnrichment>> {
    return readSourceEnrichments(this.#pool, ips);
  }

  putSourceEnrichments(entries: readonly SourceEnrichment[]): Promise<void> {
    return writeSourceEnrichments(this.#pool, entries);
  }

  setSenderDecision(domain: string, key: string, decision: SenderDecision | null, at: Date, note?: string): Promise<void> {
    return writeSenderDecision(this.#pool, domain, key, decision, at, note);
  }

  listSenderDecisions(domain: string): Promise<SenderDecisionEntry[]> {
    return readSenderDecisions(this.#pool, domain);
  }

  streamRecords(filter: RecordFilter): AsyncIterable<StoredRecord> {
    return streamPostgresRecords(this.#pool, filter, this.#pageSizes);
  }

  /** PostgreSQL's autovacuum makes the space of deleted rows reusable; giving it back to the disk (VACUUM FULL) is the administrator's call. */
  compact(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  async countReports(): Promise<{ aggregate: number; records: number; failure: number; tls: number; raw: number; quarantine: number }> {
    const tables = ['aggregate_reports', 'aggregate_records', 'failure_reports', 'tls_reports', 'raw_inputs', 'quarantine'] as const;
    const text = `SELECT ${tables.map((table, i) => `(SELECT count(*) FROM ${table}) AS c${i}`).join(', ')}`;
    const row = (await this.#rows<Record<string, string>>({ text }))[0] ?? {};
    const count = (i: number): number => Number(row[`c${i}`] ?? 0);
    return { aggregate: count(0), records: count(1), failure: count(2), tls: count(3), raw: count(4), quarantine: count(5) };
  }

  /** Closes the pool once it is idle; calling it again waits for the same close. */
  close(): Promise<void> {
    this.#closed ??= this.#pool.end();
    return this.#closed;
  }
}
