/**
 * Raw inputs are kept gzipped (both stores, the `compressed` column). The compression runs off
 * the event loop, on libuv's thread pool, so `serve` keeps answering while a large message is
 * compressed (gzipSync held it 1–2.5 s for a 25 MB message). The output goes into one buffer
 * with room for all of it (deflate's worst case is the input and a little more), never gathered
 * in pieces and joined at the end as zlib's convenience functions do: a 250 MB input's
 * compressed bytes are then held once, not twice.
 */
import { Buffer } from 'node:buffer';
import { createGzip } from 'node:zlib';

/** Output bytes zlib hands over at a time. */
const OUTPUT_CHUNK_BYTES = 1 << 20;

/**
 * `bytes` gzipped (zlib's defaults, as gunzip reads them back). `capacity`: the room made for the
 * output at first (for tests; it grows when too small).
 */
export function gzipRawInput(bytes: Uint8Array, capacity = gzipBound(bytes.length)): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let out = new Uint8Array(Math.max(1, capacity));
    let length = 0;
    const gzip = createGzip({ chunkSize: OUTPUT_CHUNK_BYTES });
    gzip.on('data', (chunk: Buffer) => {
      if (length + chunk.length > out.length) {
        const larger = new Uint8Array(Math.max(out.length * 2, length + chunk.length));
        larger.set(out.subarray(0, length));
        out = larger;
      }
      out.set(chunk, length);
      length += chunk.length;
    });
    gzip.on('end', () => resolve(Buffer.from(out.buffer, 0, length)));
    gzip.on('error', reject);
    gzip.end(bytes);
  });
}

/** More than deflate's worst case for `size` bytes (zlib's deflateBound: the input, about 0.03 % more, and the gzip wrapper). */
function gzipBound(size: number): number {
  return size + Math.ceil(size / 1024) + 1024;
}
