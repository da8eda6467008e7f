/**
 * The `--db` option every store command takes, and opening the store it names: a SQLite file
 * path or a postgres:// URL; default $DMARCPILOT_DB, else data/dmarcpilot.sqlite.
 */
import type { Command } from 'commander';
import { DEFAULT_STORE_LOCATION, describeStoreLocation, openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';

export const DB_OPTION = ['--db <location>', `SQLite file or postgres:// URL (default: $DMARCPILOT_DB, else ${DEFAULT_STORE_LOCATION})`] as const;

export function addDbOption(command: Command): Command {
  return command.option(...DB_OPTION);
}

export function storeLocationFrom(options: { db?: string }): string {
  return options.db ?? process.env['DMARCPILOT_DB'] ?? DEFAULT_STORE_LOCATION;
}

/**
 * Opens the store the options name, runs `body`, and closes the store. If it cannot be opened,
 * says so (`dmarcpilot NAME: cannot open ...`) and sets exit status 1; otherwise the status is
 * what `body` returns.
 */
export async function withStore(
  name: string,
  options: { db?: string },
  setStatus: (code: number) => void,
  body: (store: Store, location: string) => Promise<number>,
): Promise<void> {
  const location = storeLocationFrom(options);
  let store: Store;
  try {
    store = await openStore(location, { notice: (message) => process.stderr.write(`dmarcpilot ${name}: ${message}\n`) });
  } catch (caught) {
    process.stderr.write(`dmarcpilot ${name}: cannot open ${describeStoreLocation(location)}: ${caught instanceof Error ? caught.message : String(caught)}\n`);
    setStatus(1);
    return;
  }
  try {
    setStatus(await body(store, location));
  } finally {
    await store.close();
  }
}
