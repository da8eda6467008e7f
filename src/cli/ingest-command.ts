/**
 * `dmarcpilot ingest [--db LOCATION] [PATH...] [--imap URL]`: store the reports found in files,
 * directories (recursively), mbox files and maildirs (directories of message files), standard
 * input (-), and/or one IMAP folder (a one-off back-fill; files first, then the mailbox).
 * Re-ingesting the same inputs changes nothing; refusals are quarantined with their raw bytes.
 * Exit status 1 when anything was refused, could not be read, or could not be stored.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { listInputs } from '../ingest/file-inputs.js';
import { backfillImapMailbox } from '../ingest/imap/imap-backfill.js';
import type { ImapSourceConfig } from '../ingest/imap/imap-config.js';
import { DEFAULT_ARCHIVE_FOLDER, DEFAULT_BATCH_SIZE, DEFAULT_FAILED_FOLDER, makeImapConfig } from '../ingest/imap/imap-config.js';
import type { ImapSummary } from '../ingest/imap/imap-mailbox-pass.js';
import type { IngestRun, IngestSummary } from '../ingest/ingest-files.js';
import { ingestBytes, ingestFiles } from '../ingest/ingest-files.js';
import { addIngestCounts } from '../ingest/store-sink.js';
import { readAll } from '../reports/extract/byte-stream.js';
import { describeStoreLocation, isPostgresLocation } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { addLimitOptions, limitsFromOptions, parsePositiveInteger } from './limit-options.js';
import { createProgress } from './progress.js';
import { onStopSignals } from './stop-signals.js';
import { DB_OPTION, withStore } from './store-options.js';

interface IngestOptions {
  db?: string;
  keepFailureHeaders?: boolean;
  quiet?: boolean;
  jobs?: number;
  imap?: string;
  imapArchive?: string;
  imapFailed?: string;
  imapKeep?: boolean;
  imapDelete?: boolean;
  imapPasswordFile?: string;
  imapInsecureTls?: boolean;
  imapPlaintext?: boolean;
  imapBatch?: number;
  [key: string]: unknown;
}

export function registerIngestCommand(program: Command, setStatus: (code: number) => void): void {
  const command = program
    .command('ingest')
    .description('Store the reports found in files, directories, mbox files, maildirs, standard input (-) or an IMAP folder (--imap). Duplicates are recognised; refused inputs are quarantined.')
    .argument('[paths...]', 'files, directories (read recursively), mbox files, or - for standard input')
    .option(...DB_OPTION)
    .option('--keep-failure-headers', "keep failure reports' original message headers (off by default, for privacy)")
    .option('-q, --quiet', 'no progress and no summary on standard error')
    .option('-j, --jobs <n>', 'threads: n - 1 read and parse files while one stores them, in order (default: the number of cores up to 4, + 1 with SQLite; 1: one thread)', parsePositiveInteger)
    .option('--imap <url>', 'also read an IMAP folder: imaps://user@host[:port]/FOLDER (password: $DMARCPILOT_IMAP_PASSWORD or --imap-password-file)')
    .option('--imap-archive <folder>', `where messages whose reports were stored go (default ${DEFAULT_ARCHIVE_FOLDER}, created if missing)`)
    .option('--imap-failed <folder>', `where refused messages and messages without a report go (default ${DEFAULT_FAILED_FOLDER})`)
    .option('--imap-keep', 'move and delete nothing (read-only back-fill; re-runs recognise what is stored)')
    .option('--imap-delete', 'delete messages whose reports were stored instead of archiving them (refused ones still go to the failed folder)')
    .option('--imap-batch <n>', `messages handled per round: sizes fetched together, moved together (default ${DEFAULT_BATCH_SIZE})`, parsePositiveInteger)
    .option('--imap-password-file <file>', 'read the IMAP password from this file')
    .option('--imap-insecure-tls', "accept a server certificate that does not verify (test servers only)")
    .option('--imap-plaintext', 'allow imap:// without STARTTLS to a host that is not loopback (the password travels in clear)');
  addLimitOptions(command);
  command.action(async (paths: string[], options: IngestOptions) => {
    if (paths.length === 0 && options.imap === undefined) return command.error('error: give at least one path, or --imap URL', { exitCode: 2 });
    const imap = options.imap === undefined ? undefined : imapConfigFrom(options.imap, options);
    if (typeof imap === 'string') return command.error(`error: ${imap}`, { exitCode: 2 });
    await withStore('ingest', options, setStatus, (store, location) => runIngest(paths, options, store, location, imap));
  });
}

/** The checked IMAP configuration, or what is wrong with the options (a usage error). */
function imapConfigFrom(url: string, options: IngestOptions): ImapSourceConfig | string {
  if (options.imapKeep && options.imapDelete) return '--imap-keep and --imap-delete: choose one';
  const made = makeImapConfig({
    url,
    envPassword: process.env['DMARCPILOT_IMAP_PASSWORD'],
    passwordFile: options.imapPasswordFile,
    archiveFolder: options.imapArchive,
    failedFolder: options.imapFailed,
    afterIngest: options.imapKeep ? 'keep' : options.imapDelete ? 'delete' : 'move',
    insecureTls: options.imapInsecureTls,
    allowPlaintext: options.imapPlaintext,
    batchSize: options.imapBatch,
  });
  return made.ok ? made.config : made.message;
}

async function runIngest(paths: string[], options: IngestOptions, store: Store, location: string, imap: ImapSourceConfig | undefined): Promise<number> {
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
    const interrupt = new AbortController();
    const summary = await whileInterruptible(interrupt, () => {
      progress?.clear();
      process.stderr.write('dmarcpilot ingest: stopping after the input being stored (press Ctrl-C again to stop at once)\n');
    }, () => ingestFiles(listed.files, { ...run, signal: interrupt.signal }, options.jobs ?? defaultIngestThreads(location)));
    if (interrupt.signal.aborted) {
      progress?.clear();
      const n = (value: number): string => value.toLocaleString('en-GB');
      process.stderr.write(
        `dmarcpilot ingest: interrupted after ${n(summary.inputs)} of ${n(listed.files.length)} files or messages, all stored: ${n(summary.newReports)} new reports ` +
          `(${n(summary.records)} records), ${n(summary.duplicateReports)} already stored, ${n(summary.rejected)} refused; ` +
          'run the same command again to go on (what is stored already is recognised)\n',
      );
      return 130;
    }
    if (listed.stdin) {
      addIngestCounts(summary, await ingestBytes(await readAll(process.stdin, limits.maxBufferedBytes, 'Standard input'), '-', run));
      summary.inputs++;
    }
    progress?.clear();
    const mailbox = imap ? await backfillImap(imap, run, options, summary) : undefined;
    if (!options.quiet) {
      const n = (value: number): string => value.toLocaleString('en-GB');
      const moved = mailbox
        ? imap?.afterIngest === 'keep'
          ? '; IMAP: nothing moved (--imap-keep)'
          : `; IMAP: ${n(mailbox.archived)} ${imap?.afterIngest === 'delete' ? 'deleted' : `to ${imap?.archiveFolder}`}, ${n(mailbox.failed)} to ${imap?.failedFolder}` +
            `${mailbox.storeErrors > 0 ? `, ${n(mailbox.storeErrors)} left in place (store errors)` : ''}`
        : '';
      process.stderr.write(
        `dmarcpilot ingest: ${n(summary.inputs)} inputs into ${describeStoreLocation(location)}: ${n(summary.newReports)} new reports ` +
          `(${n(summary.records)} records), ${n(summary.duplicateReports)} already stored, ${n(summary.rejected)} refused` +
          `${summary.rejected > 0 ? ' (kept in quarantine: dmarcpilot quarantine list)' : ''}${moved}\n`,
      );
    }
    return summary.rejected > 0 || listed.problems.length > 0 || (mailbox?.storeErrors ?? 0) > 0 ? 1 : 0;
  } catch (caught) {
    progress?.clear();
    process.stderr.write(`dmarcpilot ingest: stopped: ${caught instanceof Error ? caught.message : String(caught)}\n`);
    return 1;
  }
}

/** The IMAP back-fill, its counts added to `summary`; its events and store errors on standard error. */
async function backfillImap(config: ImapSourceConfig, run: IngestRun, options: IngestOptions, summary: IngestSummary): Promise<ImapSummary> {
  // The progress bar counts files; the mailbox reports its own events instead.
  const { progress: _fileProgress, ...mailboxRun } = run;
  const mailbox = await backfillImapMailbox(config, mailboxRun, {
    onEvent: (message) => {
      if (!options.quiet) process.stderr.write(`dmarcpilot ingest: ${message}\n`);
    },
    onStoreError: (name, error) => process.stderr.write(`${name}: store-error: ${error instanceof Error ? error.message : String(error)} (left in the folder)\n`),
  });
  addIngestCounts(summary, mailbox);
  summary.inputs += mailbox.inputs;
  return mailbox;
}

/** Cores counted for the default: beyond this, parsing outruns the one thread that stores, and each worker costs memory. */
const DEFAULT_CORES_AT_MOST = 4;

/**
 * SQLite: one parsing worker per core, plus the main thread, which stores (it takes less CPU than
 * parsing): on 2 cores, 3 threads back-fill about 15% faster than 2. PostgreSQL: the number of
 * cores, since the database server (often on the same machine) needs CPU too: there 3 threads
 * were slower than 2 (docs/benchmarks.md). Either way at most 4 cores count: one storing thread
 * keeps up with about two parsing ones (per million records, about 12 s of storing against 15 s
 * of parsing on these machines).
 */
function defaultIngestThreads(location: string): number {
  return Math.min(availableParallelism(), DEFAULT_CORES_AT_MOST) + (isPostgresLocation(location) ? 0 : 1);
}

/**
 * Runs `work` with SIGINT and SIGTERM turned into `interrupt.abort()` (the first one; `notice`
 * tells the user), so that a long back-fill stops between inputs with what it stored committed.
 * A second signal ends the process at once. The handlers are removed when `work` settles.
 */
async function whileInterruptible<T>(interrupt: AbortController, notice: () => void, work: () => Promise<T>): Promise<T> {
  const remove = onStopSignals(() => {
    interrupt.abort();
    notice();
  });
  try {
    return await work();
  } finally {
    remove();
  }
}
