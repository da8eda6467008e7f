/**
 * SQLite-specific row handling for aggregate reports: the record columns and their multi-row
 * insert parameters, and the row types as better-sqlite3 returns them. The mapping shared with
 * other stores is in ../aggregate-rows.ts.
 */
import type { AggregateRecord } from '../../reports/aggregate/aggregate-report.js';
import type { RecordRowValues, ReportRowValues } from '../aggregate-rows.js';

export { REPORT_COLUMNS, headerFromRow, recordFromRow, reportParams } from '../aggregate-rows.js';

/** Columns of aggregate_records, in the order recordParams fills them. */
export const RECORD_COLUMNS = [
  'report', 'source_ip', 'count', 'disposition', 'dkim', 'spf', 'header_from', 'envelope_from', 'envelope_to',
  'reasons_json', 'auth_dkim_json', 'auth_spf_json', 'extensions_json',
] as const;

/** Appends the parameters of one record (RECORD_COLUMNS) to `out`; avoids an array per record. */
export function pushRecordParams(out: unknown[], report: number, r: AggregateRecord): void {
  out.push(
    report, r.sourceIp, r.count, r.disposition, r.dkim, r.spf, r.headerFrom, r.envelopeFrom, r.envelopeTo,
    JSON.stringify(r.reasons), JSON.stringify(r.authDkim), JSON.stringify(r.authSpf),
    r.extensions === undefined ? null : JSON.stringify(r.extensions),
  );
}

/** A row of aggregate_reports as read (SELECT *). */
export interface ReportRow extends ReportRowValues {
  readonly id: number;
  readonly begin_ts: number;
  readonly end_ts: number;
}

/** A row of aggregate_records as read (SELECT *). */
export interface RecordRow extends RecordRowValues {
  readonly id: number;
  readonly count: number;
}
