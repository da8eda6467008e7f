/**
 * Resource limits applied to every input. Hostile input (decompression bombs, huge MIME trees,
 * zip files with millions of members) is refused with a stable code instead of exhausting memory.
 * Every limit can be changed from the CLI; docs/formats.md lists the defaults.
 */
export interface Limits {
  /** Absolute cap on the bytes produced by decompressing one input, across all nesting levels. */
  readonly maxDecompressedBytes: number;
  /** Refuse an input whose output exceeds `maxRatio` times its compressed size ... */
  readonly maxRatio: number;
  /** ... once the output is past this many bytes (small inputs legitimately compress well). */
  readonly ratioGraceBytes: number;
  /** Largest input read whole into memory (zip archives, e-mails, JSON reports). */
  readonly maxBufferedBytes: number;
  /** Most members read from one zip archive. */
  readonly maxZipMembers: number;
  /** Deepest nesting of containers (gzip in zip in e-mail in mbox ...). */
  readonly maxNestingDepth: number;
  /** Most MIME parts in one message, counting nested messages. */
  readonly maxMimeParts: number;
  /** Largest single XML token (tag, text node, comment) the scanner buffers. */
  readonly maxXmlTokenBytes: number;
  /** Deepest XML element nesting. */
  readonly maxXmlDepth: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const defaultLimits: Limits = {
  maxDecompressedBytes: 4 * GiB,
  maxRatio: 200,
  ratioGraceBytes: 4 * MiB,
  maxBufferedBytes: 256 * MiB,
  maxZipMembers: 64,
  maxNestingDepth: 6,
  maxMimeParts: 500,
  maxXmlTokenBytes: 8 * MiB,
  maxXmlDepth: 64,
};

export function withLimits(overrides: Partial<Limits> | undefined): Limits {
  return overrides ? { ...defaultLimits, ...overrides } : defaultLimits;
}
