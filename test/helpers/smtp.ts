/**
 * Helpers for the SMTP listener's integration tests: a listener on an ephemeral loopback port
 * over a fresh SQLite store in a temporary folder, storing through the application's ingest port
 * (parsing on a worker thread, as in `serve`), a store whose methods can be made to fail,
 * nodemailer as the real client, and a line-by-line SMTP conversation for what a mail library
 * hides (the EHLO list, a connection that stays open).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Rejection } from '../../src/core/diagnostic.js';
import { defaultLimits } from '../../src/core/limits.js';
import type { AppContext } from '../../src/app/context.js';
import { createAppContext } from '../../src/app/context.js';
import type { IngestPortOptions } from '../../src/app/ingest.js';
import { createIngestPort } from '../../src/app/ingest.js';
import type { SmtpListener, SmtpListenerConfig, SmtpMessageSummary } from '../../src/ingest/smtp/smtp-listener.js';
import { startSmtpListener } from '../../src/ingest/smtp/smtp-listener.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

export const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const tlsFixture = { keyFile: join(fixtures, 'tls/localhost-key.pem'), certFile: join(fixtures, 'tls/localhost-cert.pem') };

/** A running listener with its store and everything its hooks heard. */
export interface TestListener {
  readonly listener: SmtpListener;
  readonly store: Store;
  /** The application context the listener stores through (its one ingest queue). */
  readonly context: AppContext;
  readonly port: number;
  readonly messages: SmtpMessageSummary[];
  readonly errors: { error: unknown; context: string }[];
  readonly events: string[];
  readonly rejections: { rejection: Rejection; source: string }[];
  /** Closes the listener, then the store, and removes the folder. */
  stop(): Promise<void>;
}

export interface TestListenerOptions {
  readonly config?: Partial<SmtpListenerConfig>;
  /** Wraps the store the listener writes to (to make it fail); the test still reads the real one. */
  readonly wrapStore?: (store: Store) => Store;
  /** The ingest port's options; default as `serve` runs it: parsing on a worker thread. */
  readonly port?: IngestPortOptions;
  /** Opens the store (default: SQLite in the temporary folder); it is closed by stop(). */
  readonly openStore?: (dir: string) => Promise<Store>;
}

export async function startTestListener(options: TestListenerOptions = {}): Promise<TestListener> {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-smtp-'));
  const store = await (options.openStore ?? ((folder: string) => openSqliteStore(join(folder, 'store.sqlite'))))(dir);
  const messages: SmtpMessageSummary[] = [];
  const errors: { error: unknown; context: string }[] = [];
  const events: string[] = [];
  const rejections: { rejection: Rejection; source: string }[] = [];
  // The listener stores through the application's ingest port, as `serve` wires it.
  const context = createAppContext(options.wrapStore ? options.wrapStore(store) : store, { limits: defaultLimits });
  const port = createIngestPort(context, { onRejected: (rejection, source) => rejections.push({ rejection, source }) }, options.port ?? { parseThreads: 1 });
  const config: SmtpListenerConfig = { port: 0, hostname: 'mx.reports.example', recipients: ['dmarc@reports.example', 'tlsrpt.example'], closeTimeoutMs: 2_000, ...options.config };
  const listener = await startSmtpListener(config, port, {
    onMessage: (summary) => messages.push(summary),
    onError: (error, context) => errors.push({ error, context }),
    onEvent: (text) => events.push(text),
  }).catch(async (err: unknown) => {
    await port.close();
    await store.close();
    throw err;
  });
  return {
    listener,
    store,
    context,
    port: listener.address().port,
    messages,
    errors,
    events,
    rejections,
    async stop() {
      await listener.close();
      await port.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The store with `method` rejecting (`times` calls, default every call); other methods pass through. */
export function failingStore(method: keyof Store, times = Infinity): (store: Store) => Store {
  return (store) => {
    let left = times;
    return new Proxy(store, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        const bound = (value as (...args: unknown[]) => unknown).bind(target);
        if (prop !== method) return bound;
        return (...args: unknown[]) => (left-- > 0 ? Promise.reject(new Error(`${method}: disk full (test)`)) : bound(...args));
      },
    });
  };
}

/**
 * A nodemailer transport to the listener; TLS only when `tls` (then STARTTLS is required and the
 * fixture certificate trusted). `from` is the loopback address it connects from (127.0.0.2, …:
 * Linux routes all of 127/8 to loopback), to be another client address for the per-address limit.
 */
export function smtpClient(port: number, tls = false, from?: string): Transporter {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    ...(from === undefined ? {} : { localAddress: from }),
    secure: false,
    ignoreTLS: !tls,
    requireTLS: tls,
    tls: { rejectUnauthorized: false },
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 10_000,
  });
}

/** Sends and returns the final reply, or the SMTP error's code and reply (never throws for an SMTP refusal). */
export async function send(client: Transporter, message: Mail.Options): Promise<{ code: number; response: string }> {
  try {
    const info = (await client.sendMail(message)) as { response: string };
    return { code: Number(info.response.slice(0, 3)), response: info.response };
  } catch (err) {
    const e = err as { responseCode?: number; response?: string; message: string };
    if (e.responseCode === undefined) throw err;
    return { code: e.responseCode, response: e.response ?? e.message };
  }
}

/** A line-by-line SMTP conversation over a plain socket. */
export class SmtpConversation {
  readonly #socket: Socket;
  #buffer = '';
  #waiting: (() => void) | undefined;
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.#buffer += text;
      this.#waiting?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#waiting?.();
    });
    socket.on('error', () => undefined);
  }

  /** Connects from `from` (a loopback address, default the system's choice: 127.0.0.1). */
  static open(port: number, from?: string): Promise<SmtpConversation> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', ...(from === undefined ? {} : { localAddress: from }) }, () => resolve(new SmtpConversation(socket)));
      socket.once('error', reject);
    });
  }

  /** The next complete reply (all its lines), or '' when the server closed the connection. */
  async reply(timeoutMs = 5_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = /^\d{3} .*\r\n/m.exec(this.#buffer);
      if (end) {
        const length = end.index + end[0].length;
        const reply = this.#buffer.slice(0, length);
        this.#buffer = this.#buffer.slice(length);
        return reply;
      }
      if (this.#closed) return '';
      if (Date.now() > deadline) throw new Error(`no SMTP reply within ${timeoutMs} ms (got ${JSON.stringify(this.#buffer)})`);
      await new Promise<void>((resolve) => {
        this.#waiting = resolve;
        setTimeout(resolve, 50);
      });
      this.#waiting = undefined;
    }
  }

  /** Sends one command line and returns the reply. */
  async command(line: string, timeoutMs?: number): Promise<string> {
    this.#socket.write(`${line}\r\n`);
    return this.reply(timeoutMs);
  }

  /** Sends bytes as they are (DATA content, or a trickle), without waiting for a reply. */
  write(text: string): void {
    if (!this.#closed) this.#socket.write(text, 'latin1');
  }

  get closed(): boolean {
    return this.#closed;
  }

  end(): void {
    this.#socket.destroy();
  }
}
