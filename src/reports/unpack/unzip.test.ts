import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { InputRejectedError } from '../../core/input-rejected.js';
import { defaultLimits, withLimits } from '../../core/limits.js';
import { DecompressionBudget } from './decompression-budget.js';
import { inflateZipMember, listZipMembers } from './unzip.js';
import type { ZipMember } from './unzip.js';
import type { ZipWriterMember } from './zip-writer.test-helper.js';
import { makeZip } from './zip-writer.test-helper.js';

const MiB = 1024 * 1024;
const xml = '<?xml version="1.0"?>\n<feedback>' + '<record><row><source_ip>198.51.100.7</source_ip><count>3</count></row></record>'.repeat(200) + '</feedback>\n';

async function readMember(zip: Uint8Array, member: ZipMember, budget = new DecompressionBudget(zip.length, defaultLimits)): Promise<{ text?: string; code?: string; message?: string }> {
  const parts: Uint8Array[] = [];
  try {
    for await (const chunk of inflateZipMember(zip, member, budget)) parts.push(chunk);
  } catch (caught) {
    assert.ok(caught instanceof InputRejectedError, String(caught));
    assert.equal(caught.rejection.location, member.location);
    return { code: caught.rejection.code, message: caught.rejection.message };
  }
  return { text: Buffer.concat(parts).toString('utf8') };
}

function listed(zip: Uint8Array, limits = defaultLimits): ReturnType<typeof listZipMembers> {
  return listZipMembers(zip, limits, 'reports.zip');
}

/** Offsets of the central directory entries of an archive written by makeZip (no comments, no extra fields). */
function centralEntries(zip: Uint8Array): number[] {
  const buffer = Buffer.from(zip.buffer, zip.byteOffset, zip.length);
  const eocd = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 5, 6]));
  const count = buffer.readUInt16LE(eocd + 10);
  const offsets: number[] = [];
  let at = buffer.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    offsets.push(at);
    at += 46 + buffer.readUInt16LE(at + 28);
  }
  return offsets;
}

test('zip: every member is listed and read, stored and deflated (APPNOTE §4.4.5 methods 0 and 8)', async () => {
  const zip = makeZip([
    { name: 'google.com!example.com!1700000000!1700086399.xml', data: xml, method: 'deflate' },
    { name: 'second.xml', data: 'plain <feedback/>' },
    { name: 'empty.xml', data: '', method: 'deflate' },
  ]);
  const { members, rejection, warnings } = listed(zip);
  assert.equal(rejection, undefined);
  assert.deepEqual(warnings, []);
  assert.deepEqual(members.map((m) => [m.name, m.method, m.index]), [
    ['google.com!example.com!1700000000!1700086399.xml', 8, 0],
    ['second.xml', 0, 1],
    ['empty.xml', 8, 2],
  ]);
  const [first, second, third] = members;
  assert.ok(first && second && third);
  assert.equal(first.location, 'reports.zip > google.com!example.com!1700000000!1700086399.xml');
  const budget = new DecompressionBudget(zip.length, defaultLimits);
  assert.equal((await readMember(zip, first, budget)).text, xml);
  assert.equal((await readMember(zip, second, budget)).text, 'plain <feedback/>');
  assert.equal((await readMember(zip, third, budget)).text, '');
  assert.equal(budget.producedBytes, Buffer.byteLength(xml) + 17, 'all members share the budget');
});

test('zip: directories, __MACOSX/ and .DS_Store are skipped', () => {
  const zip = makeZip([
    { name: 'reports/', data: '' },
    { name: 'reports/a.xml', data: xml },
    { name: '__MACOSX/reports/._a.xml', data: 'resource fork' },
    { name: 'reports/.DS_Store', data: 'junk' },
  ]);
  const { members, rejection } = listed(zip);
  assert.equal(rejection, undefined);
  assert.deepEqual(members.map((m) => [m.name, m.index]), [['reports/a.xml', 1]]);
});

test('zip: more than maxZipMembers files -> zip-too-many-members (directories not counted)', () => {
  const files: ZipWriterMember[] = [{ name: 'd/', data: '' }, ...['a', 'b', 'c'].map((n) => ({ name: `d/${n}.xml`, data: n }))];
  assert.equal(listed(makeZip(files), withLimits({ maxZipMembers: 3 })).rejection, undefined);
  const refused = listed(makeZip(files), withLimits({ maxZipMembers: 2 }));
  assert.equal(refused.rejection?.code, 'zip-too-many-members');
  assert.match(refused.rejection?.message ?? '', /more than 2 files/);
  assert.deepEqual(refused.members, []);
});

test('zip: an empty archive (EOCD only) has no members', () => {
  const { members, rejection } = listed(makeZip([]));
  assert.equal(rejection, undefined);
  assert.deepEqual(members, []);
});

test('zip: an archive comment is skipped; bytes after the archive give zip-trailing-bytes', async () => {
  const withComment = makeZip([{ name: 'a.xml', data: xml, method: 'deflate' }], { comment: 'made by a test' });
  const first = listed(withComment);
  assert.deepEqual(first.warnings, []);
  assert.equal((await readMember(withComment, first.members[0] as ZipMember)).text, xml);
  const trailing = Buffer.concat([withComment, Buffer.from('\r\n')]);
  const second = listed(trailing);
  assert.equal(second.rejection, undefined);
  assert.equal(second.warnings[0]?.code, 'zip-trailing-bytes');
  assert.equal((await readMember(trailing, second.members[0] as ZipMember)).text, xml);
});

test('zip: non-UTF-8 names are read as Latin-1; control characters are shown as "?"', () => {
  const zip = Buffer.from(makeZip([{ name: 'r\u00e9port\u0001.xml', data: 'x', flags: 0 }]));
  // Rewrite the UTF-8 name bytes (r c3 a9 p o r t 01 . x m l) as Latin-1 in both headers.
  const utf8Name = Buffer.from('r\u00e9port\u0001.xml', 'utf8');
  const latin1Name = Buffer.concat([Buffer.from('r\u00e9port\u0001.xml', 'latin1'), Buffer.from(' ')]);
  for (let at = zip.indexOf(utf8Name); at !== -1; at = zip.indexOf(utf8Name, at + 1)) latin1Name.copy(zip, at);
  const { members } = listed(zip);
  assert.equal(members[0]?.name, 'r\u00e9port?.xml ');
});

const refusals: [string, () => Uint8Array, string][] = [
  ['not a zip at all', () => Buffer.from('<feedback/>'.repeat(10)), 'zip-corrupt'],
  ['cut short: no end record', () => makeZip([{ name: 'a.xml', data: xml }]).subarray(0, 200), 'zip-corrupt'],
  [
    'central directory offset past the end record',
    () => {
      const zip = Buffer.from(makeZip([{ name: 'a.xml', data: xml }]));
      zip.writeUInt32LE(zip.length, zip.length - 6);
      return zip;
    },
    'zip-corrupt',
  ],
  [
    'local header signature damaged',
    () => {
      const zip = Buffer.from(makeZip([{ name: 'a.xml', data: xml }]));
      zip[0] = 0;
      return zip;
    },
    'zip-corrupt',
  ],
  [
    'compressed size runs into the central directory',
    () => {
      const zip = Buffer.from(makeZip([{ name: 'a.xml', data: xml }]));
      const entry = centralEntries(zip)[0] as number;
      zip.writeUInt32LE(zip.readUInt32LE(entry + 20) + 100, entry + 20);
      return zip;
    },
    'zip-corrupt',
  ],
  [
    'two members share compressed data (overlap bomb)',
    () => {
      const zip = Buffer.from(makeZip([{ name: 'a.xml', data: xml }, { name: 'b.xml', data: xml }]));
      const second = centralEntries(zip)[1] as number;
      zip.writeUInt32LE(0, second + 42);
      return zip;
    },
    'zip-corrupt',
  ],
  [
    'ZIP64 end of central directory locator',
    () => {
      const zip = Buffer.from(makeZip([{ name: 'a.xml', data: xml }]));
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(0x07064b50, 0);
      const eocd = zip.length - 22;
      return Buffer.concat([zip.subarray(0, eocd), locator, zip.subarray(eocd)]);
    },
    'zip-unsupported',
  ],
  [
    'spanned archive (disk number 1)',
    () => {
      const zip = Buffer.from(makeZip([{ name: 'a.xml', data: xml }]));
      zip.writeUInt16LE(1, zip.length - 22 + 4);
      return zip;
    },
    'zip-unsupported',
  ],
];

for (const [name, build, code] of refusals) {
  test(`zip listing: ${name} -> ${code}`, () => {
    const result = listed(build());
    assert.equal(result.rejection?.code, code, result.rejection?.message);
    assert.equal(result.rejection?.location, 'reports.zip');
    assert.deepEqual(result.members, []);
  });
}

const memberRefusals: [string, ZipWriterMember, string, RegExp][] = [
  ['encrypted entry (flag bit 0)', { name: 'a.xml', data: xml, flags: 0x0801 }, 'zip-unsupported', /encrypted/],
  ['bzip2 method 12', { name: 'a.xml', data: xml, methodCode: 12 }, 'zip-unsupported', /method 12 \(bzip2\)/],
  ['deflate64 method 9', { name: 'a.xml', data: xml, methodCode: 9 }, 'zip-unsupported', /deflate64/],
  ['CRC-32 mismatch, stored', { name: 'a.xml', data: xml, crc32: 0x12345678 }, 'zip-corrupt', /CRC-32/],
  ['CRC-32 mismatch, deflated', { name: 'a.xml', data: xml, method: 'deflate', crc32: 1 }, 'zip-corrupt', /CRC-32/],
  ['declared size differs from the output', { name: 'a.xml', data: xml, method: 'deflate', declaredSize: 10 }, 'zip-corrupt', /declares 10 bytes/],
  ['stored data is not deflate data', { name: 'a.xml', data: 'not deflate at all, just text', methodCode: 8 }, 'zip-corrupt', /corrupt/],
];

for (const [name, member, code, pattern] of memberRefusals) {
  test(`zip member: ${name} -> ${code}`, async () => {
    const zip = makeZip([member]);
    const { members, rejection } = listed(zip);
    assert.equal(rejection, undefined);
    const outcome = await readMember(zip, members[0] as ZipMember);
    assert.equal(outcome.code, code, outcome.message);
    assert.match(outcome.message ?? '', pattern);
  });
}

test('zip member: deflate data cut short by the declared compressed size -> zip-corrupt', async () => {
  const zip = Buffer.from(makeZip([{ name: 'a.xml', data: xml, method: 'deflate' }]));
  const entry = centralEntries(zip)[0] as number;
  zip.writeUInt32LE(zip.readUInt32LE(entry + 20) - 10, entry + 20);
  const { members } = listed(zip);
  const outcome = await readMember(zip, members[0] as ZipMember);
  assert.equal(outcome.code, 'zip-corrupt');
  assert.match(outcome.message ?? '', /ends early/);
});

test('zip member: 64 MiB of zeros is refused by the shared budget (decompression-ratio-exceeded)', async () => {
  const zip = makeZip([{ name: 'bomb.xml', data: Buffer.alloc(64 * MiB), method: 'deflate' }]);
  const { members } = listed(zip);
  const budget = new DecompressionBudget(zip.length, defaultLimits);
  const outcome = await readMember(zip, members[0] as ZipMember, budget);
  assert.equal(outcome.code, 'decompression-ratio-exceeded');
  assert.ok(budget.producedBytes <= Math.max(defaultLimits.ratioGraceBytes, 200 * zip.length) + 256 * 1024, `stopped at ${budget.producedBytes}`);
});

test('zip member: a large stored member is yielded in slices, not copied whole', async () => {
  const big = Buffer.alloc(3 * MiB, 0x41);
  const zip = makeZip([{ name: 'big.xml', data: big }]);
  const { members } = listed(zip);
  const sizes: number[] = [];
  for await (const chunk of inflateZipMember(zip, members[0] as ZipMember, new DecompressionBudget(zip.length, defaultLimits))) sizes.push(chunk.length);
  assert.equal(sizes.reduce((a, b) => a + b, 0), 3 * MiB);
  assert.ok(sizes.length > 1);
});
