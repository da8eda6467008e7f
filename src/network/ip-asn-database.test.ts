import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadIpAsnDatabase, parseIpAsnDatabase } from './ip-asn-database.js';

const SAMPLE = [
  '192.0.2.0\t192.0.2.255\t64500\tGB\tEXAMPLE-COUNCIL-NET Example Council',
  '198.51.100.0\t198.51.100.127\t64501\tUS\tEXAMPLE-ESP',
  '198.51.100.128\t198.51.100.255\t0\tNone\tNot routed',
  '2001:db8::\t2001:db8:ffff:ffff:ffff:ffff:ffff:ffff\t64502\tNone\tEXAMPLE-V6',
  'garbage line',
  '203.0.113.9\t203.0.113.1\t64503\tGB\tBACKWARDS',
  '',
].join('\n');

test('IP to ASN database (iptoasn TSV): IPv4 and IPv6 ranges, edges, unrouted and bad lines', () => {
  const db = parseIpAsnDatabase(SAMPLE);
  assert.equal(db.ranges, 3);
  assert.equal(db.badLines, 2);
  assert.equal(db.firstBadLine, 5);
  assert.deepEqual(db.lookup('192.0.2.0'), { asn: 64500, organization: 'EXAMPLE-COUNCIL-NET Example Council', country: 'GB' });
  assert.equal(db.lookup('192.0.2.255')?.asn, 64500);
  assert.equal(db.lookup('198.51.100.127')?.asn, 64501);
  assert.equal(db.lookup('198.51.100.128'), undefined, 'not routed');
  assert.equal(db.lookup('192.0.3.0'), undefined);
  assert.equal(db.lookup('10.0.0.1'), undefined);
  assert.deepEqual(db.lookup('2001:DB8:0:0::25'), { asn: 64502, organization: 'EXAMPLE-V6' });
  assert.equal(db.lookup('2001:db9::1'), undefined);
  assert.equal(db.lookup('not an ip'), undefined);
});

test('IP to ASN database: read from a file, gzipped or not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-asn-'));
  writeFileSync(join(dir, 'ip2asn.tsv'), SAMPLE);
  writeFileSync(join(dir, 'ip2asn.tsv.gz'), gzipSync(SAMPLE));
  assert.equal(loadIpAsnDatabase(join(dir, 'ip2asn.tsv')).lookup('198.51.100.1')?.organization, 'EXAMPLE-ESP');
  assert.equal(loadIpAsnDatabase(join(dir, 'ip2asn.tsv.gz')).lookup('198.51.100.1')?.organization, 'EXAMPLE-ESP');
  assert.throws(() => loadIpAsnDatabase(join(dir, 'missing.tsv')), /ENOENT/);
});
