/**
 * PostgreSQL going away in the middle of a message (issue 12, item 3). Two ways, both real:
 *
 * - On the machine's shared server, `pg_terminate_backend` ends the store's own connections
 *   (those of this test's database only) while an aggregate report is being written: the
 *   process must not die of the driver's 'error' event, the report is rolled back, and the
 *   next write gets a new connection.
 * - A private cluster (helpers/private-postgres.ts) is stopped with `pg_ctl -m immediate` while
 *   `dmarcpilot serve` stores a large report, and while `dmarcpilot ingest` back-fills: serve
 *   answers 451, keeps its listener and IMAP watcher, and stores again once the server is back;
 *   ingest stops with one clear line and the next run stores what is missing, each report once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AggregateHeader, AggregateTrailer } from '../src/reports/aggregate/aggregate-report.js';
import { streamBytes } from '../src/reports/extract/byte-stream.js';
import { extractReports } from '../src/reports/extract/extract-reports.js';
import type { PgPool } from '../src/store/postgres/pg-driver.js';
import { createPgPool } from '../src/store/postgres/pg-driver.js';
import { openPostgresStore } from '../src/store/postgres/postgres-store.js';
import type { Store } from '../src/store/store.js';
import { bigAggregateXml, reportEmailWith } from './helpers/big-report.js';
import { appendMessages, countMessages, dovecotForTests } from './helpers/dovecot.js';
import { readEmail } from './helpers/imap-seed.js';
import { postgresForTests, testServerUrl } from './helpers/postgres.js';
import { privatePostgresForTests } from './helpers/private-postgres.js';
import { send, smtpClient, startTestListener } from './helpers/smtp.js';
import { ServeProcess } from './helpers/serve-process.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const built = existsSync(join(root, 'dist/cli/main.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';
const envelope = { from: 'noreply-dmarc-support@google.example', to: 'dmarc@reports.example' };

/** Ends every connection the store has to `database` (dmarcpilot's, never another database's). */
async function terminateStoreConnections(admin: PgPool, database: string): Promise<number> {
  const result = await admin.query<{ n: string }>({
    text: "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'dmarcpilot' AND pid <> pg_backend_pid()",
    values: [database],
  });
  return Number(result.rows[0]?.n ?? 0);
}

const databaseOf = (url: string): string => new URL(url).pathname.slice(1);
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The store whose first `times` aggregate writers lose their connection right after they begin (the server ends it). */
function losingConnectionAfterBegin(admin: PgPool, database: string, times: number): (store: Store) => Store {
  let left = times;
  return (store) =>
    new Proxy(store, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        const bound = (value as (...args: unknown[]) => unknown).bind(target);
        if (prop !== 'beginAggregateReport') return bound;
        return async (...args: unknown[]) => {
          const writer = await (bound(...args) as ReturnType<Store['beginAggregateReport']>);
          if (left-- > 0) {
            assert.ok((await terminateStoreConnections(admin, database)) >= 1);
            // Let the server's FATAL reach the checked-out connection while nobody queries it.
            await pause(200);
          }
          return writer;
        };
      },
    });
}

test('the server ends a connection checked out by an aggregate writer: the process lives, the report is rolled back, the next one is stored', async (t) => {
  const pg = await postgresForTests();
  if ('skip' in pg) return t.skip(pg.skip);
  const admin = await createPgPool(testServerUrl, { max: 1 });
  const store = await openPostgresStore(pg.url);
  try {
    const xml = bigAggregateXml('lost-1', 3);
    const raw = await store.saveRawInput(Buffer.from(xml));
    const provenance = { raw, source: 'test', receivedAt: new Date('2025-03-11T00:00:00Z') };
    const header = await parsedHeader(xml);
    const trailer: AggregateTrailer = { recordCount: 0, messageCount: 0, extensions: [], warnings: [], recordErrors: [] };
    const writer = await store.beginAggregateReport(header, provenance);
    assert.ok((await terminateStoreConnections(admin, databaseOf(pg.url))) >= 1, 'the writer holds a connection of its own');
    // Without an error listener on the checked-out connection, the FATAL 57P01 ended the process here.
    await pause(300);
    await assert.rejects(writer.commit(trailer));
    assert.equal((await store.countReports()).aggregate, 0, 'nothing of it was kept');
    const again = await store.beginAggregateReport(header, provenance);
    assert.equal((await again.commit(trailer)).status, 'new');
    assert.equal((await store.countReports()).aggregate, 1);
  } finally {
    await store.close();
    await admin.end();
    await pg.drop();
  }
});

/** The header the parser gives for `xml`, so the writer gets what it always gets. */
async function parsedHeader(xml: string): Promise<AggregateHeader> {
  let header: AggregateHeader | undefined;
  const bytes = Buffer.from(xml);
  await extractReports(
    { name: 'x.xml', chunks: streamBytes(bytes), size: bytes.length },
    {
      aggregateStart: (h) => (header = h),
      aggregateRecord: () => undefined,
      aggregateEnd: () => undefined,
      aggregateAbandoned: () => undefined,
      failureReport: () => undefined,
      tlsReport: () => undefined,
      rejected: (r) => assert.fail(r.message),
      drain: () => undefined,
    },
  );
  assert.ok(header);
  return header;
}

test('SMTP over PostgreSQL: a connection lost mid-message is retried (250, stored once); with no retry left the sender gets 451 and the next message is stored', async (t) => {
  const pg = await postgresForTests();
  if ('skip' in pg) return t.skip(pg.skip);
  const admin = await createPgPool(testServerUrl, { max: 1 });
  const database = databaseOf(pg.url);
  try {
    // With a retry: the sender never knows.
    const smtp = await startTestListener({
      openStore: () => openPostgresStore(pg.url),
      wrapStore: losingConnectionAfterBegin(admin, database, 1),
      port: { parseThreads: 1, retryDelaysMs: [100] },
    });
    const client = smtpClient(smtp.port);
    try {
      const reply = await send(client, { envelope, raw: reportEmailWith(bigAggregateXml('lost-smtp-1', 2500), 'lost-smtp-1') });
      assert.equal(reply.code, 250, reply.response);
      assert.match(reply.response, /Stored: 1 new reports, 0 already stored/);
      const counts = await smtp.store.countReports();
      assert.equal(counts.aggregate, 1);
      assert.equal(counts.records, 2500, 'every record once: the first attempt left nothing');
    } finally {
      client.close();
      await smtp.stop();
    }

    // Without: 451, the connection lost named in the error, and the listener goes on.
    const noRetry = await startTestListener({
      openStore: () => openPostgresStore(pg.url),
      wrapStore: losingConnectionAfterBegin(admin, database, 1),
      port: { parseThreads: 1, retryDelaysMs: [] },
    });
    const second = smtpClient(noRetry.port);
    try {
      const lost = await send(second, { envelope, raw: reportEmailWith(bigAggregateXml('lost-smtp-2', 2500), 'lost-smtp-2') });
      assert.equal(lost.code, 451, lost.response);
      assert.match(lost.response, /^451 4\.3\.0 Could not store the message now, try again later/);
      assert.equal(noRetry.errors.length, 1);
      const error = noRetry.errors[0]?.error as { kind?: string; code?: string; message?: string };
      assert.equal(error.kind, 'unavailable');
      assert.equal(error.code, 'store-connection-lost');
      assert.match(error.message ?? '', /the store stopped answering \((terminating connection due to administrator command, 57P01|.*not queryable.*)\)/);
      const again = await send(second, { envelope, raw: reportEmailWith(bigAggregateXml('lost-smtp-2', 2500), 'lost-smtp-2') });
      assert.equal(again.code, 250, again.response);
      const counts = await noRetry.store.countReports();
      assert.equal(counts.aggregate, 2);
      assert.equal(counts.records, 5000);
    } finally {
      second.close();
      await noRetry.stop();
    }
  } finally {
    await admin.end();
    await pg.drop();
  }
});


/** Waits until a dmarcpilot connection to the cluster is inside a transaction that has written (the report row is in). */
async function waitForWritingTransaction(url: string, timeoutMs = 60_000): Promise<void> {
  const watcher = await createPgPool(url, { max: 1 });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await watcher.query<{ n: string }>({
        text: "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'dmarcpilot' AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()",
      });
      if (Number(found.rows[0]?.n ?? 0) > 0) return;
      if (Date.now() > deadline) throw new Error('no dmarcpilot transaction was seen writing');
      await pause(10);
    }
  } finally {
    await watcher.end();
  }
}

function dbStatus(db: string): Record<string, number> {
  const result = spawnSync(process.execPath, [bin, 'db', 'status', '--json', '--db', db], { cwd: root, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, number>;
}

test('serve with its PostgreSQL stopped (-m immediate) mid-message: 451, the listener and the IMAP watcher go on, and store again once it is back', { skip: built, timeout: 180_000 }, async (t) => {
  const cluster = await privatePostgresForTests();
  if ('skip' in cluster) return t.skip(cluster.skip);
  const dovecot = await dovecotForTests('pgloss');
  if ('skip' in dovecot) {
    cluster.remove();
    return t.skip(dovecot.skip);
  }
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-pgloss-'));
  writeFileSync(
    join(dir, 'serve.json'),
    JSON.stringify({ db: cluster.url, smtp: { host: '127.0.0.1', port: 0, recipients: ['dmarc@reports.example'] }, imap: [{ url: dovecot.url('INBOX'), archiveFolder: 'Done' }] }),
  );
  const server = new ServeProcess(['--config', join(dir, 'serve.json')], { DMARCPILOT_IMAP_PASSWORD: dovecot.password });
  try {
    const [, port] = await server.waitFor(/smtp: listening on 127\.0\.0\.1:(\d+)/);
    await server.waitFor(/connected, watching/);
    const big = reportEmailWith(bigAggregateXml('pg-restart-1', 40_000), 'pg-restart-1');
    const client = smtpClient(Number(port));
    const sending = send(client, { envelope, raw: big });
    await waitForWritingTransaction(cluster.url);
    cluster.stopImmediately();
    // Retried while the server is down, then the sender is told to come back later.
    const lost = await sending;
    client.close();
    assert.equal(lost.code, 451, `${lost.response}\n${server.log}`);
    // Which error the driver sees first depends on timing: the server closing the socket, resetting it,
    // or (when the socket's error came between two statements of the transaction) the client refusing the next one.
    assert.match(server.log, /the store's connection was lost \((Connection terminated unexpectedly|read ECONNRESET|Client has encountered a connection error and is not queryable|.*57P0\d.*)\); trying again in 1\.0 s/);
    assert.match(server.log, /store stopped answering/);
    // An IMAP message arriving meanwhile stays in its folder.
    await appendMessages(dovecot, 'INBOX', [readEmail('google-multipart-gzip.eml')]);
    await server.waitFor(/imap: .*UID=1.*store error, left in the folder/);
    assert.equal(server.child.exitCode, null, `serve is still running:\n${server.log}`);

    cluster.start();
    // The watcher tries the message again by itself; the sender's retry is stored.
    await server.waitFor(/imap: .*UID=1.*archived/, 60_000);
    const retry = smtpClient(Number(port));
    const stored = await send(retry, { envelope, raw: big });
    retry.close();
    assert.equal(stored.code, 250, `${stored.response}\n${server.log}`);
    assert.deepEqual(await countMessages(dovecot, ['INBOX', 'Done']), { INBOX: 0, Done: 1 });
    assert.equal(await server.stop(), 0, server.log);
    assert.doesNotMatch(server.log, /\n\s+at /, 'no stack trace');
    const counts = dbStatus(cluster.url);
    assert.equal(counts['aggregate'], 2, JSON.stringify(counts));
    assert.equal(counts['records'], 40_000 + 3, JSON.stringify(counts));
  } finally {
    await server.stop('SIGKILL');
    await dovecot.stop();
    cluster.remove();
  }
});

test('ingest with its PostgreSQL stopped (-m immediate) mid-run: one clear line, exit 1, no stack trace; the next run stores every report once', { skip: built, timeout: 180_000 }, async (t) => {
  const cluster = await privatePostgresForTests();
  if ('skip' in cluster) return t.skip(cluster.skip);
  try {
    const out = mkdtempSync(join(tmpdir(), 'dmarcpilot-pgloss-corpus-'));
    const made = spawnSync(process.execPath, [join(root, 'bench/generate-corpus.js'), '--out', out, '--reports', '60', '--records', '60000', '--seed', '12', '--quiet']);
    assert.equal(made.status, 0, String(made.stderr));
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { reports: number; records: number };
    const corpus = join(out, 'reports');
    for (let round = 0; round < 2; round++) {
      const child = spawn(process.execPath, [bin, 'ingest', '-q', '--db', cluster.url, corpus], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const writing = waitForWritingTransaction(cluster.url).then(() => 'writing' as const);
      const first = await Promise.race([writing, exited.then(() => 'exited' as const)]);
      if (first === 'exited') {
        // Done before a transaction was seen (a fast machine): nothing to interrupt this round.
        await writing.catch(() => undefined);
        continue;
      }
      if (round === 0) await pause(300);
      cluster.stopImmediately();
      const code = await exited;
      assert.equal(code, 1, stderr);
      assert.match(stderr, /^dmarcpilot ingest: stopped: the store stopped answering \([^)]+\): what was stored before is kept/m, stderr);
      assert.doesNotMatch(stderr, /\n\s+at /, `no stack trace:\n${stderr}`);
      // One line about the failure (beside the one-time notice that a new store was created).
      assert.equal(stderr.trim().split('\n').filter((line) => !/created a new store/.test(line)).length, 1, stderr);
      cluster.start();
    }
    const final = spawnSync(process.execPath, [bin, 'ingest', '--db', cluster.url, corpus], { cwd: root, encoding: 'utf8' });
    assert.equal(final.status, 0, final.stderr);
    const counts = dbStatus(cluster.url);
    assert.equal(counts['aggregate'], manifest.reports, 'every report stored exactly once');
    assert.equal(counts['records'], manifest.records, 'with all its records, none twice');
    assert.equal(counts['quarantine'], 0);
  } finally {
    cluster.remove();
  }
});
