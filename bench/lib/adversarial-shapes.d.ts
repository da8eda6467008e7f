/** Types of adversarial-shapes.js, for the tests that import it. */
export interface AdversarialShape {
  readonly name: string;
  readonly what: string;
  make(size: number): string;
}
export const SHAPES: readonly AdversarialShape[];
export function chunked(bytes: Uint8Array, chunkSize: number, write: (chunk: Uint8Array) => void): void;
