import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MemoryZone } from '../dns/memory-resolver.js';
import { MemoryResolver } from '../dns/memory-resolver.js';
import { checkMx } from './check-mx.js';

const rows: { name: string; zone: MemoryZone; expected: string[] }[] = [
  { name: 'RFC 5321 §5.1: MX hosts that resolve', zone: { 'example.com': { MX: [{ priority: 10, exchange: 'mx1.example.com' }, { priority: 20, exchange: 'mx2.example.com' }] }, 'mx1.example.com': { A: ['192.0.2.1'] }, 'mx2.example.com': { AAAA: ['2001:db8::2'] } }, expected: ['ok:mx-ok'] },
  { name: 'RFC 5321 §5.1: no MX, mail goes to the A record', zone: { 'example.com': { A: ['192.0.2.80'] } }, expected: ['warning:mx-missing'] },
  { name: 'RFC 5321 §5.1: no MX and no address', zone: { 'example.com': { TXT: ['v=spf1 -all'] } }, expected: ['warning:mx-missing'] },
  { name: 'RFC 5321 §5.1: the domain does not exist', zone: {}, expected: ['error:mx-missing'] },
  { name: 'RFC 7505 §3: null MX', zone: { 'example.com': { MX: [{ priority: 0, exchange: '' }] } }, expected: ['info:mx-null'] },
  { name: 'RFC 7505 §3: null MX with a non-zero preference', zone: { 'example.com': { MX: [{ priority: 10, exchange: '' }] } }, expected: ['warning:mx-null-invalid', 'info:mx-null'] },
  { name: 'RFC 7505 §3: null MX beside other MX records', zone: { 'example.com': { MX: [{ priority: 0, exchange: '' }, { priority: 10, exchange: 'mx.example.com' }] } }, expected: ['error:mx-null-invalid'] },
  { name: 'RFC 5321 §5.1: an exchange that does not exist', zone: { 'example.com': { MX: [{ priority: 10, exchange: 'mx1.example.com' }, { priority: 20, exchange: 'gone.example.com' }] }, 'mx1.example.com': { A: ['192.0.2.1'] } }, expected: ['error:mx-host-unresolvable'] },
  { name: 'RFC 5321 §5.1: no exchange resolves', zone: { 'example.com': { MX: [{ priority: 10, exchange: 'gone.example.com' }] } }, expected: ['error:mx-host-unresolvable', 'error:mx-no-usable-host'] },
  { name: 'RFC 1035 §3.3.9: an exchange that is an IP address', zone: { 'example.com': { MX: [{ priority: 10, exchange: '192.0.2.25' }] } }, expected: ['error:mx-ip-literal', 'error:mx-no-usable-host'] },
  { name: 'a DNS failure on MX is mx-dns-error, never missing', zone: { 'example.com': 'timeout' }, expected: ['error:mx-dns-error'] },
  { name: 'a DNS failure on an exchange is mx-dns-error, not unresolvable', zone: { 'example.com': { MX: [{ priority: 10, exchange: 'mx.example.net' }] }, 'mx.example.net': 'servfail' }, expected: ['error:mx-dns-error'] },
];

for (const row of rows) {
  test(row.name, async () => {
    const { findings } = await checkMx('example.com', { resolver: new MemoryResolver(row.zone) });
    assert.deepEqual(findings.map((f) => `${f.severity}:${f.code}`), row.expected);
  });
}

test('records: exchanges sorted by preference with their addresses; implicit MX addresses', async () => {
  const zone: MemoryZone = { 'example.com': { MX: [{ priority: 20, exchange: 'b.example.com' }, { priority: 10, exchange: 'a.example.com' }] }, 'a.example.com': { A: ['192.0.2.1'] }, 'b.example.com': { A: ['192.0.2.2'], AAAA: ['2001:db8::2'] }, 'web.example': { A: ['192.0.2.80'] } };
  const { records } = await checkMx('example.com', { resolver: new MemoryResolver(zone) });
  assert.deepEqual(records.mx, [
    { priority: 10, exchange: 'a.example.com', ipv4: ['192.0.2.1'], ipv6: [], status: 'resolves' },
    { priority: 20, exchange: 'b.example.com', ipv4: ['192.0.2.2'], ipv6: ['2001:db8::2'], status: 'resolves' },
  ]);
  const implicit = await checkMx('web.example', { resolver: new MemoryResolver(zone) });
  assert.deepEqual(implicit.records.implicit, { ipv4: ['192.0.2.80'], ipv6: [] });
  assert.match(implicit.findings[0]?.message ?? '', /192\.0\.2\.80/);
});

test('params: mx-host-unresolvable names the host and its preference; mx-ok lists the hosts', async () => {
  const zone: MemoryZone = { 'example.com': { MX: [{ priority: 10, exchange: 'mx1.example.com' }, { priority: 20, exchange: 'gone.example.com' }] }, 'mx1.example.com': { A: ['192.0.2.1'] } };
  const { findings } = await checkMx('example.com', { resolver: new MemoryResolver(zone) });
  assert.deepEqual(findings.find((f) => f.code === 'mx-host-unresolvable')?.params, { domain: 'example.com', host: 'gone.example.com', priority: 20, nxdomain: true });
  const ok = await checkMx('example.com', { resolver: new MemoryResolver({ ...zone, 'gone.example.com': { A: ['192.0.2.2'] } }) });
  assert.deepEqual(ok.findings.find((f) => f.code === 'mx-ok')?.params, { domain: 'example.com', hosts: ['mx1.example.com', 'gone.example.com'], records: ['10 mx1.example.com', '20 gone.example.com'] });
});

test('params: mx-missing gives the implicit MX addresses', async () => {
  const { findings } = await checkMx('example.com', { resolver: new MemoryResolver({ 'example.com': { A: ['192.0.2.80'] } }) });
  assert.deepEqual(findings[0]?.params, { domain: 'example.com', nxdomain: false, addresses: ['192.0.2.80'], addressLookupFailed: false });
});
