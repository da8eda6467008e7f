/**
 * Checks the report-level values (report_metadata, policy_published, version) and builds the
 * AggregateHeader. Refuses a report without report_id, policy domain or date range, or with
 * timestamps that cannot be right; accepts everything else with warnings.
 */
import type { DiagnosticLog, Rejection } from '../../core/diagnostic.js';
import { rejection } from '../../core/diagnostic.js';
import type { AggregateHeader, AggregateSchema, Alignment, Policy } from './aggregate-report.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP, POLICIES, parseDecimalInteger, quoteValue } from './aggregate-values.js';
import type { ValueCleaner } from './aggregate-values.js';

export const RFC9990_NAMESPACE = 'urn:ietf:params:xml:ns:dmarc-2.0';
/** The target namespace of the pre-RFC schema at dmarc.org (rua.xsd), which some reporters declare. */
export const DMARC_XML_NAMESPACE = 'http://dmarc.org/dmarc-xml/0.1';

/** The namespaces whose elements are DMARC fields: none, the dmarc.org schema's and RFC 9990's. Any other is an extension. */
export function isDmarcNamespace(namespace: string): boolean {
  return namespace === '' || namespace === RFC9990_NAMESPACE || namespace === DMARC_XML_NAMESPACE;
}

/** Report-level values as found, before checking. */
export interface RawHeader {
  namespace?: string | undefined;
  version?: string;
  orgName?: string;
  email?: string;
  extraContactInfo?: string;
  reportId?: string;
  begin?: string;
  end?: string;
  errors: string[];
  generator?: string;
  domain?: string;
  adkim?: string;
  aspf?: string;
  p?: string;
  sp?: string;
  np?: string;
  pct?: string;
  fo?: string;
  testing?: string;
  discoveryMethod?: string;
  metadataSeen: boolean;
  policySeen: boolean;
}

const ALIGNMENTS = new Set(['r', 's']);
const YES_NO = new Set(['y', 'n']);
const DISCOVERY = new Set(['psl', 'treewalk']);
/** A report covering more than this is flagged (a day plus an hour of slack). */
const LONG_RANGE_SECONDS = 25 * 3600;

export function finishHeader(raw: RawHeader, clean: ValueCleaner, warnings: DiagnosticLog): { header: AggregateHeader } | { rejection: Rejection } {
  const missing = (field: string): { rejection: Rejection } => ({
    rejection: rejection('missing-required-field', `The report has no ${field}.`, field),
  });
  const reportId = clean.optional(raw.reportId, 'report_metadata/report_id');
  if (reportId === null) return missing('report_metadata/report_id');
  const domain = clean.domain(raw.domain, 'policy_published/domain');
  if (domain === null) return missing('policy_published/domain');
  const beginText = clean.optional(raw.begin, 'date_range/begin');
  const endText = clean.optional(raw.end, 'date_range/end');
  if (beginText === null) return missing('report_metadata/date_range/begin');
  if (endText === null) return missing('report_metadata/date_range/end');
  const begin = parseDecimalInteger(beginText);
  const end = parseDecimalInteger(endText);
  for (const [name, text, value] of [['begin', beginText, begin], ['end', endText, end]] as const) {
    if (value === undefined) {
      return { rejection: rejection('impossible-value', `date_range/${name} ${quoteValue(text)} is not a Unix timestamp.`, `date_range/${name}`) };
    }
    if (value < MIN_TIMESTAMP || value > MAX_TIMESTAMP) {
      return { rejection: rejection('impossible-value', `date_range/${name} ${quoteValue(text)} is outside 2000-2100 (${describeTime(value)}).`, `date_range/${name}`) };
    }
  }
  if ((end as number) < (begin as number)) {
    return { rejection: rejection('impossible-value', `date_range/end (${endText}) is before date_range/begin (${beginText}).`, 'date_range') };
  }
  const span = (end as number) - (begin as number);
  if (span > LONG_RANGE_SECONDS) {
    warnings.warn('long-date-range', `The report covers ${(span / 86400).toFixed(1)} days; daily totals spread it over those days.`, 'date_range');
  }

  const email = clean.optional(raw.email, 'report_metadata/email');
  let orgName = clean.optional(raw.orgName, 'report_metadata/org_name');
  if (orgName === null) {
    const fromEmail = email?.split('@').pop()?.replace(/[<>\s]/g, '').toLowerCase();
    if (fromEmail) {
      orgName = fromEmail;
      warnings.warn('org-name-from-email', `org_name is empty; ${quoteValue(fromEmail)} from the e-mail address is used instead.`, 'report_metadata/org_name');
    } else {
      orgName = '';
      warnings.warn('missing-org-name', 'The report names no reporting organisation (org_name and email are empty).', 'report_metadata/org_name');
    }
  }

  const policy = (tag: string, text: string | undefined): Policy | null => clean.strictWord<Policy>(text, `policy_published/${tag}`, POLICIES);
  const p = policy('p', raw.p);
  if (p === null && raw.p === undefined) warnings.warn('missing-policy', 'policy_published has no p.', 'policy_published/p');
  let pct: number | null = null;
  const pctText = clean.optional(raw.pct, 'policy_published/pct');
  if (pctText !== null) {
    const value = parseDecimalInteger(pctText);
    if (value === undefined || value > 100) warnings.warn('unknown-value', `Invalid pct ${quoteValue(pctText)}; treated as absent.`, 'policy_published/pct');
    else pct = value;
  }
  const version = clean.optional(raw.version, 'version');
  const namespace = raw.namespace ?? null;
  const testing = clean.strictWord<'y' | 'n'>(raw.testing, 'policy_published/testing', YES_NO);
  const discoveryMethod = clean.strictWord<'psl' | 'treewalk'>(raw.discoveryMethod, 'policy_published/discovery_method', DISCOVERY);
  const np = policy('np', raw.np);
  const generator = clean.optional(raw.generator, 'report_metadata/generator');
  const schema = detectSchema(namespace, version, np !== null || testing !== null || discoveryMethod !== null || generator !== null);
  return {
    header: {
      kind: 'aggregate',
      schema,
      version,
      namespace,
      metadata: {
        orgName,
        email,
        extraContactInfo: clean.optional(raw.extraContactInfo, 'report_metadata/extra_contact_info'),
        reportId,
        begin: begin as number,
        end: end as number,
        errors: raw.errors.map((e) => e.trim()).filter((e) => e !== ''),
        generator,
      },
      policy: {
        domain,
        adkim: clean.strictWord<Alignment>(raw.adkim, 'policy_published/adkim', ALIGNMENTS) ?? 'r',
        aspf: clean.strictWord<Alignment>(raw.aspf, 'policy_published/aspf', ALIGNMENTS) ?? 'r',
        p,
        sp: policy('sp', raw.sp),
        np,
        pct,
        fo: clean.optional(raw.fo, 'policy_published/fo'),
        testing,
        discoveryMethod,
      },
    },
  };
}

function detectSchema(namespace: string | null, version: string | null, hasRfc9990Fields: boolean): AggregateSchema {
  if (namespace === RFC9990_NAMESPACE || hasRfc9990Fields || version === '2.0') return 'rfc9990';
  if (version !== null && /^1(\.0*)?$/.test(version)) return 'rfc7489';
  return 'draft';
}

function describeTime(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? 'not a date' : date.toISOString();
}
