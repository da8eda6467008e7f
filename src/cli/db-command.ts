/**
 * `dmarcpilot db status [--db LOCATION]`: opens the store (creating it and running its
 * migrations if needed) and prints what it holds. LOCATION is a SQLite file path or a
 * postgres:// URL; default $DMARCPILOT_DB, else data/dmarcpilot.sqlite.
 */
import type { Command } from 'commander';
import { describeStoreLocation } from '../store/open-store.js';
import { addDbOption, withStore } from './store-options.js';

export function registerDbCommand(program: Command, setStatus: (code: number) => void): void {
  const db = program.command('db').description('The store: SQLite by default, PostgreSQL in production.');
  const status = db
    .command('status')
    .description('Open the store (creating it and applying migrations if needed) and show what it holds.')
    .option('--json', 'print JSON');
  addDbOption(status).action((options: { db?: string; json?: boolean }) =>
    withStore('db', options, setStatus, async (store, location) => {
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
      return 0;
    }),
  );
}
