/**
 * An ARF failure report (RFC 5965 format; RFC 6591 auth-failure fields; RFC 7489 §7.3.1 and
 * RFC 9991 §4 DMARC fields) from its message/feedback-report part. The part's body is a header
 * block; some senders base64-encode it (declared or not), some leave blank lines in it.
 */
import type { Diagnostic, Rejection } from '../../core/diagnostic.js';
import { rejection, warning } from '../../core/diagnostic.js';
import { decodeHeaderText } from '../mime/header-fields.js';
import type { MimeEntity } from '../mime/mime-entity.js';
import { decodeBase64 } from '../mime/transfer-decoding.js';
import type { FailureReport, ReportField } from './failure-report.js';
import { alignedPass, identityAlignmentMeaning, identityAlignmentTokens } from './identity-alignment.js';
import { readOriginalMessage } from './original-message.js';
import { parseEmailDate } from './parse-email-date.js';
import type { FeedbackPart } from './report-parts.js';
import { findOriginalPart, humanReadableText } from './report-parts.js';
import { addressDomain, FieldIndex, headerFromDomain, normaliseDomain, readIp, readReportFields, spfDnsDomain, stripAngles, stripMtaType } from './report-fields.js';

/** Fields with a property of their own; the rest go to otherFields. */
const MAPPED = new Set([
  'feedback-type', 'user-agent', 'version', 'auth-failure', 'identity-alignment', 'delivery-result', 'reported-domain', 'source-ip',
  'arrival-date', 'received-date', 'dkim-domain', 'dkim-identity', 'dkim-selector', 'spf-dns', 'original-mail-from', 'original-rcpt-to',
  'authentication-results', 'reporting-mta', 'incidents', 'original-envelope-id', 'reported-uri',
]);

const BASE64_ONLY = /^[\sA-Za-z0-9+/]+=*\s*$/;

export function parseArfReport(message: MimeEntity, feedback: FeedbackPart): { report?: FailureReport; rejection?: Rejection; warnings: Diagnostic[] } {
  const warnings: Diagnostic[] = [];
  const part = feedback.entity;
  const where = part.path === '' ? 'message' : `part ${part.path}`;
  const warn = (code: string, message: string): void => void warnings.push(warning(code, message, where));
  const refuse = (why: string): { rejection: Rejection; warnings: Diagnostic[] } => ({ rejection: rejection('arf-invalid', why, where), warnings });

  if (feedback.mislabelled) warn('failure-feedback-mislabelled', `The feedback report fields are in a ${part.contentType} part, not message/feedback-report (RFC 5965 §2).`);
  let text = decodeHeaderText(part.body);
  if (!/^[!-9;-~]+[ \t]*:/m.test(text) && BASE64_ONLY.test(text)) {
    text = decodeHeaderText(decodeBase64(part.body));
    warn('failure-feedback-undeclared-base64', 'The message/feedback-report part is base64 without a Content-Transfer-Encoding saying so; it was decoded.');
  }
  if (text.trim() === '') return refuse('The message/feedback-report part is empty.');
  const { fields, strayLines } = readReportFields(text);
  if (fields.length === 0) return refuse('The message/feedback-report part holds no "Name: value" fields (RFC 5965 §3).');
  if (strayLines > 0) warn('failure-field-malformed', `${strayLines} line(s) of the feedback report are not "Name: value" fields and were skipped.`);
  const index = new FieldIndex(fields);

  let feedbackType = index.first('feedback-type')?.toLowerCase() ?? null;
  if (feedbackType === null) {
    if (!index.has('auth-failure')) return refuse('The message/feedback-report part has no Feedback-Type field (RFC 5965 §3.1) and no Auth-Failure field.');
    feedbackType = 'auth-failure';
    warn('failure-field-missing', 'Feedback-Type is missing (required by RFC 5965 §3.1); auth-failure was assumed from Auth-Failure.');
  }
  for (const name of ['User-Agent', 'Version']) {
    if (index.first(name.toLowerCase()) === null) warn('failure-field-missing', `${name} is missing (required by RFC 5965 §3.1).`);
  }
  const authFailure = index.all('auth-failure').flatMap((value) => value.toLowerCase().split(/[\s,]+/)).filter((token) => token !== '');
  if (feedbackType === 'auth-failure' && authFailure.length === 0) warn('failure-field-missing', 'Auth-Failure is missing (required for auth-failure reports by RFC 6591 §3.1).');

  const found = findOriginalPart(message, part);
  const read = found ? readOriginalMessage(found.bytes) : undefined;
  if (!read) warn('failure-no-original', 'The report carries no copy of the original message or its headers (RFC 5965 §2 item 3).');
  const original = read?.original ?? null;

  const userAgent = index.first('user-agent');
  const identityAlignmentRaw = index.first('identity-alignment');
  const identityAlignment = identityAlignmentRaw === null ? null : identityAlignmentTokens(identityAlignmentRaw);
  const meaning = identityAlignmentMeaning([humanReadableText(message, [part, found?.entity]), userAgent ?? '']);
  const authenticationResults = index.all('authentication-results');
  const originalMailFrom = stripAngles(index.first('original-mail-from'));

  const report: FailureReport = {
    kind: 'failure',
    format: 'arf',
    feedbackType,
    userAgent,
    version: index.first('version'),
    authFailure,
    identityAlignment,
    identityAlignmentRaw,
    identityAlignmentMeaning: meaning,
    spfAligned: alignedPass(identityAlignment, meaning, 'spf'),
    dkimAligned: alignedPass(identityAlignment, meaning, 'dkim'),
    deliveryResult: index.first('delivery-result')?.toLowerCase() ?? null,
    reportedDomain: normaliseDomain(index.first('reported-domain')) ?? addressDomain(original?.from ?? null) ?? headerFromDomain(authenticationResults),
    sourceIp: readSourceIp(index.first('source-ip'), warn),
    arrivalDate: readArrivalDate(index.first('arrival-date') ?? index.first('received-date'), warn),
    dkimDomain: normaliseDomain(index.first('dkim-domain')),
    dkimSelector: index.first('dkim-selector'),
    dkimIdentity: index.first('dkim-identity'),
    spfDomain: spfDnsDomain(index.first('spf-dns')) ?? addressDomain(originalMailFrom),
    originalMailFrom,
    originalRcptTo: index.all('original-rcpt-to').map(stripAngles).filter((value): value is string => value !== null),
    authenticationResults,
    reportingMta: stripMtaType(index.first('reporting-mta')),
    incidents: readIncidents(index.first('incidents'), warn),
    originalEnvelopeId: index.first('original-envelope-id'),
    reportedUris: index.all('reported-uri'),
    otherFields: fields.filter((field) => !MAPPED.has(field.name.toLowerCase())).map(({ name, value }): ReportField => ({ name, value })),
    original,
    originalBodyIncluded: read?.bodyIncluded ?? false,
  };
  return { report, warnings };
}

type Warn = (code: string, message: string) => void;

export function readSourceIp(value: string | null, warn: Warn): string | null {
  if (value === null) return null;
  const ip = readIp(value);
  if (ip === undefined) warn('failure-invalid-ip', `Source IP "${value}" is not an IPv4 or IPv6 address.`);
  return ip ?? null;
}

export function readArrivalDate(value: string | null, warn: Warn): string | null {
  if (value === null) return null;
  const date = parseEmailDate(value);
  if (!date) {
    warn('failure-invalid-date', `Arrival date "${value}" is not a date this parser reads (RFC 5322 §3.3).`);
    return null;
  }
  if (date.zoneAssumed) warn('failure-date-zone-assumed', `Arrival date "${value}" names no known time zone; UTC was assumed.`);
  return date.iso;
}

function readIncidents(value: string | null, warn: Warn): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d{1,15}$/.test(trimmed)) return Number(trimmed);
  warn('failure-invalid-number', `Incidents "${value}" is not a whole number (RFC 5965 §3.2).`);
  return null;
}
