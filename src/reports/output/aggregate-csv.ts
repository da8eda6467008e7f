/**
 * CSV form of aggregate records (RFC 4180): the same columns as the JSONL lines, with list
 * fields flattened so a spreadsheet can filter them:
 * reasons `type:comment`, auth_dkim `domain/selector=result`, auth_spf `domain/scope=result`,
 * several values joined by `;`.
 */
import type { AggregateHeader, AggregateRecord } from '../aggregate/aggregate-report.js';
import { RECORD_COLUMNS, isoTime } from './aggregate-json.js';

export const CSV_HEADER = `${RECORD_COLUMNS.join(',')}\r\n`;

/** One CSV field (RFC 4180), quoted when needed, a spreadsheet formula defused; null is empty. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  // Quote when needed (RFC 4180 §2), and defuse spreadsheet formulas (=, +, -, @ at the start).
  const formula = /^[=+\-@\t\r]/.test(text) && !/^-?[0-9.]+$/.test(text);
  if (formula || /[",\r\n]/.test(text)) return `"${(formula ? `'${text}` : text).replace(/"/g, '""')}"`;
  return text;
}

export class RecordCsvFormatter {
  readonly #prefix: string;
  readonly #suffix: string;

  constructor(header: AggregateHeader, source: string) {
    const { metadata: m, policy: p } = header;
    this.#prefix = [m.orgName, m.reportId, p.domain, isoTime(m.begin), isoTime(m.end)].map(csvCell).join(',');
    this.#suffix = [p.p, p.sp, p.pct, p.np, p.testing, p.adkim, p.aspf, p.fo, header.schema, source].map(csvCell).join(',');
  }

  line(r: AggregateRecord): string {
    const reasons = r.reasons.map((x) => (x.comment ? `${x.type}:${x.comment}` : x.type)).join(';');
    const dkim = r.authDkim.map((a) => `${a.domain}/${a.selector ?? ''}=${a.result}`).join(';');
    const spf = r.authSpf.map((a) => `${a.domain}/${a.scope}=${a.result}`).join(';');
    const own = [r.sourceIp, r.count, r.disposition, r.dkim, r.spf, r.headerFrom, r.envelopeFrom, r.envelopeTo, reasons, dkim, spf]
      .map(csvCell)
      .join(',');
    return `${this.#prefix},${own},${this.#suffix}\r\n`;
  }
}
