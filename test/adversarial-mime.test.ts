/**
 * Hostile e-mail shapes (bench/lib/adversarial-mime.js) through the whole extraction pipeline:
 * each must cost the same time per byte at 4 MiB as at 256 KiB (within a generous factor; a
 * quadratic step makes it 16 times), and must still give what the shape holds (the report next
 * to the hostile part, or the refusal the shape asks for). No absolute time limits: only the
 * ratio of two sizes on the same machine, the best of a few runs each.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { SHAPES } from '../bench/lib/adversarial-mime.js';
import type { Collected } from './helpers/collect-reports.js';
import { collectFromBytes } from './helpers/collect-reports.js';

const SMALL = 256 * 1024;
const LARGE = 4 * 1024 * 1024;
/** Time per byte at LARGE over time per byte at SMALL; quadratic work gives LARGE / SMALL = 16. */
const MAX_RATIO = 6;

/** What each shape must give (at every size): aggregate reports found and refusal codes. */
const EXPECTED: Record<string, { aggregates: number; refusals: string[] }> = {
  'deep-nesting': { aggregates: 0, refusals: ['nesting-too-deep'] },
  'nesting-at-limit': { aggregates: 0, refusals: ['no-report-found'] },
  'many-tiny-parts': { aggregates: 0, refusals: ['no-report-found'] },
  'too-many-parts': { aggregates: 0, refusals: ['mime-malformed'] },
  'delimiter-lookalikes': { aggregates: 0, refusals: ['no-report-found'] },
  'long-boundary': { aggregates: 0, refusals: ['no-report-found'] },
  'mbox-many-messages': { aggregates: 0, refusals: ['no-report-found'] },
};

function outcome(collected: Collected): { aggregates: number; refusals: string[] } {
  return { aggregates: collected.aggregates.length, refusals: [...new Set(collected.rejections.map((r) => r.rejection.code))].sort() };
}

async function bestTime(name: string, bytes: Uint8Array, runs: number): Promise<{ ms: number; collected: Collected }> {
  let best = Number.POSITIVE_INFINITY;
  let collected: Collected | undefined;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    collected = await collectFromBytes(name, bytes);
    best = Math.min(best, performance.now() - started);
  }
  assert.ok(collected);
  return { ms: best, collected };
}

for (const [name, shape] of Object.entries(SHAPES)) {
  test(`adversarial MIME: ${name} (${shape.what}) costs the same per byte at 4 MiB as at 256 KiB`, async () => {
    const file = shape.mbox ? `${name}.mbox` : `${name}.eml`;
    const small = shape.make(SMALL);
    const large = shape.make(LARGE);
    await collectFromBytes(file, small); // warm up the code paths
    const a = await bestTime(file, small, 3);
    const b = await bestTime(file, large, 2);
    const expected = EXPECTED[name] ?? { aggregates: 1, refusals: [] };
    assert.deepEqual(outcome(a.collected), expected, `at 256 KiB: ${JSON.stringify(a.collected.rejections.slice(0, 3))}`);
    assert.deepEqual(outcome(b.collected), expected, `at 4 MiB: ${JSON.stringify(b.collected.rejections.slice(0, 3))}`);
    for (const r of b.collected.rejections) assert.ok(r.rejection.message.length < 2000 && r.source.length < 2000, `a refusal stays short: ${r.rejection.message.slice(0, 200)}`);
    const perByteSmall = Math.max(a.ms, 0.5) / small.length;
    const perByteLarge = b.ms / large.length;
    const ratio = perByteLarge / perByteSmall;
    assert.ok(ratio < MAX_RATIO, `${name}: ${(perByteLarge * 1e6).toFixed(1)} ns/byte at 4 MiB against ${(perByteSmall * 1e6).toFixed(1)} at 256 KiB (ratio ${ratio.toFixed(1)}; ${b.ms.toFixed(0)} ms, ${a.ms.toFixed(0)} ms)`);
  });
}
