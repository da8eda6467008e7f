/**
 * Options shared by commands that read reports: the resource limits of docs/formats.md. Given ones
 * win over the configuration file's `limits` (app/config.ts).
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { Limits } from '../core/limits.js';
import { defaultLimits } from '../core/limits.js';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

export function parseSize(text: string): number {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = UNITS[(match?.[2] ?? '').toLowerCase()];
  if (!match || unit === undefined) throw new InvalidArgumentError(`"${text}" is not a size (e.g. 512m, 2g, 1048576).`);
  return Math.floor(Number(match[1]) * unit);
}

export function parsePositiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`"${text}" is not a positive whole number.`);
  return value;
}

export function addLimitOptions(command: Command): Command {
  return command
    .option('--max-decompressed <size>', `refuse an input that decompresses to more than this (default ${defaultLimits.maxDecompressedBytes / 1024 ** 3}g)`, parseSize)
    .option('--max-ratio <n>', `refuse an input that inflates more than n times once past --ratio-grace (default ${defaultLimits.maxRatio})`, parsePositiveInteger)
    .option('--ratio-grace <size>', `output size before the ratio check applies (default ${defaultLimits.ratioGraceBytes / 1024 ** 2}m)`, parseSize)
    .option('--max-buffered <size>', `largest zip, e-mail or JSON input read into memory (default ${defaultLimits.maxBufferedBytes / 1024 ** 2}m)`, parseSize)
    .option('--max-zip-members <n>', `most files read from one zip archive (default ${defaultLimits.maxZipMembers})`, parsePositiveInteger);
}

/** The limits given on the command line (the configuration supplies the rest). */
export function limitFlags(options: Record<string, unknown>): Partial<Limits> {
  const flags: Partial<Record<keyof Limits, number>> = {};
  const pick = (key: string, limit: keyof Limits): void => {
    const value = options[key];
    if (typeof value === 'number') flags[limit] = value;
  };
  pick('maxDecompressed', 'maxDecompressedBytes');
  pick('maxRatio', 'maxRatio');
  pick('ratioGrace', 'ratioGraceBytes');
  pick('maxBuffered', 'maxBufferedBytes');
  pick('maxZipMembers', 'maxZipMembers');
  return flags;
}
