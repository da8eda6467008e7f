/**
 * PostgreSQL-specific row handling for aggregate reports: records go in as one
 * INSERT ... SELECT FROM unnest(...) per batch, and the row types as `pg` returns them (bigint
 * columns as strings). The mapping shared with other stores is in ../aggregate-rows.ts.
 */
import type { AggregateRecord } from '../../reports/aggregate/aggregate-report.js';
import type { RecordRowValues, ReportRowValues } from '../aggregate-rows.js';

export { REPORT_COLUMNS, headerFromRow, recordFromRow, reportParams } from '../aggregate-rows.js';

/**
 * Columns of aggregate_records after `report`, with the PostgreSQL array type each is sent as:
 * a batch of records goes in as one INSERT ... SELECT FROM unnest(one array per column), so the
 * statement text (and its prepared plan) is the same for every batch size.
 */
const RECORD_COLUMN_TYPES = [
  ['source_ip', 'text'], ['count', 'bigint'], ['disposition', 'text'], ['dkim', 'text'], ['spf', 'text'],
  ['header_from', 'text'], ['envelope_from', 'text'], ['envelope_to', 'text'], ['reasons_json', 'text'],
  ['auth_dkim_json', 'text'], ['auth_spf_json', 'text'], ['extensions_json', 'text'],
] as const;

export const INSERT_RECORDS_SQL =
  `INSERT INTO aggregate_records (report, ${RECORD_COLUMN_TYPES.map(([name]) => name).join(', ')}) ` +
  `SELECT $1::bigint, u.* FROM unnest(${RECORD_COLUMN_TYPES.map(([, type], i) => `$${i + 2}::${type}[]`).join(', ')}) AS u`;

/** The parameters of INSERT_RECORDS_SQL for `records` of report `report`: the id, then one array per column. */
export function recordBatchParams(report: number, records: readonly AggregateRecord[]): unknown[] {
  const text = (): (string | null)[] => new Array<string | null>(records.length);
  const [ips, dispositions, dkims, spfs, headerFroms, envelopeFroms, envelopeTos] = [text(), text(), text(), text(), text(), text(), text()];
  const [reasons, authDkims, authSpfs, extensions] = [text(), text(), text(), text()];
  const counts = new Array<number>(records.length);
  records.forEach((r, i) => {
    ips[i] = r.sourceIp;
    counts[i] = r.count;
    dispositions[i] = r.disposition;
    dkims[i] = r.dkim;
    spfs[i] = r.spf;
    headerFroms[i] = r.headerFrom;
    envelopeFroms[i] = r.envelopeFrom;
    envelopeTos[i] = r.envelopeTo;
    reasons[i] = JSON.stringify(r.reasons);
    authDkims[i] = JSON.stringify(r.authDkim);
    authSpfs[i] = JSON.stringify(r.authSpf);
    extensions[i] = r.extensions === undefined ? null : JSON.stringify(r.extensions);
  });
  // In RECORD_COLUMN_TYPES order.
  return [report, ips, counts, dispositions, dkims, spfs, headerFroms, envelopeFroms, envelopeTos, reasons, authDkims, authSpfs, extensions];
}

/** The aggregate_reports columns streamRecords reads. */
export const REPORT_SELECT =
  'id, org_name, report_id, policy_domain, begin_ts, end_ts, schema, version, namespace, email, extra_contact_info, errors_json, ' +
  'generator, adkim, aspf, p, sp, np, pct, fo, testing, discovery_method, source';

/** A row of aggregate_reports as read (REPORT_SELECT); bigint columns arrive as strings. */
export interface ReportRow extends ReportRowValues {
  readonly id: string;
  readonly begin_ts: string;
  readonly end_ts: string;
}

/** The aggregate_records columns streamRecords reads. */
export const RECORD_SELECT =
  'id, report, source_ip, count, disposition, dkim, spf, header_from, envelope_from, envelope_to, reasons_json, auth_dkim_json, ' +
  'auth_spf_json, extensions_json';

/** A row of aggregate_records as read (RECORD_SELECT). */
export interface RecordRow extends RecordRowValues {
  readonly id: string;
  readonly report: string;
  readonly count: string;
}
