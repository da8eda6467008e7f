/** Types of adversarial-mime.js, for the TypeScript test that shares its shapes. */
export declare const REPORT_XML: string;
export interface AdversarialShape {
  readonly what: string;
  /** The input is an mbox file, not one message. */
  readonly mbox?: true;
  /** About `size` bytes of the shape. */
  make(size: number): Uint8Array;
}
export declare const SHAPES: Readonly<Record<string, AdversarialShape>>;
