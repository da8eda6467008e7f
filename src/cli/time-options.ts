/** `--since 30d` / `--since 2026-11-01`: a point in time, relative to now or absolute. */
import { InvalidArgumentError } from 'commander';

const UNIT_SECONDS: Record<string, number> = { h: 3600, d: 86400, w: 7 * 86400 };

export function parseTimeOption(text: string, now: Date = new Date()): Date {
  const relative = /^(\d+)([hdw])$/.exec(text.trim());
  if (relative) return new Date(now.getTime() - Number(relative[1]) * (UNIT_SECONDS[relative[2] as string] as number) * 1000);
  const absolute = new Date(text);
  if (/^\d{4}-\d\d-\d\d/.test(text) && !Number.isNaN(absolute.getTime())) return absolute;
  throw new InvalidArgumentError(`"${text}" is not a time: use 30d, 12h, 2w, or a date such as 2026-11-01.`);
}
