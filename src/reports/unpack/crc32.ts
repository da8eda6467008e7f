/**
 * CRC-32 (ISO 3309 / ITU-T V.42, the polynomial of gzip RFC 1952 §8 and zip APPNOTE §4.4.7).
 * Uses node:zlib's native `crc32` where the runtime has it (Node >= 20.15 / 22.2) and a
 * slice-by-8 table implementation otherwise, so a 1 GiB archive member stays cheap to check.
 */
import * as zlib from 'node:zlib';

type Crc32Function = (data: Uint8Array, value: number) => number;

const native: Crc32Function | undefined = typeof zlib.crc32 === 'function' ? (data, value) => zlib.crc32(data, value) : undefined;

/** Eight 256-entry tables; table k maps a byte to its CRC contribution k bytes further on. */
const TABLES: Uint32Array = buildTables();

function buildTables(): Uint32Array {
  const tables = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    tables[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n] as number;
    for (let k = 1; k < 8; k++) {
      c = (tables[c & 0xff] as number) ^ (c >>> 8);
      tables[k * 256 + n] = c >>> 0;
    }
  }
  return tables;
}

/** The table-driven CRC-32 of `data`, continuing from `value` (0 to start). Exported for tests. */
export function crc32Table(data: Uint8Array, value = 0): number {
  const t = TABLES;
  let crc = ~value;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  for (; i < end8; i += 8) {
    const a = (crc ^ ((data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24))) >>> 0;
    const b = (data[i + 4] as number) | ((data[i + 5] as number) << 8) | ((data[i + 6] as number) << 16) | ((data[i + 7] as number) << 24);
    crc =
      (t[1792 + (a & 0xff)] as number) ^
      (t[1536 + ((a >>> 8) & 0xff)] as number) ^
      (t[1280 + ((a >>> 16) & 0xff)] as number) ^
      (t[1024 + (a >>> 24)] as number) ^
      (t[768 + (b & 0xff)] as number) ^
      (t[512 + ((b >>> 8) & 0xff)] as number) ^
      (t[256 + ((b >>> 16) & 0xff)] as number) ^
      (t[(b >>> 24) & 0xff] as number);
  }
  for (; i < data.length; i++) crc = (t[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** The CRC-32 of `data`, continuing from `value` (the CRC of the bytes before it; 0 to start). */
export function updateCrc32(value: number, data: Uint8Array): number {
  return native ? native(data, value) >>> 0 : crc32Table(data, value);
}
