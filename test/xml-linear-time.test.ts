/**
 * The aggregate parser takes linear time on hostile XML shapes (issue 12, item 5): for every
 * shape of bench/lib/adversarial-shapes.js, the time per byte of one 1 MiB document stays within
 * 4 times that of a 64 KiB document parsed 16 times over (the same amount of work). A quadratic
 * step makes that ratio about 16; a slow machine slows both sides alike. Each side is measured
 * several times, interleaved, in CPU time, and the fastest run counts, so other work on the
 * machine does not fail the test. Absolute speed is for bench/adversarial-xml.js and docs/benchmarks.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHAPES, chunked } from '../bench/lib/adversarial-shapes.js';
import { AggregateParser } from '../src/reports/aggregate/aggregate-parser.js';

const SMALL = 64 * 1024;
const LARGE = 1024 * 1024;
const ROUNDS = 4;
const MAX_RATIO = 4;
/** Gunzip hands the parser chunks of 16 KiB: a token longer than that spans many chunks. */
const CHUNK = 16 * 1024;

function parse(bytes: Uint8Array): string {
  const parser = new AggregateParser({ header: () => undefined, record: () => undefined, reportEnd: () => undefined });
  chunked(bytes, CHUNK, (chunk) => parser.write(chunk));
  const outcome = parser.end();
  return outcome.ok ? 'accepted' : outcome.rejection.code;
}

/** CPU time of `run` (user + system of this process), in nanoseconds: other work on the machine changes it less than wall time. */
function timeOf(run: () => void): number {
  const started = process.cpuUsage();
  run();
  const used = process.cpuUsage(started);
  return (used.user + used.system) * 1000;
}

for (const shape of SHAPES) {
  test(`linear time: ${shape.name} (${shape.what})`, () => {
    const small = new TextEncoder().encode(shape.make(SMALL));
    const large = new TextEncoder().encode(shape.make(LARGE));
    const repeats = Math.max(1, Math.round(large.length / small.length));
    // The same outcome at both sizes: the shape is what is measured, not an early refusal at one size only.
    assert.equal(parse(large), parse(small), 'outcome at both sizes');
    let bestSmall = Infinity;
    let bestLarge = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      bestSmall = Math.min(bestSmall, timeOf(() => {
        for (let i = 0; i < repeats; i++) parse(small);
      }));
      bestLarge = Math.min(bestLarge, timeOf(() => parse(large)));
    }
    const perByteSmall = bestSmall / (small.length * repeats);
    const perByteLarge = bestLarge / large.length;
    const ratio = perByteLarge / perByteSmall;
    assert.ok(
      ratio < MAX_RATIO,
      `${shape.name}: ${perByteLarge.toFixed(1)} ns/byte at ${large.length} bytes against ${perByteSmall.toFixed(1)} ns/byte at ${small.length} bytes (ratio ${ratio.toFixed(2)}, limit ${MAX_RATIO})`,
    );
  });
}
