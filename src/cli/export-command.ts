/**
 * `dmarcpilot export records [--format jsonl|csv] [--domain D] [--since 30d] [--until DATE]`:
 * one row per stored aggregate record, with the same fields as `parse --format jsonl`.
 */
import { Option } from 'commander';
import type { Command } from 'commander';
import type { AggregateHeader, AggregateRecord } from '../reports/aggregate/aggregate-report.js';
import { CSV_HEADER, RecordCsvFormatter } from '../reports/output/aggregate-csv.js';
import { RecordLineFormatter } from '../reports/output/aggregate-json.js';
import { describeStoreLocation, openStore } from '../store/open-store.js';
import { storeLocationFrom } from './db-command.js';
import { createStdoutWriter } from './stdout-writer.js';
import { parseTimeOption } from './time-options.js';

interface ExportOptions {
  db?: string;
  format: 'jsonl' | 'csv';
  domain?: string;
  since?: Date;
  until?: Date;
}

export function registerExportCommand(program: Command, setStatus: (code: number) => void): void {
  const exporter = program.command('export').description('Export stored data.');
  exporter
    .command('records')
    .description('One row per stored aggregate record, with the fields of `parse --format jsonl`.')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--domain <domain>', 'only this policy domain')
    .option('--since <time>', 'only reports ending at or after this time: 30d, 12h, 2w or a date', (text) => parseTimeOption(text))
    .option('--until <time>', 'only reports beginning before this time', (text) => parseTimeOption(text))
    .option('--db <location>', 'SQLite file or postgres:// URL (default: $DMARCPILOT_DB, else data/dmarcpilot.sqlite)')
    .action(async (options: ExportOptions) => {
      const location = storeLocationFrom(options);
      let store;
      try {
        store = await openStore(location);
      } catch (caught) {
        process.stderr.write(`dmarcpilot export: cannot open ${describeStoreLocation(location)}: ${caught instanceof Error ? caught.message : String(caught)}\n`);
        setStatus(1);
        return;
      }
      const writer = createStdoutWriter();
      try {
        if (options.format === 'csv') await writer.write(CSV_HEADER);
        let lastHeader: AggregateHeader | undefined;
        let line: (record: AggregateRecord) => string = () => '';
        const filter = { ...(options.domain ? { domain: options.domain.toLowerCase() } : {}), ...(options.since ? { since: options.since } : {}), ...(options.until ? { until: options.until } : {}) };
        for await (const stored of store.streamRecords(filter)) {
          if (stored.header !== lastHeader) {
            lastHeader = stored.header;
            const formatter = options.format === 'csv' ? new RecordCsvFormatter(stored.header, stored.source) : new RecordLineFormatter(stored.header, stored.source);
            line = (record) => formatter.line(record);
          }
          const pending = writer.write(line(stored.record));
          if (pending) await pending;
        }
        await writer.end();
      } finally {
        await store.close();
      }
    });
}
