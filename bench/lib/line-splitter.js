/**
 * Splits a byte stream into lines for the benchmarks' output counters: `push` each chunk, `end`
 * once; `onLine(buffer, start, end)` sees each line without its newline (the last one also
 * when the stream does not end in a newline). Only an unfinished line is ever copied.
 */

const NEWLINE = 0x0a;

/** @param {(buffer: Buffer, start: number, end: number) => void} onLine */
export function createLineSplitter(onLine) {
  /** @type {Buffer | undefined} */
  let carry;
  let bytes = 0;
  return {
    /** Bytes pushed so far. */
    get bytes() {
      return bytes;
    },
    /** @param {Buffer} chunk */
    push(chunk) {
      bytes += chunk.length;
      const buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      let newline;
      while ((newline = buffer.indexOf(NEWLINE, start)) !== -1) {
        onLine(buffer, start, newline);
        start = newline + 1;
      }
      carry = start < buffer.length ? buffer.subarray(start) : undefined;
    },
    end() {
      if (carry) onLine(carry, 0, carry.length);
      carry = undefined;
    },
  };
}
