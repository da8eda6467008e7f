import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryResolver } from './memory-resolver.js';

test('memory resolver: data, NODATA, NXDOMAIN, empty non-terminal, failure, query log', async () => {
  const resolver = new MemoryResolver({
    'example.com': { TXT: ['v=spf1 -all', ['v=DMARC1; ', 'p=none']], A: ['192.0.2.1'] },
    'a.b.example.net': { A: ['192.0.2.2'] },
    'broken.example': 'servfail',
  });
  assert.deepEqual(await resolver.txt('Example.COM.'), { status: 'ok', records: [['v=spf1 -all'], ['v=DMARC1; ', 'p=none']] });
  assert.deepEqual(await resolver.mx('example.com'), { status: 'nodata' });
  assert.deepEqual(await resolver.a('missing.example'), { status: 'nxdomain' });
  assert.deepEqual(await resolver.a('b.example.net'), { status: 'nodata' });
  const failed = await resolver.txt('broken.example');
  assert.equal(failed.status, 'error');
  assert.equal(failed.status === 'error' && failed.code, 'servfail');
  assert.deepEqual(resolver.queries, ['TXT example.com', 'MX example.com', 'A missing.example', 'A b.example.net', 'TXT broken.example']);
});
