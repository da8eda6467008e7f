/**
 * The embedded SQLite Store (the default): one database file, opened with durable settings
 * (sqlite-driver.ts), migrated on open (migrations.ts).
 *
 * Concurrency: one connection, used synchronously. One AggregateWriter at a time per store;
 * while it is open, other writes (raw inputs, quarantine, ...) join its transaction and are rolled
 * back with it if it aborts. Other processes may read the file meanwhile (WAL).
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
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
import { AggregateStatements, beginAggregateWriter } from './aggregate-writer.js';
import { failureDedupeKey } from '../failure-dedupe-key.js';
import { failureParams, FAILURE_COLUMNS } from '../failure-rows.js';
import { migrateSqlite } from './migrations.js';
import { settle } from './settle.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js';
import { openSqliteDatabase } from './sqlite-driver.js';
import { streamSqliteRecords } from './stream-records.js';
import {
  queryPublishedPolicies,
  queryReportingStats,
  querySourceStats,
  readSenderDecisions,
  readSourceEnrichments,
  writeSenderDecision,
  writeSourceEnrichments,
} from './sender-queries.js';

export interface SqliteStoreOptions {
  /** The clock for `created_at` and `applied_at` columns; defaults to the wall clock. */
  readonly now?: () => Date;
  /** Hears of a long upgrade before it starts (migrateSqlite). */
  readonly notice?: (message: string) => void;
}

/** Opens (creating the file and its folder if needed) and migrates the store at `path`; `:memory:` for tests. */
export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<Store> {
  const db = await openSqliteDatabase(path);
  try {
    return createSqliteStore(db, options);
  } catch (err) {
    db.close();
    throw err;
  }
}

/** A Store over an already-open connection (real or fake): migrates it, then prepares its statements. */
export function createSqliteStore(db: SqliteDatabase, options: SqliteStoreOptions = {}): Store {
  const now = options.now ?? (() => new Date());
  migrateSqlite(db, now(), undefined, options.notice);
  return new SqliteStore(db, now);
}

interface QuarantineRow {
  readonly id: number;
  readonly raw_sha256: string;
  readonly size: number;
  readonly source: string;
  readonly code: string;
  readonly message: string;
  readonly received_at: string;
  readonly state: QuarantineEntry['state'];
}

interface IngestLogRow {
  readonly at: string;
  readonly input: string;
  readonly raw_sha256: string | null;
  readonly size: number | null;
  readonly new_reports: number;
  readonly duplicate_reports: number;
  readonly rejected: number;
  readonly records: number;
}

const QUARANTINE_SELECT = 'SELECT q.id, q.raw_sha256, r.size, q.source, q.code, q.message, q.received_at, q.state FROM quarantine q JOIN raw_inputs r ON r.sha256 = q.raw_sha256';

function quarantineFromRow(row: QuarantineRow): QuarantineEntry {
  return {
    id: row.id,
    raw: { sha256: row.raw_sha256, size: row.size },
    source: row.source,
    code: row.code,
    message: row.message,
    receivedAt: new Date(row.received_at),
    state: row.state,
  };
}

class SqliteStore implements Store {
  readonly #db: SqliteDatabase;
  readonly #now: () => Date;
  readonly #aggregate: AggregateStatements;
  readonly #statements = new Map<string, SqliteStatement>();
  #writerOpen = false;
  /** A write group holds the connection's transaction (beginWriteGroup). */
  #groupOpen = false;

  constructor(db: SqliteDatabase, now: () => Date) {
    this.#db = db;
    this.#now = now;
    this.#aggregate = new AggregateStatements(db);
  }

  /** A prepared statement, made once per SQL text and reused. */
  #prepare(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  saveRawInput(bytes: Uint8Array): Promise<RawInputRef> {
    return settle(() => {
      const ref = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
      // Compress only what is not kept yet: re-ingesting a large mailbox costs a hash, not a gzip.
      if (this.#prepare('SELECT 1 FROM raw_inputs WHERE sha256 = ?').get(ref.sha256) === undefined) {
        this.#prepare('INSERT OR IGNORE INTO raw_inputs (sha256, size, compressed, created_at) VALUES (?, ?, ?, ?)')
          .run(ref.sha256, ref.size, gzipSync(bytes), this.#now().toISOString());
      }
      return ref;
    });
  }

  readRawInput(sha256: string): Promise<Uint8Array | undefined> {
    return settle(() => {
      const row = this.#prepare('SELECT size, compressed FROM raw_inputs WHERE sha256 = ?').get(sha256) as
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

  saveFailureReport(report: FailureReport, provenance: Provenance, options: FailureStoreOptions): Promise<SaveOutcome> {
    return settle(() => {
      const key = failureDedupeKey(report);
      const sql =
        `INSERT INTO failure_reports (${FAILURE_COLUMNS.join(', ')}) VALUES (${FAILURE_COLUMNS.map(() => '?').join(', ')}) ` +
        'ON CONFLICT (dedupe_key) DO NOTHING';
      const result = this.#prepare(sql).run(...failureParams(key, report, provenance, options, provenance.receivedAt.toISOString()));
      if (result.changes > 0) return { status: 'new', id: Number(result.lastInsertRowid) };
      const row = this.#prepare('SELECT id FROM failure_reports WHERE dedupe_key = ?').get(key) as { id: number };
      return { status: 'duplicate', id: row.id };
    });
  }

  saveTlsReport(report: TlsReport, provenance: Provenance): Promise<SaveOutcome> {
    return settle(() => {
      const result = this.#prepare(
          'INSERT INTO tls_reports (organization_name, report_id, begin_ts, end_ts, report_json, raw_sha256, source, received_at) ' +
            'VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (organization_name, report_id) DO NOTHING',
        )
        .run(
          report.organizationName,
          report.reportId,
          report.dateRange.start,
          report.dateRange.end,
          JSON.stringify(report),
          provenance.raw.sha256,
          provenance.source,
          provenance.receivedAt.toISOString(),
        );
      if (result.changes > 0) return { status: 'new', id: Number(result.lastInsertRowid) };
      const row = this.#prepare('SELECT id FROM tls_reports WHERE organization_name = ? AND report_id = ?')
        .get(report.organizationName, report.reportId) as { id: number };
      return { status: 'duplicate', id: row.id };
    });
  }

  quarantine(rejection: Rejection, provenance: Provenance): Promise<number> {
    return settle(() => {
      const result = this.#prepare(
        'INSERT INTO quarantine (raw_sha256, source, code, message, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (raw_sha256, source, code) DO NOTHING',
      ).run(provenance.raw.sha256, provenance.source, rejection.code, rejection.message, provenance.receivedAt.toISOString());
      if (result.changes > 0) return Number(result.lastInsertRowid);
      const existing = this.#prepare('SELECT id FROM quarantine WHERE raw_sha256 = ? AND source = ? AND code = ?').get(provenance.raw.sha256, provenance.source, rejection.code) as { id: number };
      return existing.id;
    });
  }

  listQuarantine(state?: QuarantineEntry['state']): Promise<QuarantineEntry[]> {
    return settle(() => {
      const rows = (
        state === undefined
          ? this.#prepare(`${QUARANTINE_SELECT} ORDER BY q.id`).all()
          : this.#prepare(`${QUARANTINE_SELECT} WHERE q.state = ? ORDER BY q.id`).all(state)
      ) as QuarantineRow[];
      return rows.map(quarantineFromRow);
    });
  }

  getQuarantine(id: number): Promise<QuarantineEntry | undefined> {
    return settle(() => {
      const row = this.#prepare(`${QUARANTINE_SELECT} WHERE q.id = ?`).get(id) as QuarantineRow | undefined;
      return row === undefined ? undefined : quarantineFromRow(row);
    });
  }

  setQuarantineState(id: number, state: QuarantineEntry['state']): Promise<void> {
    return settle(() => {
      this.#prepare('UPDATE quarantine SET state = ? WHERE id = ?').run(state, id);
    });
  }

  logIngest(entry: IngestLogEntry): Promise<void> {
    return settle(() => {
      this.#prepare(
          'INSERT INTO ingest_log (at, input, raw_sha256, new_reports, duplicate_reports, rejected, records) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(entry.at.toISOString(), entry.input, entry.raw?.sha256 ?? null, entry.newReports, entry.duplicateReports, entry.rejected, entry.records);
    });
  }

  listIngestLog(limit: number): Promise<IngestLogEntry[]> {
    return settle(() => {
      const rows = this.#prepare(
          'SELECT l.at, l.input, l.raw_sha256, r.size, l.new_reports, l.duplicate_reports, l.rejected, l.records ' +
            'FROM ingest_log l LEFT JOIN raw_inputs r ON r.sha256 = l.raw_sha256 ORDER BY l.at DESC, l.id DESC LIMIT ?',
        )
        .all(limit) as IngestLogRow[];
      return rows.map((row) => ({
        at: new Date(row.at),
        input: row.input,
        raw: row.raw_sha256 === null ? null : { sha256: row.raw_sha256, size: row.size ?? 0 },
        newReports: row.new_reports,
        duplicateReports: row.duplicate_reports,
        rejected: row.rejected,
        records: row.records,
      }));
    });
  }

  saveDomainCheck(entry: DomainCheckEntry): Promise<void> {
    return settle(() => {
      this.#prepare('INSERT INTO domain_checks (domain, checked_at, errors, warnings, result_json) VALUES (?, ?, ?, ?, ?)')
        .run(entry.domain, entry.checkedAt.toISOString(), entry.errors, entry.warnings, JSON.stringify(entry.result));
    });
  }

  listDomainChecks(domain: string, limit: number): Promise<DomainCheckEntry[]> {
    return settle(() => {
      const rows = this.#prepare('SELECT domain, checked_at, errors, warnings, result_json FROM domain_checks WHERE domain = ? ORDER BY checked_at DESC, id DESC LIMIT ?')
        .all(domain, limit) as { domain: string; checked_at: string; errors: number; warnings: number; result_json: string }[];
      return rows.map((row) => ({ domain: row.domain, checkedAt: new Date(row.checked_at), errors: row.errors, warnings: row.warnings, result: JSON.parse(row.result_json) as unknown }));
    });
  }

  sourceStats(domain: string, since: Date, until: Date, recentSince?: Date): Promise<SourceStats[]> {
    return settle(() => querySourceStats(this.#db, (sql) => this.#prepare(sql), domain, since, until, recentSince));
  }

  reportingStats(domain: string, since: Date, until: Date): Promise<ReportingStats> {
    return settle(() => queryReportingStats(this.#db, (sql) => this.#prepare(sql), domain, since, until));
  }

  listPublishedPolicies(domain: string): Promise<PublishedPolicyPeriod[]> {
    return settle(() => queryPublishedPolicies((sql) => this.#prepare(sql), domain));
  }

  getSourceEnrichments(ips: readonly string[]): Promise<Map<string, SourceEnrichment>> {
    return settle(() => readSourceEnrichments((sql) => this.#prepare(sql), ips));
  }

  putSourceEnrichments(entries: readonly SourceEnrichment[]): Promise<void> {
    return settle(() => writeSourceEnrichments(this.#db, (sql) => this.#prepare(sql), entries));
  }

  setSenderDecision(domain: string, key: string, decision: SenderDecision | null, at: Date, note?: string): Promise<void> {
    return settle(() => writeSenderDecision((sql) => this.#prepare(sql), domain, key, decision, at, note));
  }

  listSenderDecisions(domain: string): Promise<SenderDecisionEntry[]> {
    return settle(() => readSenderDecisions((sql) => this.#prepare(sql), domain));
  }

  streamRecords(filter: RecordFilter): AsyncIterable<StoredRecord> {
    return streamSqliteRecords(this.#db, filter);
  }

  countReports(): Promise<{ aggregate: number; records: number; failure: number; tls: number; raw: number; quarantine: number }> {
    return settle(() => {
      const count = (table: string): number => (this.#prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      return {
        aggregate: (this.#prepare('SELECT COUNT(*) AS n FROM aggregate_reports WHERE record_count IS NOT NULL').get() as { n: number }).n,
        records: count('aggregate_records'),
        failure: count('failure_reports'),
        tls: count('tls_reports'),
        raw: count('raw_inputs'),
        quarantine: count('quarantine'),
      };
    });
  }

  /**
   * VACUUM rewrites the file without its free pages; in WAL mode the new content goes through the
   * WAL, which the checkpoint then copies back and truncates. It needs free disk about twice the
   * store's size, and waits (busy timeout) for other processes' writes.
   */
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
