import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCachingResolver } from './caching-resolver.js';
import { MemoryResolver } from './memory-resolver.js';

test('caching resolver: one query per type and name (case and trailing dot ignored), shared by concurrent askers, least recently used dropped first', async () => {
  const inner = new MemoryResolver({ 'example.com': { TXT: ['v=spf1 -all'], A: ['192.0.2.1'] }, 'slow.example': 'timeout' });
  const resolver = createCachingResolver(inner, 3);
  const [first, second] = await Promise.all([resolver.txt('example.com'), resolver.txt('Example.COM.')]);
  assert.deepEqual(first, second);
  await resolver.a('example.com');
  assert.equal((await resolver.txt('slow.example')).status, 'error');
  await resolver.txt('slow.example');
  assert.deepEqual(inner.queries, ['TXT example.com', 'A example.com', 'TXT slow.example']);
  await resolver.txt('example.com'); // a hit: TXT example.com is now the most recently used
  await resolver.mx('example.com'); // a fourth entry drops the least recently used (A example.com)
  await resolver.txt('example.com');
  await resolver.a('example.com');
  assert.equal(inner.queries.filter((q) => q === 'TXT example.com').length, 1);
  assert.equal(inner.queries.filter((q) => q === 'A example.com').length, 2);
});
