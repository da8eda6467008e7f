/**
 * `dmarcpilot export records [--format jsonl|csv] [--domain D] [--since 30d] [--until DATE]`:
 * one row per stored aggregate record, with the same fields as `parse --format jsonl`.
 * `dmarcpilot export failures [--ip IP] [--sender KEY]` and `dmarcpilot export tls`: every stored
 * failure report, or TLS report (one CSV row per policy), with the same filters
 * (app/report-rows.ts). All are streamed: read page by page and written with back-pressure.
 */
import { Option } from 'commander';
import type { Command } from 'commander';
import type { AggregateHeader, AggregateRecord } from '../app/reports.js';
import type { StoredFailureReport, StoredTlsReport } from '../app/reports.js';
import { streamFailureReports, streamRecords, streamTlsReports } from '../app/reports.js';
import { CSV_HEADER, RecordCsvFormatter } from '../reports/output/aggregate-csv.js';
import { RecordLineFormatter } from '../reports/output/aggregate-json.js';
import { addStoreOptions, withReadApp } from './app-runner.js';
import { FAILURE_CSV_HEADER, TLS_CSV_HEADER, failureCsvRow, failureJsonLine, tlsCsvRows, tlsJsonLine } from '../app/report-rows.js';
import { createStdoutWriter } from './stdout-writer.js';
import { parseTimeOption } from './time-options.js';

interface ExportOptions {
  db?: string;
  config?: string;
  format: 'jsonl' | 'csv';
  domain?: string;
  since?: Date;
  until?: Date;
  ip?: string;
  sender?: string;
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

  const failures = exporter
    .command('failures')
    .description('One row per stored failure (forensic) report, as stored: redacted unless headers were kept (every field in JSON lines).')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--domain <domain>', 'only reports about this domain')
    .option('--ip <address>', 'only reports about mail from this source IP')
    .option('--sender <key>', "only reports whose source belongs to this sender of --domain (or its subdomains), as `senders` groups them")
    .option('--since <time>', 'only reports of mail arriving at or after this time: 30d, 12h, 2w or a date', (text) => parseTimeOption(text))
    .option('--until <time>', 'only reports of mail arriving before this time', (text) => parseTimeOption(text));
  addStoreOptions(failures).action((options: ExportOptions) =>
    withReadApp('export', options, setStatus, async (app) => {
      const reports = streamFailureReports(app.context, { ...query(options), ...(options.ip !== undefined ? { sourceIp: options.ip } : {}), ...(options.sender !== undefined ? { sender: options.sender } : {}) });
      await writeAll(reports, options.format === 'csv' ? FAILURE_CSV_HEADER : '', (r: StoredFailureReport) => (options.format === 'csv' ? failureCsvRow(r) : failureJsonLine(r)));
      return 0;
    }),
  );
  const tls = exporter
    .command('tls')
    .description('Every stored SMTP TLS report (RFC 8460): one JSON line per report, or one CSV row per policy.')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--domain <domain>', 'only reports with a policy for this domain')
    .option('--since <time>', 'only reports whose period ends at or after this time: 30d, 12h, 2w or a date', (text) => parseTimeOption(text))
    .option('--until <time>', 'only reports whose period begins before this time', (text) => parseTimeOption(text));
  addStoreOptions(tls).action((options: ExportOptions) =>
    withReadApp('export', options, setStatus, async (app) => {
      await writeAll(streamTlsReports(app.context, query(options)), options.format === 'csv' ? TLS_CSV_HEADER : '', (r: StoredTlsReport) => (options.format === 'csv' ? tlsCsvRows(r) : tlsJsonLine(r)));
      return 0;
    }),
  );
}

function query(options: ExportOptions): { domain?: string; since?: Date; until?: Date } {
  return { ...(options.domain !== undefined ? { domain: options.domain } : {}), ...(options.since ? { since: options.since } : {}), ...(options.until ? { until: options.until } : {}) };
}

/** Writes the header, then a row per item, waiting whenever the pipe is full. */
async function writeAll<T>(items: AsyncIterable<T>, header: string, row: (item: T) => string): Promise<void> {
  const writer = createStdoutWriter();
  if (header !== '') await writer.write(header);
  for await (const item of items) {
    const pending = writer.write(row(item));
    if (pending) await pending;
  }
  await writer.end();
}
