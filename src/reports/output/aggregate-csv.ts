/**
 * CSV form of aggregate records (RFC 4180): the same columns as the JSONL lines, with list
 * fields flattened so a spreadsheet can filter them:
 * reasons `type:comment`, auth_dkim `domain/selector=result`, auth_spf `domain/scope=result`,
 * several values joined by `;`.
 */
import type { AggregateHeader, AggregateRecord } from '../aggregate/aggregate-report.js';
import { safeText } from '../../core/safe-text.js';
import { RECORD_COLUMNS, isoTime } from './aggregate-json.js';

export const CSV_HEADER = `${RECORD_COLUMNS.join(',')}\r\n`;

/**
 * A text cell: control characters (and the other characters a terminal acts on) shown as escapes
 * (core/safe-text.ts), so a value can neither break the row nor reach a terminal that `cat`s the
 * file; a value starting like a spreadsheet formula (`=`, `+`, `-`, `@`, OWASP's CSV injection
 * advice; tab and carriage return are escaped already) is prefixed with `'` so it stays text;
 * quoted when needed (RFC 4180 §2). Only text columns get the prefix: numbers are written by
 * numberCell, so a number is never changed.
 */
export function textCell(value: string | null): string {
  if (value === null) return '';
  const text = safeText(value);
  const formula = /^[=+\-@]/.test(text);
  if (formula || /[",]/.test(text)) return `"${(formula ? `'${text}` : text).replace(/"/g, '""')}"`;
  return text;
}

function numberCell(value: number | null): string {
  return value === null ? '' : String(value);
}

/** One CSV field of a row whose columns mix text and numbers: a number as written, text as textCell. */
export function csvCell(value: string | number | null): string {
  return typeof value === 'number' ? numberCell(value) : textCell(value);
}

export class RecordCsvFormatter {
  readonly #prefix: string;
  readonly #suffix: string;

  constructor(header: AggregateHeader, source: string) {
    const { metadata: m, policy: p } = header;
    this.#prefix = [textCell(m.orgName), textCell(m.reportId), textCell(p.domain), isoTime(m.begin), isoTime(m.end)].join(',');
    this.#suffix = [textCell(p.p), textCell(p.sp), numberCell(p.pct), ...[p.np, p.testing, p.adkim, p.aspf, p.fo, header.schema, source].map(textCell)].join(',');
  }

  line(r: AggregateRecord): string {
    const reasons = r.reasons.map((x) => (x.comment ? `${x.type}:${x.comment}` : x.type)).join(';');
    const dkim = r.authDkim.map((a) => `${a.domain}/${a.selector ?? ''}=${a.result}`).join(';');
    const spf = r.authSpf.map((a) => `${a.domain}/${a.scope}=${a.result}`).join(';');
    const own = [textCell(r.sourceIp), numberCell(r.count), ...[r.disposition, r.dkim, r.spf, r.headerFrom, r.envelopeFrom, r.envelopeTo, reasons, dkim, spf].map(textCell)].join(',');
    return `${this.#prefix},${own},${this.#suffix}\r\n`;
  }
}
