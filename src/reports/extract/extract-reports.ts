/**
 * From any input to reports: sniffs the content (never the name), opens containers (gzip, also
 * gzip in gzip; zip, every member; base64; e-mail, every part and enclosed message; mbox, every
 * message) and hands each payload to the aggregate, failure or TLS-RPT parser. Every refusal is
 * reported to the sink with the path into the input; one bad payload never stops the others.
 * Decompression is bounded: one budget per compressed payload covers everything nested in it.
 */
import type { Diagnostic } from '../../core/diagnostic.js';
import { rejection } from '../../core/diagnostic.js';
import { isInputRejected, InputRejectedError } from '../../core/input-rejected.js';
import type { Limits } from '../../core/limits.js';
import { defaultLimits } from '../../core/limits.js';
import { AggregateParser } from '../aggregate/aggregate-parser.js';
import type { AggregateOutcome } from '../aggregate/aggregate-parser.js';
import { splitMbox } from '../mbox/split-mbox.js';
import { parseTlsReport } from '../tlsrpt/parse-tls-report.js';
import { decodeBase64Text } from '../unpack/base64.js';
import { DecompressionBudget } from '../unpack/decompression-budget.js';
import { gunzipChunks } from '../unpack/gunzip.js';
import { SNIFF_BYTES, sniffPayload } from '../unpack/sniff.js';
import type { ContentKind } from '../unpack/sniff.js';
import { inflateZipMember, listZipMembers } from '../unpack/unzip.js';
import type { ByteStream } from './byte-stream.js';
import { peekStream, readAll, streamBytes } from './byte-stream.js';
import { extractFromEmail } from './email-reports.js';
import type { PayloadContext } from './payload-context.js';
import type { ReportSink } from './report-sink.js';

export interface ExtractInput {
  /** Name for messages: a path, `-` for standard input, or a mailbox message id. */
  readonly name: string;
  readonly chunks: ByteStream;
  /** Size in bytes when known (files): the base of the decompression ratio check. */
  readonly size?: number;
}

export interface ExtractOptions {
  readonly limits?: Limits;
  /** What reading the input's container said of it (an mbox message's warnings), added to its reports'. */
  readonly warnings?: readonly Diagnostic[];
}

export async function extractReports(input: ExtractInput, sink: ReportSink, options: ExtractOptions = {}): Promise<void> {
  const context: PayloadContext = {
    sink,
    limits: options.limits ?? defaultLimits,
    location: input.name,
    depth: 0,
    budget: undefined,
    warnings: [...(options.warnings ?? [])],
    extractNested: extractPayload,
  };
  await extractPayload(input.chunks, input.size, context);
}

/** Extract from one payload, reporting (not throwing) anything that goes wrong inside it. */
export async function extractPayload(chunks: ByteStream, size: number | undefined, context: PayloadContext): Promise<void> {
  try {
    await dispatch(chunks, size, context);
  } catch (caught) {
    const reason = isInputRejected(caught)
      ? caught.rejection
      : rejection('internal-error', `Unexpected failure while reading this input: ${caught instanceof Error ? caught.message : String(caught)}`);
    context.sink.rejected(reason, context.location);
  }
}

async function dispatch(chunks: ByteStream, size: number | undefined, context: PayloadContext): Promise<void> {
  const { limits } = context;
  if (context.depth > limits.maxNestingDepth) {
    throw new InputRejectedError(rejection('nesting-too-deep', `Containers are nested more than ${limits.maxNestingDepth} levels deep.`));
  }
  const { head, stream, close } = await peekStream(chunks, SNIFF_BYTES);
  // Only white space in the first bytes: empty only if that is all there is; else XML with padding.
  const kind: ContentKind = sniffPayload(head, head.length < SNIFF_BYTES);
  const inner = (location: string, budget: DecompressionBudget | undefined): PayloadContext => ({
    ...context,
    location,
    depth: context.depth + 1,
    budget,
    warnings: [...context.warnings],
  });
  switch (kind) {
    case 'empty':
      await close();
      throw new InputRejectedError(rejection('empty-input', 'The input is empty.'));
    case 'xml':
      return extractAggregate(stream, context);
    case 'gzip': {
      let compressed = stream;
      let compressedSize = size;
      if (compressedSize === undefined && !context.budget) {
        const bytes = await readAll(stream, limits.maxBufferedBytes, 'The gzip input');
        compressed = streamBytes(bytes);
        compressedSize = bytes.length;
      }
      const budget = context.budget ?? new DecompressionBudget(compressedSize ?? 0, limits);
      const child = inner(context.location, budget);
      const onWarning = (warning: Diagnostic): void => void child.warnings.push(warning);
      return dispatch(gunzipChunks(compressed, budget, context.location, onWarning), undefined, child);
    }
    case 'zip': {
      const zip = await readAll(stream, limits.maxBufferedBytes, 'The zip archive');
      const listed = listZipMembers(zip, limits, context.location);
      if (listed.rejection) throw new InputRejectedError(listed.rejection);
      const budget = context.budget ?? new DecompressionBudget(zip.length, limits);
      if (listed.members.length === 0) throw new InputRejectedError(rejection('no-report-found', 'The zip archive has no files in it.'));
      for (const member of listed.members) {
        const child = inner(`${context.location} > ${member.name || `member ${member.index + 1}`}`, budget);
        child.warnings.push(...listed.warnings);
        await extractPayload(inflateZipMember(zip, member, budget), undefined, child);
      }
      return;
    }
    case 'base64': {
      const text = await readAll(stream, limits.maxBufferedBytes, 'The base64 input');
      const decoded = decodeBase64Text(text);
      if (!decoded) throw new InputRejectedError(rejection('unrecognised-content', 'The input looked like base64 but does not decode.'));
      return dispatch(streamBytes(decoded), decoded.length, inner(context.location, context.budget));
    }
    case 'json': {
      const bytes = await readAll(stream, limits.maxBufferedBytes, 'The JSON input');
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new InputRejectedError(rejection('invalid-utf8', 'The JSON report is not valid UTF-8.'));
      }
      if (!mayBeTlsReport(text)) {
        throw new InputRejectedError(rejection('unrecognised-content', 'JSON, but not an SMTP TLS report (RFC 8460): it has neither "organization-name" nor "policies".'));
      }
      const parsed = parseTlsReport(text);
      if (!parsed.report) throw new InputRejectedError(parsed.rejection ?? rejection('tlsrpt-invalid', 'Not a TLS report.'));
      context.sink.tlsReport(parsed.report, context.location, [...context.warnings, ...parsed.warnings]);
      return;
    }
    case 'email': {
      const bytes = await readAll(stream, limits.maxBufferedBytes, 'The e-mail message');
      return extractFromEmail(bytes, inner(context.location, context.budget));
    }
    case 'mbox': {
      for await (const message of splitMbox(stream, limits)) {
        const child = inner(`${context.location} > message ${message.index + 1}`, undefined);
        if (message.tooLarge) {
          context.sink.rejected(message.tooLarge.rejection, child.location);
          continue;
        }
        child.warnings.push(...message.warnings);
        try {
          await extractFromEmail(message.bytes, child);
        } catch (caught) {
          if (!isInputRejected(caught)) throw caught;
          context.sink.rejected(caught.rejection, child.location);
        }
      }
      return;
    }
    default:
      await close();
      throw new InputRejectedError(
        rejection('unrecognised-content', 'The content is not XML, JSON, gzip, zip, base64, an e-mail or an mbox file (looked at the first bytes, not the name).'),
      );
  }
}

async function extractAggregate(stream: ByteStream, context: PayloadContext): Promise<void> {
  const { sink } = context;
  let started = false;
  // A document with several <feedback> elements: each is a report of its own, named by its place.
  let report = 1;
  const location = (): string => (report === 1 ? context.location : `${context.location} > feedback ${report}`);
  const settle = (outcome: AggregateOutcome): void => {
    if (outcome.ok) {
      const warnings = context.warnings.length > 0 ? [...context.warnings, ...outcome.trailer.warnings] : outcome.trailer.warnings;
      sink.aggregateEnd({ ...outcome.trailer, warnings });
    } else {
      if (started) sink.aggregateAbandoned();
      sink.rejected(outcome.rejection, location());
    }
    started = false;
  };
  const parser = new AggregateParser(
    {
      header: (header) => {
        started = true;
        sink.aggregateStart(header, location());
      },
      record: (record) => sink.aggregateRecord(record),
      reportEnd: (outcome) => {
        settle(outcome);
        report++;
      },
    },
    context.limits,
  );
  try {
    for await (const chunk of stream) {
      parser.write(chunk);
      if (parser.rejected) break;
      const pending = sink.drain?.();
      if (pending) await pending;
    }
  } catch (caught) {
    if (started) sink.aggregateAbandoned();
    throw caught;
  }
  settle(parser.end());
}

/** False for valid JSON that has none of a TLS report's top-level members (so it is some other document). */
function mayBeTlsReport(text: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return true; // let the TLS parser say where the JSON is broken
  }
  return typeof value === 'object' && value !== null && ('organization-name' in value || 'policies' in value);
}
