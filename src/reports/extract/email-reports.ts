/**
 * Reports inside one e-mail message: a failure report (ARF, or the text-only kind some gateways
 * send), or report files in any part (reporters use application/gzip, application/zip,
 * application/octet-stream, text/xml, application/tlsrpt+gzip, a single-part body, or a forwarded
 * message/rfc822).
 *
 * Which parts are read as reports:
 * - a part that says it is one, by its media type (gzip, zip, XML, JSON, TLS-RPT) or its file
 *   name (`.xml`, `.gz`, `.zip`, `.json`): always, and whatever goes wrong in it is a refusal
 *   (a corrupt gzip attachment is a broken report);
 * - any other part whose content is a report's, told from its first bytes exactly as for a file
 *   (`sniffPayload`): gzip or zip magic, base64 of one, XML (anything starting with `<`, however
 *   long the comment or declaration before the root: the aggregate parser decides), JSON;
 * - except readable text (text/plain, a part without Content-Type, message/delivery-status, ...):
 *   text that starts with `<` or `{` is tried, but it is a person's text unless it parses as a
 *   report, so a failure there is no refusal. It is named in the `no-report-found` refusal when
 *   the message holds no report at all. text/html is never read.
 */
import type { Rejection } from '../../core/diagnostic.js';
import { rejection } from '../../core/diagnostic.js';
import { InputRejectedError } from '../../core/input-rejected.js';
import { isFailureReport, parseFailureReport } from '../failure/parse-failure-report.js';
import { bodyChunks, bodyHead, bodySize } from '../mime/entity-body.js';
import { headerValue } from '../mime/header-fields.js';
import type { MimeEntity } from '../mime/mime-entity.js';
import { parseMime, walkEntities } from '../mime/parse-mime.js';
import type { ContentKind } from '../unpack/sniff.js';
import { SNIFF_BYTES, sniffPayload } from '../unpack/sniff.js';
import { streamChunks } from './byte-stream.js';
import type { PayloadContext } from './payload-context.js';
import type { ReportSink } from './report-sink.js';

/** Kinds of content that hold reports (an e-mail or mbox inside a part is not read). */
const REPORT_KINDS: ReadonlySet<ContentKind> = new Set(['gzip', 'zip', 'xml', 'json', 'base64']);

/** Media types reporters send reports as. */
const REPORT_TYPES: ReadonlySet<string> = new Set([
  'application/gzip',
  'application/x-gzip',
  'application/gzip-compressed',
  'application/x-gzip-compressed',
  'application/zip',
  'application/x-zip',
  'application/x-zip-compressed',
  'application/zip-compressed',
  'application/xml',
  'text/xml',
  'application/json',
  'text/json',
]);

/** A report's file name: `report.xml`, `a!b!1!2.xml.gz`, `report.zip`, `tlsrpt.json.gz`. */
const REPORT_FILENAME = /\.(?:xml|gz|gzip|zip|json)$/i;

/** Readable-text parts whose refusals were not counted (named in `no-report-found`), at most this many. */
const MAX_NOTED = 3;

/** What the parts of one message gave. */
interface Visit {
  /** Report parts read (whether they gave a report or a refusal). */
  found: number;
  /** Readable text that looked like a report but was not one: `part 1 (text/plain): code: message`. */
  readonly notReports: string[];
}

export async function extractFromEmail(bytes: Uint8Array, context: PayloadContext): Promise<void> {
  const parsed = parseMime(bytes, context.limits, context.location);
  if (!parsed.entity) throw new InputRejectedError(parsed.rejection ?? rejection('mime-malformed', 'The e-mail message could not be read.'));
  context.warnings.push(...parsed.warnings);
  const visit: Visit = { found: 0, notReports: [] };
  await extractFromEntity(parsed.entity, context, visit);
  if (visit.found === 0) {
    const types = summariseTypes([...walkEntities(parsed.entity)].map((e) => e.contentType));
    const notes = visit.notReports.length > 0 ? ` Readable text tried as a report and taken as text: ${visit.notReports.join('; ')}` : '';
    throw new InputRejectedError(rejection('no-report-found', `The e-mail holds no DMARC or TLS report (its parts: ${types}).${notes}`));
  }
}

/** Reports found in `message` and everything it encloses; each is sent to the sink. */
async function extractFromEntity(message: MimeEntity, context: PayloadContext, result: Visit): Promise<void> {
  if (isFailureReport(message)) {
    const parsed = parseFailureReport(message);
    if (parsed.report) context.sink.failureReport(parsed.report, context.location, [...context.warnings, ...parsed.warnings]);
    else context.sink.rejected(parsed.rejection ?? rejection('arf-invalid', 'The failure report could not be read.'), context.location);
    result.found++;
    return;
  }
  const visit = async (entity: MimeEntity): Promise<void> => {
    if ((entity.contentType === 'message/rfc822' || entity.contentType === 'message/global') && entity.children[0]) {
      await extractFromEntity(entity.children[0], { ...context, location: `${context.location} > ${partName(entity)}` }, result);
      return;
    }
    if (entity.children.length > 0) {
      for (const child of entity.children) await visit(child);
      return;
    }
    const role = roleOf(entity);
    if (role === 'skip') return;
    const part: PayloadContext = { ...context, location: `${context.location} > ${partName(entity)}`, depth: context.depth + 1, warnings: [...context.warnings] };
    if (role === 'report') {
      result.found++;
      await context.extractNested(streamChunks(bodyChunks(entity)), bodySize(entity), part);
      return;
    }
    // Readable text that starts like XML or JSON: a report only if it parses as one.
    const tentative = new TentativeSink(context.sink);
    await context.extractNested(streamChunks(bodyChunks(entity)), bodySize(entity), { ...part, sink: tentative });
    if (tentative.reports > 0) result.found++;
    const refused = tentative.refusals[0];
    if (refused && tentative.reports === 0 && result.notReports.length < MAX_NOTED) {
      result.notReports.push(`${partName(entity)} (${entity.contentType}): ${refused.code}: ${refused.message}`);
    }
  };
  await visit(message);
}

/**
 * `report`: read as a report, refusals count; `text`: readable text that may be a report
 * (tried, refusals not counted); `skip`: not read.
 */
function roleOf(entity: MimeEntity): 'report' | 'text' | 'skip' {
  if (entity.contentType === 'text/html') return 'skip';
  const declared = REPORT_TYPES.has(entity.contentType) || /^application\/[^/]*\+(?:xml|json|gzip|zip)$/.test(entity.contentType) || REPORT_FILENAME.test(entity.filename ?? '');
  if (declared) return 'report';
  // The body's head and size, not the body: a base64 one is then decoded only as it is streamed (entity-body.ts).
  const size = bodySize(entity);
  if (size === 0) return 'skip';
  // The head is complete exactly when dispatch (extract-reports.ts) would call it so: fewer than SNIFF_BYTES.
  const kind = sniffPayload(bodyHead(entity, SNIFF_BYTES), size < SNIFF_BYTES);
  if (!REPORT_KINDS.has(kind)) return 'skip';
  if (!isReadableText(entity)) return 'report';
  // gzip, zip and base64 of them are never a person's text: a mislabelled attachment.
  return kind === 'xml' || kind === 'json' ? 'text' : 'report';
}

/** Text for a person: text/* (XML and JSON aside), message/delivery-status and the like, or a part without Content-Type (text/plain by RFC 2045 §5.2). */
function isReadableText(entity: MimeEntity): boolean {
  if (headerValue(entity, 'content-type') === undefined) return true;
  return entity.contentType.startsWith('text/') || (entity.contentType.startsWith('message/') && entity.contentType !== 'message/rfc822');
}

/** `multipart/mixed, text/plain ×480`: each media type once, in order, with its count; at most 10 of them. */
function summariseTypes(types: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  const listed = [...counts].slice(0, 10).map(([type, n]) => (n > 1 ? `${type} ×${n}` : type));
  return counts.size > 10 ? `${listed.join(', ')} and ${counts.size - 10} more types` : listed.join(', ');
}

/** The part's file name (at most 200 characters of it) or `part 1.2`. */
function partName(entity: MimeEntity): string {
  const name = entity.filename;
  if (name === undefined) return `part ${entity.path || '1'}`;
  return name.length <= 200 ? name : `${name.slice(0, 200)}…`;
}

/**
 * The sink for readable text tried as a report: reports go through; refusals are kept here, not
 * passed on (the text is a person's, not a broken report). A report that began and was then
 * refused is abandoned as usual, so nothing of it is kept.
 */
class TentativeSink implements ReportSink {
  reports = 0;
  readonly refusals: Rejection[] = [];
  readonly #sink: ReportSink;

  constructor(sink: ReportSink) {
    this.#sink = sink;
  }

  aggregateStart(...args: Parameters<ReportSink['aggregateStart']>): void {
    this.#sink.aggregateStart(...args);
  }

  aggregateRecord(...args: Parameters<ReportSink['aggregateRecord']>): void {
    this.#sink.aggregateRecord(...args);
  }

  aggregateEnd(...args: Parameters<ReportSink['aggregateEnd']>): void {
    this.reports++;
    this.#sink.aggregateEnd(...args);
  }

  aggregateAbandoned(): void {
    this.#sink.aggregateAbandoned();
  }

  failureReport(...args: Parameters<ReportSink['failureReport']>): void {
    this.reports++;
    this.#sink.failureReport(...args);
  }

  tlsReport(...args: Parameters<ReportSink['tlsReport']>): void {
    this.reports++;
    this.#sink.tlsReport(...args);
  }

  rejected(rejection: Rejection): void {
    this.refusals.push(rejection);
  }

  drain(): Promise<void> | void {
    return this.#sink.drain?.();
  }
}
