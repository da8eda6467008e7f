/**
 * docs/problem-codes.md is the contract for the codes of AppError problems (what the API will
 * answer as problem+json): every code the application core, the configuration declarations and
 * the CLI's own checks can raise is documented there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const doc = readFileSync(join(root, 'docs/problem-codes.md'), 'utf8');

const sourcesIn = (dir: string): string[] =>
  readdirSync(join(root, dir))
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.includes('test-helper'))
    .map((name) => readFileSync(join(root, dir, name), 'utf8'));
const files = (...paths: string[]): string[] => paths.map((path) => readFileSync(join(root, path), 'utf8'));

const app = [...sourcesIn('src/app'), ...sourcesIn('src/app/accounts'), ...sourcesIn('src/server/http'), ...sourcesIn('src/server/http/routes')].join('\n');
const declarations = [
  ...files('src/core/settings-reader.ts', 'src/ingest/smtp/smtp-listener-config.ts', 'src/ingest/smtp/smtp-listener.ts', 'src/ingest/imap/imap-config.ts', 'src/analysis/readiness-gates.ts'),
  ...sourcesIn('src/cli'),
].join('\n');

const found = new Set<string>();
const collect = (text: string, pattern: RegExp): void => {
  for (const match of text.matchAll(pattern)) found.add(match[1] as string);
};
// invalid('code', …), notFound('code', …), conflict(…), unavailable(…), problem(…), in every source scanned.
collect(`${app}\n${declarations}`, /\b(?:invalid|notFound|conflict|unavailable|problem|forbidden|unauthenticated|throttled)\(\s*'([a-z0-9]+(?:-[a-z0-9]+)+|conflict)'/g);
// The HTTP API's own answers (problemResponse(c, 4xx, [{ code: '…' }])).
collect(app, /\{ code: '([a-z0-9]+(?:-[a-z0-9]+)+)'/g);
// Problems written as objects in app/ ({ code: 'value-out-of-range', field: … }) and the reader's defaults (code = '…').
collect(app, /\bcode: '([a-z0-9]+(?:-[a-z0-9]+)+)', field/g);
collect(app, /\[\{ code: '([a-z0-9]+(?:-[a-z0-9]+)+)'/g);
collect(declarations, /\bcode = '([a-z0-9]+(?:-[a-z0-9]+)+)'/g);
collect(`${app}\n${declarations}`, /\{ code: '([a-z0-9]+(?:-[a-z0-9]+)+)', field: /g);

test('problem codes: every code the application core and the declared settings raise is documented in docs/problem-codes.md', () => {
  assert.ok(found.size >= 30, `found only ${found.size} codes: the scan is broken (${[...found].join(', ')})`);
  const undocumented = [...found].filter((code) => !doc.includes(`\`${code}\``)).sort();
  assert.deepEqual(undocumented, []);
});
