/**
 * The report receivers of `dmarcpilot serve`: the SMTP listener (reports sent straight to
 * dmarcpilot by `rua=mailto:`) and one IMAP watcher per configured mailbox, all storing through
 * the application's one ingest port and queue (app/ingest.ts) into one store. This is a
 * composition root: it wires the adapters to the application core and reports what they do to
 * the operator's log; stopping lets what is in flight be stored.
 *
 * Messages are parsed on a worker thread (PARSE_THREADS) and only stored on the main thread, so the
 * listener answers other clients while a large or hostile message is read. When the store's
 * connection is lost mid-message, the message is tried again after RETRY_DELAYS_MS (a restart of
 * PostgreSQL takes a few seconds); if the store is still down, the SMTP client gets 451 and the
 * IMAP message stays in its folder, and both sources go on (the pool reconnects by itself).
 */
import type { App } from '../app/open-app.js';
import type { IngestCounts, IngestPort } from '../app/ingest.js';
import { createIngestPort } from '../app/ingest.js';
import type { ImapSourceConfig } from '../ingest/imap/imap-config.js';
import { describeImapLocation } from '../ingest/imap/imap-location.js';
import { startImapWatcher } from '../ingest/imap/imap-watcher.js';
import type { SmtpListenerSettings } from '../ingest/smtp/smtp-listener.js';
import { startSmtpListener } from '../ingest/smtp/smtp-listener.js';

/**
 * Worker threads parsing messages for every source. One: the listener goes on answering while it
 * parses, and parsing a message takes several times its size in memory (docs/serve.md, "Memory"),
 * so one at a time keeps serve's memory bounded; the others wait their turn, bytes counted.
 */
const PARSE_THREADS = 1;
/** Waits before storing a message again after the store's connection was lost. */
const RETRY_DELAYS_MS = [1_000, 3_000];

export interface Receivers {
  /** Stops accepting, lets messages in flight be stored, and resolves once every source has stopped. */
  stop(): Promise<void>;
  /** Where the SMTP listener listens, when it runs. */
  readonly smtpAddress: { readonly host: string; readonly port: number } | undefined;
  /** The one ingest port every source stores through (uploads of the HTTP API too). */
  readonly port: IngestPort;
}

/** Starts the listener and the watchers; if one cannot start, those started are stopped and the error is thrown. */
/** Hears of each input stored by a source, for the metrics. */
export type StoredHook = (source: 'smtp' | 'imap', counts: IngestCounts, message?: { readonly recipients: readonly string[]; readonly rawSha256?: string | undefined }) => void;

export async function startReceivers(app: App, mailboxes: readonly ImapSourceConfig[], log: (message: string) => void, onStored: StoredHook = () => undefined): Promise<Receivers> {
  const port = createIngestPort(
    app.context,
    {
      onRejected: (rejection, source) => log(`${source}: refused, kept in quarantine: ${rejection.code}: ${rejection.message}`),
      onRetry: (source, error, delayMs) => log(`${source}: the store's connection was lost (${messageOf(error)}); trying again in ${(delayMs / 1000).toFixed(1)} s`),
    },
    { parseThreads: PARSE_THREADS, retryDelaysMs: RETRY_DELAYS_MS },
  );
  const stops: (() => Promise<void>)[] = [];
  let smtpAddress: { host: string; port: number } | undefined;
  try {
    const smtp = app.config.smtp;
    if (smtp) {
      const listener = await startSmtp(smtp, port, log, onStored);
      smtpAddress = listener.address;
      stops.push(listener.stop);
    }
    for (const mailbox of mailboxes) stops.push(startImap(mailbox, port, log, onStored));
  } catch (caught) {
    await Promise.allSettled(stops.map((stop) => stop()));
    await port.close();
    throw caught;
  }
  return {
    smtpAddress,
    port,
    stop: async () => {
      await Promise.allSettled(stops.map((stop) => stop()));
      await port.close();
    },
  };
}

async function startSmtp(settings: SmtpListenerSettings, port: IngestPort, log: (message: string) => void, onStored: StoredHook) {
  const listener = await startSmtpListener(settings, port, {
    onMessage: (m) => {
      onStored('smtp', m, m);
      log(`${m.input}: ${m.bytes} bytes${m.tls ? ' over TLS' : ''}: ${m.newReports} new reports (${m.records} records), ${m.duplicateReports} already stored, ${m.rejected} refused`);
    },
    onError: (error, context) => log(`smtp: ${context}: ${messageOf(error)}`),
    onEvent: (text) => log(text),
  });
  const anyRecipient = settings.recipientList.length === 0 || settings.recipientList.includes('*');
  const who = anyRecipient ? 'any recipient (loopback trial: set smtp.recipients before opening it up)' : settings.recipientList.join(', ');
  log(`smtp: accepting mail for ${who}`);
  return { address: listener.address(), stop: () => listener.close() };
}

function startImap(source: ImapSourceConfig, port: IngestPort, log: (message: string) => void, onStored: StoredHook): () => Promise<void> {
  const name = describeImapLocation(source.location);
  const watcher = startImapWatcher(source, port, {
    onEvent: (message) => log(`imap ${name}: ${message}`),
    onMessage: (outcome) => {
      onStored('imap', outcome.counts);
      log(`imap: ${outcome.name}: ${outcome.counts.newReports} new reports (${outcome.counts.records} records), ${outcome.counts.duplicateReports} already stored, ${outcome.counts.rejected} refused; ${outcome.disposition}`);
    },
    onStoreError: (input, error) => log(`imap: ${input}: store error, left in the folder for the next pass: ${messageOf(error)}`),
  });
  log(`imap ${name}: watching`);
  return () => watcher.close();
}

function messageOf(caught: unknown): string {
  return caught instanceof Error ? caught.message : String(caught);
}
