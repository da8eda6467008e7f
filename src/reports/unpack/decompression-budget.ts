/**
 * One decompression budget per compressed input, shared by every nesting level inside it (gzip in
 * zip, gzip in gzip, ...), so a bomb split across layers or members is caught as a whole.
 * Unpackers call `consume` as output is produced, before handing it on, so a bomb is stopped
 * after at most one output chunk past the limit.
 */
import { rejection } from '../../core/diagnostic.js';
import { InputRejectedError } from '../../core/input-rejected.js';
import type { Limits } from '../../core/limits.js';

export class DecompressionBudget {
  readonly #inputBytes: number;
  readonly #limits: Limits;
  #producedBytes = 0;

  /** `inputBytes`: the compressed size of the outermost input, the base of the ratio check. */
  constructor(inputBytes: number, limits: Limits) {
    this.#inputBytes = inputBytes;
    this.#limits = limits;
  }

  /** Bytes produced so far across all levels. */
  get producedBytes(): number {
    return this.#producedBytes;
  }

  /**
   * Counts `n` more decompressed bytes. Throws InputRejectedError `decompressed-size-exceeded`
   * past `limits.maxDecompressedBytes`, and `decompression-ratio-exceeded` once the output is past
   * `limits.ratioGraceBytes` and more than `limits.maxRatio` times the input.
   */
  consume(n: number, location: string): void {
    this.#producedBytes += n;
    const produced = this.#producedBytes;
    const { maxDecompressedBytes, maxRatio, ratioGraceBytes } = this.#limits;
    if (produced > maxDecompressedBytes) {
      throw new InputRejectedError(
        rejection(
          'decompressed-size-exceeded',
          `The input decompresses to more than ${formatByteSize(maxDecompressedBytes)}, the most allowed (maxDecompressedBytes): ${formatByteSize(this.#inputBytes)} became over ${formatByteSize(produced)}.`,
          location,
        ),
      );
    }
    if (produced > ratioGraceBytes && produced > maxRatio * Math.max(this.#inputBytes, 1)) {
      throw new InputRejectedError(
        rejection(
          'decompression-ratio-exceeded',
          `The input inflates more than ${maxRatio} times: ${formatByteSize(this.#inputBytes)} became ${formatByteSize(produced)} (maxRatio; a decompression bomb?).`,
          location,
        ),
      );
    }
  }
}

/** `512 bytes`, `1.5 KiB`, `48 KiB`, `10 MiB`: binary units, one decimal below 10. */
export function formatByteSize(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} bytes`;
  let value = bytes;
  let unit = 'bytes';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  const shown = value < 10 ? String(Math.floor(value * 10) / 10) : String(Math.floor(value));
  return `${shown} ${unit}`;
}
