/**
 * docs/formats.md lists every code the XML reader and the aggregate parser can give (refusals,
 * record errors, warnings): a code added to src/reports/xml or src/reports/aggregate without its
 * line in the document fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const doc = readFileSync(join(root, 'docs/formats.md'), 'utf8');

test('every code of src/reports/xml and src/reports/aggregate is documented in docs/formats.md', () => {
  const found = new Set<string>();
  for (const dir of ['src/reports/xml', 'src/reports/aggregate']) {
    for (const name of readdirSync(join(root, dir)).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))) {
      const source = readFileSync(join(root, dir, name), 'utf8');
      for (const match of source.matchAll(/\b(?:warn|fail|rejection)\(\s*'([a-z0-9]+(?:-[a-z0-9]+)+|bom)'/g)) found.add(match[1] as string);
    }
  }
  assert.ok(found.size >= 30, `found only ${found.size} codes: the scan is broken (${[...found].join(', ')})`);
  const undocumented = [...found].filter((code) => !doc.includes(`\`${code}\``)).sort();
  assert.deepEqual(undocumented, []);
});
