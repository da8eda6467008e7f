/**
 * CPU time of a process (user + system, all its threads) from /proc/<pid>/stat, so a benchmark
 * can tell how much of the wall time a process spent computing: the checker against the DNS
 * server it waits for, on a machine with few cores. Linux only; undefined elsewhere or once the
 * process is gone.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat; 100 on every Linux this runs on (getconf CLK_TCK). */
const TICKS_PER_SECOND = 100;

/** User and system CPU seconds of `pid` so far, or undefined. */
export function readCpuSeconds(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces: split after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [user, system, childrenUser, childrenSystem] = fields.slice(11, 15).map(Number);
  if (![user, system, childrenUser, childrenSystem].every(Number.isFinite)) return undefined;
  return {
    user: user / TICKS_PER_SECOND,
    system: system / TICKS_PER_SECOND,
    total: (user + system) / TICKS_PER_SECOND,
    /** Of the children that ended and were waited for. */
    reapedChildren: (childrenUser + childrenSystem) / TICKS_PER_SECOND,
  };
}

/**
 * The CPU seconds of `pid` and all its descendants, running or ended: nsd answers in a grandchild
 * process, which it replaces now and then (e.g. when nsd-control reads the statistics).
 */
export function readTreeCpuSeconds(pid) {
  const own = readCpuSeconds(pid);
  if (own === undefined) return undefined;
  let total = own.total + own.reapedChildren;
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter((c) => c !== '');
  } catch {
    // No children file: count the process alone.
  }
  for (const child of children) total += readTreeCpuSeconds(Number(child)) ?? 0;
  return total;
}
