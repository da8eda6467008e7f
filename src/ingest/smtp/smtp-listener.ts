/**
 * The SMTP listener: report senders deliver `rua=mailto:` / `ruf=mailto:` mail straight to
 * dmarcpilot. Built on smtp-server; this file decides what is accepted and when "250" is said.
 *
 * - Recipients are checked at RCPT TO (recipient-policy.ts): the listener is never a relay.
 * - A message is read up to the size limit (SIZE is announced; over it: 552 5.3.4, bytes dropped).
 * - 250 is answered only once the ingest port has resolved: the raw message is in the store (SQLite
 *   commits with synchronous=FULL, so resolved means on disk) and its reports stored, or the
 *   input quarantined. A message that holds no report, or one that fails to parse, is kept in
 *   quarantine and still gets 250: the sender must not retry what will never parse.
 * - When the store fails (disk full, database down), the reply is 451 4.3.0 so the sender keeps
 *   the message and retries later; nothing is half-stored (a report is one transaction).
 * - No AUTH, no relaying, no reverse DNS lookups; STARTTLS only when a certificate is given.
 * - Messages are stored through the ingest port (ingest-port.ts), which queues them with every
 *   other source's inputs; the listener keeps no queue of its own.
 * - No client can hold the listener: connections are limited in all and per client address (an
 *   IPv6 client per /64), every connection has a deadline for the whole session and one for
 *   DATA, besides the idle timeout, and the bytes of messages held in memory at once across
 *   connections are bounded (a message past that bound is answered 452 4.2.2, try again later).
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerDataStream, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import type { Limits } from '../../core/limits.js';
import type { Problem } from '../../core/problem.js';
import { SettingsReader } from '../../core/settings-reader.js';
import type { IngestPort } from '../ingest-port.js';
import type { IngestCounts } from '../store-sink.js';
import type { MessageBudget } from './read-message.js';
import { readMessage } from './read-message.js';
import { createHash } from 'node:crypto';
import { isRecipientAllowed, subaddressTag } from './recipient-policy.js';
import type { SmtpListenerConfig, SmtpListenerSettings } from './smtp-listener-config.js';
import { readSmtpSettings } from './smtp-listener-config.js';

export type { SmtpListenerConfig, SmtpListenerSettings } from './smtp-listener-config.js';

/** One stored message, for the integrator's log and metrics. */
export interface SmtpMessageSummary extends IngestCounts {
  /** The input name in the store's ingest log and quarantine (`smtp:<session> from … to … via …`). */
  readonly input: string;
  /** MAIL FROM, `<>` for the null sender. */
  readonly from: string;
  readonly recipients: readonly string[];
  /** The client's IP address. */
  readonly client: string;
  /** Size of the message as received. */
  readonly bytes: number;
  /** Whether the message came over TLS (STARTTLS). */
  readonly tls: boolean;
  /** The SHA-256 of the message as stored, when a recipient is a subaddress (a tokenised rua address: its reports prove domains). */
  readonly rawSha256?: string;
}

/** Where the listener reports what happens; all optional, none may throw. */
export interface SmtpListenerHooks {
  /** A message was stored and answered 250. */
  readonly onMessage?: (summary: SmtpMessageSummary) => void;
  /** Something failed: a store error (the message was answered 451), a TLS or socket error. */
  readonly onError?: (error: unknown, context: string) => void;
  /** A line for the operator: listening, a refused recipient or connection, an oversized message, closing. */
  readonly onEvent?: (text: string) => void;
}

/** A running listener. */
export interface SmtpListener {
  /** Where it listens (the real port when 0 was asked). */
  address(): { host: string; port: number };
  /**
   * Stops accepting connections, lets messages in flight be stored and answered, and resolves
   * once they are (sessions still open after `closeTimeoutMs` get 421; ingests still running
   * are waited for up to `closeTimeoutMs` more). The store can be closed afterwards.
   */
  close(): Promise<void>;
}

/** Thrown for a configuration that cannot be used; `problems` lists every mistake. */
export class SmtpConfigError extends Error {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    super(`invalid SMTP listener configuration: ${problems.map((p) => p.message).join('; ')}`);
    this.name = 'SmtpConfigError';
    this.problems = problems;
  }
}

/** An error whose responseCode smtp-server sends; the enhanced code follows from the reply code. */
function smtpError(responseCode: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * The settings a section gives (checked by the one declaration, smtp-listener-config.ts), or
 * SmtpConfigError with every mistake. Throws also for a section that turns the listener off.
 */
export function checkSmtpListenerConfig(config: SmtpListenerConfig, limits: Limits): SmtpListenerSettings {
  const read = new SettingsReader();
  const settings = readSmtpSettings(config, {}, limits, read);
  if (read.problems.length > 0) throw new SmtpConfigError(read.problems);
  if (settings === undefined) throw new SmtpConfigError([{ code: 'setting-invalid', field: 'smtp.enabled', message: 'smtp.enabled: the listener is turned off' }]);
  return settings;
}

/**
 * Starts listening; resolves once the port is open. `config` is either a section still to check
 * or settings checked already (by the configuration loader). Rejects with SmtpConfigError for a
 * bad configuration, or with the system error when the port cannot be opened or a TLS file read.
 */
export async function startSmtpListener(config: SmtpListenerConfig | SmtpListenerSettings, port: IngestPort, hooks: SmtpListenerHooks = {}): Promise<SmtpListener> {
  const settings = isChecked(config) ? config : checkSmtpListenerConfig(config, port.limits);
  const tlsOptions = settings.tls ? { key: await readFile(settings.tls.keyFile), cert: await readFile(settings.tls.certFile), minVersion: 'TLSv1.2' as const } : {};
  const event = (text: string): void => hooks.onEvent?.(text);
  /** Messages being read or stored, so close() can wait for them. */
  const inFlight = new Set<Promise<unknown>>();
  const budget = new InFlightBytes(settings.maxInFlightBytes);
  const name = settings.hostname ?? 'dmarcpilot';
  // The guard closes connections through the server, made just below.
  const guard = new SessionGuard(() => server.connections, settings, event);

  const server: SMTPServer = new SMTPServer({
    ...tlsOptions,
    ...(settings.hostname === undefined ? {} : { name: settings.hostname }),
    banner: 'dmarcpilot report receiver',
    size: settings.maxMessageBytes,
    rejectOversized: true,
    disabledCommands: settings.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    authOptional: true,
    hideENHANCEDSTATUSCODES: false,
    disableReverseLookup: true,
    socketTimeout: settings.socketTimeoutMs,
    closeTimeout: settings.closeTimeoutMs,
    logger: false,
    onConnect(session, callback) {
      // `connections` includes this one; smtp-server's own maxClients reply has no enhanced code.
      if (server.connections.size > settings.maxConnections) {
        event(`smtp: refused a connection from ${session.remoteAddress}: ${settings.maxConnections} connections already open`);
        callback(smtpError(421, `4.7.0 ${name} too many connections, try again later`));
        return;
      }
      if (!guard.admit(session)) {
        event(`smtp: refused a connection from ${session.remoteAddress}: ${settings.maxConnectionsPerAddress} connections from ${clientKey(session.remoteAddress)} already open`);
        callback(smtpError(421, `4.7.0 ${name} too many connections from your address, try again later`));
        return;
      }
      callback();
    },
    onClose(session) {
      guard.leave(session.id);
      budget.release(session.id);
    },
    onMailFrom(address, session, callback) {
      if (settings.requireTls && !session.secure) {
        callback(smtpError(530, 'Must issue a STARTTLS command first'));
        return;
      }
      // RFC 1870 §6.1: a declared size that does not fit now is a temporary refusal; one that fits
      // is set aside for this message, so that it is not refused after DATA for want of memory.
      const declared = address.args === false ? 0 : Number(address.args['SIZE'] ?? 0);
      budget.release(session.id);
      if (Number.isSafeInteger(declared) && declared > 0 && declared <= settings.maxMessageBytes && !budget.reserve(session.id, declared)) {
        event(`smtp: deferred a message of ${declared} bytes (declared) from ${session.remoteAddress}: ${budget.held} bytes of messages held already`);
        callback(smtpError(452, 'Insufficient system storage now, try again later'));
        return;
      }
      callback();
    },
    onRcptTo(address, session, callback) {
      if (isRecipientAllowed(settings.recipients, address.address)) {
        callback();
        return;
      }
      event(`smtp: refused recipient <${address.address}> from ${session.remoteAddress}`);
      callback(smtpError(550, `<${address.address}>: no such recipient here`));
    },
    onData(stream, session, callback) {
      const phase = guard.dataStarted(session.id, stream);
      const received = receiveMessage(stream, session, settings, port, hooks, budget, () => guard.dataEnded(session.id)).then(
        (reply) => callback(null, reply),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
      inFlight.add(received);
      void received.finally(() => {
        inFlight.delete(received);
        phase.done();
      });
    },
  } satisfies SMTPServerOptions);

  server.on('error', (err: Error) => hooks.onError?.(err, 'smtp: connection'));

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const bound = server.server.address() as AddressInfo;
  const address = { host: bound.address, port: bound.port };
  event(`smtp: listening on ${address.host}:${address.port}${settings.tls ? ' (STARTTLS offered)' : ''}`);

  let closing: Promise<void> | undefined;
  return {
    address: () => ({ ...address }),
    close(): Promise<void> {
      closing ??= closeListener(server, inFlight, settings.closeTimeoutMs, event);
      return closing;
    },
  };
}

/**
 * Reads, stores and answers one message; resolves with the 250 text or rejects with the SMTP
 * error. `read` is called once the final dot is in (the DATA deadline no longer applies).
 */
async function receiveMessage(
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
  settings: SmtpListenerSettings,
  port: IngestPort,
  hooks: SmtpListenerHooks,
  budget: InFlightBytes,
  read: () => void,
): Promise<string> {
  let message;
  try {
    message = await readMessage(stream, settings.maxMessageBytes, budget.forMessage(session.id));
  } finally {
    // What the declared SIZE set aside and the message did not use.
    budget.release(session.id);
  }
  read();
  const from = session.envelope.mailFrom === false || session.envelope.mailFrom.address === '' ? '<>' : session.envelope.mailFrom.address;
  const recipients = session.envelope.rcptTo.map((r) => r.address);
  if (message.kind === 'oversized') {
    // smtp-server answers 552 5.3.4 itself (rejectOversized); this error is for consistency only.
    hooks.onEvent?.(`smtp: refused a message of ${message.size} bytes from ${from} via ${session.remoteAddress} (limit ${settings.maxMessageBytes})`);
    throw smtpError(552, `Message exceeds fixed maximum message size ${settings.maxMessageBytes}`);
  }
  if (message.kind === 'deferred') {
    hooks.onEvent?.(`smtp: deferred a message of ${message.size} bytes from ${from} via ${session.remoteAddress}: ${budget.held} bytes of messages held already (maxInFlightBytes ${settings.maxInFlightBytes})`);
    throw smtpError(452, 'Insufficient system storage now, try again later');
  }
  const input = `smtp:${session.id} from ${from} to ${recipients[0] ?? ''} via ${session.remoteAddress}`;
  let counts: IngestCounts;
  try {
    counts = await port.ingest({ bytes: message.bytes, name: input });
  } catch (err) {
    hooks.onError?.(err, input);
    throw smtpError(451, 'Could not store the message now, try again later');
  } finally {
    budget.give(message.bytes.length);
  }
  try {
    const tagged = recipients.some((r) => subaddressTag(r) !== undefined);
    hooks.onMessage?.({
      ...counts,
      input,
      from,
      recipients,
      client: session.remoteAddress,
      bytes: message.bytes.length,
      tls: session.secure,
      ...(tagged ? { rawSha256: createHash('sha256').update(message.bytes).digest('hex') } : {}),
    });
  } catch (err) {
    // The message is stored: a failing hook must not turn the 250 into a retry.
    hooks.onError?.(err, `${input}: onMessage hook`);
  }
  const kept = counts.rejected > 0 ? `, ${counts.rejected} kept in quarantine` : '';
  return `Stored: ${counts.newReports} new reports, ${counts.duplicateReports} already stored${kept}`;
}

function isChecked(config: SmtpListenerConfig | SmtpListenerSettings): config is SmtpListenerSettings {
  return 'recipientList' in config;
}

async function closeListener(server: SMTPServer, inFlight: ReadonlySet<Promise<unknown>>, timeoutMs: number, event: (text: string) => void): Promise<void> {
  event('smtp: closing');
  await new Promise<void>((resolve) => server.close(resolve));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), timeoutMs);
  });
  const late = await Promise.race([Promise.allSettled([...inFlight]).then(() => false), timedOut]);
  clearTimeout(timer);
  if (late) event(`smtp: closed with ${inFlight.size} messages still being stored`);
}

/**
 * The bytes of messages held in memory across connections, up to a bound: read-message.ts takes
 * them as they arrive, and a MAIL FROM with SIZE= sets its size aside first (reserve), which the
 * message then draws on.
 */
class InFlightBytes implements MessageBudget {
  readonly #max: number;
  #held = 0;
  /** Bytes set aside per session by a declared SIZE=, counted in #held, not yet drawn on. */
  readonly #reserved = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Held and set aside. */
  get held(): number {
    return this.#held;
  }

  take(bytes: number): boolean {
    if (this.#held + bytes > this.#max) return false;
    this.#held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes);
  }

  /** Sets `bytes` aside for the session's next message, if they fit. */
  reserve(session: string, bytes: number): boolean {
    if (!this.take(bytes)) return false;
    this.#reserved.set(session, bytes);
    return true;
  }

  /** Gives back what the session set aside and did not use. */
  release(session: string): void {
    const left = this.#reserved.get(session);
    if (left === undefined) return;
    this.#reserved.delete(session);
    this.give(left);
  }

  /** The budget one message is read under: what its session set aside first, then the rest. */
  forMessage(session: string): MessageBudget {
    return {
      take: (bytes) => {
        const left = this.#reserved.get(session) ?? 0;
        if (left >= bytes) {
          this.#reserved.set(session, left - bytes);
          return true;
        }
        if (!this.take(bytes - left)) return false;
        this.#reserved.delete(session);
        return true;
      },
      give: (bytes) => this.give(bytes),
    };
  }
}

/** What the guard needs of smtp-server's connection objects. */
interface GuardedConnection {
  readonly id: string;
  send(code: number, text: string, context?: false): void;
}

interface GuardedSession {
  readonly key: string;
  readonly timer: NodeJS.Timeout;
  /** The DATA stream being read, with its deadline. */
  data?: { readonly stream: SMTPServerDataStream; readonly timer: NodeJS.Timeout } | undefined;
  /** A message is being read or stored: the session deadline waits for its reply. */
  busy: boolean;
  /** The session deadline passed while busy: close after the reply. */
  expired: boolean;
}

/**
 * Per-address connection counts and the session and DATA deadlines. smtp-server's own timeout
 * is an idle timeout: a client that sends a byte a second is never idle, so without these a
 * few slow clients could hold every connection for as long as they like.
 */
class SessionGuard {
  readonly #connections: () => Iterable<GuardedConnection>;
  readonly #settings: SmtpListenerSettings;
  readonly #event: (text: string) => void;
  readonly #perKey = new Map<string, number>();
  readonly #sessions = new Map<string, GuardedSession>();

  constructor(connections: () => Iterable<GuardedConnection>, settings: SmtpListenerSettings, event: (text: string) => void) {
    this.#connections = connections;
    this.#settings = settings;
    this.#event = event;
  }

  /** Counts the session in, or false when its address has its share of connections already. */
  admit(session: SMTPServerSession): boolean {
    const key = clientKey(session.remoteAddress);
    const open = this.#perKey.get(key) ?? 0;
    if (open >= this.#settings.maxConnectionsPerAddress) return false;
    this.#perKey.set(key, open + 1);
    const timer = setTimeout(() => this.#sessionExpired(session.id), this.#settings.sessionTimeoutMs);
    timer.unref();
    this.#sessions.set(session.id, { key, timer, busy: false, expired: false });
    return true;
  }

  /** The connection closed (also one refused by admit: then nothing was counted). */
  leave(id: string): void {
    const entry = this.#sessions.get(id);
    if (!entry) return;
    this.#sessions.delete(id);
    clearTimeout(entry.timer);
    if (entry.data) clearTimeout(entry.data.timer);
    const open = (this.#perKey.get(entry.key) ?? 1) - 1;
    if (open > 0) this.#perKey.set(entry.key, open);
    else this.#perKey.delete(entry.key);
  }

  /** DATA began: its deadline runs until the final dot; `done()` once the message is answered. */
  dataStarted(id: string, stream: SMTPServerDataStream): { done(): void } {
    const entry = this.#sessions.get(id);
    if (!entry) return { done: () => undefined };
    entry.busy = true;
    const timer = setTimeout(() => this.#dataExpired(id), this.#settings.dataTimeoutMs);
    timer.unref();
    entry.data = { stream, timer };
    return {
      done: () => {
        entry.busy = false;
        this.dataEnded(id);
        if (entry.expired) setImmediate(() => this.#close(id, 'session time limit reached'));
      },
    };
  }

  /** The final dot is in: the DATA deadline no longer applies (storing may take its time). */
  dataEnded(id: string): void {
    const entry = this.#sessions.get(id);
    if (!entry?.data) return;
    clearTimeout(entry.data.timer);
    entry.data = undefined;
  }

  #sessionExpired(id: string): void {
    const entry = this.#sessions.get(id);
    if (!entry) return;
    if (entry.busy && !entry.data) {
      // The message is in and being stored: it is answered first.
      entry.expired = true;
      return;
    }
    this.#cut(id, entry, 'session time limit reached');
  }

  #dataExpired(id: string): void {
    const entry = this.#sessions.get(id);
    if (entry?.data) this.#cut(id, entry, 'DATA time limit reached');
  }

  /** Drops the message being read (its bytes and budget go at once) and closes the connection. */
  #cut(id: string, entry: GuardedSession, why: string): void {
    const data = entry.data;
    if (data) {
      clearTimeout(data.timer);
      entry.data = undefined;
      data.stream.destroy(new Error(`${why}: the partial message is dropped`));
    }
    this.#close(id, why);
  }

  #close(id: string, why: string): void {
    for (const connection of this.#connections()) {
      if (connection.id !== id) continue;
      const entry = this.#sessions.get(id);
      this.#event(`smtp: closed connection ${id}${entry ? ` from ${entry.key}` : ''}: ${why}`);
      // A 421 closes the connection (RFC 5321 §3.8); smtp-server ends the socket after it.
      connection.send(421, `4.4.2 ${this.#settings.hostname ?? 'dmarcpilot'} ${why}, closing connection`, false);
      // Its slot is free now, whether or not the client ever closes its side.
      this.leave(id);
      return;
    }
  }
}

/**
 * Whose connections are counted together: an IPv4 address (also written IPv4-mapped), or the
 * /64 network of an IPv6 address (one subscriber or server usually has a whole /64).
 */
export function clientKey(address: string): string {
  const plain = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (!plain.includes(':')) return plain;
  const [head = '', tail] = plain.split('::');
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}
