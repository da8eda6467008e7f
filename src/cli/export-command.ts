/**
 * `dmarcpilot export records [--format jsonl|csv] [--domain D] [--since 30d] [--until DATE]`:
 * one row per stored aggregate record, with the same fields as `parse --format jsonl`.
 */
import { Option } from 'commander';
import type { Command } from 'commander';
import type { AggregateHeader, AggregateRecord } from '../app/reports.js';
import { streamRecords } from '../app/reports.js';
import { CSV_HEADER, RecordCsvFormatter } from '../reports/output/aggregate-csv.js';
import { RecordLineFormatter } from '../reports/output/aggregate-json.js';
import { addStoreOptions, withReadApp } from './app-runner.js';
import { createStdoutWriter } from './stdout-writer.js';
import { parseTimeOption } from './time-options.js';

interface ExportOptions {
  db?: string;
  config?: string;
  format: 'jsonl' | 'csv';
  domain?: string;
  since?: Date;
  until?: Date;
}

export function registerExportCommand(program: Command, setStatus: (code: number) => void): void {
  const exporter = program.command('export').description('Export stored data.');
  const records = exporter
    .command('records')
    .description('One row per stored aggregate record, with the fields of `parse --format jsonl`.')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--domain <domain>', 'only this policy domain')
    .option('--since <time>', 'only reports ending at or after this time: 30d, 12h, 2w or a date', (text) => parseTimeOption(text))
    .option('--until <time>', 'only reports beginning before this time', (text) => parseTimeOption(text));
  addStoreOptions(records).action((options: ExportOptions) =>
    withReadApp('export', options, setStatus, async (app) => {
      const writer = createStdoutWriter();
      if (options.format === 'csv') await writer.write(CSV_HEADER);
      let lastHeader: AggregateHeader | undefined;
      let line: (record: AggregateRecord) => string = () => '';
      const query = { ...(options.domain !== undefined ? { domain: options.domain } : {}), ...(options.since ? { since: options.since } : {}), ...(options.until ? { until: options.until } : {}) };
      for await (const stored of streamRecords(app.context, query)) {
        if (stored.header !== lastHeader) {
          lastHeader = stored.header;
          const formatter = options.format === 'csv' ? new RecordCsvFormatter(stored.header, stored.source) : new RecordLineFormatter(stored.header, stored.source);
          line = (record) => formatter.line(record);
        }
        const pending = writer.write(line(stored.record));
        if (pending) await pending;
      }
      await writer.end();
      return 0;
    }),
  );
}
