/**
 * SQLite-specific row handling for aggregate reports: the record columns and their multi-row
 * insert parameters, and the row types as better-sqlite3 returns them. The mapping shared with
 * other stores is in ../aggregate-rows.ts.
 */
import type { AggregateRecord } from '../../reports/aggregate/aggregate-report.js';
import type { RecordRowValues, ReportRowValues } from '../aggregate-rows.js';

export { REPORT_COLUMNS, headerFromRow, recordFromRow, reportParams } from '../aggregate-rows.js';

/** Columns of aggregate_records, in the order recordParams fills them (auth_combo: migration 004). */
export const RECORD_COLUMNS = [
  'report', 'source_ip', 'count', 'disposition', 'dkim', 'spf', 'header_from', 'envelope_from', 'envelope_to',
  'reasons_json', 'auth_dkim_json', 'auth_spf_json', 'extensions_json', 'auth_combo',
] as const;

/** The id of a distinct (auth_dkim_json, auth_spf_json, reasons_json) combination (auth_combos). */
export type ResolveAuthCombo = (dkimJson: string, spfJson: string, reasonsJson: string) => number;

/** Appends the parameters of one record (RECORD_COLUMNS) to `out`; avoids an array per record. */
export function pushRecordParams(out: unknown[], report: number, r: AggregateRecord, combo: ResolveAuthCombo): void {
  const reasons = JSON.stringify(r.reasons);
  const dkim = JSON.stringify(r.authDkim);
  const spf = JSON.stringify(r.authSpf);
  out.push(
    report, r.sourceIp, r.count, r.disposition, r.dkim, r.spf, r.headerFrom, r.envelopeFrom, r.envelopeTo,
    reasons, dkim, spf, r.extensions === undefined ? null : JSON.stringify(r.extensions), combo(dkim, spf, reasons),
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
