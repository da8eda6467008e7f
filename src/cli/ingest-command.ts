/**
 * `dmarcpilot ingest [--db LOCATION] PATH...`: store the reports found in files, directories
 * (recursively), mbox files and maildirs (directories of message files), or standard input (-).
 * Re-ingesting the same inputs changes nothing; refusals are quarantined with their raw bytes.
 * Exit status 1 when anything was refused or could not be read.
 */
import type { Command } from 'commander';
import { listInputs } from '../ingest/file-inputs.js';
import type { IngestRun } from '../ingest/ingest-files.js';
import { ingestBytes, ingestFiles } from '../ingest/ingest-files.js';
import { addIngestCounts } from '../ingest/store-sink.js';
import { readAll } from '../reports/extract/byte-stream.js';
import { describeStoreLocation } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { addLimitOptions, limitsFromOptions } from './limit-options.js';
import { createProgress } from './progress.js';
import { DB_OPTION, withStore } from './store-options.js';

interface IngestOptions {
  db?: string;
  keepFailureHeaders?: boolean;
  quiet?: boolean;
  [key: string]: unknown;
}

export function registerIngestCommand(program: Command, setStatus: (code: number) => void): void {
  const command = program
    .command('ingest')
    .description('Store the reports found in files, directories, mbox files, maildirs or standard input (-). Duplicates are recognised; refused inputs are quarantined.')
    .argument('<paths...>', 'files, directories (read recursively), mbox files, or - for standard input')
    .option(...DB_OPTION)
    .option('--keep-failure-headers', "keep failure reports' original message headers (off by default, for privacy)")
    .option('-q, --quiet', 'no progress and no summary on standard error');
  addLimitOptions(command);
  command.action((paths: string[], options: IngestOptions) => withStore('ingest', options, setStatus, (store, location) => runIngest(paths, options, store, location)));
}

async function runIngest(paths: string[], options: IngestOptions, store: Store, location: string): Promise<number> {
  const listed = await listInputs(paths);
  for (const problem of listed.problems) process.stderr.write(`${problem.path}: unreadable: ${problem.message}\n`);
  const progress = options.quiet ? undefined : createProgress(listed.files.length + (listed.stdin ? 1 : 0));
  const limits = limitsFromOptions(options);
  const run: IngestRun = {
    store,
    limits,
    keepFailureHeaders: options.keepFailureHeaders === true,
    now: () => new Date(),
    onRejected: (rejection, source) => {
      progress?.clear();
      process.stderr.write(`${source}: ${rejection.code}: ${rejection.message}\n`);
    },
    progress: (done, counts) => progress?.update(done, counts),
  };
  try {
    const summary = await ingestFiles(listed.files, run);
    if (listed.stdin) {
      addIngestCounts(summary, await ingestBytes(await readAll(process.stdin, limits.maxBufferedBytes, 'Standard input'), '-', run));
      summary.inputs++;
    }
    progress?.clear();
    if (!options.quiet) {
      const n = (value: number): string => value.toLocaleString('en-GB');
      process.stderr.write(
        `dmarcpilot ingest: ${n(summary.inputs)} inputs into ${describeStoreLocation(location)}: ${n(summary.newReports)} new reports ` +
          `(${n(summary.records)} records), ${n(summary.duplicateReports)} already stored, ${n(summary.rejected)} refused` +
          `${summary.rejected > 0 ? ' (kept in quarantine: dmarcpilot quarantine list)' : ''}\n`,
      );
    }
    return summary.rejected > 0 || listed.problems.length > 0 ? 1 : 0;
  } catch (caught) {
    progress?.clear();
    process.stderr.write(`dmarcpilot ingest: stopped: ${caught instanceof Error ? caught.message : String(caught)}\n`);
    return 1;
  }
}
