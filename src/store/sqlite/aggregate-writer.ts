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

const placeholders = (columns: number): string => `(${Array.from({ length: columns }, () => '?').join(', ')})`;

/** The prepared statements of the aggregate tables, made once per connection. */
export class AggregateStatements {
  readonly insertReport: SqliteStatement;
  readonly findReport: SqliteStatement;
  readonly insertRecord: SqliteStatement;
  readonly insertRecordBatch: SqliteStatement;
  readonly finishReport: SqliteStatement;

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
  }
}

/** Says whether a writer may start, and hears when it ends (the store allows one at a time). */
export interface WriterGate {
  opened(): void;
  closed(): void;
  /** Whether a write group (Store.beginWriteGroup) holds the transaction: the writer then uses a savepoint in it. */
  inGroup(): boolean;
}

/** The savepoint of a report written inside a write group. */
const SAVEPOINT = 'aggregate_report';

/**
 * Starts storing a report: a duplicate (same org, report ID, policy domain) gives a writer that
 * does nothing; otherwise the report row is inserted inside a new IMMEDIATE transaction, so a
 * concurrent process storing the same report waits and then sees it as a duplicate. Inside a
 * write group (which holds such a transaction already) the report gets a savepoint instead, and
 * its commit releases it: the group's commit makes it durable.
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
  const nested = gate.inGroup();
  db.exec(nested ? `SAVEPOINT ${SAVEPOINT}` : 'BEGIN IMMEDIATE');
  try {
    const result = statements.insertReport.run(...reportParams(header, provenance, provenance.receivedAt.toISOString()));
    if (result.changes === 0) {
      const existing = statements.findReport.get(...key) as { id: number };
      rollBack(db, gate, nested);
      gate.closed();
      return duplicateWriter({ status: 'duplicate', id: existing.id });
    }
    return new SqliteAggregateWriter(db, statements, gate, Number(result.lastInsertRowid), nested);
  } catch (err) {
    rollBack(db, gate, nested);
    gate.closed();
    throw err;
  }
}

/** Discards the report's writes: its savepoint inside a group still open, else its transaction. */
function rollBack(db: SqliteDatabase, gate: WriterGate, nested: boolean): void {
  if (nested) {
    // A group rolled back meanwhile took the savepoint with it, and so did SQLite if an error
    // (a full disk, say) made it roll the whole transaction back.
    if (gate.inGroup() && db.inTransaction) db.exec(`ROLLBACK TO ${SAVEPOINT}; RELEASE ${SAVEPOINT}`);
  } else if (db.inTransaction) {
    db.exec('ROLLBACK');
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
  /** Inside a write group: a savepoint, released at commit. */
  readonly #nested: boolean;
  /** Parameters of a full batch, reused between batches. */
  readonly #params: unknown[] = [];
  #open = true;

  constructor(db: SqliteDatabase, statements: AggregateStatements, gate: WriterGate, id: number, nested: boolean) {
    this.#nested = nested;
    this.#db = db;
    this.#statements = statements;
    this.#gate = gate;
    this.#id = id;
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
      for (let j = i; j < i + RECORDS_PER_INSERT; j++) pushRecordParams(params, id, records[j] as AggregateRecord);
      this.#statements.insertRecordBatch.run(...params);
    }
    for (; i < records.length; i++) {
      params.length = 0;
      pushRecordParams(params, id, records[i] as AggregateRecord);
      this.#statements.insertRecord.run(...params);
    }
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
    this.#db.exec(this.#nested ? `RELEASE ${SAVEPOINT}` : 'COMMIT');
    this.#finish();
    return this.outcome;
  }

  #abort(): void {
    if (!this.#open) return;
    try {
      rollBack(this.#db, this.#gate, this.#nested);
    } finally {
      this.#finish();
    }
  }

  #finish(): void {
    this.#open = false;
    this.#params.length = 0;
    this.#gate.closed();
  }

  #assertOpen(method: string): void {
    if (!this.#open) throw new Error(`AggregateWriter.${method}: the writer was already committed or aborted.`);
    if (this.#nested && !this.#gate.inGroup()) throw new Error(`AggregateWriter.${method}: its write group was rolled back.`);
  }
}
