/**
 * `dmarcpilot db status [--db LOCATION]`: opens the store (creating it and running its
 * migrations if needed) and prints what it holds. `dmarcpilot db compact`: gives the free space
 * of an SQLite file back to the disk. LOCATION is a SQLite file path or a postgres:// URL;
 * default $DMARCPILOT_DB, else data/dmarcpilot.sqlite.
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
  const compact = db
    .command('compact')
    .description('Give the free space of an SQLite store back to the disk (the file never shrinks by itself); needs free disk about twice its size.');
  addDbOption(compact).action((options: { db?: string }) =>
    withStore('db', options, setStatus, async (store, location) => {
      let result: Awaited<ReturnType<typeof store.compact>>;
      try {
        result = await store.compact();
      } catch (caught) {
        process.stderr.write(`dmarcpilot db compact: ${describeStoreLocation(location)}: ${caught instanceof Error ? caught.message : String(caught)}\n`);
        return 1;
      }
      if (result === undefined) {
        process.stdout.write(`store: ${describeStoreLocation(location)}: nothing to do (PostgreSQL's autovacuum reuses the space of deleted rows)\n`);
        return 0;
      }
      const mb = (bytes: number): string => `${(bytes / 1e6).toLocaleString('en-GB', { maximumFractionDigits: 1, minimumFractionDigits: 1 })} MB`;
      process.stdout.write(
        `store: ${describeStoreLocation(location)}: ${mb(result.bytesBefore)} -> ${mb(result.bytesAfter)} (${mb(Math.max(0, result.bytesBefore - result.bytesAfter))} given back)\n`,
      );
      return 0;
    }),
  );
}
