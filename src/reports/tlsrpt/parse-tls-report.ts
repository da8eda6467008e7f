/**
 * SMTP TLS reports (RFC 8460 §4): JSON text to the TlsReport model. Never throws: a document that
 * is not JSON is refused with `json-malformed` (and where it goes wrong), one without the
 * report's required fields or with fields of the wrong type with `tlsrpt-invalid` naming the
 * field, negative or fractional counts and reversed date ranges with `impossible-value`.
 * Accepted leniently, with warnings: missing `contact-info`, missing `policy-domain` or counts,
 * unknown policy and result types (kept), `mx-host` as a string, extra fields (ignored).
 */
import type { Diagnostic, Rejection } from '../../core/diagnostic.js';
import { DiagnosticLog, rejection } from '../../core/diagnostic.js';
import { canonicalizeIp } from '../../core/ip.js';
import { findJsonErrorPosition } from './json-error-position.js';
import type { JsonObject } from './json-fields.js';
import { describeType, FieldError, fieldPath, isJsonObject, optionalString, readCount, requireArray, requireObject, requireString, stringList } from './json-fields.js';
import { normaliseDateTime } from './rfc3339.js';
import type { TlsDateRange, TlsFailureDetail, TlsPolicyResult, TlsReport } from './tls-report.js';
import { TLS_POLICY_TYPES, TLS_RESULT_TYPES } from './tls-report.js';

export interface TlsReportResult {
  readonly report?: TlsReport;
  readonly rejection?: Rejection;
  readonly warnings: Diagnostic[];
}

const POLICY_TYPES: ReadonlySet<string> = new Set(TLS_POLICY_TYPES);
const RESULT_TYPES: ReadonlySet<string> = new Set(TLS_RESULT_TYPES);

/** Parses the JSON text of one TLS report (a leading byte-order mark is allowed). */
export function parseTlsReport(text: string): TlsReportResult {
  const log = new DiagnosticLog();
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (caught) {
    const position = findJsonErrorPosition(body);
    const where = position ? ` at line ${position.line}, column ${position.column}` : '';
    const reason = caught instanceof Error ? caught.message : String(caught);
    const location = position ? `${position.line}:${position.column}` : undefined;
    return { rejection: rejection('json-malformed', `The TLS report is not valid JSON${where}: ${reason}.`, location), warnings: log.list() };
  }
  try {
    return { report: readReport(json, log), warnings: log.list() };
  } catch (caught) {
    if (!(caught instanceof FieldError)) throw caught;
    return { rejection: rejection(caught.code, caught.message, caught.location || undefined), warnings: log.list() };
  }
}

/** A cheap test for JSON that is meant to be a TLS report: an object with `organization-name` and `policies`. */
export function isTlsReportJson(value: unknown): boolean {
  return isJsonObject(value) && 'organization-name' in value && 'policies' in value;
}

function readReport(json: unknown, log: DiagnosticLog): TlsReport {
  if (!isJsonObject(json)) throw new FieldError('tlsrpt-invalid', `A TLS report is a JSON object, not ${describeType(json)}.`, '');
  const organizationName = requireString(json, 'organization-name', '', log);
  const reportId = requireString(json, 'report-id', '', log);
  const dateRange = readDateRange(requireObject(json['date-range'], 'date-range'), log);
  const contactInfo = optionalString(json, 'contact-info', '', log);
  if (contactInfo === null) log.warn('tlsrpt-missing-field', 'The report has no "contact-info" (required by RFC 8460 §4).', 'contact-info');
  const policies = requireArray(json['policies'], 'policies').map((entry, i) => readPolicy(entry, `policies[${i}]`, log));
  if (policies.length === 0) log.warn('no-policies', 'The report lists no policies.', 'policies');
  return { kind: 'tlsrpt', organizationName, dateRange, contactInfo, reportId, policies };
}

function readDateRange(range: JsonObject, log: DiagnosticLog): TlsDateRange {
  const read = (key: string): string => {
    const path = fieldPath('date-range', key);
    const text = requireString(range, key, 'date-range', log);
    const value = normaliseDateTime(text);
    if (!value) throw new FieldError('tlsrpt-invalid', `"${path}" is "${text}", not an RFC 3339 date-time.`, path);
    if (value.offsetMissing) log.warn('date-assumed-utc', `"${path}" has no time zone offset; taken as UTC.`, path);
    return value.utc;
  };
  const start = read('start-datetime');
  const end = read('end-datetime');
  if (end < start) throw new FieldError('impossible-value', `"date-range" ends (${end}) before it starts (${start}).`, 'date-range');
  return { start, end };
}

function readPolicy(entry: unknown, path: string, log: DiagnosticLog): TlsPolicyResult {
  const item = requireObject(entry, path);
  const policyPath = fieldPath(path, 'policy');
  const policy = requireObject(item['policy'], policyPath);
  const summaryPath = fieldPath(path, 'summary');
  const summary = requireObject(item['summary'], summaryPath);
  const policyType = readWord(policy, 'policy-type', policyPath, POLICY_TYPES, log);
  const policyDomain = optionalString(policy, 'policy-domain', policyPath, log)?.toLowerCase().replace(/\.$/, '') ?? null;
  if (policyDomain === null) {
    log.warn('tlsrpt-missing-field', `"${fieldPath(policyPath, 'policy-domain')}" is missing (required by RFC 8460 §4).`, fieldPath(policyPath, 'policy-domain'));
  }
  const detailsPath = fieldPath(path, 'failure-details');
  const details = item['failure-details'] === undefined || item['failure-details'] === null ? [] : requireArray(item['failure-details'], detailsPath);
  return {
    policyType,
    policyStrings: stringList(policy, 'policy-string', policyPath, log),
    policyDomain,
    mxHosts: stringList(policy, 'mx-host', policyPath, log).map((host) => host.trim()),
    successfulSessionCount: readCount(summary, 'total-successful-session-count', summaryPath, log),
    failedSessionCount: readCount(summary, 'total-failure-session-count', summaryPath, log),
    failureDetails: details.map((detail, i) => readFailureDetail(detail, `${detailsPath}[${i}]`, log)),
  };
}

function readFailureDetail(entry: unknown, path: string, log: DiagnosticLog): TlsFailureDetail {
  const detail = requireObject(entry, path);
  return {
    resultType: readWord(detail, 'result-type', path, RESULT_TYPES, log),
    sendingMtaIp: readIp(detail, 'sending-mta-ip', path, log),
    receivingMxHostname: optionalString(detail, 'receiving-mx-hostname', path, log)?.toLowerCase() ?? null,
    receivingMxHelo: optionalString(detail, 'receiving-mx-helo', path, log),
    receivingIp: readIp(detail, 'receiving-ip', path, log),
    failedSessionCount: readCount(detail, 'failed-session-count', path, log),
    additionalInformation: optionalString(detail, 'additional-information', path, log, false),
    failureReasonCode: optionalString(detail, 'failure-reason-code', path, log, false),
  };
}

/** A required word from a fixed list, lower-cased (`value-case`); other words kept with `unknown-value`. */
function readWord(object: JsonObject, key: string, parent: string, known: ReadonlySet<string>, log: DiagnosticLog): string {
  const path = fieldPath(parent, key);
  const sent = requireString(object, key, parent, log);
  const word = sent.toLowerCase();
  if (word !== sent) log.warn('value-case', `"${path}" is "${sent}", read as "${word}".`, path);
  if (!known.has(word)) log.warn('unknown-value', `"${path}" is "${sent}", not one of ${[...known].join(', ')}; kept as sent.`, path);
  return word;
}

/** An IP address in canonical form (`ip-not-canonical` when rewritten); kept as sent with `tlsrpt-invalid-ip` when not an address. */
function readIp(object: JsonObject, key: string, parent: string, log: DiagnosticLog): string | null {
  const path = fieldPath(parent, key);
  const text = optionalString(object, key, parent, log);
  if (text === null) return null;
  const ip = canonicalizeIp(text);
  if (!ip) {
    log.warn('tlsrpt-invalid-ip', `"${path}" is "${text}", not an IP address; kept as sent.`, path);
    return text;
  }
  if (!ip.wasCanonical) log.warn('ip-not-canonical', `"${path}" "${text}" rewritten as ${ip.ip}.`, path);
  return ip.ip;
}
