/**
 * Streaming parser for DMARC aggregate reports (RFC 7489 App. C, pre-1.0 drafts, RFC 9990).
 * Feed bytes with `write`, finish with `end`. The header (metadata and published policy) goes
 * to the sink before the first record, then every record as it closes, so memory stays flat
 * whatever the report size.
 *
 * Namespaces: elements are DMARC fields only in no namespace, the dmarc.org schema's
 * (`http://dmarc.org/dmarc-xml/0.1`) or RFC 9990's (`urn:ietf:params:xml:ns:dmarc-2.0`), with
 * any prefix (the scanner resolves prefixes through the declarations in scope). An element in
 * any other namespace is an extension, never a field: kept as an extension where RFC 9990
 * puts them (in `<feedback>` and in `<record>`), skipped with a warning anywhere else.
 *
 * Several `<feedback>` elements in one wrapper are several reports: each one's header, records
 * and end reach the sink in turn (`reportEnd` for all but the last, whose outcome `end` returns).
 *
 * Leniency: unknown elements are skipped (warning), values are trimmed and lower-cased where
 * the schema has fixed words, one bad record is dropped without losing the others, and values
 * past their field's limit are cut, dropped or refused as docs/formats.md ("Field limits") says.
 * Refused: DTDs, malformed XML, a root other than <feedback>, and reports without report_id,
 * policy domain or date range, or with impossible dates.
 */
import { DiagnosticLog, rejection } from '../../core/diagnostic.js';
import type { Rejection } from '../../core/diagnostic.js';
import type { Limits } from '../../core/limits.js';
import { defaultLimits } from '../../core/limits.js';
import { XmlDecoder } from '../xml/xml-decoder.js';
import type { WarningLog, XmlAttribute, XmlHandler } from '../xml/xml-scanner.js';
import { XmlScanner } from '../xml/xml-scanner.js';
import type { AggregateHeader, AggregateRecord, AggregateReport, AggregateTrailer } from './aggregate-report.js';
import { finishHeader, isDmarcNamespace } from './header-builder.js';
import type { RawHeader } from './header-builder.js';
import { RecordBuilder } from './record-builder.js';
import type { FieldLimit } from './aggregate-values.js';
import {
  FIELD_LIMITS,
  MAX_EXTENSION_NAME,
  MAX_EXTENSION_NAMESPACE,
  MAX_EXTENSION_TEXT,
  MAX_RAW_VALUE_CHARS,
  MAX_REPEATED,
  ValueCleaner,
  cutTo,
} from './aggregate-values.js';

export interface AggregateSink {
  header(header: AggregateHeader): void;
  record(record: AggregateRecord): void;
  /**
   * A report ended and another `<feedback>` follows in the same document: its outcome (as `end`
   * returns it for the last one). A refused report here does not stop the ones after it.
   */
  reportEnd(outcome: AggregateOutcome): void;
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

/** Field paths of the leaves in each state (as FIELD_LIMITS names them). */
const LEAF_PATHS: Record<number, string> = {
  [FEEDBACK]: '', [METADATA]: 'report_metadata/', [DATE_RANGE]: 'report_metadata/date_range/', [POLICY]: 'policy_published/',
  [ROW]: 'row/', [EVALUATED]: 'policy_evaluated/', [REASON]: 'policy_evaluated/reason/', [IDENTIFIERS]: 'identifiers/',
  [AUTH_DKIM]: 'auth_results/dkim/', [AUTH_SPF]: 'auth_results/spf/',
};

/** Per state: the child elements it knows, mapped to the state they open, or to the limit of the value they hold. */
const CHILDREN: ReadonlyArray<ReadonlyMap<string, number | FieldLimit> | undefined> = (() => {
  const leaf = true;
  const table: Record<number, Record<string, number | true>> = {
    [FEEDBACK]: { report_metadata: METADATA, policy_published: POLICY, record: RECORD, version: leaf },
    [METADATA]: { date_range: DATE_RANGE, org_name: leaf, email: leaf, extra_contact_info: leaf, report_id: leaf, error: leaf, generator: leaf },
    [DATE_RANGE]: { begin: leaf, end: leaf },
    [POLICY]: Object.fromEntries(['domain', 'adkim', 'aspf', 'p', 'sp', 'np', 'pct', 'fo', 'testing', 'discovery_method'].map((n) => [n, leaf])),
    [RECORD]: { row: ROW, identifiers: IDENTIFIERS, identities: IDENTIFIERS, auth_results: AUTH_RESULTS },
    [ROW]: { policy_evaluated: EVALUATED, source_ip: leaf, count: leaf },
    [EVALUATED]: { reason: REASON, disposition: leaf, dkim: leaf, spf: leaf },
    [REASON]: { type: leaf, comment: leaf },
    [IDENTIFIERS]: { header_from: leaf, envelope_from: leaf, envelope_to: leaf },
    [AUTH_RESULTS]: { dkim: AUTH_DKIM, spf: AUTH_SPF },
    [AUTH_DKIM]: { domain: leaf, selector: leaf, result: leaf, human_result: leaf },
    [AUTH_SPF]: { domain: leaf, scope: leaf, result: leaf, human_result: leaf },
  };
  const out: (Map<string, number | FieldLimit> | undefined)[] = [];
  for (const [key, children] of Object.entries(table)) {
    const state = Number(key);
    out[state] = new Map<string, number | FieldLimit>(
      Object.entries(children).map(([name, child]): [string, number | FieldLimit] => {
        if (child !== true) return [name, child];
        const path = `${LEAF_PATHS[state] ?? ''}${name}`;
        const limit = FIELD_LIMITS.get(path);
        if (!limit) throw new Error(`no limit for ${path}`);
        return [name, limit];
      }),
    );
  }
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
/** Warnings about the document as a whole: given to every report in it. */
const DOCUMENT_WARNINGS = new Set(['crlf-line-endings']);

interface MutableElement {
  name: string;
  namespace?: string;
  text?: string;
  children?: MutableElement[];
}

/** Everything that belongs to one `<feedback>`: made anew for each report of the document. */
class ReportState {
  readonly warnings = new DiagnosticLog();
  readonly recordErrors = new DiagnosticLog();
  readonly clean = new ValueCleaner(this.warnings);
  readonly record = new RecordBuilder(this.clean, this.warnings);
  readonly raw: RawHeader = { errors: [], metadataSeen: false, policySeen: false };
  header: AggregateHeader | undefined;
  /** Why this report is refused; the rest of its `<feedback>` is still read (so the next one can be). */
  rejection: Rejection | undefined;
  readonly early: AggregateRecord[] = [];
  recordIndex = 0;
  recordCount = 0;
  messageCount = 0;
  readonly captured: MutableElement[] = [];
  capturedCount = 0;
}

export class AggregateParser implements XmlHandler {
  readonly #sink: AggregateSink;
  /** Warnings about the whole document (decoding, line ends): part of every report's trailer. */
  readonly #documentWarnings = new DiagnosticLog();
  readonly #decoder: XmlDecoder;
  readonly #scanner: XmlScanner;
  /** Why the whole document is refused (not one report of it). */
  #rejection: Rejection | undefined;
  #report = new ReportState();
  #feedbackCount = 0;

  #state = DOCUMENT;
  readonly #states: number[] = [];
  #leaf: FieldLimit | undefined;
  #leafName = '';
  #leafParent = DOCUMENT;
  #text = '';
  /** The value being read is longer than MAX_RAW_VALUE_CHARS as sent. */
  #textOverflow = false;
  #skipDepth = 0;
  #documentDepth = 0;
  #wrapperName: string | undefined;
  #feedbackOpen = false;

  readonly #captureStack: MutableElement[] = [];
  #captureForRecord = false;

  constructor(sink: AggregateSink, limits: Limits = defaultLimits) {
    this.#sink = sink;
    this.#decoder = new XmlDecoder(this.#documentWarnings);
    const scannerLog: WarningLog = {
      warn: (code, message, location) => (DOCUMENT_WARNINGS.has(code) ? this.#documentWarnings : this.#report.warnings).warn(code, message, location),
    };
    this.#scanner = new XmlScanner(this, limits, scannerLog);
  }

  /** True once the whole input has been refused (malformed, not a report ...); further writes are ignored. */
  get rejected(): boolean {
    return this.#rejection !== undefined || this.#decoder.rejection !== undefined || this.#scanner.rejection !== undefined;
  }

  write(bytes: Uint8Array): void {
    if (this.rejected) return;
    const text = this.#decoder.decode(bytes);
    if (text) this.#scanner.write(text);
  }

  /** The outcome of the last (usually the only) report of the document, or why the document was refused. */
  end(): AggregateOutcome {
    if (!this.rejected) {
      const text = this.#decoder.end();
      if (text) this.#scanner.write(text);
      if (!this.rejected) this.#scanner.end();
    }
    if (!this.rejected) this.#finishDocument();
    const refused = this.#rejection ?? this.#decoder.rejection ?? this.#scanner.rejection;
    if (refused) {
      const header = this.#report.header;
      return header ? { ok: false, rejection: refused, header } : { ok: false, rejection: refused };
    }
    return this.#finishReport(true);
  }

  // XmlHandler ---------------------------------------------------------------

  get collecting(): boolean {
    return this.#state === LEAF || this.#state === CAPTURE;
  }

  open(local: string, namespace: string, name: string, _attributes: readonly XmlAttribute[]): void {
    const state = this.#state;
    if (state === SKIP) {
      this.#skipDepth++;
      return;
    }
    if (state === CAPTURE) return this.#captureOpen(local, namespace);
    if (state === DOCUMENT) return this.#openInDocument(local, namespace, name);
    if (state === LEAF) {
      this.#report.warnings.warn('unknown-element', `Element <${shorten(name)}> inside the value of <${this.#leafName}> was ignored.`, this.#leafName);
      return this.#enter(SKIP);
    }
    if (namespace !== '' && !isDmarcNamespace(namespace)) {
      // An extension (RFC 9990, "Extensible Reporting"), never a field, whatever its local name.
      if (state === FEEDBACK || state === RECORD) return this.#startCapture(state, local, namespace);
      this.#report.warnings.warn(
        'unknown-element',
        `Element <${shorten(name)}> of namespace ${JSON.stringify(shorten(namespace))} in ${STATE_PATHS[state] ?? 'the report'} was ignored: elements outside the DMARC namespaces are extensions, never report fields.`,
        `${STATE_PATHS[state] ?? ''}/${shorten(name)}`,
      );
      return this.#enter(SKIP);
    }
    const child = CHILDREN[state]?.get(local);
    if (typeof child === 'object') {
      this.#leaf = child;
      this.#leafName = local;
      this.#leafParent = state;
      this.#text = '';
      this.#textOverflow = false;
      return this.#enter(LEAF);
    }
    if (child !== undefined) {
      const record = this.#report.record;
      if (child === RECORD) {
        record.reset();
        this.#report.recordIndex++;
      } else if (child === REASON) record.openReason();
      else if (child === AUTH_DKIM) record.openDkim();
      else if (child === AUTH_SPF) record.openSpf();
      return this.#enter(child);
    }
    if (state === FEEDBACK && local === 'extension') return this.#startCapture(state, local, namespace);
    this.#report.warnings.warn('unknown-element', `Unknown element <${shorten(local)}> in ${STATE_PATHS[state] ?? 'the report'} was ignored.`, `${STATE_PATHS[state] ?? ''}/${shorten(local)}`);
    this.#enter(SKIP);
  }

  text(value: string): void {
    if (this.#state === LEAF) {
      const current = this.#text;
      if (current.length === 0 && value.length <= MAX_RAW_VALUE_CHARS) this.#text = value;
      else this.#appendText(current, value);
    } else if (this.#state === CAPTURE) {
      const node = this.#captureStack[this.#captureStack.length - 1];
      if (!node || value.trim() === '') return;
      const text = (node.text ?? '') + value;
      if (text.length <= MAX_EXTENSION_TEXT) node.text = text;
      else if ((node.text ?? '').length < MAX_EXTENSION_TEXT) {
        node.text = cutTo(text, MAX_EXTENSION_TEXT);
        this.#report.warnings.warn('value-truncated', `The text of extension element <${shorten(node.name)}> was cut to ${MAX_EXTENSION_TEXT} characters.`, node.name);
      }
    }
  }

  /** More text for the value being read, kept up to MAX_RAW_VALUE_CHARS. */
  #appendText(current: string, value: string): void {
    const room = MAX_RAW_VALUE_CHARS - current.length;
    if (value.length <= room) this.#text = current + value;
    else {
      if (room > 0) this.#text = current + value.slice(0, room);
      this.#textOverflow = true;
    }
  }

  close(): void {
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
    else if (state === REASON) this.#report.record.closeReason();
    else if (state === METADATA) this.#report.raw.metadataSeen = true;
    else if (state === POLICY) this.#report.raw.policySeen = true;
    else if (state === FEEDBACK) this.#feedbackOpen = false;
    this.#state = this.#states.pop() ?? DOCUMENT;
  }

  // --------------------------------------------------------------------------

  #enter(state: number): void {
    this.#states.push(this.#state);
    this.#state = state;
  }

  #openInDocument(local: string, namespace: string, name: string): void {
    if (local === 'feedback' && isDmarcNamespace(namespace)) {
      if (this.#feedbackCount > 0) {
        // Another report in the same wrapper: the one before it is complete.
        this.#sink.reportEnd(this.#finishReport(false));
        this.#report = new ReportState();
      }
      this.#feedbackCount++;
      this.#feedbackOpen = true;
      if (namespace !== '') this.#report.raw.namespace = namespace;
      this.#enter(FEEDBACK);
      return;
    }
    // Not <feedback>: look one level inside a wrapper (seen: an unclosed <xs:schema> before <feedback>).
    if (this.#documentDepth === 0) {
      this.#wrapperName = shorten(name);
      this.#documentDepth++;
      return;
    }
    this.#enter(SKIP);
  }

  /**
   * The value of a leaf, checked against its field's limit first: cut (free text), dropped
   * (optional words), refusing the report (its identity) or dropping the record (a row's identity).
   */
  #limited(text: string): string | undefined {
    const limit = this.#leaf as FieldLimit;
    if (!this.#textOverflow && text.length <= limit.max) return text;
    const trimmed = this.#textOverflow ? text : text.trim();
    if (!this.#textOverflow && trimmed.length <= limit.max) return text;
    const report = this.#report;
    const sent = this.#textOverflow ? `more than ${MAX_RAW_VALUE_CHARS}` : String(trimmed.length);
    switch (limit.over) {
      case 'truncate':
        report.warnings.warn('value-truncated', `${limit.path} has ${sent} characters; it was cut to ${limit.max}.`, limit.path);
        return cutTo(trimmed.trimStart(), limit.max);
      case 'absent':
        report.warnings.warn('value-dropped', `${limit.path} has ${sent} characters, more than the ${limit.max} it can have; treated as absent.`, limit.path);
        return undefined;
      case 'refuse':
        this.#refuseReport(rejection('value-too-long', `${limit.path} has ${sent} characters, more than the ${limit.max} it can have; the report is refused.`, limit.path));
        return undefined;
      case 'drop-record':
        report.record.tooLong ??= limit.path;
        return undefined;
    }
  }

  #assignLeaf(parent: number, name: string, sent: string): void {
    const text = !this.#textOverflow && sent.length <= (this.#leaf as FieldLimit).max ? sent : this.#limited(sent);
    const report = this.#report;
    const raw = report.raw;
    const record = report.record;
    const warnings = report.warnings;
    switch (parent) {
      case FEEDBACK:
        raw.version ??= text;
        return;
      case METADATA:
        if (name === 'error') {
          if (text === undefined) return;
          if (raw.errors.length < MAX_REPEATED) raw.errors.push(text);
          else warnings.warn('value-dropped', `The report has more than ${MAX_REPEATED} <error> elements; the rest were not kept.`, 'report_metadata/error');
        } else setOnce(raw, name === 'org_name' ? 'orgName' : name === 'extra_contact_info' ? 'extraContactInfo' : name === 'report_id' ? 'reportId' : (name as 'email' | 'generator'), text, warnings, name);
        return;
      case DATE_RANGE:
        setOnce(raw, name as 'begin' | 'end', text, warnings, `date_range/${name}`);
        return;
      case POLICY:
        setOnce(raw, name === 'discovery_method' ? 'discoveryMethod' : name === 'domain' ? 'domain' : (name as 'p'), text, warnings, `policy_published/${name}`);
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
    const report = this.#report;
    const record = report.record.build(report.recordIndex, report.warnings, report.recordErrors);
    if (!record || report.rejection) return;
    if (!report.header && report.raw.metadataSeen && report.raw.policySeen) this.#emitHeader();
    if (report.rejection) return;
    report.recordCount++;
    report.messageCount += record.count;
    if (report.header) {
      this.#sink.record(record);
      return;
    }
    if (report.early.length >= MAX_EARLY_RECORDS) {
      return this.#refuseReport(rejection('xml-limit-exceeded', `More than ${MAX_EARLY_RECORDS} records came before report_metadata and policy_published.`));
    }
    report.early.push(record);
  }

  #emitHeader(): void {
    const report = this.#report;
    const result = finishHeader(report.raw, report.clean, report.warnings);
    if ('rejection' in result) return this.#refuseReport(result.rejection);
    report.header = result.header;
    this.#sink.header(result.header);
    for (const record of report.early) this.#sink.record(record);
    report.early.length = 0;
  }

  #finishDocument(): void {
    if (this.#feedbackCount === 0 || this.#feedbackOpen) {
      if (this.#feedbackCount === 0 && this.#state === DOCUMENT && this.#wrapperName !== undefined) {
        return this.#refuse(rejection('xml-wrong-root', `The root element is <${this.#wrapperName}>, not <feedback>: this is not a DMARC aggregate report.`));
      }
      return this.#refuse(rejection('xml-malformed', 'The document ends before </feedback> (truncated?).'));
    }
  }

  /** The outcome of the current report, which has been read to its end (`last`: and so has the document). */
  #finishReport(last: boolean): AggregateOutcome {
    const report = this.#report;
    if (this.#wrapperName !== undefined) {
      const unclosed = last && this.#scanner.depth > 0;
      report.warnings.warn(
        unclosed ? 'xml-unclosed-wrapper' : 'xml-wrapped-root',
        `<feedback> was found inside <${this.#wrapperName}>${unclosed ? ', which is never closed' : ''}; the wrapper was ignored.`,
      );
    }
    if (!report.header && !report.rejection) this.#emitHeader();
    if (report.rejection) return report.header ? { ok: false, rejection: report.rejection, header: report.header } : { ok: false, rejection: report.rejection };
    if (report.recordCount === 0 && report.recordErrors.size === 0) report.warnings.warn('no-records', 'The report has no <record>.');
    return {
      ok: true,
      header: report.header as AggregateHeader,
      trailer: {
        recordCount: report.recordCount,
        messageCount: report.messageCount,
        extensions: report.captured,
        warnings: [...this.#documentWarnings.list(), ...report.warnings.list()],
        recordErrors: report.recordErrors.list(),
      },
    };
  }

  /** Refuse the whole document. */
  #refuse(reason: Rejection): void {
    this.#rejection ??= reason;
    this.#scanner.stop();
  }

  /** Refuse the current report: nothing more of it reaches the sink; the document is read on. */
  #refuseReport(reason: Rejection): void {
    this.#report.rejection ??= reason;
    this.#report.early.length = 0;
  }

  #startCapture(state: number, local: string, namespace: string): void {
    this.#captureForRecord = state === RECORD;
    this.#enter(CAPTURE);
    this.#captureOpen(local, namespace);
  }

  #captureOpen(local: string, namespace: string): void {
    const report = this.#report;
    const node: MutableElement = { name: local };
    if (namespace !== '') node.namespace = namespace;
    const parent = this.#captureStack[this.#captureStack.length - 1];
    this.#captureStack.push(node);
    if (local.length > MAX_EXTENSION_NAME || namespace.length > MAX_EXTENSION_NAMESPACE) {
      // Kept nowhere: its children follow it into the scratch node.
      report.warnings.warn('value-dropped', `An extension element's name or namespace is longer than ${MAX_EXTENSION_NAME} / ${MAX_EXTENSION_NAMESPACE} characters; it was not kept.`);
      node.name = '';
      return;
    }
    if (parent && parent.name === '') return;
    if (report.capturedCount++ >= MAX_CAPTURED_ELEMENTS) {
      if (report.capturedCount === MAX_CAPTURED_ELEMENTS + 1) report.warnings.warn('extension-truncated', `More than ${MAX_CAPTURED_ELEMENTS} extension elements; the rest were not kept.`);
      return;
    }
    if (parent) (parent.children ??= []).push(node);
    else if (this.#captureForRecord) report.record.extensions.push(node);
    else report.captured.push(node);
  }
}

function setOnce<K extends keyof RawHeader>(raw: RawHeader, key: K, value: RawHeader[K], warnings: DiagnosticLog, where: string): void {
  if (raw[key] === undefined) raw[key] = value;
  else warnings.warn('duplicate-element', `<${where}> appears more than once; the first value was kept.`, where);
}

/** A name or namespace as a message shows it: at most 60 characters. */
function shorten(text: string): string {
  return text.length > 60 ? `${cutTo(text, 57)}...` : text;
}

/** One entry per `<feedback>` of a document, in order: the report, or why it was refused. */
export type ParsedAggregate = { readonly report: AggregateReport; readonly rejection?: undefined } | { readonly report?: undefined; readonly rejection: Rejection };

/**
 * Parse every report of a document held in memory (tests, small inputs): one entry per
 * `<feedback>` read, and a last entry with the refusal when the document itself is refused.
 * Large inputs should stream through AggregateParser.
 */
export function parseAggregateReports(input: Uint8Array | string, limits: Limits = defaultLimits): ParsedAggregate[] {
  const out: ParsedAggregate[] = [];
  let header: AggregateHeader | undefined;
  let records: AggregateRecord[] = [];
  const settle = (outcome: AggregateOutcome): void => {
    out.push(outcome.ok ? { report: { ...(header ?? outcome.header), ...outcome.trailer, records } } : { rejection: outcome.rejection });
    header = undefined;
    records = [];
  };
  const parser = new AggregateParser({ header: (h) => (header = h), record: (r) => records.push(r), reportEnd: settle }, limits);
  parser.write(typeof input === 'string' ? new TextEncoder().encode(input) : input);
  settle(parser.end());
  return out;
}

/**
 * Parse a document that holds one report (tests, small inputs): its first report, or why it was
 * refused. A document with several `<feedback>` needs parseAggregateReports, which returns them all.
 */
export function parseAggregateReport(input: Uint8Array | string, limits: Limits = defaultLimits): { report?: AggregateReport; rejection?: Rejection } {
  const [first] = parseAggregateReports(input, limits);
  return first?.report ? { report: first.report } : { rejection: first?.rejection ?? rejection('internal-error', 'No outcome.') };
}
