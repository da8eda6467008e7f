/**
 * Collects the values of one `<record>` as the scanner meets them, then checks and freezes
 * them into an AggregateRecord. A record without a usable source IP or count is dropped with
 * a record error; the rest of the report is unaffected.
 */
import type { DiagnosticLog } from '../../core/diagnostic.js';
import { canonicalizeIp } from '../../core/ip.js';
import type {
  AggregateRecord,
  DkimAuthResult,
  Disposition,
  EvaluatedResult,
  PolicyOverrideReason,
  SpfAuthResult,
  XmlElement,
} from './aggregate-report.js';
import { DISPOSITIONS, DKIM_RESULTS, EVALUATED, MAX_COUNT, REASON_TYPES, SPF_RESULTS, parseDecimalInteger } from './aggregate-values.js';
import type { ValueCleaner } from './aggregate-values.js';

interface RawAuth {
  domain?: string;
  selector?: string;
  scope?: string;
  result?: string;
  humanResult?: string;
}

interface RawReason {
  type?: string;
  comment?: string;
}

export class RecordBuilder {
  sourceIp: string | undefined;
  count: string | undefined;
  disposition: string | undefined;
  dkim: string | undefined;
  spf: string | undefined;
  headerFrom: string | undefined;
  envelopeFrom: string | undefined;
  envelopeTo: string | undefined;
  reasons: RawReason[] = [];
  authDkim: RawAuth[] = [];
  authSpf: RawAuth[] = [];
  extensions: XmlElement[] = [];

  reset(): void {
    this.sourceIp = this.count = this.disposition = this.dkim = this.spf = undefined;
    this.headerFrom = this.envelopeFrom = this.envelopeTo = undefined;
    this.reasons = [];
    this.authDkim = [];
    this.authSpf = [];
    this.extensions = [];
  }

  get currentReason(): RawReason {
    return this.reasons[this.reasons.length - 1] ?? this.#push(this.reasons);
  }

  get currentDkim(): RawAuth {
    return this.authDkim[this.authDkim.length - 1] ?? this.#push(this.authDkim);
  }

  get currentSpf(): RawAuth {
    return this.authSpf[this.authSpf.length - 1] ?? this.#push(this.authSpf);
  }

  #push<T extends object>(list: T[]): T {
    const item = {} as T;
    list.push(item);
    return item;
  }

  /** The finished record, or undefined after logging why it was dropped. */
  build(index: number, clean: ValueCleaner, warnings: DiagnosticLog, recordErrors: DiagnosticLog): AggregateRecord | undefined {
    const where = `record[${index}]`;
    const ipText = clean.optional(this.sourceIp, 'row/source_ip');
    if (ipText === null) {
      recordErrors.fail('record-missing-field', `A record has no row/source_ip; the record was dropped.`, where);
      return undefined;
    }
    const ip = canonicalizeIp(ipText);
    if (!ip) {
      recordErrors.fail('record-invalid-ip', `"${ipText}" in row/source_ip is not an IP address; the record was dropped.`, where);
      return undefined;
    }
    if (!ip.wasCanonical) warnings.warn('ip-not-canonical', `Source IP "${ipText}" was rewritten as "${ip.ip}" (RFC 5952).`, where);
    const countText = clean.optional(this.count, 'row/count');
    if (countText === null) {
      recordErrors.fail('record-missing-field', `A record has no row/count; the record was dropped.`, where);
      return undefined;
    }
    const count = parseDecimalInteger(countText);
    if (count === undefined || count > MAX_COUNT) {
      recordErrors.fail('record-impossible-value', `"${countText}" in row/count is not a message count; the record was dropped.`, where);
      return undefined;
    }
    if (count === 0) warnings.warn('zero-count', 'A record has count 0.', where);
    const headerFrom = clean.domain(this.headerFrom, 'identifiers/header_from');
    if (headerFrom === null) warnings.warn('missing-header-from', 'A record has no identifiers/header_from.', where);
    const record: AggregateRecord = {
      sourceIp: ip.ip,
      count,
      disposition: clean.word(this.disposition, 'policy_evaluated/disposition', DISPOSITIONS) as Disposition | null,
      dkim: clean.word(this.dkim, 'policy_evaluated/dkim', EVALUATED) as EvaluatedResult | null,
      spf: clean.word(this.spf, 'policy_evaluated/spf', EVALUATED) as EvaluatedResult | null,
      reasons: this.reasons.flatMap((reason): PolicyOverrideReason[] => {
        const type = clean.word(reason.type, 'policy_evaluated/reason/type', REASON_TYPES);
        const comment = clean.optional(reason.comment, 'policy_evaluated/reason/comment');
        if (type === null && comment === null) return [];
        return [{ type: type ?? 'other', comment }];
      }),
      headerFrom,
      envelopeFrom: clean.domain(this.envelopeFrom, 'identifiers/envelope_from'),
      envelopeTo: clean.domain(this.envelopeTo, 'identifiers/envelope_to'),
      authDkim: this.authDkim.map(
        (auth): DkimAuthResult => ({
          domain: clean.domain(auth.domain, 'auth_results/dkim/domain') ?? '',
          selector: clean.optional(auth.selector, 'auth_results/dkim/selector'),
          result: clean.word(auth.result, 'auth_results/dkim/result', DKIM_RESULTS) ?? 'none',
          humanResult: clean.optional(auth.humanResult, 'auth_results/dkim/human_result'),
        }),
      ),
      authSpf: this.authSpf.map(
        (auth): SpfAuthResult => ({
          domain: clean.domain(auth.domain, 'auth_results/spf/domain') ?? '',
          scope: clean.word(auth.scope, 'auth_results/spf/scope', SCOPES) ?? 'mfrom',
          result: clean.word(auth.result, 'auth_results/spf/result', SPF_RESULTS) ?? 'none',
          humanResult: clean.optional(auth.humanResult, 'auth_results/spf/human_result'),
        }),
      ),
    };
    return this.extensions.length > 0 ? { ...record, extensions: this.extensions } : record;
  }
}

const SCOPES = new Set(['mfrom', 'helo']);
