/**
 * Samples the memory of a process tree on Linux through /proc: VmRSS and VmHWM (peak resident
 * set) of the root process and of every descendant, found through /proc/<pid>/task/<tid>/children.
 * Worker threads share their process's address space, so the root's VmHWM already covers them;
 * child processes are followed so that a forking implementation is measured too.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** VmRSS and VmHWM of one process in KiB, or undefined once it is gone (or is a zombie). */
function readMemory(pid) {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
  const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
  if (!rss || !hwm) return undefined;
  return { rssKiB: Number(rss[1]), hwmKiB: Number(hwm[1]) };
}

/** Direct children of every thread of `pid` (needs CONFIG_PROC_CHILDREN, standard on current kernels). */
function readChildren(pid) {
  const children = [];
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const tid of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(/\s+/)) {
        if (child) children.push(Number(child));
      }
    } catch {
      // The thread ended between readdir and read.
    }
  }
  return children;
}

/** Whether this system exposes what the sampler reads. */
export function canSampleMemory() {
  return readMemory(process.pid) !== undefined;
}

/**
 * A sampler for the tree under one root pid. Call `sample()` periodically while it runs.
 * @param {number} rootPid
 */
export function createMemorySampler(rootPid) {
  /** Highest VmHWM seen per pid. */
  const hwmByPid = new Map();
  let peakTreeRssKiB = 0;
  let samples = 0;
  let maxProcesses = 0;
  return {
    sample() {
      const seen = new Set();
      const queue = [rootPid];
      let treeRss = 0;
      while (queue.length > 0) {
        const pid = queue.shift();
        if (seen.has(pid)) continue;
        seen.add(pid);
        const memory = readMemory(pid);
        if (!memory) continue;
        treeRss += memory.rssKiB;
        hwmByPid.set(pid, Math.max(hwmByPid.get(pid) ?? 0, memory.hwmKiB));
        queue.push(...readChildren(pid));
      }
      if (seen.size > 0 && treeRss > 0) samples += 1;
      peakTreeRssKiB = Math.max(peakTreeRssKiB, treeRss);
      maxProcesses = Math.max(maxProcesses, seen.size);
    },
    /**
     * rootHwmKiB: the root's own peak (covers its threads); treeRssKiB: the largest sum of VmRSS
     * over the tree in one sample; peakKiB: the larger of the two and of any single process's peak.
     */
    result() {
      const rootHwmKiB = hwmByPid.get(rootPid) ?? 0;
      const largestHwm = Math.max(0, ...hwmByPid.values());
      return {
        rootHwmKiB,
        treeRssKiB: peakTreeRssKiB,
        peakKiB: Math.max(rootHwmKiB, peakTreeRssKiB, largestHwm),
        processes: hwmByPid.size,
        maxProcesses,
        samples,
      };
    },
  };
}
