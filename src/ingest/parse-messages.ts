/** Messages between the parse pool (main thread) and its workers. */
import type { PrintCounts } from '../reports/output/report-printer.js';

export type ToWorker =
  | { readonly type: 'file'; readonly id: number; readonly path: string; readonly size: number }
  /** The last output chunk was taken; the worker may go on. */
  | { readonly type: 'ack' };

export type FromWorker =
  /** UTF-8 output; the chunks' buffers are transferred, not copied. */
  | { readonly type: 'output'; readonly id: number; readonly chunks: Uint8Array[] }
  | { readonly type: 'error'; readonly id: number; readonly line: string }
  | { readonly type: 'done'; readonly id: number; readonly counts: PrintCounts | undefined };
