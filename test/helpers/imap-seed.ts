/**
 * Mail and stores for the IMAP tests: the report e-mails of test/fixtures/email (and the
 * messages of its mbox), a message without a report, a message with a hostile attachment, a
 * fresh SQLite store, and an IngestRun that records what was refused.
 */
import { createReadStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Rejection } from '../../src/core/diagnostic.js';
import { defaultLimits } from '../../src/core/limits.js';
import type { Limits } from '../../src/core/limits.js';
import { createAppContext } from '../../src/app/context.js';
import { createIngestPort } from '../../src/app/ingest.js';
import type { IngestPort } from '../../src/ingest/ingest-port.js';
import { splitMbox } from '../../src/reports/mbox/split-mbox.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Five report e-mails with distinct reports: four aggregate, one TLS. */
export const REPORT_EMAILS = ['google-multipart-gzip.eml', 'google-zip-attachment.eml', 'amazonses-octet-stream-gzip.eml', 'mimecast-single-part-gzip.eml', 'microsoft-tlsrpt-json.eml'];

export function readEmail(name: string): Buffer {
  return readFileSync(join(fixtures, 'email', name));
}

/**
 * The five report e-mails, then the three messages of three-messages.mbox (two aggregate
 * reports already among the five, one new TLS report): 8 messages, 6 distinct reports
 * (4 aggregate, 2 TLS), 2 duplicates.
 */
export async function reportMessages(): Promise<Buffer[]> {
  const messages = REPORT_EMAILS.map(readEmail);
  for await (const message of splitMbox(createReadStream(join(fixtures, 'email', 'three-messages.mbox')), defaultLimits)) {
    messages.push(Buffer.from(message.bytes));
  }
  return messages;
}

export const REPORT_TOTALS = { messages: 8, aggregate: 4, tls: 2, newReports: 6, duplicates: 2 } as const;

export function noReportMessage(): Buffer {
  return readEmail('bounce-no-report.eml');
}

/** An e-mail whose XML attachment declares entities ("billion laughs"): refused with xml-dtd-forbidden. */
export function hostileMessage(): Buffer {
  const xml = readFileSync(join(fixtures, 'aggregate', 'hostile-billion-laughs.xml'));
  return wrapAttachment('Report Domain: example.com Submitter: hostile.example Report-ID: <lol>', 'report.xml', 'text/xml', xml);
}

/** A report e-mail padded to about `bytes` bytes (for the size limit). */
export function paddedReportMessage(bytes: number): Buffer {
  const message = readEmail('google-zip-attachment.eml').toString('latin1');
  const padding = `X-Padding: ${'x'.repeat(Math.max(0, bytes - message.length))}\r\n`;
  return Buffer.from(padding + message, 'latin1');
}

/** A multipart/mixed e-mail with one base64 attachment. */
export function wrapAttachment(subject: string, filename: string, type: string, content: Uint8Array): Buffer {
  const boundary = 'imap-test-boundary';
  const base64 = Buffer.from(content).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      'From: reports@hostile.example',
      'To: dmarc@example.com',
      `Subject: ${subject}`,
      'Date: Mon, 10 Mar 2025 12:00:00 +0000',
      'Message-ID: <imap-test@hostile.example>',
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      `Content-Type: ${type}; name="${filename}"`,
      `Content-Disposition: attachment; filename="${filename}"`,
      'Content-Transfer-Encoding: base64',
      '',
      base64,
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
}

export async function openTestStore(): Promise<{ store: Store; path: string }> {
  const path = join(mkdtempSync(join(tmpdir(), 'dmarcpilot-imap-db-')), 'store.sqlite');
  return { store: await openSqliteStore(path), path };
}

export interface RecordingRun {
  /** The application's ingest port over the store, as `serve` and `ingest --imap` wire it. */
  readonly run: IngestPort;
  /** `source: code` of every refusal. */
  readonly rejected: string[];
}

export function recordingRun(store: Store, limits: Partial<Limits> = {}): RecordingRun {
  const rejected: string[] = [];
  const context = createAppContext(store, { limits: { ...defaultLimits, ...limits } });
  return {
    rejected,
    run: createIngestPort(context, { onRejected: (rejection: Rejection, source: string) => rejected.push(`${source}: ${rejection.code}`) }),
  };
}
