/**
 * docs/advice-codes.md is the contract for advice codes: every code the sender analysis, the
 * rollout planner, the rollout ladder (src/evaluate/dmarc-ladder.ts) and the application core (src/analysis, src/app) can emit, as the
 * first argument of `advice('…'`, is documented there; the codes the doc lists in the areas of the
 * analysis are ones the code emits, so the doc cannot keep a code that is gone; and the codes the
 * CLI printers render with a command are in the doc's renderers table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const doc = readFileSync(join(root, 'docs/advice-codes.md'), 'utf8');

/** The text of every non-test .ts file under `dir`, recursively; nothing for a folder that does not exist (yet). */
function sources(dir: string): string[] {
  const path = join(root, dir);
  if (!existsSync(path)) return [];
  return readdirSync(path).flatMap((name) => {
    const child = join(dir, name);
    if (statSync(join(root, child)).isDirectory()) return sources(child);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.includes('test-helper') ? [readFileSync(join(root, child), 'utf8')] : [];
  });
}

const code = [...sources('src/analysis'), ...sources('src/app'), ...sources('src/evaluate').filter((text) => text.includes("from '../core/advice.js'"))].join('\n');
/** Codes given literally as the first argument of advice(…), on the same line or the next. */
const emitted = new Set([...code.matchAll(/\badvice\(\s*'([a-z0-9]+(?:-[a-z0-9]+)+)'/g)].map((m) => m[1] as string));

/** The prefixes of the areas the doc's tables cover (the analysis, and the application core's plan notices). */
const AREAS = ['sender', 'forwarded', 'suspicious', 'fix', 'service', 'gate', 'blocker', 'next', 'stage', 'watch', 'plan'];
/** Codes in the first column of the doc's tables. */
const documented = new Set([...doc.matchAll(/^\| `([a-z0-9]+(?:-[a-z0-9]+)+)` \|/gm)].map((m) => m[1] as string));

test('advice codes: every code src/analysis and src/app emit is documented in docs/advice-codes.md', () => {
  assert.ok(emitted.size >= 50, `found only ${emitted.size} codes: the scan is broken`);
  const undocumented = [...emitted].filter((c) => !documented.has(c)).sort();
  assert.deepEqual(undocumented, []);
});

test('advice codes: every code the doc lists for the analysis areas is emitted', () => {
  const areaCodes = [...documented].filter((c) => AREAS.some((area) => c.startsWith(`${area}-`)));
  assert.ok(areaCodes.length >= 50, `the doc lists only ${areaCodes.length} codes: the scan of the doc is broken`);
  assert.deepEqual(areaCodes.filter((c) => !emitted.has(c)).sort(), []);
});

test('advice codes: every code the CLI renders with a command is listed under "Renderers: adding the command"', () => {
  const renderers = doc.split(/^## /m).find((section) => section.startsWith('Renderers: adding the command')) ?? '';
  const printers = ['src/cli/senders-printer.ts', 'src/cli/plan-printer.ts'].map((file) => readFileSync(join(root, file), 'utf8')).join('\n');
  const rendered = [...printers.matchAll(/^\s*case '([a-z0-9-]+)':/gm)].map((m) => m[1] as string);
  assert.ok(rendered.length >= 8, `found only ${rendered.length} rendered codes: the scan is broken`);
  assert.deepEqual(rendered.filter((c) => !renderers.includes(`| \`${c}\``)), []);
});
