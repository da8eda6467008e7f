/**
 * `dmarcpilot ingest [--db LOCATION] [PATH...] [--imap URL]`: store the reports found in files,
 * directories (recursively), mbox files and maildirs (directories of message files), standard
 * input (-), and/or one IMAP folder (a one-off back-fill; files first, then the mailbox). Every
 * input goes through the application's one ingest path (app/ingest.ts). Re-ingesting the same
 * inputs changes nothing; refusals are quarantined with their raw bytes. Exit status 1 when
 * anything was refused, could not be read, or could not be stored; 130 when interrupted.
 */
import type { Command } from 'commander';
import type { IngestReporting, IngestSummary } from '../app/ingest.js';
import { addIngestCounts, createIngestPort, ingestInput, ingestPaths } from '../app/ingest.js';
import type { App } from '../app/open-app.js';
import { applyRetention, retentionDeleted } from '../app/maintenance.js';
import { defaultIngestThreads, openApp } from '../app/open-app.js';
import { backfillImapMailbox } from '../ingest/imap/imap-backfill.js';
import type { ImapSourceConfig } from '../ingest/imap/imap-config.js';
import { DEFAULT_ARCHIVE_FOLDER, DEFAULT_BATCH_SIZE, DEFAULT_FAILED_FOLDER, makeImapConfig } from '../ingest/imap/imap-config.js';
import type { ImapSummary } from '../ingest/imap/imap-mailbox-pass.js';
import { readAll } from '../reports/extract/byte-stream.js';
import { invalid } from '../app/problems.js';
import { loadConfig } from '../app/config.js';
import { addStoreOptions, cliLog, runCommand } from './app-runner.js';
import { describeRetention } from './db-command.js';
import { addLimitOptions, limitFlags, parsePositiveInteger } from './limit-options.js';
import { printErr, safe } from './output.js';
import { createProgress } from './progress.js';
import { onStopSignals } from './stop-signals.js';

interface IngestOptions {
  db?: string;
  config?: string;
  keepFailureHeaders?: boolean;
  keepFailureRaw?: boolean;
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
    .option('--keep-failure-headers', "keep failure reports' original message headers (off by default, for privacy)")
    .option('--keep-failure-raw', 'keep the raw e-mails of failure reports (off by default, for privacy; deleted with the reports after retention.failureReportDays)')
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
  addStoreOptions(command);
  addLimitOptions(command);
  command.action(async (paths: string[], options: IngestOptions) => {
    if (paths.length === 0 && options.imap === undefined) return command.error('error: give at least one path, or --imap URL', { exitCode: 2 });
    await runCommand('ingest', setStatus, async () => {
      const config = loadConfig({ db: options.db, config: options.config, keepFailureHeaders: options.keepFailureHeaders, keepFailureRaw: options.keepFailureRaw, limits: limitFlags(options) });
      const imap = options.imap === undefined ? undefined : imapConfigFrom(options.imap, options, config.imapPassword);
      const app = await openApp(config, { log: cliLog('ingest') });
      try {
        return await runIngest(app, paths, options, imap);
      } finally {
        await app.close();
      }
    });
  });
}

/** The checked IMAP configuration; an `invalid` AppError for what is wrong with the options. */
function imapConfigFrom(url: string, options: IngestOptions, envPassword: string | undefined): ImapSourceConfig {
  if (options.imapKeep && options.imapDelete) throw invalid('options-conflict', '--imap-keep', '--imap-keep and --imap-delete: choose one');
  const made = makeImapConfig({
    url,
    envPassword,
    passwordFile: options.imapPasswordFile,
    archiveFolder: options.imapArchive,
    failedFolder: options.imapFailed,
    afterIngest: options.imapKeep ? 'keep' : options.imapDelete ? 'delete' : 'move',
    insecureTls: options.imapInsecureTls,
    allowPlaintext: options.imapPlaintext,
    batchSize: options.imapBatch,
  });
  if (made.config === undefined) {
    const [first] = made.problems;
    throw invalid(first?.code ?? 'setting-invalid', first?.field, first?.message ?? `${url}: not a usable IMAP source`);
  }
  return made.config;
}

async function runIngest(app: App, paths: string[], options: IngestOptions, imap: ImapSourceConfig | undefined): Promise<number> {
  const n = (value: number): string => value.toLocaleString('en-GB');
  let progress: ReturnType<typeof createProgress>;
  const reporting: IngestReporting = {
    onRejected: (rejection, source) => {
      progress?.clear();
      printErr(safe`${source}: ${rejection.code}: ${rejection.message}\n`);
    },
  };
  const fileFailures = { unreadable: 0 };
  try {
    const interrupt = new AbortController();
    let listedFiles = 0;
    const result = await whileInterruptible(
      interrupt,
      () => {
        progress?.clear();
        printErr('dmarcpilot ingest: stopping after the input being stored (press Ctrl-C again to stop at once)\n');
      },
      () =>
        ingestPaths(app.context, paths, {
          ...reporting,
          threads: options.jobs ?? defaultIngestThreads(app),
          signal: interrupt.signal,
          onUnreadable: (path, message) => {
            fileFailures.unreadable++;
            printErr(safe`${path}: unreadable: ${message}\n`);
          },
          onListed: (files) => {
            listedFiles = files;
            progress = options.quiet ? undefined : createProgress(files + (paths.includes('-') ? 1 : 0));
          },
          onProgress: (done, counts) => progress?.update(done, counts),
        }),
    );
    const summary: IngestSummary = result.summary;
    if (result.interrupted) {
      progress?.clear();
      printErr(
        `dmarcpilot ingest: interrupted after ${n(summary.inputs)} of ${n(listedFiles)} files or messages, all stored: ${n(summary.newReports)} new reports ` +
          `(${n(summary.records)} records), ${n(summary.duplicateReports)} already stored, ${n(summary.rejected)} refused; ` +
          'run the same command again to go on (what is stored already is recognised)\n',
      );
      return 130;
    }
    if (result.stdin) {
      addIngestCounts(summary, await ingestInput(app.context, { bytes: await readAll(process.stdin, app.context.limits.maxBufferedBytes, 'Standard input'), name: '-' }, reporting));
      summary.inputs++;
    }
    progress?.clear();
    const mailbox = imap ? await backfillImap(app, imap, reporting, options, summary) : undefined;
    // The retention, after the back-fill (docs/data-retention.md): failure-report data kept long enough goes.
    const retention = await applyRetention(app.context);
    if (!options.quiet && retentionDeleted(retention)) printErr(`dmarcpilot ingest: retention: ${describeRetention(retention)}\n`);
    if (!options.quiet) {
      const moved = mailbox
        ? imap?.afterIngest === 'keep'
          ? '; IMAP: nothing moved (--imap-keep)'
          : `; IMAP: ${n(mailbox.archived)} ${imap?.afterIngest === 'delete' ? 'deleted' : `to ${imap?.archiveFolder}`}, ${n(mailbox.failed)} to ${imap?.failedFolder}` +
            `${mailbox.storeErrors > 0 ? `, ${n(mailbox.storeErrors)} left in place (store errors)` : ''}`
        : '';
      printErr(
        `dmarcpilot ingest: ${n(summary.inputs)} inputs into ${app.storeLabel}: ${n(summary.newReports)} new reports ` +
          `(${n(summary.records)} records), ${n(summary.duplicateReports)} already stored, ${n(summary.rejected)} refused` +
          `${summary.rejected > 0 ? ' (kept in quarantine: dmarcpilot quarantine list)' : ''}${moved}\n`,
      );
    }
    return summary.rejected > 0 || fileFailures.unreadable > 0 || (mailbox?.storeErrors ?? 0) > 0 ? 1 : 0;
  } catch (caught) {
    progress?.clear();
    printErr(safe`dmarcpilot ingest: stopped: ${caught instanceof Error ? caught.message : String(caught)}\n`);
    return 1;
  }
}

/** The IMAP back-fill through the application's ingest port, its counts added to `summary`; its events and store errors on standard error. */
async function backfillImap(app: App, config: ImapSourceConfig, reporting: IngestReporting, options: IngestOptions, summary: IngestSummary): Promise<ImapSummary> {
  const mailbox = await backfillImapMailbox(config, createIngestPort(app.context, reporting), {
    onEvent: (message) => {
      if (!options.quiet) printErr(safe`dmarcpilot ingest: ${message}\n`);
    },
    onStoreError: (name, error) => printErr(safe`${name}: store-error: ${error instanceof Error ? error.message : String(error)} (left in the folder)\n`),
  });
  addIngestCounts(summary, mailbox);
  summary.inputs += mailbox.inputs;
  return mailbox;
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
