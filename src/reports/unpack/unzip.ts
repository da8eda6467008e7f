/**
 * Reading zip archives held in memory (reports are small; the archive size is capped by
 * `limits.maxBufferedBytes` before it gets here). `listZipMembers` reads the central directory;
 * `inflateZipMember` streams one member's data, stored or deflated, charging the shared
 * decompression budget and checking the CRC-32 and size the directory declares.
 */
import { rejection } from '../../core/diagnostic.js';
import { InputRejectedError } from '../../core/input-rejected.js';
import { ByteReader, sliceChunks } from './byte-reader.js';
import { updateCrc32 } from './crc32.js';
import type { DecompressionBudget } from './decompression-budget.js';
import { inflateRaw, isZlibError } from './inflate-raw.js';
import type { ZipMember } from './zip-directory.js';

export { listZipMembers } from './zip-directory.js';
export type { ZipListing, ZipMember } from './zip-directory.js';

/** Compression methods seen in the wild (APPNOTE §4.4.5), for messages. */
const METHOD_NAMES: Readonly<Record<number, string>> = {
  1: 'shrink',
  6: 'implode',
  9: 'deflate64',
  12: 'bzip2',
  14: 'LZMA',
  93: 'Zstandard',
  95: 'xz',
  98: 'PPMd',
  99: 'AES encryption',
};

/** Input slices fed to the inflater; stored data is yielded in slices of this size too. */
const SLICE_BYTES = 256 * 1024;

/** The member's uncompressed bytes. Throws InputRejectedError `zip-unsupported` or `zip-corrupt`, or the budget's codes. */
export async function* inflateZipMember(zip: Uint8Array, member: ZipMember, budget: DecompressionBudget): AsyncGenerator<Uint8Array> {
  const { location } = member;
  if (member.encrypted) throw unsupported(`Member "${member.name}" is encrypted.`, location);
  if (member.method !== 0 && member.method !== 8) {
    const name = METHOD_NAMES[member.method];
    throw unsupported(`Member "${member.name}" uses compression method ${member.method}${name ? ` (${name})` : ''}; only stored (0) and deflate (8) are supported.`, location);
  }
  const data = zip.subarray(member.dataOffset, member.dataOffset + member.compressedSize);
  let crc = 0;
  let size = 0;
  const output = member.method === 0 ? sliceChunks(data, SLICE_BYTES) : inflateMemberData(data, member);
  for await (const chunk of output) {
    budget.consume(chunk.length, location);
    crc = updateCrc32(crc, chunk);
    size += chunk.length;
    yield chunk;
  }
  if (crc !== member.crc32) {
    throw corrupt(`Member "${member.name}" fails its CRC-32 check (stored ${hex(member.crc32)}, computed ${hex(crc)}).`, location);
  }
  if (size !== member.declaredSize) {
    throw corrupt(`Member "${member.name}" declares ${member.declaredSize} bytes but holds ${size}.`, location);
  }
}

async function* inflateMemberData(data: Uint8Array, member: ZipMember): AsyncGenerator<Uint8Array> {
  const inflating = inflateRaw(new ByteReader(sliceChunks(data, SLICE_BYTES)));
  try {
    for (let step = await inflating.next(); ; step = await inflating.next()) {
      if (step.done) {
        if (!step.value) throw corrupt(`The deflate data of member "${member.name}" ends early.`, member.location);
        return;
      }
      yield step.value;
    }
  } catch (caught) {
    if (isZlibError(caught)) throw corrupt(`The deflate data of member "${member.name}" is corrupt: ${caught.message}.`, member.location);
    throw caught;
  } finally {
    await inflating.return(false);
  }
}

function unsupported(message: string, location: string): InputRejectedError {
  return new InputRejectedError(rejection('zip-unsupported', message, location));
}

function corrupt(message: string, location: string): InputRejectedError {
  return new InputRejectedError(rejection('zip-corrupt', message, location));
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
