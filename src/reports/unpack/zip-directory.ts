/**
 * The members of a zip archive, read from its central directory (PKWARE APPNOTE 6.3.10 §4.3.12,
 * §4.3.16), found by searching for the end-of-central-directory record from the end. Every offset
 * and length is checked against the archive before use; names are for messages only, never paths.
 * Directories and macOS junk (`__MACOSX/`, `.DS_Store`) are skipped. Members whose data overlap
 * (the "better zip bomb" trick) make the archive corrupt. ZIP64 and split archives are refused.
 */
import type { Diagnostic, Rejection } from '../../core/diagnostic.js';
import { rejection, warning } from '../../core/diagnostic.js';
import type { Limits } from '../../core/limits.js';

export interface ZipMember {
  /** File name from the central directory: UTF-8 (flag bit 11, or when valid), else Latin-1; control characters (Unicode Cc) shown as `?`. */
  readonly name: string;
  /** Position in the central directory, from 0, counting skipped entries. */
  readonly index: number;
  /** Compression method (APPNOTE §4.4.5): 0 stored, 8 deflate; others are refused when inflating. */
  readonly method: number;
  /** General purpose flag bit 0 (APPNOTE §4.4.4): traditional or strong encryption. */
  readonly encrypted: boolean;
  /** CRC-32 of the uncompressed data, from the central directory. */
  readonly crc32: number;
  /** Bytes of compressed data, from the central directory, checked to lie inside the archive. */
  readonly compressedSize: number;
  /** Uncompressed size as declared; only compared with the real output, never trusted for allocation. */
  readonly declaredSize: number;
  /** Offset of the member's compressed data, after its local header. */
  readonly dataOffset: number;
  /** `<archive location> > <name>`, for diagnostics. */
  readonly location: string;
}

export interface ZipListing {
  readonly members: ZipMember[];
  readonly rejection?: Rejection;
  readonly warnings: Diagnostic[];
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;

export function listZipMembers(zip: Uint8Array, limits: Limits, location: string): ZipListing {
  const warnings: Diagnostic[] = [];
  const corrupt = (message: string): ZipListing => ({ members: [], rejection: rejection('zip-corrupt', message, location), warnings });
  const unsupported = (message: string): ZipListing => ({ members: [], rejection: rejection('zip-unsupported', message, location), warnings });
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = findEndOfCentralDirectory(zip, view);
  if (eocd === undefined) return corrupt('The zip archive has no end-of-central-directory record (not a zip file, or cut short).');
  const commentLength = view.getUint16(eocd + 20, true);
  const trailing = zip.length - (eocd + EOCD_SIZE + commentLength);
  if (trailing > 0) warnings.push(warning('zip-trailing-bytes', `${trailing} bytes after the end of the zip archive ignored.`, location));
  const disk = view.getUint16(eocd + 4, true);
  const directoryDisk = view.getUint16(eocd + 6, true);
  const entries = view.getUint16(eocd + 10, true);
  const directorySize = view.getUint32(eocd + 12, true);
  const directoryOffset = view.getUint32(eocd + 16, true);
  if (directoryOffset === 0xffffffff || directorySize === 0xffffffff || (eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR_SIGNATURE)) {
    return unsupported('The archive is in ZIP64 format, which is not supported for reports.');
  }
  if (disk !== 0 || directoryDisk !== 0 || view.getUint16(eocd + 8, true) !== entries) {
    return unsupported('The archive is split over several disks (spanned zip), which is not supported.');
  }
  const directoryEnd = directoryOffset + directorySize;
  if (directoryEnd > eocd) return corrupt(`The central directory (offset ${directoryOffset}, ${directorySize} bytes) runs past the end record at ${eocd}.`);

  const members: ZipMember[] = [];
  const spans: Span[] = [];
  let position = directoryOffset;
  for (let index = 0; index < entries; index++) {
    if (position + CENTRAL_SIZE > directoryEnd || view.getUint32(position, true) !== CENTRAL_SIGNATURE) {
      return corrupt(`Central directory entry ${index + 1} of ${entries} is missing or damaged (offset ${position}).`);
    }
    const flags = view.getUint16(position + 8, true);
    const method = view.getUint16(position + 10, true);
    const crc32 = view.getUint32(position + 16, true);
    const compressedSize = view.getUint32(position + 20, true);
    const declaredSize = view.getUint32(position + 24, true);
    const nameLength = view.getUint16(position + 28, true);
    const extraLength = view.getUint16(position + 30, true);
    const commentLength = view.getUint16(position + 32, true);
    const externalAttributes = view.getUint32(position + 38, true);
    const localOffset = view.getUint32(position + 42, true);
    const nameStart = position + CENTRAL_SIZE;
    position = nameStart + nameLength + extraLength + commentLength;
    if (position > directoryEnd) return corrupt(`Central directory entry ${index + 1} runs past the end of the directory.`);
    const name = decodeName(zip.subarray(nameStart, nameStart + nameLength), (flags & 0x0800) !== 0);
    if (isDirectory(name, externalAttributes, compressedSize, declaredSize) || isJunk(name)) continue;
    if (members.length >= limits.maxZipMembers) {
      return { members: [], rejection: rejection('zip-too-many-members', `The zip archive holds more than ${limits.maxZipMembers} files (maxZipMembers).`, location), warnings };
    }
    if (compressedSize === 0xffffffff || declaredSize === 0xffffffff || localOffset === 0xffffffff) {
      return unsupported(`Member "${name}" uses ZIP64 sizes or offsets, which are not supported for reports.`);
    }
    const dataOffset = readLocalHeader(view, localOffset, directoryOffset);
    if (typeof dataOffset === 'string') return corrupt(`Member "${name}": ${dataOffset}`);
    if (dataOffset + compressedSize > directoryOffset) {
      return corrupt(`Member "${name}" claims ${compressedSize} compressed bytes at offset ${dataOffset}, past the start of the central directory.`);
    }
    const encrypted = (flags & 0x0001) !== 0;
    members.push({ name, index, method, encrypted, crc32, compressedSize, declaredSize, dataOffset, location: `${location} > ${name}` });
    spans.push({ name, start: localOffset, end: dataOffset + compressedSize });
  }
  const overlap = findOverlap(spans);
  if (overlap) return corrupt(`Members "${overlap[0]}" and "${overlap[1]}" share compressed data (a zip bomb technique).`);
  return { members, warnings };
}

/** Where a member lies in the archive: local header through the end of its compressed data. */
interface Span {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/** The offset of the end-of-central-directory record: the last signature whose comment fits (APPNOTE §4.3.16). */
function findEndOfCentralDirectory(zip: Uint8Array, view: DataView): number | undefined {
  const lowest = Math.max(0, zip.length - EOCD_SIZE - 0xffff);
  for (let at = zip.length - EOCD_SIZE; at >= lowest; at--) {
    if (zip[at] !== 0x50 || zip[at + 1] !== 0x4b || view.getUint32(at, true) !== EOCD_SIGNATURE) continue;
    if (at + EOCD_SIZE + view.getUint16(at + 20, true) <= zip.length) return at;
  }
  return undefined;
}

/** The offset of the member's data after its local header (APPNOTE §4.3.7), or what is wrong. */
function readLocalHeader(view: DataView, offset: number, directoryOffset: number): number | string {
  if (offset + LOCAL_SIZE > directoryOffset) return `its local header offset ${offset} lies outside the archive data.`;
  if (view.getUint32(offset, true) !== LOCAL_SIGNATURE) return `no local file header signature at offset ${offset}.`;
  const dataOffset = offset + LOCAL_SIZE + view.getUint16(offset + 26, true) + view.getUint16(offset + 28, true);
  if (dataOffset > directoryOffset) return `its local header at offset ${offset} runs into the central directory.`;
  return dataOffset;
}

function findOverlap(spans: readonly Span[]): [string, string] | undefined {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1] as Span;
    const current = sorted[i] as Span;
    if (current.start < previous.end) return [previous.name, current.name];
  }
  return undefined;
}

/** A directory entry: a name ending in a slash, or the MS-DOS directory attribute on an empty entry. */
function isDirectory(name: string, externalAttributes: number, compressedSize: number, declaredSize: number): boolean {
  if (name.endsWith('/') || name.endsWith('\\')) return true;
  return (externalAttributes & 0x10) !== 0 && compressedSize === 0 && declaredSize === 0;
}

/** Files macOS adds to archives it makes: resource forks under `__MACOSX/`, and `.DS_Store`. */
function isJunk(name: string): boolean {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  return name.startsWith('__MACOSX/') || base === '.DS_Store';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** UTF-8 when flagged or valid (many tools write UTF-8 without the flag), else Latin-1 (CP437 look-alike). */
function decodeName(bytes: Uint8Array, flaggedUtf8: boolean): string {
  let name: string;
  try {
    name = utf8.decode(bytes);
  } catch {
    name = flaggedUtf8 ? new TextDecoder('utf-8').decode(bytes) : latin1.decode(bytes);
  }
  return name.replace(/\p{Cc}/gu, '?');
}
