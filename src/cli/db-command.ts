/**
 * `dmarcpilot db status [--db LOCATION]`: opens the store (creating it and running its
 * migrations if needed) and prints what it holds. `dmarcpilot db compact`: gives the free space
 * of an SQLite file back to the disk; it creates nothing (a missing store is named, PostgreSQL is
 * left to its autovacuum). `dmarcpilot db prune`: applies the retention now
 * (docs/data-retention.md). LOCATION is a SQLite file path or a postgres:// URL; default
 * $DMARCPILOT_DB, else data/dmarcpilot.sqlite (app/maintenance.ts).
 */
import type { Command } from 'commander';
import type { RetentionResult } from '../app/maintenance.js';
import { applyRetention, compactStore, storeStatus } from '../app/maintenance.js';
import { isAppError } from '../app/problems.js';
import { addStoreOptions, withApp, withReadApp } from './app-runner.js';
import { printErr, printJson, printOut, safe } from './output.js';

export function registerDbCommand(program: Command, setStatus: (code: number) => void): void {
  const db = program.command('db').description('The store: SQLite by default, PostgreSQL in production.');
  const status = db
    .command('status')
    .description('Open the store (creating it and applying migrations if needed) and show what it holds.')
    .option('--json', 'print JSON');
  addStoreOptions(status).action((options: { db?: string; config?: string; json?: boolean }) =>
    withReadApp('db', options, setStatus, async (app) => {
      const counts = await storeStatus(app.context);
      if (options.json) {
        printJson({ store: app.storeLabel, ...counts });
      } else {
        const n = (value: number): string => value.toLocaleString('en-GB');
        printOut(
          `store: ${app.storeLabel} (schema up to date)\n` +
            `aggregate reports: ${n(counts.aggregate)} (${n(counts.records)} records)\n` +
            `failure reports: ${n(counts.failure)}\nTLS reports: ${n(counts.tls)}\n` +
            `raw inputs kept: ${n(counts.raw)}\nquarantined: ${n(counts.quarantine)}\n`,
        );
      }
      return 0;
    }, { create: true }),
  );
  const compact = db
    .command('compact')
    .description('Give the free space of an SQLite store back to the disk (the file never shrinks by itself); needs free disk about twice its size.');
  addStoreOptions(compact).action((options: { db?: string; config?: string }) =>
    withApp('db', options, setStatus, async (app) => {
      let result: Awaited<ReturnType<typeof compactStore>>;
      try {
        result = await compactStore(app.context);
      } catch (caught) {
        // A store that is missing or cannot be opened says so itself, naming the store.
        if (isAppError(caught)) throw caught;
        printErr(safe`dmarcpilot db compact: ${app.storeLabel}: ${caught instanceof Error ? caught.message : String(caught)}\n`);
        return 1;
      }
      if (result === undefined) {
        printOut(`store: ${app.storeLabel}: nothing done, nothing created (PostgreSQL's autovacuum reuses the space of deleted rows)\n`);
        return 0;
      }
      const mb = (bytes: number): string => `${(bytes / 1e6).toLocaleString('en-GB', { maximumFractionDigits: 1, minimumFractionDigits: 1 })} MB`;
      printOut(`store: ${app.storeLabel}: ${mb(result.bytesBefore)} -> ${mb(result.bytesAfter)} (${mb(Math.max(0, result.bytesBefore - result.bytesAfter))} given back)\n`);
      return 0;
    }),
  );
  const prune = db
    .command('prune')
    .description('Apply the retention now (serve does it every hour): delete failure-report data older than retention.failureReportDays (default 90), and closed quarantine entries when configured.')
    .option('--json', 'print JSON');
  addStoreOptions(prune).action((options: { db?: string; config?: string; json?: boolean }) =>
    withApp('db', options, setStatus, async (app) => {
      const result = await applyRetention(app.context);
      if (options.json) printJson({ store: app.storeLabel, ...result });
      else printOut(`store: ${app.storeLabel}: ${describeRetention(result)}\n`);
      return 0;
    }),
  );
}

/** One line on what a retention deleted, and up to when. */
export function describeRetention(result: RetentionResult): string {
  const day = (date: Date): string => date.toISOString().slice(0, 10);
  const closed = result.rules.closedQuarantineBefore === undefined ? '' : `, closed ones received before ${day(result.rules.closedQuarantineBefore)}`;
  return (
    `deleted ${result.failureReports} failure reports and ${result.quarantineEntries} quarantine entries, and the bytes of ${result.rawInputsEmptied} raw inputs ` +
    `(failure-report data received before ${day(result.rules.failureDataBefore)}${result.rules.keepFailureRaw ? '' : '; raw failure-report e-mails are not kept'}${closed})`
  );
}
