/**
 * Aggregate reports and records to table rows and back, for every Store. Reading a row back
 * gives an object deep-equal to the one stored (the round trip is a contract test): nullable
 * columns stay null, and a record's optional `extensions` is present only when it was given.
 * Drivers return bigint columns as numbers (SQLite) or strings (PostgreSQL, since they may pass
 * 2^53); both are read with Number().
 */
import type {
  AggregateHeader,
  AggregateRecord,
  AggregateSchema,
  Alignment,
  Disposition,
  EvaluatedResult,
  Policy,
} from '../reports/aggregate/aggregate-report.js';
import type { Provenance } from './store.js';

/** Columns of aggregate_reports known when the report begins (the counts come at commit). */
export const REPORT_COLUMNS = [
  'org_name', 'report_id', 'policy_domain', 'begin_ts', 'end_ts', 'schema', 'version', 'namespace', 'email',
  'extra_contact_info', 'errors_json', 'generator', 'adkim', 'aspf', 'p', 'sp', 'np', 'pct', 'fo', 'testing',
  'discovery_method', 'raw_sha256', 'source', 'received_at',
] as const;

/** Parameters for REPORT_COLUMNS; `receivedAt` in the driver's form (ISO text for SQLite, a Date for PostgreSQL). */
export function reportParams(header: AggregateHeader, provenance: Provenance, receivedAt: unknown): unknown[] {
  const { metadata: m, policy: p } = header;
  return [
    m.orgName, m.reportId, p.domain, m.begin, m.end, header.schema, header.version, header.namespace, m.email,
    m.extraContactInfo, JSON.stringify(m.errors), m.generator, p.adkim, p.aspf, p.p, p.sp, p.np, p.pct, p.fo, p.testing,
    p.discoveryMethod, provenance.raw.sha256, provenance.source, receivedAt,
  ];
}

/** The aggregate_reports columns a report is rebuilt from. */
export interface ReportRowValues {
  readonly org_name: string;
  readonly report_id: string;
  readonly policy_domain: string;
  readonly begin_ts: number | string;
  readonly end_ts: number | string;
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

/** The aggregate_records columns a record is rebuilt from. */
export interface RecordRowValues {
  readonly source_ip: string;
  readonly count: number | string;
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
export function headerFromRow(row: ReportRowValues): AggregateHeader {
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
export function recordFromRow(row: RecordRowValues): AggregateRecord {
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
