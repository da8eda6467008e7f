/**
 * SQLite-specific row handling for aggregate reports: the record columns and their multi-row
 * insert parameters, and the row types as better-sqlite3 returns them. The mapping shared with
 * other stores is in ../aggregate-rows.ts.
 */
import type { AggregateRecord } from '../../reports/aggregate/aggregate-report.js';
import type { RecordRowValues, ReportRowValues } from '../aggregate-rows.js';
import { authComboKey } from './auth-combo-key.js';

export { REPORT_COLUMNS, headerFromRow, recordFromRow, reportParams } from '../aggregate-rows.js';

/** Columns of aggregate_records, in the order pushRecordParams fills them (auth_key: migration 006). */
export const RECORD_COLUMNS = [
  'report', 'source_ip', 'count', 'disposition', 'dkim', 'spf', 'header_from', 'envelope_from', 'envelope_to',
  'reasons_json', 'auth_dkim_json', 'auth_spf_json', 'extensions_json', 'auth_key',
] as const;

/** Appends the parameters of one record (RECORD_COLUMNS) to `out`; avoids an array per record. */
export function pushRecordParams(out: unknown[], report: number, r: AggregateRecord): void {
  const reasons = JSON.stringify(r.reasons);
  const dkim = JSON.stringify(r.authDkim);
  const spf = JSON.stringify(r.authSpf);
  out.push(
    report, r.sourceIp, r.count, r.disposition, r.dkim, r.spf, r.headerFrom, r.envelopeFrom, r.envelopeTo,
    reasons, dkim, spf, r.extensions === undefined ? null : JSON.stringify(r.extensions), authComboKey(dkim, spf, reasons),
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
