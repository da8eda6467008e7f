#!/usr/bin/env node
// Finds every *.test.ts under src/ and test/ (Node 20's test runner does not expand globs)
// and runs them with Node's test runner through tsx. Extra arguments are passed on,
// e.g. `npm run test:unit -- --test-name-pattern=gzip`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  let found = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return found;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found = found.concat(findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('--'));
const flags = args.filter((a) => a.startsWith('--'));
const tests = files.length > 0 ? files : [...findTests('src'), ...findTests('test')].sort();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...flags, ...tests],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
