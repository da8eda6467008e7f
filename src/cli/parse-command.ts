/**
 * `dmarcpilot parse [--format json|jsonl|csv] PATH...`: print the normalised reports found in
 * files, directories (recursively) or standard input (`-`). Refused inputs are listed on
 * standard error as `path: code: message`; the rest still print; the exit status is 1 when
 * anything was refused or could not be read. Nothing is stored: this is the parsers and the
 * worker pool (ingest/parse-pool.ts) with a printer, no application state.
 */
import { availableParallelism } from 'node:os';
import { Option } from 'commander';
import type { Command } from 'commander';
import type { Limits } from '../core/limits.js';
import { listInputs, openStdinInput } from '../ingest/file-inputs.js';
import { parseInParallel, parseSequentially } from '../ingest/parse-pool.js';
import type { ParseRun } from '../ingest/parse-pool.js';
import { CSV_HEADER } from '../reports/output/aggregate-csv.js';
import type { OutputFormat, PrintCounts } from '../reports/output/report-printer.js';
import { loadConfig } from '../app/config.js';
import { reportFailure } from './app-runner.js';
import { addLimitOptions, limitFlags, parsePositiveInteger } from './limit-options.js';
import { printErr, safe, safeText } from './output.js';
import { createProgress } from './progress.js';
import { createStdoutWriter } from './stdout-writer.js';

interface ParseOptions {
  format: OutputFormat;
  jobs?: number;
  quiet?: boolean;
  [key: string]: unknown;
}

export function registerParseCommand(program: Command, setStatus: (code: number) => void): void {
  const command = program
    .command('parse')
    .description('Print the DMARC aggregate, failure and SMTP TLS reports found in files, directories or standard input (-).')
    .argument('<paths...>', 'files, directories (read recursively) or - for standard input')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['json', 'jsonl', 'csv']).default('json'))
    .option('-j, --jobs <n>', 'worker threads (default: the number of cores)', parsePositiveInteger)
    .option('-q, --quiet', 'no progress and no summary on standard error');
  addLimitOptions(command);
  command
    .option('--config <file>', 'JSON configuration file whose limits apply (default: $DMARCPILOT_CONFIG)')
    .action(async (paths: string[], options: ParseOptions & { config?: string }) => {
      let limits: Limits;
      try {
        limits = loadConfig({ config: options.config, limits: limitFlags(options) }).limits;
      } catch (caught) {
        setStatus(reportFailure('parse', caught));
        return;
      }
      setStatus(await runParse(paths, options, limits));
    });
}

async function runParse(paths: string[], options: ParseOptions, limits: Limits): Promise<number> {
  const listed = await listInputs(paths);
  for (const problem of listed.problems) printErr(safe`${problem.path}: unreadable: ${problem.message}\n`);
  const total = listed.files.length + (listed.stdin ? 1 : 0);
  const writer = createStdoutWriter();
  // --format json: reports arrive as ",\n{...}"; the first one loses its comma.
  let firstReport = options.format === 'json';
  const write = (chunk: Uint8Array): Promise<void> | void => {
    if (firstReport && chunk[0] === 0x2c) {
      firstReport = false;
      return writer.write(chunk.subarray(1));
    }
    return writer.write(chunk);
  };
  const progress = options.quiet ? undefined : createProgress(total);
  const run: ParseRun = {
    format: options.format,
    limits,
    jobs: options.jobs ?? availableParallelism(),
    write,
    error: (line) => {
      progress?.clear();
      printErr(`${safeText(line)}\n`);
    },
    progress: (done, counts) => progress?.update(done, counts),
  };

  if (options.format === 'json') await writer.write('[');
  if (options.format === 'csv') await writer.write(CSV_HEADER);
  const counts = await parseInParallel(listed.files, run);
  if (listed.stdin) {
    const fromStdin = await parseSequentially([openStdinInput(process.stdin)], { ...run, progress: undefined });
    for (const key of Object.keys(counts) as (keyof PrintCounts)[]) counts[key] += fromStdin[key];
  }
  if (options.format === 'json') await writer.write('\n]\n');
  await writer.end();
  progress?.clear();

  if (!options.quiet) printErr(`${summarise(total, counts, options.format)}\n`);
  return counts.rejected > 0 || listed.problems.length > 0 ? 1 : 0;
}

function summarise(inputs: number, c: PrintCounts, format: OutputFormat): string {
  const n = (value: number): string => value.toLocaleString('en-GB');
  let text =
    `dmarcpilot parse: ${n(inputs)} input${inputs === 1 ? '' : 's'}: ${n(c.aggregateReports)} aggregate reports ` +
    `(${n(c.records)} records, ${n(c.messages)} messages), ${n(c.failureReports)} failure reports, ${n(c.tlsReports)} TLS reports, ${n(c.rejected)} refused`;
  if (c.notShown > 0) text += `\n(${n(c.notShown)} failure/TLS reports are not shown in ${format} output, which lists aggregate records; use --format json)`;
  return text;
}

