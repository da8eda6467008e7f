/**
 * Typed reads from a parsed JSON configuration that record a Problem for each wrong type or value
 * instead of throwing, so that a loader reports every mistake at once, each naming its setting by
 * path (`smtp.maxConnections`, `imap[1].url`). Used by the one configuration loader
 * (app/config.ts) and by the adapters that declare their own settings (the SMTP listener, the IMAP
 * sources), so each setting is declared and checked in one place.
 */
import type { Problem } from './problem.js';
import { problem } from './problem.js';

export type SettingsSection = Readonly<Record<string, unknown>>;

export function isSettingsSection(value: unknown): value is SettingsSection {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class SettingsReader {
  readonly problems: Problem[] = [];
  /** What is accepted but worth telling the operator (a value lowered to a limit). */
  readonly warnings: Problem[] = [];

  /** `where` prefixes every message (e.g. the configuration file's path and a colon). */
  constructor(private readonly where = '') {}

  /** Records a problem about `field` (a setting path, or an environment variable / option name). */
  fail(field: string, message: string, code = 'setting-invalid'): void {
    this.problems.push(problem(code, field, `${this.where}${field}: ${message}`));
  }

  /** Records a warning about `field`: the setting is used, adjusted as the message says. */
  warn(field: string, message: string, code = 'setting-adjusted'): void {
    this.warnings.push(problem(code, field, `${this.where}${field}: ${message}`));
  }

  /** Every key of `section` not in `keys` is a problem (a typo would otherwise be ignored silently). */
  known(section: SettingsSection, path: string, keys: readonly string[]): void {
    for (const key of Object.keys(section)) {
      if (!keys.includes(key)) this.fail(`${path}${key}`, `unknown setting (known here: ${keys.join(', ')})`, 'setting-unknown');
    }
  }

  object(value: unknown, path: string): SettingsSection | undefined {
    if (isSettingsSection(value)) return value;
    this.fail(path, 'expected an object');
    return undefined;
  }

  string(section: SettingsSection, key: string, path = ''): string | undefined {
    const value = section[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value !== '') return value;
    this.fail(`${path}${key}`, 'expected a non-empty string');
    return undefined;
  }

  boolean(section: SettingsSection, key: string, path = ''): boolean | undefined {
    const value = section[key];
    if (value === undefined || typeof value === 'boolean') return value;
    this.fail(`${path}${key}`, 'expected true or false');
    return undefined;
  }

  integer(section: SettingsSection, key: string, min: number, max: number, path = ''): number | undefined {
    const value = section[key];
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    this.fail(`${path}${key}`, `expected a whole number from ${min} to ${max}`);
    return undefined;
  }

  stringList(section: SettingsSection, key: string, path = ''): string[] | undefined {
    const value = section[key];
    if (value === undefined) return undefined;
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
    this.fail(`${path}${key}`, 'expected a list of strings');
    return undefined;
  }
}

/** `a, b,,c` → ['a', 'b', 'c']. */
export function splitSettingList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
