/**
 * Aggregate reports and records to PostgreSQL rows and back. Reading a row back gives an object
 * deep-equal to the one stored (the round trip is a contract test): nullable columns stay null,
 * and a record's optional `extensions` is present only when it was given. `pg` returns bigint
 * columns as strings (they may exceed 2^53); ids, periods and counts are read with Number().
 */
import type {
  AggregateHeader,
  AggregateRecord,
  AggregateSchema,
  Alignment,
  Disposition,
  EvaluatedResult,
  Policy,
} from '../../reports/aggregate/aggregate-report.js';
import type { Provenance } from '../store.js';

/** Columns of aggregate_reports known when the report begins (the counts come at commit). */
export const REPORT_COLUMNS = [
  'org_name', 'report_id', 'policy_domain', 'begin_ts', 'end_ts', 'schema', 'version', 'namespace', 'email',
  'extra_contact_info', 'errors_json', 'generator', 'adkim', 'aspf', 'p', 'sp', 'np', 'pct', 'fo', 'testing',
  'discovery_method', 'raw_sha256', 'source', 'received_at',
] as const;

/** Parameters for REPORT_COLUMNS. */
export function reportParams(header: AggregateHeader, provenance: Provenance): unknown[] {
  const { metadata: m, policy: p } = header;
  return [
    m.orgName, m.reportId, p.domain, m.begin, m.end, header.schema, header.version, header.namespace, m.email,
    m.extraContactInfo, JSON.stringify(m.errors), m.generator, p.adkim, p.aspf, p.p, p.sp, p.np, p.pct, p.fo, p.testing,
    p.discoveryMethod, provenance.raw.sha256, provenance.source, provenance.receivedAt,
  ];
}

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
export interface ReportRow {
  readonly id: string;
  readonly org_name: string;
  readonly report_id: string;
  readonly policy_domain: string;
  readonly begin_ts: string;
  readonly end_ts: string;
  readonly schema: string;
  readonly version: string | null;
  readonly namespace: string | null;
  readonly email: string | null;
  readonly extra_contact_info: string | null;
  readonly errors_json: string;
  readonly generator: string | null;
  readonly adkim: string;
  readonly aspf: string;
  readonly p: string | null;
  readonly sp: string | null;
  readonly np: string | null;
  readonly pct: number | null;
  readonly fo: string | null;
  readonly testing: string | null;
  readonly discovery_method: string | null;
  readonly source: string;
}

/** The aggregate_records columns streamRecords reads. */
export const RECORD_SELECT =
  'id, report, source_ip, count, disposition, dkim, spf, header_from, envelope_from, envelope_to, reasons_json, auth_dkim_json, ' +
  'auth_spf_json, extensions_json';

/** A row of aggregate_records as read (RECORD_SELECT). */
export interface RecordRow {
  readonly id: string;
  readonly report: string;
  readonly source_ip: string;
  readonly count: string;
  readonly disposition: string | null;
  readonly dkim: string | null;
  readonly spf: string | null;
  readonly header_from: string | null;
  readonly envelope_from: string | null;
  readonly envelope_to: string | null;
  readonly reasons_json: string;
  readonly auth_dkim_json: string;
  readonly auth_spf_json: string;
  readonly extensions_json: string | null;
}

/** The AggregateHeader a report row was made from; field order as the parser builds it. */
export function headerFromRow(row: ReportRow): AggregateHeader {
  return {
    kind: 'aggregate',
    schema: row.schema as AggregateSchema,
    version: row.version,
    namespace: row.namespace,
    metadata: {
      orgName: row.org_name,
      email: row.email,
      extraContactInfo: row.extra_contact_info,
      reportId: row.report_id,
      begin: Number(row.begin_ts),
      end: Number(row.end_ts),
      errors: JSON.parse(row.errors_json) as string[],
      generator: row.generator,
    },
    policy: {
      domain: row.policy_domain,
      adkim: row.adkim as Alignment,
      aspf: row.aspf as Alignment,
      p: row.p as Policy | null,
      sp: row.sp as Policy | null,
      np: row.np as Policy | null,
      pct: row.pct,
      fo: row.fo,
      testing: row.testing as 'y' | 'n' | null,
      discoveryMethod: row.discovery_method as 'psl' | 'treewalk' | null,
    },
  };
}

/** The AggregateRecord a record row was made from; field order as the parser builds it. */
export function recordFromRow(row: RecordRow): AggregateRecord {
  const record: AggregateRecord = {
    sourceIp: row.source_ip,
    count: Number(row.count),
    disposition: row.disposition as Disposition | null,
    dkim: row.dkim as EvaluatedResult | null,
    spf: row.spf as EvaluatedResult | null,
    reasons: JSON.parse(row.reasons_json) as AggregateRecord['reasons'],
    headerFrom: row.header_from,
    envelopeFrom: row.envelope_from,
    envelopeTo: row.envelope_to,
    authDkim: JSON.parse(row.auth_dkim_json) as AggregateRecord['authDkim'],
    authSpf: JSON.parse(row.auth_spf_json) as AggregateRecord['authSpf'],
  };
  if (row.extensions_json === null) return record;
  return { ...record, extensions: JSON.parse(row.extensions_json) as NonNullable<AggregateRecord['extensions']> };
}
