/**
 * Text-only failure reports: no message/feedback-report part, only a human-readable text such as
 * Exim/cPanel's (parsedmarc issue #332):
 *
 *   A message claiming to be from you has failed the published DMARC policy for your domain.
 *     Sender Domain: example.com
 *     Sender IP Address: 192.0.2.1
 *     Received Date: Mon, 07 Apr 2025 23:16:09 +0200
 *     SPF Alignment: no
 *     DKIM Alignment: no
 *     DMARC Results: None, Accept
 *   ------ This is a copy of the headers that were received before the error was detected.
 *   <original header section>
 *
 * Labelled lines before the separator become fields; the headers after it (or a message/rfc822 or
 * text/rfc822-headers part) are the original message.
 */
import { Buffer } from 'node:buffer';
import type { Diagnostic } from '../../core/diagnostic.js';
import { warning } from '../../core/diagnostic.js';
import type { MimeEntity } from '../mime/mime-entity.js';
import { readArrivalDate, readSourceIp } from './arf-report.js';
import type { FailureReport, ReportField } from './failure-report.js';
import type { ReadOriginal } from './original-message.js';
import { readOriginalMessage } from './original-message.js';
import { findOriginalPart } from './report-parts.js';
import { addressDomain, normaliseDomain } from './report-fields.js';

const LABELLED_LINE = /^[ \t]*([A-Za-z][A-Za-z0-9 ._/-]{0,40}?)[ \t]*:[ \t]*(\S.*?)[ \t]*$/;
const SEPARATOR_LINE = /^(?:-{3,}.*|[ \t]*This is a copy of the (?:original )?headers.*)$/i;

const DOMAIN_LABELS = new Set(['sender domain', 'reported domain', 'domain']);
const IP_LABELS = new Set(['sender ip address', 'sender ip', 'source ip', 'source ip address', 'ip address']);
const DATE_LABELS = new Set(['received date', 'arrival date', 'date received']);

export function parseTextReport(message: MimeEntity, part: MimeEntity, text: string): { report: FailureReport; warnings: Diagnostic[] } {
  const warnings: Diagnostic[] = [];
  const where = part.path === '' ? 'message' : `part ${part.path}`;
  const warn = (code: string, message: string): void => void warnings.push(warning(code, message, where));
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const separator = lines.findIndex((line) => SEPARATOR_LINE.test(line));
  const labelled = (separator === -1 ? lines : lines.slice(0, separator)).map((line) => LABELLED_LINE.exec(line)).filter((match) => match !== null);
  const fields: ReportField[] = labelled.map((match) => ({ name: match[1] as string, value: match[2] as string }));

  let read: ReadOriginal | undefined;
  const found = findOriginalPart(message, part);
  if (found) read = readOriginalMessage(found.bytes);
  if (!read && separator !== -1) read = readOriginalMessage(Buffer.from(lines.slice(separator + 1).join('\n'), 'utf8'));
  if (!read) warn('failure-no-original', 'The text report carries no copy of the original message headers.');
  const original = read?.original ?? null;

  const pick = (labels: ReadonlySet<string>): string | null => fields.find((field) => labels.has(normaliseLabel(field.name)))?.value ?? null;
  const used = new Set([...DOMAIN_LABELS, ...IP_LABELS, ...DATE_LABELS, 'spf alignment', 'dkim alignment']);
  const report: FailureReport = {
    kind: 'failure',
    format: 'text',
    feedbackType: 'auth-failure',
    userAgent: null,
    version: null,
    authFailure: ['dmarc'],
    identityAlignment: null,
    identityAlignmentRaw: null,
    identityAlignmentMeaning: 'unknown',
    spfAligned: readYesNo(pick(new Set(['spf alignment']))),
    dkimAligned: readYesNo(pick(new Set(['dkim alignment']))),
    deliveryResult: null,
    reportedDomain: normaliseDomain(pick(DOMAIN_LABELS)) ?? addressDomain(original?.from ?? null),
    sourceIp: readSourceIp(pick(IP_LABELS), warn),
    arrivalDate: readArrivalDate(pick(DATE_LABELS), warn),
    dkimDomain: null,
    dkimSelector: null,
    dkimIdentity: null,
    spfDomain: null,
    originalMailFrom: null,
    originalRcptTo: [],
    authenticationResults: [],
    reportingMta: null,
    incidents: null,
    originalEnvelopeId: null,
    reportedUris: [],
    otherFields: fields.filter((field) => !used.has(normaliseLabel(field.name))),
    original,
    originalBodyIncluded: read?.bodyIncluded ?? false,
  };
  return { report, warnings };
}

function normaliseLabel(label: string): string {
  return label.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** `yes` / `no` and their usual synonyms; null for anything else. */
function readYesNo(value: string | null): boolean | null {
  if (value === null) return null;
  const word = value.trim().toLowerCase();
  if (['yes', 'true', 'pass', 'aligned', 'y'].includes(word)) return true;
  if (['no', 'false', 'fail', 'none', 'unaligned', 'not aligned', 'n'].includes(word)) return false;
  return null;
}
