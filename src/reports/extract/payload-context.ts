/**
 * Where a payload sits inside an input and what applies to it, handed down as extraction opens
 * containers (extract-reports.ts) and e-mails (email-reports.ts). The e-mail reader extracts the
 * payloads it finds through `extractNested`, so the two modules do not import each other.
 */
import type { Diagnostic } from '../../core/diagnostic.js';
import type { Limits } from '../../core/limits.js';
import type { DecompressionBudget } from '../unpack/decompression-budget.js';
import type { ByteStream } from './byte-stream.js';
import type { ReportSink } from './report-sink.js';

export interface PayloadContext {
  readonly sink: ReportSink;
  readonly limits: Limits;
  readonly location: string;
  readonly depth: number;
  readonly budget: DecompressionBudget | undefined;
  /** Warnings from the containers around this payload, added to the report's own. */
  readonly warnings: Diagnostic[];
  /** Extracts one payload found inside this one (reporting, not throwing, what goes wrong in it). */
  readonly extractNested: (chunks: ByteStream, size: number | undefined, context: PayloadContext) => Promise<void>;
}
