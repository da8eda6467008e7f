/**
 * Small tools over byte streams (async iterables of Uint8Array): look at the head without
 * consuming it, read a whole stream under a size cap, and re-chunk an in-memory buffer.
 */
import { InputRejectedError } from '../../core/input-rejected.js';
import { rejection } from '../../core/diagnostic.js';
import { formatByteSize } from '../unpack/decompression-budget.js';

export type ByteStream = AsyncIterable<Uint8Array>;

/**
 * The first `size` bytes (or fewer at the end) and a stream that still yields everything.
 * Call `close` when the stream will not be read, so the source releases what it holds.
 */
export async function peekStream(source: ByteStream, size: number): Promise<{ head: Uint8Array; stream: ByteStream; close: () => Promise<void> }> {
  const iterator = source[Symbol.asyncIterator]();
  const taken: Uint8Array[] = [];
  let length = 0;
  let done = false;
  while (length < size) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    if (next.value.length === 0) continue;
    taken.push(next.value);
    length += next.value.length;
  }
  const joined = concatBytes(taken, length);
  const head = joined.subarray(0, Math.min(size, joined.length));
  const stream: ByteStream = {
    async *[Symbol.asyncIterator]() {
      try {
        if (joined.length > 0) yield joined;
        if (done) return;
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
      } finally {
        if (!done) await iterator.return?.();
      }
    },
  };
  const close = async (): Promise<void> => {
    if (!done) await iterator.return?.();
  };
  return { head, stream, close };
}

/** The whole stream in one buffer; refuses (`input-too-large`) past `limit` bytes. */
export async function readAll(source: ByteStream, limit: number, what: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of source) {
    length += chunk.length;
    if (length > limit) {
      throw new InputRejectedError(rejection('input-too-large', `${what} is larger than ${formatByteSize(limit)}, the most read into memory (--max-buffered).`));
    }
    parts.push(chunk);
  }
  return concatBytes(parts, length);
}

/** An in-memory buffer as a stream of chunks of at most `chunkSize` bytes. */
export function streamBytes(bytes: Uint8Array, chunkSize = 1 << 20): ByteStream {
  return {
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < bytes.length; i += chunkSize) yield await Promise.resolve(bytes.subarray(i, i + chunkSize));
    },
  };
}

/** Chunks made one at a time by a synchronous source (a body decoded as it is read) as a stream. */
export function streamChunks(chunks: Iterable<Uint8Array>): ByteStream {
  return {
    async *[Symbol.asyncIterator]() {
      for (const chunk of chunks) yield await Promise.resolve(chunk);
    },
  };
}

/**
 * The parts joined into one buffer: the part itself when there is only one, one view of their
 * memory when they lie one after another in it (the chunks of streamBytes: an e-mail read whole
 * from a file is not copied again), else a copy.
 */
export function concatBytes(parts: readonly Uint8Array[], length?: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const total = length ?? parts.reduce((n, p) => n + p.length, 0);
  const adjacent = adjacentView(parts, total);
  if (adjacent) return adjacent;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The parts as one view, when each starts in the same memory where the one before ends and they add up to `total`. */
function adjacentView(parts: readonly Uint8Array[], total: number): Uint8Array | undefined {
  const first = parts[0];
  if (first === undefined) return undefined;
  let end = first.byteOffset + first.length;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] as Uint8Array;
    if (part.buffer !== first.buffer || part.byteOffset !== end) return undefined;
    end += part.length;
  }
  return end - first.byteOffset === total ? new Uint8Array(first.buffer, first.byteOffset, total) : undefined;
}
