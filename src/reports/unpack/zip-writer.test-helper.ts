/**
 * A tiny zip writer for tests (PKWARE APPNOTE 6.3.10 §4.3): local headers, central directory,
 * end of central directory. Test-only; it never writes ZIP64. The optional fields forge broken
 * or unusual archives (wrong CRC, encrypted flag, other methods, data descriptors).
 */
import { Buffer } from 'node:buffer';
import { deflateRawSync } from 'node:zlib';
import { crc32Table } from './crc32.js';

export interface ZipWriterMember {
  readonly name: string;
  readonly data: Uint8Array | string;
  /** Default `store`. */
  readonly method?: 'store' | 'deflate';
  /** Written instead of the real method number (e.g. 12 for bzip2). */
  readonly methodCode?: number;
  /** Written instead of the real CRC-32. */
  readonly crc32?: number;
  /** General purpose bit flag (bit 0 = encrypted, bit 3 = data descriptor, bit 11 = UTF-8 name). */
  readonly flags?: number;
  /** Written instead of the real uncompressed size. */
  readonly declaredSize?: number;
}

export interface ZipWriterOptions {
  /** Archive comment, after the end of central directory record. */
  readonly comment?: string;
}

export function makeZip(members: readonly ZipWriterMember[], options: ZipWriterOptions = {}): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const member of members) {
    const data = typeof member.data === 'string' ? Buffer.from(member.data, 'utf8') : Buffer.from(member.data);
    const deflate = member.method === 'deflate';
    const stored = deflate ? deflateRawSync(data) : data;
    const name = Buffer.from(member.name, 'utf8');
    const method = member.methodCode ?? (deflate ? 8 : 0);
    const crc = member.crc32 ?? crc32Table(data);
    const size = member.declaredSize ?? data.length;
    const flags = member.flags ?? 0x0800;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x5821, 12); // date 2024-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x5821, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(stored.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30);
    central.writeUInt16LE(0, 32);
    central.writeUInt16LE(0, 34);
    central.writeUInt16LE(0, 36);
    central.writeUInt32LE(member.name.endsWith('/') ? 0x41ed0010 : 0x81a40000, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, stored);
    centrals.push(central, name);
    offset += local.length + name.length + stored.length;
  }
  const directory = Buffer.concat(centrals);
  const comment = Buffer.from(options.comment ?? '', 'utf8');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(comment.length, 20);
  return new Uint8Array(Buffer.concat([...locals, directory, end, comment]));
}
