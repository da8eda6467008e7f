/**
 * `dmarcpilot serve [--config FILE] [--db LOCATION] [--smtp HOST:PORT|off]`: the long-running
 * receiver (server/receivers.ts): the SMTP listener and one IMAP watcher per configured mailbox,
 * all storing into one store through the application's one ingest queue, until SIGINT or
 * SIGTERM; then it stops accepting, lets what is in flight be stored, and closes the store.
 * docs/serve.md describes the configuration (read by app/config.ts); with none it listens on
 * 127.0.0.1:2525 into data/dmarcpilot.sqlite. Exit status 0 after a clean stop, 1 when something
 * could not start, 2 for a configuration mistake.
 */
import type { Command } from 'commander';
import type { AppConfig } from '../app/config.js';
import type { Problem } from '../core/problem.js';
import { loadConfig } from '../app/config.js';
import type { App } from '../app/open-app.js';
import { applyRetention, retentionDeleted } from '../app/maintenance.js';
import { openApp } from '../app/open-app.js';
import { AppError, isAppError } from '../app/problems.js';
import type { ImapSourceConfig } from '../ingest/imap/imap-config.js';
import { imapSourceFrom } from '../ingest/imap/imap-config.js';
import { deleteExpiredSessions } from '../app/accounts/accounts.js';
import { startReceivers } from '../server/receivers.js';
import type { WebApi } from '../server/web-api.js';
import { startWebApi } from '../server/web-api.js';
import { DB_OPTION } from './app-runner.js';
import { describeRetention } from './db-command.js';
import { addLimitOptions, limitFlags } from './limit-options.js';
import { onStopSignals } from './stop-signals.js';
import { readVersion } from './version.js';
import { printErr, safe } from './output.js';

interface ServeOptions {
  config?: string;
  db?: string;
  smtp?: string;
  http?: string;
  [key: string]: unknown;
}

export function registerServeCommand(program: Command, setStatus: (code: number) => void): void {
  const command = program
    .command('serve')
    .description('Receive reports until stopped: the SMTP listener and IMAP watchers of the configuration (docs/serve.md); SIGINT or SIGTERM stops it cleanly.')
    .option('-c, --config <file>', 'JSON configuration file (default: $DMARCPILOT_CONFIG; without one: SMTP on 127.0.0.1:2525, no IMAP)')
    .option(...DB_OPTION)
    .option('--smtp <listen>', 'SMTP listener address HOST:PORT, or off (default: the configuration, else 127.0.0.1:2525)')
    .option('--http <listen>', 'HTTP API address HOST:PORT, or off (default: the configuration, else 127.0.0.1:8080; docs/api.md)');
  addLimitOptions(command);
  command.action(async (options: ServeOptions) => {
    setStatus(await serve(options));
  });
}

/** Runs until a signal; the exit status. */
async function serve(options: ServeOptions): Promise<number> {
  let config: AppConfig;
  let mailboxes: ImapSourceConfig[];
  try {
    config = loadConfig({ config: options.config, db: options.db, smtp: options.smtp, http: options.http, limits: limitFlags(options) }, process.env, { receivers: true });
    mailboxes = mailboxSources(config);
  } catch (caught) {
    if (!isAppError(caught)) throw caught;
    for (const p of caught.problems) log(p.code === 'config-unreadable' ? p.message : `configuration: ${p.message}`);
    return 2;
  }
  for (const warning of config.warnings) log(`configuration: warning: ${warning}`);
  if (config.smtp === undefined && mailboxes.length === 0 && config.http === undefined) {
    log('nothing to run: the SMTP listener and the HTTP API are off and no IMAP mailbox is configured');
    return 2;
  }
  let app: App;
  try {
    app = await openApp(config, { log: { info: log, warn: (message) => log(`warning: ${message}`) }, openStore: 'start' });
  } catch (caught) {
    log(caught instanceof Error ? caught.message : String(caught));
    return 1;
  }
  log(`storing into ${app.storeLabel}`);
  let web: WebApi | undefined;
  let receivers;
  try {
    receivers = await startReceivers(app, mailboxes, log, (source, counts, message) => {
      web?.metrics.stored(source, counts);
      if (web && message?.rawSha256 !== undefined) void web.checkRuaArrival(message.recipients, message.rawSha256);
    });
  } catch (caught) {
    log(`cannot start: ${caught instanceof Error ? caught.message : String(caught)}`);
    await app.close();
    return 1;
  }
  try {
    web = config.http ? await startWebApi(app, config.http, receivers.port, readVersion(), log) : undefined;
  } catch (caught) {
    log(`cannot start the HTTP API: ${caught instanceof Error ? caught.message : String(caught)}`);
    await receivers.stop();
    await app.close();
    return 1;
  }
  const retention = startRetention(app, web);
  await waitForSignal();
  log('stopping: no new mail is accepted; storing what is in flight');
  await web?.listener.close();
  await receivers.stop();
  await retention.stop();
  await app.close();
  log('stopped');
  return 0;
}

/** Each configured mailbox with its password read, checked before anything opens or listens. */
function mailboxSources(config: AppConfig): ImapSourceConfig[] {
  const sources: ImapSourceConfig[] = [];
  const problems: Problem[] = [];
  for (const mailbox of config.imap) {
    const made = imapSourceFrom(mailbox, config.imapPassword);
    if (made.config) sources.push(made.config);
    else problems.push(...made.problems.map((p) => ({ ...p, message: `imap: ${p.message}` })));
  }
  const [first, ...rest] = problems;
  if (first) throw new AppError('invalid', [first, ...rest]);
  return sources;
}

/** How often `serve` applies the retention (it also does at start). */
const RETENTION_EVERY_MS = 60 * 60 * 1000;

/**
 * Applies the retention (docs/data-retention.md) now and every hour, logging what it deleted and
 * any failure (the next run tries again). `stop` cancels the next run and waits for one under way.
 */
function startRetention(app: App, web: WebApi | undefined): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const once = (): void => {
    running = running.then(async () => {
      try {
        const result = await applyRetention(app.context);
        if (retentionDeleted(result)) log(`retention: ${describeRetention(result)}`);
        if (web) await deleteExpiredSessions(web.accounts);
      } catch (caught) {
        log(`retention failed, tried again in an hour: ${caught instanceof Error ? caught.message : String(caught)}`);
      }
    });
  };
  once();
  const timer = setInterval(once, RETENTION_EVERY_MS);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      return running;
    },
  };
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
  printErr(safe`${new Date().toISOString()} dmarcpilot serve: ${message}\n`);
}
