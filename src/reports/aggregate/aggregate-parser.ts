/**
 * Streaming parser for DMARC aggregate reports (RFC 7489 App. C, pre-1.0 drafts, RFC 9990).
 * Feed bytes with `write`, finish with `end`. The header (metadata and published policy) goes
 * to the sink before the first record, then every record as it closes, so memory stays flat
 * whatever the report size. Elements are matched on local names, so any namespace prefix works.
 *
 * Leniency: unknown elements are skipped (warning), values are trimmed and lower-cased where
 * the schema has fixed words, one bad record is dropped without losing the others. Refused:
 * DTDs, malformed XML, a root other than <feedback>, and reports without report_id, policy
 * domain or date range, or with impossible dates.
 */
import { DiagnosticLog, rejection } from '../../core/diagnostic.js';
import type { Rejection } from '../../core/diagnostic.js';
import type { Limits } from '../../core/limits.js';
import { defaultLimits } from '../../core/limits.js';
import { XmlDecoder } from '../xml/xml-decoder.js';
import type { XmlHandler } from '../xml/xml-scanner.js';
import { XmlScanner, parseAttributes } from '../xml/xml-scanner.js';
import type { AggregateHeader, AggregateRecord, AggregateReport, AggregateTrailer } from './aggregate-report.js';
import { finishHeader } from './header-builder.js';
import type { RawHeader } from './header-builder.js';
import { RecordBuilder } from './record-builder.js';
import { ValueCleaner } from './aggregate-values.js';

export interface AggregateSink {
  header(header: AggregateHeader): void;
  record(record: AggregateRecord): void;
}

export type AggregateOutcome =
  | { readonly ok: true; readonly header: AggregateHeader; readonly trailer: AggregateTrailer }
  | { readonly ok: false; readonly rejection: Rejection; readonly header?: AggregateHeader };

// Parser states: where in the document the current element is.
const DOCUMENT = 0;
const FEEDBACK = 1;
const METADATA = 2;
const DATE_RANGE = 3;
const POLICY = 4;
const RECORD = 5;
const ROW = 6;
const EVALUATED = 7;
const REASON = 8;
const IDENTIFIERS = 9;
const AUTH_RESULTS = 10;
const AUTH_DKIM = 11;
const AUTH_SPF = 12;
const SKIP = 13;
const LEAF = 14;
const CAPTURE = 15;

/** Marks a child element that holds text, in CHILDREN. */
const IS_LEAF = 100;

/** Per state: the child elements it knows, mapped to the state they open, or IS_LEAF. */
const CHILDREN: ReadonlyArray<ReadonlyMap<string, number> | undefined> = (() => {
  const table: Record<number, Record<string, number>> = {
    [FEEDBACK]: { report_metadata: METADATA, policy_published: POLICY, record: RECORD, version: IS_LEAF },
    [METADATA]: { date_range: DATE_RANGE, org_name: IS_LEAF, email: IS_LEAF, extra_contact_info: IS_LEAF, report_id: IS_LEAF, error: IS_LEAF, generator: IS_LEAF },
    [DATE_RANGE]: { begin: IS_LEAF, end: IS_LEAF },
    [POLICY]: Object.fromEntries(['domain', 'adkim', 'aspf', 'p', 'sp', 'np', 'pct', 'fo', 'testing', 'discovery_method'].map((n) => [n, IS_LEAF])),
    [RECORD]: { row: ROW, identifiers: IDENTIFIERS, identities: IDENTIFIERS, auth_results: AUTH_RESULTS },
    [ROW]: { policy_evaluated: EVALUATED, source_ip: IS_LEAF, count: IS_LEAF },
    [EVALUATED]: { reason: REASON, disposition: IS_LEAF, dkim: IS_LEAF, spf: IS_LEAF },
    [REASON]: { type: IS_LEAF, comment: IS_LEAF },
    [IDENTIFIERS]: { header_from: IS_LEAF, envelope_from: IS_LEAF, envelope_to: IS_LEAF },
    [AUTH_RESULTS]: { dkim: AUTH_DKIM, spf: AUTH_SPF },
    [AUTH_DKIM]: { domain: IS_LEAF, selector: IS_LEAF, result: IS_LEAF, human_result: IS_LEAF },
    [AUTH_SPF]: { domain: IS_LEAF, scope: IS_LEAF, result: IS_LEAF, human_result: IS_LEAF },
  };
  const out: (Map<string, number> | undefined)[] = [];
  for (const [state, children] of Object.entries(table)) out[Number(state)] = new Map(Object.entries(children));
  return out;
})();

const STATE_PATHS: Record<number, string> = {
  [FEEDBACK]: 'feedback', [METADATA]: 'report_metadata', [DATE_RANGE]: 'report_metadata/date_range',
  [POLICY]: 'policy_published', [RECORD]: 'record', [ROW]: 'record/row', [EVALUATED]: 'record/row/policy_evaluated',
  [REASON]: 'policy_evaluated/reason', [IDENTIFIERS]: 'record/identifiers', [AUTH_RESULTS]: 'record/auth_results',
  [AUTH_DKIM]: 'auth_results/dkim', [AUTH_SPF]: 'auth_results/spf',
};

/** Records kept while the header is incomplete (elements out of order), before refusing. */
const MAX_EARLY_RECORDS = 100_000;
/** Extension elements kept per report, before the rest are dropped. */
const MAX_CAPTURED_ELEMENTS = 2_000;

interface MutableElement {
  name: string;
  namespace?: string;
  text?: string;
  children?: MutableElement[];
}

export class AggregateParser implements XmlHandler {
  readonly #sink: AggregateSink;
  readonly #warnings = new DiagnosticLog();
  readonly #recordErrors = new DiagnosticLog();
  readonly #clean = new ValueCleaner(this.#warnings);
  readonly #decoder: XmlDecoder;
  readonly #scanner: XmlScanner;
  #rejection: Rejection | undefined;

  #state = DOCUMENT;
  readonly #states: number[] = [];
  #leafName = '';
  #leafParent = DOCUMENT;
  #text = '';
  #skipDepth = 0;
  #documentDepth = 0;
  #feedbackClosed = false;

  readonly #raw: RawHeader = { errors: [], metadataSeen: false, policySeen: false };
  #header: AggregateHeader | undefined;
  readonly #early: AggregateRecord[] = [];
  readonly #record = new RecordBuilder(this.#clean);
  #recordIndex = 0;
  #recordCount = 0;
  #messageCount = 0;

  readonly #captured: MutableElement[] = [];
  readonly #captureStack: MutableElement[] = [];
  #captureForRecord = false;
  #capturedCount = 0;

  constructor(sink: AggregateSink, limits: Limits = defaultLimits) {
    this.#sink = sink;
    this.#decoder = new XmlDecoder(this.#warnings);
    this.#scanner = new XmlScanner(this, limits, this.#warnings);
  }

  /** True once the input has been refused; further writes are ignored. */
  get rejected(): boolean {
    return this.#rejection !== undefined || this.#decoder.rejection !== undefined || this.#scanner.rejection !== undefined;
  }

  write(bytes: Uint8Array): void {
    if (this.rejected) return;
    const text = this.#decoder.decode(bytes);
    if (text) this.#scanner.write(text);
  }

  end(): AggregateOutcome {
    if (!this.rejected) {
      const text = this.#decoder.end();
      if (text) this.#scanner.write(text);
      if (!this.rejected) this.#scanner.end();
    }
    if (!this.rejected) this.#finishDocument();
    const refused = this.#rejection ?? this.#decoder.rejection ?? this.#scanner.rejection;
    if (refused) return this.#header ? { ok: false, rejection: refused, header: this.#header } : { ok: false, rejection: refused };
    const header = this.#header as AggregateHeader;
    return {
      ok: true,
      header,
      trailer: {
        recordCount: this.#recordCount,
        messageCount: this.#messageCount,
        extensions: this.#captured,
        warnings: this.#warnings.list(),
        recordErrors: this.#recordErrors.list(),
      },
    };
  }

  // XmlHandler ---------------------------------------------------------------

  get collecting(): boolean {
    return this.#state === LEAF || this.#state === CAPTURE;
  }

  open(name: string, attributes: string): void {
    const state = this.#state;
    if (state === SKIP) {
      this.#skipDepth++;
      return;
    }
    if (state === CAPTURE) return this.#captureOpen(name, attributes);
    const colon = name.indexOf(':');
    const local = colon === -1 ? name : name.slice(colon + 1);
    if (state === DOCUMENT) return this.#openInDocument(name, local, attributes);
    if (state === LEAF) {
      this.#warnings.warn('unknown-element', `Element <${local}> inside the value of <${this.#leafName}> was ignored.`, this.#leafName);
      return this.#enter(SKIP);
    }
    const child = CHILDREN[state]?.get(local);
    if (child === IS_LEAF) {
      this.#leafName = local;
      this.#leafParent = state;
      this.#text = '';
      return this.#enter(LEAF);
    }
    if (child !== undefined) {
      if (child === RECORD) {
        this.#record.reset();
        this.#recordIndex++;
      } else if (child === REASON) this.#record.openReason();
      else if (child === AUTH_DKIM) this.#record.openDkim();
      else if (child === AUTH_SPF) this.#record.openSpf();
      return this.#enter(child);
    }
    if ((state === FEEDBACK && local === 'extension') || (state === RECORD && isNamespaced(name, attributes))) {
      this.#captureForRecord = state === RECORD;
      this.#enter(CAPTURE);
      return this.#captureOpen(name, attributes);
    }
    this.#warnings.warn('unknown-element', `Unknown element <${local}> in ${STATE_PATHS[state] ?? 'the report'} was ignored.`, `${STATE_PATHS[state] ?? ''}/${local}`);
    this.#enter(SKIP);
  }

  text(value: string): void {
    if (this.#state === LEAF) this.#text = this.#text.length === 0 ? value : this.#text + value;
    else if (this.#state === CAPTURE) {
      const node = this.#captureStack[this.#captureStack.length - 1];
      if (node && value.trim() !== '') node.text = (node.text ?? '') + value;
    }
  }

  close(_name: string): void {
    const state = this.#state;
    if (state === SKIP && this.#skipDepth > 0) {
      this.#skipDepth--;
      return;
    }
    if (state === DOCUMENT) {
      this.#documentDepth--;
      return;
    }
    if (state === LEAF) this.#assignLeaf(this.#leafParent, this.#leafName, this.#text);
    else if (state === CAPTURE) {
      this.#captureStack.pop();
      if (this.#captureStack.length > 0) return;
    } else if (state === RECORD) this.#closeRecord();
    else if (state === REASON) this.#record.closeReason();
    else if (state === METADATA) this.#raw.metadataSeen = true;
    else if (state === POLICY) this.#raw.policySeen = true;
    else if (state === FEEDBACK) {
      this.#feedbackClosed = true;
    }
    this.#state = this.#states.pop() ?? DOCUMENT;
  }

  // --------------------------------------------------------------------------

  #enter(state: number): void {
    this.#states.push(this.#state);
    this.#state = state;
  }

  #openInDocument(name: string, local: string, attributes: string): void {
    if (local === 'feedback' && !this.#feedbackClosed) {
      this.#raw.namespace = namespaceOf(name, attributes);
      this.#enter(FEEDBACK);
      return;
    }
    // Not <feedback>: look one level inside a wrapper (seen: an unclosed <xs:schema> before <feedback>).
    if (this.#documentDepth === 0) {
      this.#raw.rootName = local;
      this.#documentDepth++;
      return;
    }
    this.#enter(SKIP);
  }

  #assignLeaf(parent: number, name: string, text: string): void {
    const raw = this.#raw;
    const record = this.#record;
    switch (parent) {
      case FEEDBACK:
        raw.version ??= text;
        return;
      case METADATA:
        if (name === 'error') raw.errors.push(text);
        else setOnce(raw, name === 'org_name' ? 'orgName' : name === 'extra_contact_info' ? 'extraContactInfo' : name === 'report_id' ? 'reportId' : (name as 'email' | 'generator'), text, this.#warnings, name);
        return;
      case DATE_RANGE:
        setOnce(raw, name as 'begin' | 'end', text, this.#warnings, `date_range/${name}`);
        return;
      case POLICY:
        setOnce(raw, name === 'discovery_method' ? 'discoveryMethod' : name === 'domain' ? 'domain' : (name as 'p'), text, this.#warnings, `policy_published/${name}`);
        return;
      case ROW:
        if (name === 'source_ip') record.sourceIp ??= text;
        else record.count ??= text;
        return;
      case EVALUATED:
        if (name === 'disposition') record.disposition ??= text;
        else if (name === 'dkim') record.dkim ??= text;
        else record.spf ??= text;
        return;
      case REASON:
        record.setReason(name, text);
        return;
      case IDENTIFIERS:
        if (name === 'header_from') record.headerFrom ??= text;
        else if (name === 'envelope_from') record.envelopeFrom ??= text;
        else record.envelopeTo ??= text;
        return;
      case AUTH_DKIM:
        record.setDkim(name, text);
        return;
      case AUTH_SPF:
        record.setSpf(name, text);
        return;
    }
  }

  #closeRecord(): void {
    const record = this.#record.build(this.#recordIndex, this.#warnings, this.#recordErrors);
    if (!record) return;
    if (!this.#header && this.#raw.metadataSeen && this.#raw.policySeen) this.#emitHeader();
    if (this.rejected) return;
    this.#recordCount++;
    this.#messageCount += record.count;
    if (this.#header) {
      this.#sink.record(record);
      return;
    }
    if (this.#early.length >= MAX_EARLY_RECORDS) {
      return this.#refuse(rejection('xml-limit-exceeded', `More than ${MAX_EARLY_RECORDS} records came before report_metadata and policy_published.`));
    }
    this.#early.push(record);
  }

  #emitHeader(): void {
    const result = finishHeader(this.#raw, this.#clean, this.#warnings);
    if ('rejection' in result) return this.#refuse(result.rejection);
    this.#header = result.header;
    this.#sink.header(result.header);
    for (const record of this.#early) this.#sink.record(record);
    this.#early.length = 0;
  }

  #finishDocument(): void {
    if (!this.#feedbackClosed) {
      if (this.#state === DOCUMENT && this.#raw.rootName !== undefined) {
        return this.#refuse(rejection('xml-wrong-root', `The root element is <${this.#raw.rootName}>, not <feedback>: this is not a DMARC aggregate report.`));
      }
      return this.#refuse(rejection('xml-malformed', 'The document ends before </feedback> (truncated?).'));
    }
    if (this.#raw.rootName !== undefined) {
      const unclosed = this.#scanner.openElements.length > 0;
      this.#warnings.warn(
        unclosed ? 'xml-unclosed-wrapper' : 'xml-wrapped-root',
        `<feedback> was found inside <${this.#raw.rootName}>${unclosed ? ', which is never closed' : ''}; the wrapper was ignored.`,
      );
    }
    if (!this.#header) this.#emitHeader();
    if (this.rejected) return;
    if (this.#recordCount === 0 && this.#recordErrors.size === 0) this.#warnings.warn('no-records', 'The report has no <record>.');
  }

  #refuse(reason: Rejection): void {
    this.#rejection ??= reason;
    this.#scanner.stop();
  }

  #captureOpen(name: string, attributes: string): void {
    const node: MutableElement = { name: localName(name) };
    const namespace = namespaceOf(name, attributes);
    if (namespace) node.namespace = namespace;
    const parent = this.#captureStack[this.#captureStack.length - 1];
    this.#captureStack.push(node);
    if (this.#capturedCount++ >= MAX_CAPTURED_ELEMENTS) {
      if (this.#capturedCount === MAX_CAPTURED_ELEMENTS + 1) this.#warnings.warn('extension-truncated', `More than ${MAX_CAPTURED_ELEMENTS} extension elements; the rest were not kept.`);
      return;
    }
    if (parent) (parent.children ??= []).push(node);
    else if (this.#captureForRecord) this.#record.extensions.push(node);
    else this.#captured.push(node);
  }
}

function setOnce<K extends keyof RawHeader>(raw: RawHeader, key: K, value: RawHeader[K], warnings: DiagnosticLog, where: string): void {
  if (raw[key] === undefined) raw[key] = value;
  else warnings.warn('duplicate-element', `<${where}> appears more than once; the first value was kept.`, where);
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/** The namespace bound to the prefix of `name` by its own attributes (`xmlns` or `xmlns:prefix`). */
function namespaceOf(name: string, attributes: string): string | undefined {
  if (!attributes.includes('xmlns')) return undefined;
  const colon = name.indexOf(':');
  return parseAttributes(attributes).get(colon === -1 ? 'xmlns' : `xmlns:${name.slice(0, colon)}`);
}

function isNamespaced(name: string, attributes: string): boolean {
  return name.includes(':') || attributes.includes('xmlns');
}

/** Parse a whole report held in memory (tests, small inputs). Large inputs should stream through AggregateParser. */
export function parseAggregateReport(input: Uint8Array | string, limits: Limits = defaultLimits): { report?: AggregateReport; rejection?: Rejection } {
  let header: AggregateHeader | undefined;
  const records: AggregateRecord[] = [];
  const parser = new AggregateParser({ header: (h) => (header = h), record: (r) => records.push(r) }, limits);
  parser.write(typeof input === 'string' ? new TextEncoder().encode(input) : input);
  const outcome = parser.end();
  if (!outcome.ok) return { rejection: outcome.rejection };
  return { report: { ...(header ?? outcome.header), ...outcome.trailer, records } };
}
