/**
 * Finding the parts of a failure report (RFC 5965 §2): the message/feedback-report part, the
 * copy of the original message (message/rfc822, text/rfc822-headers, or a text/plain part that
 * holds headers) and the human-readable text. Messages enclosed in the report are not searched:
 * a forwarded report is a report of its own.
 */
import { decodeCharset } from '../mime/header-params.js';
import type { MimeEntity } from '../mime/mime-entity.js';

/** Text parts larger than this are not read to look for a text-only report. */
const MAX_TEXT_REPORT_BYTES = 1 << 20;

const ORIGINAL_MESSAGE_TYPES = new Set(['message/rfc822', 'message/global']);
const ORIGINAL_HEADERS_TYPES = new Set(['text/rfc822-headers', 'message/rfc822-headers', 'message/global-headers', 'text/rfc822-header']);

/** The entity and its parts through nested multiparts, not into enclosed messages. */
export function* ownParts(entity: MimeEntity): Generator<MimeEntity, void, undefined> {
  yield entity;
  if (entity.contentType.startsWith('multipart/')) for (const child of entity.children) yield* ownParts(child);
}

/** True for `multipart/report; report-type=feedback-report` (RFC 5965 §2 item 1, RFC 6522). */
export function declaresFeedbackReport(message: MimeEntity): boolean {
  return message.contentType === 'multipart/report' && message.contentTypeParams['report-type']?.trim().toLowerCase() === 'feedback-report';
}

export interface FeedbackPart {
  readonly entity: MimeEntity;
  /** True when it was found in a part not labelled message/feedback-report (e.g. text/plain). */
  readonly mislabelled: boolean;
}

export function findFeedbackPart(message: MimeEntity): FeedbackPart | undefined {
  const parts = [...ownParts(message)];
  const labelled = parts.find((part) => part.contentType === 'message/feedback-report');
  if (labelled) return { entity: labelled, mislabelled: false };
  if (!declaresFeedbackReport(message)) return undefined;
  const leaves = parts.filter((part) => part.children.length === 0 && part !== message && !ORIGINAL_HEADERS_TYPES.has(part.contentType));
  const unlabelled = leaves.find((part) => part.body.length < MAX_TEXT_REPORT_BYTES && /^feedback-type[ \t]*:/im.test(partText(part)));
  return unlabelled ? { entity: unlabelled, mislabelled: true } : undefined;
}

export interface OriginalPart {
  readonly entity: MimeEntity;
  /** The bytes that start with the original header section. */
  readonly bytes: Uint8Array;
}

/** The copy of the reported message: message/rfc822 or a headers part; a text/plain part holding headers after `after`. */
export function findOriginalPart(message: MimeEntity, after: MimeEntity | undefined): OriginalPart | undefined {
  const parts = [...ownParts(message)].filter((part) => part !== message && part !== after);
  const typed = parts.find((part) => ORIGINAL_MESSAGE_TYPES.has(part.contentType) || ORIGINAL_HEADERS_TYPES.has(part.contentType));
  if (typed) return { entity: typed, bytes: typed.body };
  const start = after ? [...ownParts(message)].indexOf(after) : -1;
  if (start === -1) return undefined;
  const later = [...ownParts(message)].slice(start + 1).filter((part) => part.contentType === 'text/plain' && part.children.length === 0);
  const holdingHeaders = later.find((part) => looksLikeHeaders(partText(part)));
  return holdingHeaders ? { entity: holdingHeaders, bytes: holdingHeaders.body } : undefined;
}

/** Two or more header field lines at the start (after blank lines). */
function looksLikeHeaders(text: string): boolean {
  const lines = text.replace(/^[\r\n]+/, '').split('\n', 2);
  return lines.length === 2 && lines.every((line) => /^[!-9;-~]+[ \t]*:/.test(line) || /^[ \t]/.test(line));
}

/** A text/plain part that reads like a text-only failure report, with its text. */
export function findTextReport(message: MimeEntity): { entity: MimeEntity; text: string } | undefined {
  for (const part of ownParts(message)) {
    if (part.contentType !== 'text/plain' || part.children.length > 0 || part.body.length > MAX_TEXT_REPORT_BYTES) continue;
    const text = partText(part);
    if (looksLikeTextReport(text)) return { entity: part, text };
  }
  return undefined;
}

/** Exim/cPanel style: "A message claiming to be from you has failed the published DMARC policy", or its labelled lines. */
export function looksLikeTextReport(text: string): boolean {
  if (/failed the published DMARC policy/i.test(text)) return true;
  return /^[ \t]*Sender Domain[ \t]*:/im.test(text) && /^[ \t]*Sender IP(?: Address)?[ \t]*:/im.test(text);
}

/** The first human-readable text/plain part (not `except`), decoded; '' when there is none. */
export function humanReadableText(message: MimeEntity, except: readonly (MimeEntity | undefined)[]): string {
  for (const part of ownParts(message)) {
    if (part.contentType !== 'text/plain' || part.children.length > 0 || except.includes(part)) continue;
    return partText(part.body.length > MAX_TEXT_REPORT_BYTES ? { ...part, body: part.body.subarray(0, MAX_TEXT_REPORT_BYTES) } : part);
  }
  return '';
}

/** A part's body as text in its declared charset (UTF-8 when none). */
export function partText(part: MimeEntity): string {
  return decodeCharset(part.body, part.contentTypeParams.charset ?? 'utf-8');
}
