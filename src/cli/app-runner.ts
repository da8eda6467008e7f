/**
 * How a command runs the application core: the options every command that uses the store shares
 * (`--db`, `--config`), loading the one configuration (app/config.ts: file → environment →
 * options), opening the application (app/open-app.ts), and turning an AppError into what a
 * command line says: one line per problem on standard error and exit status 2 (1 when the store
 * or a server is unavailable). Anything else thrown is reported in one line with status 1.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { ConfigFlags } from '../app/config.js';
import { DEFAULT_STORE_LOCATION, loadConfig } from '../app/config.js';
import type { AppLog } from '../app/context.js';
import type { App, OpenAppOptions } from '../app/open-app.js';
import { openApp } from '../app/open-app.js';
import { isAppError } from '../app/problems.js';
import { watchDns } from './dns-watch.js';
import { printErr, safe } from './output.js';

export const DB_OPTION = ['--db <location>', `SQLite file or postgres:// URL (default: $DMARCPILOT_DB, the configuration's db, else ${DEFAULT_STORE_LOCATION})`] as const;
export const CONFIG_OPTION = ['--config <file>', 'JSON configuration file (default: $DMARCPILOT_CONFIG; docs/serve.md)'] as const;

/** Adds `--db` and `--config`. */
export function addStoreOptions(command: Command): Command {
  return command.option(...DB_OPTION).option(...CONFIG_OPTION);
}

/** The standard-error log of a command: notices as `dmarcpilot NAME: …`, warnings as `warning: …`. */
export function cliLog(name: string): AppLog {
  return {
    info: (message) => printErr(safe`dmarcpilot ${name}: ${message}\n`),
    warn: (message) => printErr(safe`warning: ${message}\n`),
  };
}

/** Who decides, as the store records it: the account running the command. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** The option a problem's field is, where the application names it by its own word (its messages do not name flags). */
const OPTION_OF_FIELD: Readonly<Record<string, string>> = {
  ip: '--ip',
  days: '--days',
  since: '--since',
  concurrency: '--concurrency',
  selector: '--selector',
  password: '--password-stdin',
};

/** The commands that look every source up in reverse DNS, and can do without (`--offline`): their DNS progress is shown. */
const DNS_WATCHED: ReadonlySet<string> = new Set(['senders', 'plan']);

/** What a command line can add to a problem: the command or option that helps (the application's messages name none). */
const HINT_OF_CODE: Readonly<Record<string, string>> = {
  'store-not-found': ': run `dmarcpilot ingest` first, or pass --db LOCATION (or set DMARCPILOT_DB)',
};

/**
 * Prints why a command failed and returns its exit status: each problem of an AppError on its
 * own line (`error: …` for the caller's mistakes, `dmarcpilot NAME: …` when something is down).
 */
export function reportFailure(name: string, caught: unknown): number {
  if (isAppError(caught)) {
    const unavailable = caught.kind === 'unavailable';
    for (const p of caught.problems) {
      const option = p.field === undefined ? undefined : OPTION_OF_FIELD[p.field];
      const text = `${option === undefined ? p.message : `${option}: ${p.message}`}${HINT_OF_CODE[p.code] ?? ''}`;
      printErr(unavailable ? safe`dmarcpilot ${name}: ${text}\n` : safe`error: ${text}\n`);
    }
    return unavailable ? 1 : 2;
  }
  printErr(safe`dmarcpilot ${name}: ${caught instanceof Error ? caught.message : String(caught)}\n`);
  return 1;
}

/** Runs `body`, setting the exit status it returns, or the one reportFailure gives. */
export async function runCommand(name: string, setStatus: (code: number) => void, body: () => Promise<number> | number): Promise<void> {
  try {
    setStatus(await body());
  } catch (caught) {
    setStatus(reportFailure(name, caught));
  }
}

/**
 * withApp for a command that only reads the store: an SQLite store whose file or folder cannot be
 * written is opened read-only (a command that writes is refused it, naming the path and why).
 */
export function withReadApp(
  name: string,
  flags: ConfigFlags,
  setStatus: (code: number) => void,
  body: (app: App) => Promise<number>,
  options: Omit<OpenAppOptions, 'log' | 'access'> = {},
): Promise<void> {
  return withApp(name, flags, setStatus, body, { ...options, access: 'read' });
}

/**
 * Loads the configuration, opens the application, runs `body` and closes it; failures as
 * reportFailure says. The store is not created where there is none unless the command asks
 * (`create: true`): a command that reads names the store it looked for instead.
 */
export function withApp(
  name: string,
  flags: ConfigFlags,
  setStatus: (code: number) => void,
  body: (app: App) => Promise<number>,
  options: Omit<OpenAppOptions, 'log'> = {},
): Promise<void> {
  return runCommand(name, setStatus, async () => {
    const dns = DNS_WATCHED.has(name) ? watchDns(name) : undefined;
    const app = await openApp(loadConfig(flags), { log: cliLog(name), create: false, ...(dns ? { onLookup: dns.onLookup } : {}), ...options });
    dns?.setServers(app.context.resolver.servers);
    try {
      return await body(app);
    } finally {
      dns?.done();
      await app.close();
    }
  });
}
