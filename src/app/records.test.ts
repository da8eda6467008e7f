import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { buildDkimRecordFor, buildDmarcRecordFor, buildParkedRecords, buildSpfRecordFor } from './records.js';
import { AppError } from './problems.js';

const refusedFor = (field: string) => (caught: unknown): boolean => caught instanceof AppError && caught.kind === 'invalid' && caught.problems.some((p) => p.field === field);

test('records: a DMARC record with its advice and external destinations; an invalid request is refused with every reason', () => {
  const record = buildDmarcRecordFor({ policy: 'quarantine', percentage: '10', aggregateUris: ['mailto:d@reports.example.net'] }, { domain: 'Example.com' });
  assert.equal(record.name, '_dmarc.example.com');
  assert.equal(record.text, 'v=DMARC1; p=quarantine; pct=10; rua=mailto:d@reports.example.net');
  assert.match(record.zone, /^_dmarc\.example\.com\. IN TXT "v=DMARC1; p=quarantine; pct=10; rua=mailto:d@reports\.example\.net"$/);
  const codes = record.findings.map((f) => f.code);
  assert.ok(codes.includes('dmarc-pct-partial') && codes.includes('dmarc-external-destination'), codes.join(', '));
  assert.ok(record.findings.every((f) => !/dmarcpilot/.test(f.message)), 'no command in the data');
  assert.throws(() => buildDmarcRecordFor({ policy: 'rejetc' }), refusedFor('record'));
  assert.throws(() => buildDmarcRecordFor({ policy: 'reject' }, { domain: 'not a domain', ttl: -1 }), (caught: unknown) => {
    assert.ok(caught instanceof AppError);
    assert.deepEqual(caught.problems.map((p) => p.field), ['ttl', 'domain']);
    return true;
  });
  assert.throws(() => buildDmarcRecordFor({ policy: 'reject' }, { ttl: '1.5h' }), (caught: unknown) => caught instanceof AppError && caught.message.includes('--ttl 1.5h:'));
  assert.equal(buildDmarcRecordFor({ policy: 'reject' }, { ttl: '300', domain: 'example.com' }).zone, '_dmarc.example.com. 300 IN TXT "v=DMARC1; p=reject"');
});

test('records: the parked set, SPF and DKIM', () => {
  const parked = buildParkedRecords(undefined, { domain: 'parked.example', ttl: 3600 });
  assert.equal(parked.spf.zone, 'parked.example. 3600 IN TXT "v=spf1 -all"');
  assert.equal(parked.mx.zone, 'parked.example. 3600 IN MX 0 .');
  assert.deepEqual(parked.findings.map((f) => [f.code, f.severity]), [['dmarc-no-rua', 'info']]);
  const spf = buildSpfRecordFor({ ip4: ['192.0.2.0/24'], includes: ['_spf.google.com'], all: 'fail' }, { domain: 'example.com' });
  assert.equal(spf.text, 'v=spf1 ip4:192.0.2.0/24 include:_spf.google.com -all');
  assert.equal(spf.lookups, 1);
  assert.throws(() => buildSpfRecordFor({ all: 'pass' }), refusedFor('all'));
  const { publicKey } = generateKeyPairSync('ed25519');
  const dkim = buildDkimRecordFor('s1', publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'key.pem', { domain: 'example.com' });
  assert.equal(dkim.name, 's1._domainkey.example.com');
  assert.equal(dkim.keyType, 'ed25519');
  assert.match(dkim.text, /^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/);
  assert.throws(() => buildDkimRecordFor('bad!', 'x', 'key.pem'), refusedFor('selector'));
  assert.throws(() => buildDkimRecordFor('s1', 'not pem', 'key.pem'), refusedFor('publicKey'));
});
