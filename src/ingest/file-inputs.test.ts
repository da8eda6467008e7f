import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listInputs } from './file-inputs.js';

test('directories are walked recursively in name order, hidden files skipped, loops and missing paths reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-inputs-'));
  mkdirSync(join(dir, 'b'));
  writeFileSync(join(dir, 'b', 'two.xml'), 'x');
  writeFileSync(join(dir, 'a.xml.gz'), 'x');
  writeFileSync(join(dir, '.DS_Store'), 'x');
  symlinkSync(dir, join(dir, 'b', 'loop'));
  const listed = await listInputs([dir, join(dir, '.DS_Store'), join(dir, 'missing'), '-']);
  assert.deepEqual(
    listed.files.map((f) => f.path),
    [join(dir, 'a.xml.gz'), join(dir, 'b', 'two.xml'), join(dir, '.DS_Store')],
  );
  assert.equal(listed.stdin, true);
  assert.deepEqual(listed.problems, [{ path: join(dir, 'missing'), message: 'no such file or directory' }]);
});
