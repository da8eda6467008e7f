/**
 * Collects the values of one `<record>` as the scanner meets them, then checks and freezes
 * them into an AggregateRecord. A record without a usable source IP or count is dropped with
 * a record error; the rest of the report is unaffected.
 */
import type { DiagnosticLog } from '../../core/diagnostic.js';
import { canonicalizeIp } from '../../core/ip.js';
import type { AggregateRecord, DkimAuthResult, Disposition, EvaluatedResult, PolicyOverrideReason, SpfAuthResult, XmlElement } from './aggregate-report.js';
import { DISPOSITIONS, DKIM_RESULTS, EVALUATED, MAX_COUNT, MAX_REPEATED, REASON_TYPES, SPF_RESULTS, parseDecimalInteger, quoteValue } from './aggregate-values.js';
import type { ValueCleaner } from './aggregate-values.js';

type MutableDkim = { -readonly [K in keyof DkimAuthResult]: DkimAuthResult[K] };
type MutableSpf = { -readonly [K in keyof SpfAuthResult]: SpfAuthResult[K] };
interface MutableReason {
  type: string | null;
  comment: string | null;
}

const SCOPES = new Set(['mfrom', 'helo']);

/**
 * Row, evaluated-policy and identifier values are kept as sent and cleaned when the record
 * closes; reasons and auth results are cleaned as each value closes, straight into the objects
 * the record keeps (no second copy per record).
 */
export class RecordBuilder {
  sourceIp: string | undefined;
  count: string | undefined;
  disposition: string | undefined;
  dkim: string | undefined;
  spf: string | undefined;
  headerFrom: string | undefined;
  envelopeFrom: string | undefined;
  envelopeTo: string | undefined;
  reasons: MutableReason[] = [];
  authDkim: MutableDkim[] = [];
  authSpf: MutableSpf[] = [];
  extensions: XmlElement[] = [];
  /** The first field of this record past its limit (docs/formats.md, "Field limits"): the record is dropped. */
  tooLong: string | undefined;
  /** Where the values of the `<reason>`, `<dkim>` and `<spf>` being read go (a scratch object past MAX_REPEATED). */
  #reason: MutableReason | undefined;
  #dkim: MutableDkim | undefined;
  #spf: MutableSpf | undefined;
  readonly #clean: ValueCleaner;
  readonly #warnings: DiagnosticLog;

  constructor(clean: ValueCleaner, warnings: DiagnosticLog) {
    this.#clean = clean;
    this.#warnings = warnings;
  }

  reset(): void {
    this.sourceIp = this.count = this.disposition = this.dkim = this.spf = undefined;
    this.headerFrom = this.envelopeFrom = this.envelopeTo = undefined;
    this.reasons = [];
    this.authDkim = [];
    this.authSpf = [];
    this.extensions = [];
    this.tooLong = undefined;
    this.#reason = this.#dkim = this.#spf = undefined;
  }

  /** `item` added to `list`, unless the list is full (then a warning, and `item` is kept nowhere). */
  #add<T>(list: T[], item: T, what: string): T {
    if (list.length < MAX_REPEATED) list.push(item);
    else this.#warnings.warn('value-dropped', `A record has more than ${MAX_REPEATED} ${what}; the rest were not kept.`, what);
    return item;
  }

  openReason(): void {
    this.#reason = this.#add(this.reasons, { type: null, comment: null }, 'policy_evaluated/reason');
  }

  setReason(name: string, text: string | undefined): void {
    const reason = this.#reason;
    if (!reason) return;
    if (name === 'type') reason.type = this.#clean.word(text, 'policy_evaluated/reason/type', REASON_TYPES);
    else reason.comment = this.#clean.optional(text, 'policy_evaluated/reason/comment');
  }

  /** An empty `<reason/>` says nothing and is dropped; a comment without a type is `other`. */
  closeReason(): void {
    const reason = this.#reason;
    this.#reason = undefined;
    if (!reason) return;
    if (reason.type === null && reason.comment === null) {
      if (this.reasons[this.reasons.length - 1] === reason) this.reasons.pop();
    } else reason.type ??= 'other';
  }

  openDkim(): void {
    this.#dkim = this.#add(this.authDkim, { domain: '', selector: null, result: 'none', humanResult: null }, 'auth_results/dkim');
  }

  setDkim(name: string, text: string | undefined): void {
    const auth = this.#dkim;
    if (!auth) return;
    const clean = this.#clean;
    if (name === 'domain') auth.domain = clean.domain(text, 'auth_results/dkim/domain') ?? '';
    else if (name === 'selector') auth.selector = clean.optional(text, 'auth_results/dkim/selector');
    else if (name === 'result') auth.result = clean.word(text, 'auth_results/dkim/result', DKIM_RESULTS) ?? 'none';
    else auth.humanResult = clean.optional(text, 'auth_results/dkim/human_result');
  }

  openSpf(): void {
    this.#spf = this.#add(this.authSpf, { domain: '', scope: 'mfrom', result: 'none', humanResult: null }, 'auth_results/spf');
  }

  setSpf(name: string, text: string | undefined): void {
    const auth = this.#spf;
    if (!auth) return;
    const clean = this.#clean;
    if (name === 'domain') auth.domain = clean.domain(text, 'auth_results/spf/domain') ?? '';
    else if (name === 'scope') auth.scope = clean.word(text, 'auth_results/spf/scope', SCOPES) ?? 'mfrom';
    else if (name === 'result') auth.result = clean.word(text, 'auth_results/spf/result', SPF_RESULTS) ?? 'none';
    else auth.humanResult = clean.optional(text, 'auth_results/spf/human_result');
  }

  /** The finished record, or undefined after logging why it was dropped. */
  build(index: number, warnings: DiagnosticLog, recordErrors: DiagnosticLog): AggregateRecord | undefined {
    const clean = this.#clean;
    const where = (): string => `record[${index}]`;
    if (this.tooLong !== undefined) {
      recordErrors.fail('record-value-too-long', `A record's ${this.tooLong} is longer than its limit (docs/formats.md, "Field limits"); the record was dropped.`, where());
      return undefined;
    }
    const ipText = clean.optional(this.sourceIp, 'row/source_ip');
    if (ipText === null) {
      recordErrors.fail('record-missing-field', `A record has no row/source_ip; the record was dropped.`, where());
      return undefined;
    }
    const ip = canonicalizeIp(ipText);
    if (!ip) {
      recordErrors.fail('record-invalid-ip', `${quoteValue(ipText)} in row/source_ip is not an IP address; the record was dropped.`, where());
      return undefined;
    }
    // ipText is a valid IP address here (IP characters only): plain quotes, no escaping, on this per-row path.
    if (!ip.wasCanonical) warnings.warn('ip-not-canonical', `Source IP "${ipText}" was rewritten as "${ip.ip}" (RFC 5952).`, where());
    const countText = clean.optional(this.count, 'row/count');
    if (countText === null) {
      recordErrors.fail('record-missing-field', `A record has no row/count; the record was dropped.`, where());
      return undefined;
    }
    const count = parseDecimalInteger(countText);
    if (count === undefined || count > MAX_COUNT) {
      recordErrors.fail('record-impossible-value', `${quoteValue(countText)} in row/count is not a message count; the record was dropped.`, where());
      return undefined;
    }
    if (count === 0) warnings.warn('zero-count', 'A record has count 0.', where());
    const headerFrom = clean.domain(this.headerFrom, 'identifiers/header_from');
    if (headerFrom === null) warnings.warn('missing-header-from', 'A record has no identifiers/header_from.', where());
    const record: AggregateRecord = {
      sourceIp: ip.ip,
      count,
      disposition: clean.word(this.disposition, 'policy_evaluated/disposition', DISPOSITIONS) as Disposition | null,
      dkim: clean.word(this.dkim, 'policy_evaluated/dkim', EVALUATED) as EvaluatedResult | null,
      spf: clean.word(this.spf, 'policy_evaluated/spf', EVALUATED) as EvaluatedResult | null,
      reasons: this.reasons as PolicyOverrideReason[],
      headerFrom,
      envelopeFrom: clean.domain(this.envelopeFrom, 'identifiers/envelope_from'),
      envelopeTo: clean.domain(this.envelopeTo, 'identifiers/envelope_to'),
      authDkim: this.authDkim,
      authSpf: this.authSpf,
    };
    return this.extensions.length > 0 ? { ...record, extensions: this.extensions } : record;
  }
}
