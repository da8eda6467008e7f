/**
 * Where the shared real-world corpus is (../shared/corpus beside the project, or
 * DMARCPILOT_CORPUS), and whether tests over it run. Without the folder they are skipped with
 * the reason shown, unless DMARCPILOT_REQUIRE_CORPUS=1 (set by CI), when they fail instead.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const corpusDir: string = process.env['DMARCPILOT_CORPUS'] ?? fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));

/** `false` to run, or the reason to skip. */
export const corpusSkip: string | false = (() => {
  if (existsSync(corpusDir)) return false;
  const reason = `corpus not found at ${corpusDir} (set DMARCPILOT_CORPUS)`;
  if (process.env['DMARCPILOT_REQUIRE_CORPUS'] === '1') throw new Error(`${reason}, and DMARCPILOT_REQUIRE_CORPUS=1`);
  return reason;
})();
