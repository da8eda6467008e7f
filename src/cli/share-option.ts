/**
 * A share given on the command line (the `--gate-…-share` options of `plan`), read one way only so
 * that it cannot be misread: a number without `%` is a share from 0 to 1 (`0.98`, as in the
 * configuration's `gates` and `--settings`), a number with `%` a percentage from 0 to 100 (`98%`);
 * both mean the same. A number above 1 without `%` is refused (did you mean 98%?), as is anything
 * outside 0–1 / 0–100%.
 */
import { InvalidArgumentError } from 'commander';

export function parseShareOption(text: string): number {
  const trimmed = text.trim();
  const percent = trimmed.endsWith('%');
  const number = percent ? trimmed.slice(0, -1).trim() : trimmed;
  const value = /^(\d+(\.\d*)?|\.\d+)$/.test(number) ? Number(number) : Number.NaN;
  if (Number.isNaN(value)) throw new InvalidArgumentError(`"${text}" is not a share: give a number from 0 to 1 (0.98) or a percentage (98%).`);
  if (percent) {
    if (value > 100) throw new InvalidArgumentError(`"${text}" is more than 100%.`);
    return value / 100;
  }
  if (value > 1) throw new InvalidArgumentError(`"${text}" is not a share from 0 to 1: write ${value <= 100 ? `${text}% or ${value / 100}` : 'a number from 0 to 1, or a percentage with %'}.`);
  return value;
}
