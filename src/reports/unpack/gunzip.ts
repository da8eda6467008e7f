/**
 * Streaming gunzip (RFC 1952) with the member framing parsed here and the deflate data inflated
 * by node:zlib: every concatenated member is decoded (§2.2), bytes after the last member that do
 * not start another one are ignored with a warning (Mimecast appends CRLF, which makes strict
 * decoders fail), each member's CRC-32 and ISIZE are checked, and every output chunk is charged
 * to the decompression budget before it is handed on.
 */
import type { Diagnostic } from '../../core/diagnostic.js';
import { rejection, warning } from '../../core/diagnostic.js';
import { InputRejectedError } from '../../core/input-rejected.js';
import { ByteReader } from './byte-reader.js';
import { updateCrc32 } from './crc32.js';
import type { DecompressionBudget } from './decompression-budget.js';
import { formatByteSize } from './decompression-budget.js';
import { inflateRaw, isZlibError } from './inflate-raw.js';

/** FLG bits, RFC 1952 §2.3.1. */
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FRESERVED = 0xe0;
/** Longest FNAME or FCOMMENT accepted. */
const MAX_HEADER_STRING = 64 * 1024;

export async function* gunzipChunks(
  source: AsyncIterable<Uint8Array>,
  budget: DecompressionBudget,
  location: string,
  onWarning?: (diagnostic: Diagnostic) => void,
): AsyncGenerator<Uint8Array> {
  const reader = new ByteReader(source);
  try {
    for (let member = 1; ; member++) {
      const magic = await reader.readExact(2);
      if (magic.length === 0 && member === 1) throw truncated('The gzip data is empty.', location);
      if (magic.length === 0) return;
      if (member === 1 && magic.length === 1 && magic[0] === 0x1f) throw truncated('The gzip data ends inside its signature.', location);
      if (magic[0] !== 0x1f || magic[1] !== 0x8b) {
        if (member === 1) throw corrupt('The data does not start with the gzip signature 1f 8b.', location);
        const ignored = magic.length + (await reader.drain());
        onWarning?.(warning('gzip-trailing-bytes', `${formatCount(ignored)} after the end of the gzip data ignored (not another gzip member).`, location));
        return;
      }
      await skipHeader(reader, member, location);
      let crc = 0;
      let size = 0;
      const inflating = inflateRaw(reader);
      try {
        for (let step = await inflating.next(); ; step = await inflating.next()) {
          if (step.done) {
            if (!step.value) throw truncated(`The gzip data ends inside the compressed data of member ${member}.`, location);
            break;
          }
          const chunk = step.value;
          budget.consume(chunk.length, location);
          crc = updateCrc32(crc, chunk);
          size += chunk.length;
          yield chunk;
        }
      } finally {
        await inflating.return(false);
      }
      await checkTrailer(reader, member, crc, size, location);
    }
  } catch (caught) {
    if (isZlibError(caught)) throw corrupt(`The gzip data is corrupt: ${caught.message}.`, location);
    throw caught;
  } finally {
    await reader.close();
  }
}

/** Reads past the member header after ID1 ID2: CM FLG MTIME XFL OS and the optional fields. */
async function skipHeader(reader: ByteReader, member: number, location: string): Promise<void> {
  const fixed = await reader.readExact(8);
  if (fixed.length < 8) throw truncated(`The gzip data ends inside the header of member ${member}.`, location);
  const method = fixed[0] as number;
  const flags = fixed[1] as number;
  if (method !== 8) throw corrupt(`Gzip member ${member} uses compression method ${method}; only 8 (deflate) exists (RFC 1952 §2.3.1).`, location);
  if (flags & FRESERVED) throw corrupt(`Gzip member ${member} sets reserved header flags (0x${flags.toString(16)}).`, location);
  if (flags & FEXTRA) {
    const length = await reader.readExact(2);
    const extra = length.length === 2 ? (length[0] as number) | ((length[1] as number) << 8) : -1;
    if (extra < 0 || (await reader.skip(extra)) < extra) throw truncated(`The gzip data ends inside the header of member ${member}.`, location);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    const outcome = await reader.skipThroughZero(MAX_HEADER_STRING);
    if (outcome === 'end-of-stream') throw truncated(`The gzip data ends inside the header of member ${member}.`, location);
    if (outcome === 'too-long') throw corrupt(`Gzip member ${member} has a file name or comment longer than ${formatByteSize(MAX_HEADER_STRING)}.`, location);
  }
  if (flags & FHCRC && (await reader.skip(2)) < 2) throw truncated(`The gzip data ends inside the header of member ${member}.`, location);
}

/** CRC32 and ISIZE (RFC 1952 §2.3.1): the CRC-32 and the length modulo 2^32 of the output. */
async function checkTrailer(reader: ByteReader, member: number, crc: number, size: number, location: string): Promise<void> {
  const trailer = await reader.readExact(8);
  if (trailer.length < 8) throw truncated(`The gzip data ends before the CRC and size of member ${member}.`, location);
  const view = new DataView(trailer.buffer, trailer.byteOffset, 8);
  const expectedCrc = view.getUint32(0, true);
  const expectedSize = view.getUint32(4, true);
  if (expectedCrc !== crc) {
    throw corrupt(`Gzip member ${member} fails its CRC-32 check (stored ${hex(expectedCrc)}, computed ${hex(crc)}).`, location);
  }
  if (expectedSize !== size % 0x1_0000_0000) {
    throw corrupt(`Gzip member ${member} stores size ${expectedSize} but inflates to ${size} bytes.`, location);
  }
}

function truncated(message: string, location: string): InputRejectedError {
  return new InputRejectedError(rejection('gzip-truncated', message, location));
}

function corrupt(message: string, location: string): InputRejectedError {
  return new InputRejectedError(rejection('gzip-corrupt', message, location));
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function formatCount(bytes: number): string {
  return bytes === 1 ? '1 byte' : `${bytes} bytes`;
}
