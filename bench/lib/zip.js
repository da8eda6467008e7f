/**
 * Writes a zip archive (PKWARE APPNOTE 6.3.10 §4.3) holding one member, stored or deflated:
 * local file header, data, central directory header, end of central directory record.
 */
import { Buffer } from 'node:buffer';
import { deflateRawSync } from 'node:zlib';

/** CRC-32 (ISO-HDLC, polynomial 0xEDB88320) lookup table. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of `bytes`, as an unsigned integer. */
export function crc32(bytes) {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** MS-DOS date and time fields of a Unix time (UTC, two-second resolution). */
function dosDateTime(seconds) {
  const d = new Date(seconds * 1000);
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1);
  const date = ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  return { time, date };
}

/**
 * @param {string} name member name (ASCII)
 * @param {Buffer} data member content
 * @param {'store'|'deflate'} method
 * @param {number} mtime Unix seconds stored as the member's modification time
 * @param {Buffer} [deflated] `data` already compressed with raw deflate (method 'deflate' only)
 * @returns {Buffer} the archive
 */
export function makeZip(name, data, method, mtime, deflated) {
  const nameBytes = Buffer.from(name, 'utf8');
  const body = method === 'deflate' ? (deflated ?? deflateRawSync(data)) : data;
  const methodCode = method === 'deflate' ? 8 : 0;
  const crc = crc32(data);
  const { time, date } = dosDateTime(mtime);

  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0); // local file header signature
  local.writeUInt16LE(20, 4); // version needed to extract: 2.0
  local.writeUInt16LE(0, 6); // general purpose bit flag
  local.writeUInt16LE(methodCode, 8);
  local.writeUInt16LE(time, 10);
  local.writeUInt16LE(date, 12);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(body.length, 18); // compressed size
  local.writeUInt32LE(data.length, 22); // uncompressed size
  local.writeUInt16LE(nameBytes.length, 26);
  local.writeUInt16LE(0, 28); // extra field length

  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0); // central file header signature
  central.writeUInt16LE(0x0314, 4); // version made by: 2.0, Unix
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0, 8);
  central.writeUInt16LE(methodCode, 10);
  central.writeUInt16LE(time, 12);
  central.writeUInt16LE(date, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(body.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  // extra length, comment length, disk number, internal attributes: 0
  central.writeUInt32LE(0o100644 * 0x10000, 38); // external attributes: a regular file, rw-r--r--
  central.writeUInt32LE(0, 42); // offset of the local header

  const centralOffset = local.length + nameBytes.length + body.length;
  const centralSize = central.length + nameBytes.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); // end of central directory signature
  end.writeUInt16LE(1, 8); // entries on this disk
  end.writeUInt16LE(1, 10); // entries in total
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(centralOffset, 16);

  return Buffer.concat([local, nameBytes, body, central, nameBytes, end]);
}
