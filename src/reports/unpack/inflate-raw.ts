/**
 * Streams one raw deflate stream (RFC 1951) out of a ByteReader through node:zlib, with
 * back-pressure: output waits for the consumer, so memory stays flat however much the data
 * inflates. Input after the end of the deflate stream is pushed back to the reader, which lets
 * gzip and zip framing (parsed in JavaScript) carry on exactly where the compressed data ends.
 */
import type { Buffer } from 'node:buffer';
import { createInflateRaw } from 'node:zlib';
import type { ByteReader } from './byte-reader.js';

/** Output chunk size: large, so the per-chunk overhead (thread-pool round trip) stays small. */
const OUTPUT_CHUNK_BYTES = 128 * 1024;
/** Output chunks held before the inflater is paused. */
const QUEUED_CHUNKS = 4;

/**
 * Yields the inflated bytes; returns true when the deflate stream ended properly, false when the
 * input ran out first (truncated). Throws node:zlib's error (with a `Z_...` code) on corrupt data.
 */
export async function* inflateRaw(reader: ByteReader): AsyncGenerator<Uint8Array, boolean> {
  const inflater = createInflateRaw({ chunkSize: OUTPUT_CHUNK_BYTES });
  const queue: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  let writing = false;
  let inputDone = false;
  let fed = 0;
  let lastChunk: Uint8Array | undefined;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  inflater.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    if (queue.length >= QUEUED_CHUNKS) inflater.pause();
    signal();
  });
  inflater.on('end', () => {
    ended = true;
    signal();
  });
  inflater.on('error', (caught: Error) => {
    failure = caught;
    signal();
  });
  try {
    for (;;) {
      for (let chunk = queue.shift(); chunk; chunk = queue.shift()) yield chunk;
      if (inflater.isPaused()) inflater.resume();
      if (failure) {
        if (inputDone && isEndOfInputError(failure)) return false;
        throw failure;
      }
      if (ended) break;
      if (!writing && !inputDone) {
        const chunk = await reader.next();
        if (!chunk) {
          inputDone = true;
          inflater.end();
        } else {
          writing = true;
          lastChunk = chunk;
          fed += chunk.length;
          inflater.write(chunk, () => {
            writing = false;
            // node:zlib stops consuming at the end of the deflate stream (zlib.js processCallback).
            if (inflater.bytesWritten < fed) inputDone = true;
            signal();
          });
        }
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    const unconsumed = fed - inflater.bytesWritten;
    if (unconsumed > 0 && lastChunk) reader.unshift(lastChunk.subarray(lastChunk.length - unconsumed));
    return true;
  } finally {
    inflater.destroy();
  }
}

/** zlib's Z_BUF_ERROR on finishing: the deflate stream needed more input than there was. */
function isEndOfInputError(caught: Error): boolean {
  return (caught as { code?: unknown }).code === 'Z_BUF_ERROR';
}

/** True for the errors node:zlib raises on bad compressed data (`Z_DATA_ERROR` and friends). */
export function isZlibError(caught: unknown): caught is Error & { code: string } {
  if (!(caught instanceof Error)) return false;
  const code: unknown = (caught as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('Z_');
}
