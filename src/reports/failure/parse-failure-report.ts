/**
 * DMARC failure reports (ruf) from a parsed e-mail message: ARF (RFC 5965 / RFC 6591, with the
 * DMARC fields of RFC 7489 §7.3.1 and RFC 9991 §4), including ARF reports that are not about
 * authentication (Feedback-Type: abuse ...), and the text-only reports some gateways send.
 * Never throws: an unusable report is a Rejection (`arf-invalid`) with the reason.
 */
import type { Diagnostic, Rejection } from '../../core/diagnostic.js';
import { rejection } from '../../core/diagnostic.js';
import type { MimeEntity } from '../mime/mime-entity.js';
import { parseArfReport } from './arf-report.js';
import type { FailureReport } from './failure-report.js';
import { declaresFeedbackReport, findFeedbackPart, findTextReport } from './report-parts.js';
import { parseTextReport } from './text-report.js';

export interface ParsedFailureReport {
  readonly report?: FailureReport;
  readonly rejection?: Rejection;
  readonly warnings: Diagnostic[];
}

/**
 * True when `message` is (or holds, outside enclosed messages) a feedback report: a
 * `multipart/report; report-type=feedback-report`, a message/feedback-report part, or a text part
 * that reads like a text-only DMARC failure report.
 */
export function isFailureReport(message: MimeEntity): boolean {
  if (declaresFeedbackReport(message) || message.contentType === 'message/feedback-report') return true;
  return findFeedbackPart(message) !== undefined || findTextReport(message) !== undefined;
}

export function parseFailureReport(message: MimeEntity): ParsedFailureReport {
  const feedback = findFeedbackPart(message);
  if (feedback) return parseArfReport(message, feedback);
  const textReport = findTextReport(message);
  if (textReport) return parseTextReport(message, textReport.entity, textReport.text);
  const why = declaresFeedbackReport(message)
    ? 'The message is a multipart/report of type feedback-report but has no message/feedback-report part and no readable text report.'
    : 'The message has no message/feedback-report part and no readable text failure report.';
  return { rejection: rejection('arf-invalid', why), warnings: [] };
}
