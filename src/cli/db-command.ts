/**
 * `dmarcpilot db status [--db LOCATION]`: opens the store (creating it and running its
 * migrations if needed) and prints what it holds. LOCATION is a SQLite file path or a
 * postgres:// URL; default $DMARCPILOT_DB, else data/dmarcpilot.sqlite.
 */
import type { Command } from 'commander';
import { DEFAULT_STORE_LOCATION, describeStoreLocation, openStore } from '../store/open-store.js';

export function storeLocationFrom(options: { db?: string }): string {
  return options.db ?? process.env['DMARCPILOT_DB'] ?? DEFAULT_STORE_LOCATION;
}

export function registerDbCommand(program: Command, setStatus: (code: number) => void): void {
  const db = program.command('db').description('The store: SQLite by default, PostgreSQL in production.');
  db.command('status')
    .description('Open the store (creating it and applying migrations if needed) and show what it holds.')
    .option('--db <location>', `SQLite file or postgres:// URL (default: $DMARCPILOT_DB, else ${DEFAULT_STORE_LOCATION})`)
    .option('--json', 'print JSON')
    .action(async (options: { db?: string; json?: boolean }) => {
      const location = storeLocationFrom(options);
      let store;
      try {
        store = await openStore(location);
      } catch (caught) {
        process.stderr.write(`dmarcpilot db: cannot open ${describeStoreLocation(location)}: ${caught instanceof Error ? caught.message : String(caught)}\n`);
        setStatus(1);
        return;
      }
      try {
        const counts = await store.countReports();
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ store: describeStoreLocation(location), ...counts })}\n`);
        } else {
          const n = (value: number): string => value.toLocaleString('en-GB');
          process.stdout.write(
            `store: ${describeStoreLocation(location)} (schema up to date)\n` +
              `aggregate reports: ${n(counts.aggregate)} (${n(counts.records)} records)\n` +
              `failure reports: ${n(counts.failure)}\nTLS reports: ${n(counts.tls)}\n` +
              `raw inputs kept: ${n(counts.raw)}\nquarantined: ${n(counts.quarantine)}\n`,
          );
        }
      } finally {
        await store.close();
      }
    });
}
