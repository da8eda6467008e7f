/**
 * Stores one aggregate report and its records in one PostgreSQL transaction, on one connection
 * checked out of the pool for the writer's life and always released (commit, abort or error).
 *
 * Dedup holds under concurrency: the report row goes in with INSERT ... ON CONFLICT DO NOTHING on
 * the UNIQUE (org_name, report_id, policy_domain) key. If another transaction is storing the same
 * report, PostgreSQL makes this insert wait for it: when it commits, this is a duplicate (its id
 * is then read); when it aborts, this insert proceeds. No check-then-insert race is possible.
 *
 * Records are buffered and written RECORDS_PER_INSERT at a time, each batch one INSERT ... SELECT
 * FROM unnest(column arrays) prepared once per connection (the back-fill target is 20,000
 * records/s). A batch that fails (e.g. a count out of range) fails the writer: its transaction is
 * rolled back and the error is thrown from addRecords or commit.
 *
 * One writer at a time per store is the supported use (the ingest pipeline is sequential per
 * store). Each open writer holds one pooled connection, so several would work, but they would
 * wait on each other for the same report and exhaust the pool if left open.
 */
import type { AggregateHeader, AggregateRecord, AggregateTrailer } from '../../reports/aggregate/aggregate-report.js';
import type { AggregateWriter, Provenance, SaveOutcome } from '../store.js';
import { INSERT_RECORDS_SQL, REPORT_COLUMNS, recordBatchParams, reportParams } from './aggregate-rows.js';
import type { PgPool, PgPoolClient } from './pg-driver.js';
import { rollbackAndRelease } from './pg-driver.js';

/** Records per INSERT: a few hundred rows amortise the round trip without large parameter arrays. */
export const RECORDS_PER_INSERT = 500;

const INSERT_REPORT_SQL =
  `INSERT INTO aggregate_reports (${REPORT_COLUMNS.join(', ')}) VALUES (${REPORT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}) ` +
  'ON CONFLICT (org_name, report_id, policy_domain) DO NOTHING RETURNING id';
const FIND_REPORT_SQL = 'SELECT id FROM aggregate_reports WHERE org_name = $1 AND report_id = $2 AND policy_domain = $3';
const FINISH_REPORT_SQL =
  'UPDATE aggregate_reports SET record_count = $1, message_count = $2, warnings_json = $3, record_errors_json = $4, extensions_json = $5 WHERE id = $6';

/** Prepared-statement name of the record insert (same text on every connection). */
const INSERT_RECORDS_NAME = 'dmarcpilot_insert_aggregate_records';

/** The writer of a report already stored: it ignores what it is given. */
function duplicateWriter(id: number): AggregateWriter {
  const outcome: SaveOutcome = { status: 'duplicate', id };
  return {
    outcome,
    addRecords: () => Promise.resolve(),
    commit: () => Promise.resolve(outcome),
    abort: () => Promise.resolve(),
  };
}

/**
 * Starts storing a report: a duplicate gives a writer that does nothing (its connection is given
 * back at once); otherwise the report row is inserted in a new transaction that the writer keeps.
 */
export async function beginAggregateWriter(pool: PgPool, header: AggregateHeader, provenance: Provenance): Promise<AggregateWriter> {
  const client = await pool.connect();
  try {
    await client.query({ text: 'BEGIN' });
    const key = [header.metadata.orgName, header.metadata.reportId, header.policy.domain];
    // The existing row can vanish between the conflict and the SELECT only if it is deleted
    // meanwhile; then the insert is tried again.
    for (let attempt = 1; ; attempt++) {
      const inserted = await client.query<{ id: string }>({ text: INSERT_REPORT_SQL, values: reportParams(header, provenance, provenance.receivedAt) });
      const newRow = inserted.rows[0];
      if (newRow !== undefined) return new TransactionWriter(client, Number(newRow.id));
      const existing = (await client.query<{ id: string }>({ text: FIND_REPORT_SQL, values: key })).rows[0];
      if (existing !== undefined) {
        await client.query({ text: 'ROLLBACK' });
        client.release();
        return duplicateWriter(Number(existing.id));
      }
      if (attempt === 3) throw new Error(`aggregate report ${JSON.stringify(key)} conflicts but cannot be found`);
    }
  } catch (err) {
    await rollbackAndRelease(client);
    throw err;
  }
}

class TransactionWriter implements AggregateWriter {
  readonly outcome: SaveOutcome;
  /** The connection holding the transaction; undefined once committed, aborted or failed. */
  #client: PgPoolClient | undefined;
  #pending: AggregateRecord[] = [];

  constructor(client: PgPoolClient, id: number) {
    this.#client = client;
    this.outcome = { status: 'new', id };
  }

  #open(action: string): PgPoolClient {
    if (this.#client === undefined) throw new Error(`AggregateWriter.${action}: the writer is already committed, aborted or failed`);
    return this.#client;
  }

  async addRecords(records: readonly AggregateRecord[]): Promise<void> {
    const client = this.#open('addRecords');
    for (const record of records) this.#pending.push(record);
    if (this.#pending.length >= RECORDS_PER_INSERT) await this.#guard(client, () => this.#flush(client, false));
  }

  async commit(trailer: AggregateTrailer): Promise<SaveOutcome> {
    const client = this.#open('commit');
    await this.#guard(client, async () => {
      await this.#flush(client, true);
      await client.query({
        text: FINISH_REPORT_SQL,
        values: [
          trailer.recordCount,
          trailer.messageCount,
          JSON.stringify(trailer.warnings),
          JSON.stringify(trailer.recordErrors),
          JSON.stringify(trailer.extensions),
          this.outcome.id,
        ],
      });
      await client.query({ text: 'COMMIT' });
    });
    this.#client = undefined;
    client.release();
    return this.outcome;
  }

  async abort(): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    this.#client = undefined;
    this.#pending = [];
    await rollbackAndRelease(client);
  }

  /** Writes the buffered records in full batches; with `all`, the remainder too. */
  async #flush(client: PgPoolClient, all: boolean): Promise<void> {
    const pending = this.#pending;
    let start = 0;
    while (pending.length - start >= RECORDS_PER_INSERT || (all && start < pending.length)) {
      const batch = pending.slice(start, start + RECORDS_PER_INSERT);
      await client.query({ name: INSERT_RECORDS_NAME, text: INSERT_RECORDS_SQL, values: recordBatchParams(this.outcome.id, batch) });
      start += batch.length;
    }
    this.#pending = pending.slice(start);
  }

  /** Runs `action`; if it fails, rolls back, releases the connection and rethrows. */
  async #guard(client: PgPoolClient, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (err) {
      this.#client = undefined;
      this.#pending = [];
      await rollbackAndRelease(client);
      throw err;
    }
  }
}
