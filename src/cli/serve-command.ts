/**
 * `dmarcpilot serve [--config FILE] [--db LOCATION] [--smtp HOST:PORT|off]`: the long-running
 * receiver. It runs the SMTP listener and one IMAP watcher per configured mailbox, all storing
 * into one store, one input at a time (a shared queue), until SIGINT or SIGTERM; then it stops
 * accepting, lets what is in flight be stored, and closes the store. docs/serve.md describes
 * the configuration; with none it listens on 127.0.0.1:2525 into data/dmarcpilot.sqlite.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createIngestQueue } from '../ingest/ingest-queue.js';
import type { IngestRun } from '../ingest/ingest-files.js';
import type { ImapSourceConfig } from '../ingest/imap/imap-config.js';
import { makeImapConfig } from '../ingest/imap/imap-config.js';
import type { ImapWatcher } from '../ingest/imap/imap-watcher.js';
import { startImapWatcher } from '../ingest/imap/imap-watcher.js';
import { describeImapLocation } from '../ingest/imap/imap-location.js';
import type { SmtpListener } from '../ingest/smtp/smtp-listener.js';
import { startSmtpListener } from '../ingest/smtp/smtp-listener.js';
import { describeStoreLocation, openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { addLimitOptions, limitsFromOptions } from './limit-options.js';
import type { ServeConfig, SmtpSettings } from './serve-config.js';
import { resolveServeConfig } from './serve-config.js';
import { onStopSignals } from './stop-signals.js';
import { DB_OPTION } from './store-options.js';

interface ServeOptions {
  config?: string;
  db?: string;
  smtp?: string;
  [key: string]: unknown;
}

export function registerServeCommand(program: Command, setStatus: (code: number) => void): void {
  const command = program
    .command('serve')
    .description('Receive reports until stopped: the SMTP listener and IMAP watchers of the configuration (docs/serve.md); SIGINT or SIGTERM stops it cleanly.')
    .option('-c, --config <file>', 'JSON configuration file (default: $DMARCPILOT_CONFIG; without one: SMTP on 127.0.0.1:2525, no IMAP)')
    .option(...DB_OPTION)
    .option('--smtp <listen>', 'SMTP listener address HOST:PORT, or off (default: the configuration, else 127.0.0.1:2525)');
  addLimitOptions(command);
  command.action(async (options: ServeOptions) => {
    const path = options.config ?? process.env['DMARCPILOT_CONFIG'];
    let file: { path: string; text: string } | undefined;
    if (path !== undefined) {
      try {
        file = { path, text: readFileSync(path, 'utf8') };
      } catch (caught) {
        log(`cannot read the configuration ${path}: ${messageOf(caught)}`);
        setStatus(2);
        return;
      }
    }
    const resolved = resolveServeConfig(file, process.env, { db: options.db, smtp: options.smtp });
    if (resolved.errors) {
      for (const error of resolved.errors) log(`configuration: ${error}`);
      setStatus(2);
      return;
    }
    setStatus(await serve(resolved.config, options));
  });
}

/** Runs until a signal; 0 after a clean stop, 1 when something could not start. */
async function serve(config: ServeConfig, options: ServeOptions): Promise<number> {
  if (config.smtp === undefined && config.imap.length === 0) {
    log('nothing to run: the SMTP listener is off and no IMAP mailbox is configured');
    return 2;
  }
  // Mailbox settings (URL, password file) are checked before anything opens or listens.
  const mailboxes = config.imap.map(imapSourceFrom);
  const wrong = mailboxes.filter((m): m is string => typeof m === 'string');
  if (wrong.length > 0) {
    for (const problem of wrong) log(`configuration: imap: ${problem}`);
    return 2;
  }
  let store: Store;
  try {
    store = await openStore(config.db, { notice: log });
  } catch (caught) {
    log(`cannot open ${describeStoreLocation(config.db)}: ${messageOf(caught)}`);
    return 1;
  }
  log(`storing into ${describeStoreLocation(config.db)}`);
  const run: IngestRun = {
    store,
    limits: limitsFromOptions(options),
    keepFailureHeaders: config.keepFailureHeaders,
    now: () => new Date(),
    onRejected: (rejection, source) => log(`${source}: refused, kept in quarantine: ${rejection.code}: ${rejection.message}`),
    queue: createIngestQueue(1),
  };
  const stops: (() => Promise<void>)[] = [];
  try {
    if (config.smtp) stops.push(await startSmtp(config.smtp, run));
    for (const mailbox of mailboxes as ImapSourceConfig[]) stops.push(startImap(mailbox, run));
  } catch (caught) {
    log(`cannot start: ${messageOf(caught)}`);
    await Promise.allSettled(stops.map((stop) => stop()));
    await store.close();
    return 1;
  }
  await waitForSignal();
  log('stopping: no new mail is accepted; storing what is in flight');
  await Promise.allSettled(stops.map((stop) => stop()));
  await store.close();
  log('stopped');
  return 0;
}

async function startSmtp(settings: SmtpSettings, run: IngestRun): Promise<() => Promise<void>> {
  const anyRecipient = settings.recipients.length === 0;
  const listener: SmtpListener = await startSmtpListener(
    {
      host: settings.host,
      port: settings.port,
      ...(settings.hostname !== undefined ? { hostname: settings.hostname } : {}),
      recipients: anyRecipient ? ['*'] : settings.recipients,
      maxMessageBytes: Math.min(settings.maxMessageBytes, run.limits.maxBufferedBytes),
      maxConnections: settings.maxConnections,
      ...(settings.tls ? { tls: settings.tls } : {}),
      requireTls: settings.requireTls,
      ...(settings.socketTimeoutMs !== undefined ? { socketTimeoutMs: settings.socketTimeoutMs } : {}),
      ...(settings.closeTimeoutMs !== undefined ? { closeTimeoutMs: settings.closeTimeoutMs } : {}),
    },
    run,
    {
      onMessage: (m) =>
        log(`${m.input}: ${m.bytes} bytes${m.tls ? ' over TLS' : ''}: ${m.newReports} new reports (${m.records} records), ${m.duplicateReports} already stored, ${m.rejected} refused`),
      onError: (error, context) => log(`smtp: ${context}: ${messageOf(error)}`),
      onEvent: (text) => log(text),
    },
  );
  const who = anyRecipient ? 'any recipient (loopback trial: set smtp.recipients before opening it up)' : settings.recipients.join(', ');
  log(`smtp: accepting mail for ${who}`);
  return () => listener.close();
}

/** The checked source of one configured mailbox, or what is wrong with it. */
function imapSourceFrom(mailbox: ServeConfig['imap'][number]): ImapSourceConfig | string {
  const made = makeImapConfig({
    url: mailbox.url,
    envPassword: process.env['DMARCPILOT_IMAP_PASSWORD'],
    passwordFile: mailbox.passwordFile,
    archiveFolder: mailbox.archiveFolder,
    failedFolder: mailbox.failedFolder,
    afterIngest: mailbox.keep ? 'keep' : mailbox.delete ? 'delete' : 'move',
    insecureTls: mailbox.insecureTls,
  });
  return made.ok ? made.config : made.message;
}

function startImap(source: ImapSourceConfig, run: IngestRun): () => Promise<void> {
  const name = describeImapLocation(source.location);
  const watcher: ImapWatcher = startImapWatcher(source, run, {
    onEvent: (message) => log(`imap ${name}: ${message}`),
    onMessage: (outcome) =>
      log(`imap: ${outcome.name}: ${outcome.counts.newReports} new reports (${outcome.counts.records} records), ${outcome.counts.duplicateReports} already stored, ${outcome.counts.rejected} refused; ${outcome.disposition}`),
    onStoreError: (input, error) => log(`imap: ${input}: store error, left in the folder for the next pass: ${messageOf(error)}`),
  });
  log(`imap ${name}: watching`);
  return () => watcher.close();
}

/** Resolves on the first SIGINT or SIGTERM; a second one ends the process at once. */
function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    onStopSignals((signal) => {
      log(`${signal} received`);
      resolve();
    });
  });
}

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} dmarcpilot serve: ${message}\n`);
}

function messageOf(caught: unknown): string {
  return caught instanceof Error ? caught.message : String(caught);
}
