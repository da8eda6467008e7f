/**
 * Loaded into `dmarcpilot serve` by bench/serve-memory.js (`node --import`): how long the main
 * thread's event loop was held at most (perf_hooks.monitorEventLoopDelay, 10 ms resolution),
 * counted from the SIGUSR2 the benchmark sends once serve listens, written as JSON to the file
 * named by DMARCPILOT_BENCH_EVENT_LOOP_FILE when the process exits.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const file = process.env['DMARCPILOT_BENCH_EVENT_LOOP_FILE'];
if (file && isMainThread) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  process.on('SIGUSR2', () => delay.reset());
  process.on('exit', () => writeFileSync(file, JSON.stringify({ maxMs: delay.max / 1e6, p99Ms: delay.percentile(99) / 1e6 })));
}
