/**
 * The summary of the reported message (RFC 5965 §2 item 3; RFC 6591 §3.2 allows headers only):
 * From, To, Subject (RFC 2047-decoded), Message-ID, Date, and the header section as text.
 */
import { decodeEncodedWords } from '../mime/encoded-words.js';
import { decodeHeaderText, headerValue, readHeaderBlock } from '../mime/header-fields.js';
import type { OriginalMessage } from './failure-report.js';
import { parseEmailDate } from './parse-email-date.js';

export interface ReadOriginal {
  readonly original: OriginalMessage;
  /** True when non-blank content follows the header section. */
  readonly bodyIncluded: boolean;
}

/** `bytes` start with the original header section (blank lines before it are skipped); undefined when there are no headers. */
export function readOriginalMessage(bytes: Uint8Array): ReadOriginal | undefined {
  let start = 0;
  while (start < bytes.length && (bytes[start] === 0x0a || bytes[start] === 0x0d)) start++;
  const block = readHeaderBlock(bytes, start);
  if (block.headers.length === 0) return undefined;
  const text = decodeHeaderText(bytes.subarray(start, block.headerEnd)).replace(/\r\n/g, '\n');
  const decoded = (name: string): string | null => {
    const value = headerValue(block, name);
    return value === undefined || value === '' ? null : decodeEncodedWords(value);
  };
  const date = headerValue(block, 'date');
  const original: OriginalMessage = {
    from: decoded('from'),
    to: decoded('to'),
    subject: decoded('subject'),
    messageId: headerValue(block, 'message-id') || null,
    date: date === undefined ? null : (parseEmailDate(date)?.iso ?? null),
    headers: text.endsWith('\n') ? text : `${text}\n`,
  };
  return { original, bodyIncluded: hasContent(bytes, block.bodyStart) };
}

function hasContent(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte !== 0x0a && byte !== 0x0d && byte !== 0x20 && byte !== 0x09) return true;
  }
  return false;
}
