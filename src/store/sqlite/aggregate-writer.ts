/**
 * Stores one aggregate report and its records in one SQLite transaction. better-sqlite3 is
 * synchronous, so the transaction is plain BEGIN ... COMMIT on the store's connection, and
 * records go in as multi-row INSERTs of prepared, reused statements (the back-fill target is
 * 50,000 records/s end to end).
 *
 * One writer at a time per store (the ingest pipeline is sequential per store): while a writer
 * is open, every other write on the store joins its transaction, and reads see its rows.
 */
import type { AggregateHeader, AggregateRecord, AggregateTrailer } from '../../reports/aggregate/aggregate-report.js';
import type { AggregateWriter, Provenance, SaveOutcome } from '../store.js';
import { RECORD_COLUMNS, REPORT_COLUMNS, pushRecordParams, reportParams } from './aggregate-rows.js';
import { settle } from './settle.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js';

/** Rows per multi-row INSERT: 14 columns x 100 rows = 1,400 parameters (SQLite allows 32,766). */
export const RECORDS_PER_INSERT = 100;

/** Auth combinations remembered per connection before the cache starts over (each key is a few hundred bytes). */
const MAX_CACHED_COMBOS = 50_000;

const placeholders = (columns: number): string => `(${Array.from({ length: columns }, () => '?').join(', ')})`;

/** The prepared statements of the aggregate tables, made once per connection. */
export class AggregateStatements {
  readonly insertReport: SqliteStatement;
  readonly findReport: SqliteStatement;
  readonly insertRecord: SqliteStatement;
  readonly insertRecordBatch: SqliteStatement;
  readonly finishReport: SqliteStatement;
  readonly insertCombo: SqliteStatement;
  readonly findCombo: SqliteStatement;
  readonly updateSeen: SqliteStatement;
  /** Ids of auth combinations known to be committed (a writer adds its own only when it commits). */
  readonly committedCombos = new Map<string, number>();

  constructor(db: SqliteDatabase) {
    this.insertReport = db.prepare(
      `INSERT INTO aggregate_reports (${REPORT_COLUMNS.join(', ')}) VALUES ${placeholders(REPORT_COLUMNS.length)} ` +
        'ON CONFLICT (org_name, report_id, policy_domain) DO NOTHING',
    );
    this.findReport = db.prepare('SELECT id FROM aggregate_reports WHERE org_name = ? AND report_id = ? AND policy_domain = ?');
    const insertRecords = `INSERT INTO aggregate_records (${RECORD_COLUMNS.join(', ')}) VALUES `;
    const row = placeholders(RECORD_COLUMNS.length);
    this.insertRecord = db.prepare(insertRecords + row);
    this.insertRecordBatch = db.prepare(insertRecords + Array.from({ length: RECORDS_PER_INSERT }, () => row).join(', '));
    this.finishReport = db.prepare(
      'UPDATE aggregate_reports SET record_count = ?, message_count = ?, warnings_json = ?, record_errors_json = ?, extensions_json = ? WHERE id = ?',
    );
    this.insertCombo = db.prepare('INSERT INTO auth_combos (auth_dkim_json, auth_spf_json, reasons_json) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    this.findCombo = db.prepare('SELECT id FROM auth_combos WHERE auth_dkim_json = ? AND auth_spf_json = ? AND reasons_json = ?');
    this.updateSeen = db.prepare(
      'INSERT INTO source_seen (policy_domain, source_ip, first_ts, last_ts) SELECT ?, source_ip, ?, ? FROM aggregate_records WHERE report = ? ' +
        'GROUP BY source_ip ON CONFLICT (policy_domain, source_ip) DO UPDATE SET ' +
        'first_ts = MIN(first_ts, excluded.first_ts), last_ts = MAX(last_ts, excluded.last_ts)',
    );
  }
}

/** Says whether a writer may start, and hears when it ends (the store allows one at a time). */
export interface WriterGate {
  opened(): void;
  closed(): void;
}

/**
 * Starts storing a report: a duplicate (same org, report ID, policy domain) gives a writer that
 * does nothing; otherwise the report row is inserted inside a new IMMEDIATE transaction, so a
 * concurrent process storing the same report waits and then sees it as a duplicate.
 */
export function beginAggregateWriter(
  db: SqliteDatabase,
  statements: AggregateStatements,
  gate: WriterGate,
  header: AggregateHeader,
  provenance: Provenance,
): AggregateWriter {
  const key = [header.metadata.orgName, header.metadata.reportId, header.policy.domain];
  gate.opened();
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = statements.insertReport.run(...reportParams(header, provenance, provenance.receivedAt.toISOString()));
    if (result.changes === 0) {
      const existing = statements.findReport.get(...key) as { id: number };
      db.exec('ROLLBACK');
      gate.closed();
      return duplicateWriter({ status: 'duplicate', id: existing.id });
    }
    return new SqliteAggregateWriter(db, statements, gate, Number(result.lastInsertRowid), header);
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    gate.closed();
    throw err;
  }
}

function duplicateWriter(outcome: SaveOutcome): AggregateWriter {
  return {
    outcome,
    addRecords: () => Promise.resolve(),
    commit: () => Promise.resolve(outcome),
    abort: () => Promise.resolve(),
  };
}

class SqliteAggregateWriter implements AggregateWriter {
  readonly outcome: SaveOutcome;
  readonly #db: SqliteDatabase;
  readonly #statements: AggregateStatements;
  readonly #gate: WriterGate;
  readonly #id: number;
  readonly #header: AggregateHeader;
  /** Parameters of a full batch, reused between batches. */
  readonly #params: unknown[] = [];
  /** Auth combinations this writer resolved (perhaps inserted): committed ones only once it commits. */
  readonly #combos = new Map<string, number>();
  readonly #resolveCombo = (dkim: string, spf: string, reasons: string): number => this.#combo(dkim, spf, reasons);
  #open = true;

  constructor(db: SqliteDatabase, statements: AggregateStatements, gate: WriterGate, id: number, header: AggregateHeader) {
    this.#db = db;
    this.#statements = statements;
    this.#gate = gate;
    this.#id = id;
    this.#header = header;
    this.outcome = { status: 'new', id };
  }

  addRecords(records: readonly AggregateRecord[]): Promise<void> {
    return settle(() => this.#insertRecords(records));
  }

  commit(trailer: AggregateTrailer): Promise<SaveOutcome> {
    return settle(() => this.#commit(trailer));
  }

  /** Rolls back; harmless after commit or abort, so it can sit in a `finally`. */
  abort(): Promise<void> {
    return settle(() => this.#abort());
  }

  #insertRecords(records: readonly AggregateRecord[]): void {
    this.#assertOpen('addRecords');
    const params = this.#params;
    const id = this.#id;
    let i = 0;
    for (; i + RECORDS_PER_INSERT <= records.length; i += RECORDS_PER_INSERT) {
      params.length = 0;
      for (let j = i; j < i + RECORDS_PER_INSERT; j++) pushRecordParams(params, id, records[j] as AggregateRecord, this.#resolveCombo);
      this.#statements.insertRecordBatch.run(...params);
    }
    for (; i < records.length; i++) {
      params.length = 0;
      pushRecordParams(params, id, records[i] as AggregateRecord, this.#resolveCombo);
      this.#statements.insertRecord.run(...params);
    }
  }

  /** The combination's id: from the committed cache, this writer's own, or the table (inserting it). */
  #combo(dkim: string, spf: string, reasons: string): number {
    const key = `${dkim}\u0000${spf}\u0000${reasons}`;
    const known = this.#statements.committedCombos.get(key) ?? this.#combos.get(key);
    if (known !== undefined) return known;
    this.#statements.insertCombo.run(dkim, spf, reasons);
    const { id } = this.#statements.findCombo.get(dkim, spf, reasons) as { id: number };
    this.#combos.set(key, id);
    return id;
  }

  #commit(trailer: AggregateTrailer): SaveOutcome {
    this.#assertOpen('commit');
    this.#statements.finishReport.run(
      trailer.recordCount,
      trailer.messageCount,
      JSON.stringify(trailer.warnings),
      JSON.stringify(trailer.recordErrors),
      JSON.stringify(trailer.extensions),
      this.#id,
    );
    this.#statements.updateSeen.run(this.#header.policy.domain, this.#header.metadata.begin, this.#header.metadata.end, this.#id);
    this.#db.exec('COMMIT');
    const committed = this.#statements.committedCombos;
    if (committed.size + this.#combos.size > MAX_CACHED_COMBOS) committed.clear();
    for (const [key, id] of this.#combos) committed.set(key, id);
    this.#finish();
    return this.outcome;
  }

  #abort(): void {
    if (!this.#open) return;
    try {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
    } finally {
      this.#finish();
    }
  }

  #finish(): void {
    this.#open = false;
    this.#params.length = 0;
    this.#combos.clear();
    this.#gate.closed();
  }

  #assertOpen(method: string): void {
    if (!this.#open) throw new Error(`AggregateWriter.${method}: the writer was already committed or aborted.`);
  }
}
