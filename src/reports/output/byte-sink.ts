/**
 * Text appended as UTF-8 into fixed-size byte chunks. Output lines are encoded as they are made,
 * so they die young instead of piling up on the JavaScript heap, and the chunks can be handed to
 * another thread without copying (their buffers are never shared).
 */
import { Buffer } from 'node:buffer';

const CHUNK_BYTES = 256 * 1024;
const encoder = new TextEncoder();

/** A chunk that owns its memory (never a slice of Node's shared pool), so it can be transferred. */
function newChunk(): Buffer {
  return Buffer.allocUnsafeSlow(CHUNK_BYTES);
}

export class ByteSink {
  #chunks: Uint8Array[] = [];
  #current = newChunk();
  #used = 0;
  #size = 0;

  /** Bytes held. */
  get size(): number {
    return this.#size;
  }

  append(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (text.length * 3 > this.#current.length - this.#used) {
      this.#seal();
      if (text.length * 3 > CHUNK_BYTES) {
        const encoded = encoder.encode(text);
        this.#chunks.push(encoded);
        this.#size += encoded.length;
        return;
      }
    }
    // Buffer#write takes an offset; TextEncoder#encodeInto would need a new view per call.
    const written = this.#current.write(text, this.#used, 'utf8');
    this.#used += written;
    this.#size += written;
  }

  /** Everything held, in order; the sink is empty afterwards. Each chunk owns its buffer. */
  take(): Uint8Array[] {
    this.#seal();
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#size = 0;
    return chunks;
  }

  /** Drop everything held. */
  clear(): void {
    this.#chunks = [];
    this.#used = 0;
    this.#size = 0;
  }

  #seal(): void {
    if (this.#used === 0) return;
    this.#chunks.push(this.#current.subarray(0, this.#used));
    this.#current = newChunk();
    this.#used = 0;
  }
}
