/**
 * Formats benchmark results as markdown: the machine, the command, the input and a table of
 * runs with min / median / max. The same text goes to stdout and, with --write, to
 * docs/benchmarks.md.
 */
import { cpus, release, totalmem, type } from 'node:os';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const integer = (n) => Math.round(n).toLocaleString('en-GB');
const fixed = (n, digits) => n.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Median of a non-empty list of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The machine the numbers were measured on. */
export function describeMachine() {
  const list = cpus();
  return {
    cpu: list[0]?.model?.trim() ?? 'unknown CPU',
    cores: list.length,
    memoryGiB: totalmem() / GiB,
    os: `${type()} ${release()}`,
    node: process.version,
  };
}

/**
 * @param {object} bench
 * @param {string} bench.title      section heading
 * @param {string} bench.command    the command line measured
 * @param {string} bench.input      one line describing the input
 * @param {string} bench.verified   one line: what was checked
 * @param {{ seconds: number, records: number, xmlBytes: number, peakKiB: number, ok: boolean }[]} bench.runs
 * @param {Date} bench.when
 */
export function formatMarkdown({ title, command, input, verified, runs, when }) {
  const m = describeMachine();
  const rows = runs.map((r) => ({
    seconds: r.seconds,
    recordsPerSecond: r.records / r.seconds,
    mbPerSecond: r.xmlBytes / 1e6 / r.seconds,
    peakMiB: (r.peakKiB * 1024) / MiB,
    ok: r.ok,
  }));
  const line = (label, v) =>
    `| ${label} | ${fixed(v.seconds, 2)} | ${integer(v.recordsPerSecond)} | ${fixed(v.mbPerSecond, 1)} | ${integer(v.peakMiB)} |`;
  const pick = (fn) => ({
    seconds: fn(rows.map((r) => r.seconds)),
    recordsPerSecond: fn(rows.map((r) => r.recordsPerSecond)),
    mbPerSecond: fn(rows.map((r) => r.mbPerSecond)),
    peakMiB: fn(rows.map((r) => r.peakMiB)),
  });
  const lines = [
    `### ${title}: ${when.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `- Machine: ${m.cpu}, ${m.cores} cores, ${fixed(m.memoryGiB, 1)} GiB RAM, ${m.os}, Node ${m.node}`,
    `- Command: \`${command}\``,
    `- Input: ${input}`,
    `- Output check: ${verified}`,
    '',
    '| run | wall time (s) | records/s | MB/s of XML | peak RSS (MiB) |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((r, i) => line(`${i + 1}${r.ok ? '' : ' (FAILED)'}`, r)),
  ];
  if (rows.length > 1) {
    lines.push(line('min', pick((v) => Math.min(...v))), line('median', pick(median)), line('max', pick((v) => Math.max(...v))));
  }
  lines.push(
    '',
    'MB/s counts uncompressed XML (10^6 bytes) per second of wall time. Peak RSS is the largest of the parser process\'s VmHWM',
    '(which includes its worker threads) and the sampled resident set of its whole process tree.',
    '',
  );
  return lines.join('\n');
}
