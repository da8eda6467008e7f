/**
 * Aggregate records as they travel from an ingest worker to the main thread. Cloning a million
 * record objects (postMessage's structured clone) costs the main thread several microseconds a
 * record, a large share of what storing one costs; here each batch is a table of its distinct
 * strings and a Float64Array of numbers (string indexes, counts, list lengths) whose buffer is
 * transferred, and the main thread rebuilds the objects from them in a fraction of that time.
 *
 * Only the shape the aggregate parser builds is encoded (every key in the parser's order, so the
 * rebuilt objects serialise to the same JSON); a record of any other shape (e.g. with extension
 * elements) is refused by `add` and travels as it is.
 */
import type { AggregateRecord, DkimAuthResult, PolicyOverrideReason, SpfAuthResult } from '../reports/aggregate/aggregate-report.js';

/** A batch of encoded records: `strings` is cloned, `layout`'s buffer is transferred. */
export interface EncodedRecords {
  readonly strings: string[];
  readonly layout: Float64Array;
}

const RECORD_KEYS = ['sourceIp', 'count', 'disposition', 'dkim', 'spf', 'reasons', 'headerFrom', 'envelopeFrom', 'envelopeTo', 'authDkim', 'authSpf'];
const REASON_KEYS = ['type', 'comment'];
const DKIM_KEYS = ['domain', 'selector', 'result', 'humanResult'];
const SPF_KEYS = ['domain', 'scope', 'result', 'humanResult'];
/** The index standing for null. */
const NULL = -1;

/** Collects records into one batch (worker side). */
export class RecordEncoder {
  #strings: string[] = [];
  #index = new Map<string, number>();
  #layout: number[] = [];
  #count = 0;

  /** Records added since the last `take`. */
  get count(): number {
    return this.#count;
  }

  /** Adds the record, or returns false (adding nothing) when its shape is not the one encoded here. */
  add(record: AggregateRecord): boolean {
    if (!hasParserShape(record)) return false;
    const out = this.#layout;
    const s = (value: string | null): number => (value === null ? NULL : this.#intern(value));
    out.push(s(record.sourceIp), record.count, s(record.disposition), s(record.dkim), s(record.spf));
    out.push(s(record.headerFrom), s(record.envelopeFrom), s(record.envelopeTo));
    out.push(record.reasons.length);
    for (const reason of record.reasons) out.push(s(reason.type), s(reason.comment));
    out.push(record.authDkim.length);
    for (const auth of record.authDkim) out.push(s(auth.domain), s(auth.selector), s(auth.result), s(auth.humanResult));
    out.push(record.authSpf.length);
    for (const auth of record.authSpf) out.push(s(auth.domain), s(auth.scope), s(auth.result), s(auth.humanResult));
    this.#count++;
    return true;
  }

  /** The batch so far; the encoder starts a new one. */
  take(): EncodedRecords {
    const batch = { strings: this.#strings, layout: Float64Array.from(this.#layout) };
    this.#strings = [];
    this.#index = new Map();
    this.#layout = [];
    this.#count = 0;
    return batch;
  }

  #intern(value: string): number {
    let index = this.#index.get(value);
    if (index === undefined) {
      index = this.#strings.length;
      this.#strings.push(value);
      this.#index.set(value, index);
    }
    return index;
  }
}

/** Reads records back from one batch, in the order they were added (main-thread side). */
export class RecordDecoder {
  readonly #strings: readonly string[];
  readonly #layout: Float64Array;
  #at = 0;

  constructor(batch: EncodedRecords) {
    this.#strings = batch.strings;
    this.#layout = batch.layout;
  }

  /** The next record; the caller knows how many there are. */
  next(): AggregateRecord {
    const sourceIp = this.#string() as string;
    const count = this.#number();
    const disposition = this.#string() as AggregateRecord['disposition'];
    const dkim = this.#string() as AggregateRecord['dkim'];
    const spf = this.#string() as AggregateRecord['spf'];
    const headerFrom = this.#string();
    const envelopeFrom = this.#string();
    const envelopeTo = this.#string();
    const reasons: PolicyOverrideReason[] = [];
    for (let n = this.#number(); n > 0; n--) reasons.push({ type: this.#string() as string, comment: this.#string() });
    const authDkim: DkimAuthResult[] = [];
    for (let n = this.#number(); n > 0; n--) {
      authDkim.push({ domain: this.#string() as string, selector: this.#string(), result: this.#string() as string, humanResult: this.#string() });
    }
    const authSpf: SpfAuthResult[] = [];
    for (let n = this.#number(); n > 0; n--) {
      authSpf.push({ domain: this.#string() as string, scope: this.#string() as string, result: this.#string() as string, humanResult: this.#string() });
    }
    return { sourceIp, count, disposition, dkim, spf, reasons, headerFrom, envelopeFrom, envelopeTo, authDkim, authSpf };
  }

  #number(): number {
    return this.#layout[this.#at++] as number;
  }

  #string(): string | null {
    const index = this.#layout[this.#at++] as number;
    return index === NULL ? null : (this.#strings[index] as string);
  }
}

/** Exactly the keys, in the parser's order, with string-or-null values where strings go. */
function hasParserShape(record: AggregateRecord): boolean {
  if (!hasKeys(record, RECORD_KEYS) || typeof record.count !== 'number') return false;
  const { sourceIp, disposition, dkim, spf, headerFrom, envelopeFrom, envelopeTo } = record;
  if (!allText([sourceIp, disposition, dkim, spf, headerFrom, envelopeFrom, envelopeTo])) return false;
  if (!isList(record.reasons) || !isList(record.authDkim) || !isList(record.authSpf)) return false;
  for (const reason of record.reasons) if (!hasKeys(reason, REASON_KEYS) || !allText([reason.type, reason.comment])) return false;
  for (const a of record.authDkim) if (!hasKeys(a, DKIM_KEYS) || !allText([a.domain, a.selector, a.result, a.humanResult])) return false;
  for (const a of record.authSpf) if (!hasKeys(a, SPF_KEYS) || !allText([a.domain, a.scope, a.result, a.humanResult])) return false;
  return true;
}

/** Array.isArray without narrowing the lists' element types to `any`. */
function isList(value: unknown): boolean {
  return Array.isArray(value);
}

function hasKeys(value: object, keys: readonly string[]): boolean {
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  let i = 0;
  for (const key in value) if (key !== keys[i++]) return false;
  return i === keys.length;
}

function allText(values: readonly unknown[]): boolean {
  for (const value of values) if (value !== null && typeof value !== 'string') return false;
  return true;
}
