/**
 * The wire form of aggregate reports for `dmarcpilot parse` and exports: snake_case JSON as
 * documented in docs/formats.md. One JSONL line per record carries the report's identity and
 * published policy, so each line stands alone.
 */
import type { Diagnostic } from '../../core/diagnostic.js';
import { safeJson } from '../../core/safe-text.js';
import type { AggregateHeader, AggregateRecord, AggregateTrailer } from '../aggregate/aggregate-report.js';

/** Column order of `parse --format jsonl` and `--format csv`. */
export const RECORD_COLUMNS = [
  'org_name', 'report_id', 'policy_domain', 'begin', 'end', 'source_ip', 'count', 'disposition', 'dkim', 'spf',
  'header_from', 'envelope_from', 'envelope_to', 'reasons', 'auth_dkim', 'auth_spf',
  'p', 'sp', 'pct', 'np', 'testing', 'adkim', 'aspf', 'fo', 'schema', 'source',
] as const;

export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Characters that JSON strings must escape (RFC 8259 §7: quote, backslash, controls), plus
 * surrogates, plus those a terminal acts on that JSON.stringify leaves raw (DEL, C1, direction
 * controls: core/safe-text.ts), which safeJson writes as `\u` escapes.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]/;

/** A JSON value for a string, number or null; plain strings skip JSON.stringify. */
function q(value: string | number | null): string {
  if (typeof value === 'string') return NEEDS_ESCAPE.test(value) ? safeJson(value) : `"${value}"`;
  return value === null ? 'null' : String(value);
}

/**
 * Builds JSONL lines for the records of one report. The report's own fields are serialised
 * once, not once per record.
 */
export class RecordLineFormatter {
  readonly #prefix: string;
  readonly #suffix: string;

  constructor(header: AggregateHeader, source: string) {
    const { metadata, policy } = header;
    this.#prefix =
      `{"org_name":${q(metadata.orgName)},"report_id":${q(metadata.reportId)},"policy_domain":${q(policy.domain)},` +
      `"begin":"${isoTime(metadata.begin)}","end":"${isoTime(metadata.end)}",`;
    this.#suffix =
      `,"p":${q(policy.p)},"sp":${q(policy.sp)},"pct":${q(policy.pct)},"np":${q(policy.np)},"testing":${q(policy.testing)},` +
      `"adkim":${q(policy.adkim)},"aspf":${q(policy.aspf)},"fo":${q(policy.fo)},"schema":${q(header.schema)},"source":${q(source)}}\n`;
  }

  line(record: AggregateRecord): string {
    return `${this.#prefix}${recordFields(record)}${this.#suffix}`;
  }
}

/** The record's own fields as JSON members (without braces). */
function recordFields(r: AggregateRecord): string {
  let reasons = '[';
  for (let i = 0; i < r.reasons.length; i++) {
    const reason = r.reasons[i];
    if (!reason) continue;
    reasons += `${i ? ',' : ''}{"type":${q(reason.type)},"comment":${q(reason.comment)}}`;
  }
  let dkim = '[';
  for (let i = 0; i < r.authDkim.length; i++) {
    const a = r.authDkim[i];
    if (!a) continue;
    dkim += `${i ? ',' : ''}{"domain":${q(a.domain)},"selector":${q(a.selector)},"result":${q(a.result)},"human_result":${q(a.humanResult)}}`;
  }
  let spf = '[';
  for (let i = 0; i < r.authSpf.length; i++) {
    const a = r.authSpf[i];
    if (!a) continue;
    spf += `${i ? ',' : ''}{"domain":${q(a.domain)},"scope":${q(a.scope)},"result":${q(a.result)},"human_result":${q(a.humanResult)}}`;
  }
  return (
    `"source_ip":${q(r.sourceIp)},"count":${r.count},"disposition":${q(r.disposition)},"dkim":${q(r.dkim)},"spf":${q(r.spf)},` +
    `"header_from":${q(r.headerFrom)},"envelope_from":${q(r.envelopeFrom)},"envelope_to":${q(r.envelopeTo)},` +
    `"reasons":${reasons}],"auth_dkim":${dkim}],"auth_spf":${spf}]`
  );
}

/** A record as a JSON value for `--format json` (inside its report, so without the report's fields). */
export function recordJson(r: AggregateRecord): string {
  const extensions = r.extensions ? `,"extensions":${safeJson(r.extensions)}` : '';
  return `{${recordFields(r)}${extensions}}`;
}

/** The opening of a report object for `--format json`, up to and including `"records":[`. */
export function reportJsonOpening(header: AggregateHeader, source: string): string {
  const { metadata: m, policy: p } = header;
  const body = {
    kind: 'aggregate',
    source,
    schema: header.schema,
    version: header.version,
    namespace: header.namespace,
    report_metadata: {
      org_name: m.orgName,
      email: m.email,
      extra_contact_info: m.extraContactInfo,
      report_id: m.reportId,
      begin: isoTime(m.begin),
      end: isoTime(m.end),
      errors: m.errors,
      generator: m.generator,
    },
    policy_published: {
      domain: p.domain, adkim: p.adkim, aspf: p.aspf, p: p.p, sp: p.sp, np: p.np, pct: p.pct, fo: p.fo,
      testing: p.testing, discovery_method: p.discoveryMethod,
    },
  };
  return `${safeJson(body).slice(0, -1)},"records":[`;
}

/** The end of a report object for `--format json`: totals, warnings and record errors. */
export function reportJsonClosing(trailer: AggregateTrailer): string {
  return (
    `],"record_count":${trailer.recordCount},"message_count":${trailer.messageCount},` +
    `"extensions":${safeJson(trailer.extensions)},"warnings":${safeJson(trailer.warnings.map(diagnosticJson))},` +
    `"record_errors":${safeJson(trailer.recordErrors.map(diagnosticJson))}}`
  );
}

export function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  return { code: d.code, message: d.message, ...(d.location ? { location: d.location } : {}), ...(d.count ? { count: d.count } : {}) };
}
