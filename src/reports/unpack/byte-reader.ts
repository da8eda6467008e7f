/**
 * Pull-style reading over a byte stream (async iterable of chunks), for container formats whose
 * framing is parsed in JavaScript around native decompression: read exact byte counts, skip,
 * and push back bytes a decompressor did not consume.
 */

export class ByteReader {
  readonly #iterator: AsyncIterator<Uint8Array>;
  /** Bytes pushed back, read before the iterator; last in, first out. */
  readonly #pushedBack: Uint8Array[] = [];
  #finished = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#iterator = source[Symbol.asyncIterator]();
  }

  /** The next non-empty chunk, or undefined at the end of the stream. */
  async next(): Promise<Uint8Array | undefined> {
    const back = this.#pushedBack.pop();
    if (back) return back;
    while (!this.#finished) {
      const step = await this.#iterator.next();
      if (step.done) {
        this.#finished = true;
        break;
      }
      if (step.value.length > 0) return step.value;
    }
    return undefined;
  }

  /** Makes `bytes` the next thing read. */
  unshift(bytes: Uint8Array): void {
    if (bytes.length > 0) this.#pushedBack.push(bytes);
  }

  /** Exactly `n` bytes, or fewer when the stream ends first. */
  async readExact(n: number): Promise<Uint8Array> {
    const first = await this.next();
    if (!first) return new Uint8Array(0);
    if (first.length >= n) {
      this.unshift(first.subarray(n));
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    out.set(first);
    let filled = first.length;
    while (filled < n) {
      const chunk = await this.next();
      if (!chunk) return out.subarray(0, filled);
      const take = Math.min(n - filled, chunk.length);
      out.set(chunk.subarray(0, take), filled);
      filled += take;
      this.unshift(chunk.subarray(take));
    }
    return out;
  }

  /** Skips `n` bytes; returns how many were skipped (fewer at the end of the stream). */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n) {
      const chunk = await this.next();
      if (!chunk) break;
      const take = Math.min(n - skipped, chunk.length);
      skipped += take;
      this.unshift(chunk.subarray(take));
    }
    return skipped;
  }

  /** Skips through the next zero byte, looking at no more than `max` bytes. */
  async skipThroughZero(max: number): Promise<'found' | 'end-of-stream' | 'too-long'> {
    let looked = 0;
    while (looked < max) {
      const chunk = await this.next();
      if (!chunk) return 'end-of-stream';
      const zero = chunk.indexOf(0);
      if (zero !== -1 && looked + zero < max) {
        this.unshift(chunk.subarray(zero + 1));
        return 'found';
      }
      looked += chunk.length;
    }
    return 'too-long';
  }

  /** Reads everything that is left, counting it. */
  async drain(): Promise<number> {
    let count = 0;
    for (let chunk = await this.next(); chunk; chunk = await this.next()) count += chunk.length;
    return count;
  }

  /** Tells the source that no more will be read. */
  async close(): Promise<void> {
    this.#pushedBack.length = 0;
    if (this.#finished) return;
    this.#finished = true;
    await this.#iterator.return?.();
  }
}

/** An in-memory buffer as a stream of views of at most `chunkSize` bytes (no copying). */
export function sliceChunks(bytes: Uint8Array, chunkSize: number): AsyncIterableIterator<Uint8Array> {
  let offset = 0;
  const iterator: AsyncIterableIterator<Uint8Array> = {
    next: () => {
      if (offset >= bytes.length) return Promise.resolve({ done: true, value: undefined });
      const chunk = bytes.subarray(offset, offset + chunkSize);
      offset += chunk.length;
      return Promise.resolve({ done: false, value: chunk });
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
