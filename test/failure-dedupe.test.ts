/**
 * Failure reports are duplicates only when they are the same report (issue 12, item 8): five
 * different reports without Arrival-Date or original Message-ID (both optional, often redacted)
 * were stored as one. Through the real ingest path, on SQLite and on PostgreSQL, with rows
 * stored under the old key still recognised when their raw input is read again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppContext } from '../src/app/context.js';
import { ingestInput } from '../src/app/ingest.js';
import { extractReports } from '../src/reports/extract/extract-reports.js';
import { streamBytes } from '../src/reports/extract/byte-stream.js';
import type { FailureReport } from '../src/reports/failure/failure-report.js';
import { failureDedupeKey, failureDedupeKeyV1 } from '../src/store/failure-dedupe-key.js';
import { createPgPool } from '../src/store/postgres/pg-driver.js';
import { openPostgresStore } from '../src/store/postgres/postgres-store.js';
import { openSqliteDatabase } from '../src/store/sqlite/sqlite-driver.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { postgresForTests } from './helpers/postgres.js';

const fixture = readFileSync(fileURLToPath(new URL('fixtures/failure/arf-dmarc-message-rfc822.eml', import.meta.url)), 'latin1');

/**
 * The fixture's report about another message: no Arrival-Date, no Message-ID in the copy of the
 * original headers, the same domain, source IP and failed mechanisms; only the reported message's
 * subject and recipient differ (`n`), and the report e-mail's own Message-ID.
 */
function redactedReport(n: number): Uint8Array {
  const text = fixture
    .replace(/^Arrival-Date: .*\r?\n/m, '')
    .replace(/^Message-ID: <original-42@example\.com>\r?\n/m, '')
    .replace('Message-ID: <ruf-1715677964-1@receiver.example.net>', `Message-ID: <ruf-${n}@receiver.example.net>`)
    .replace('To: Alice <alice@receiver.example.net>', `To: User ${n} <user${n}@receiver.example.net>`)
    .replace('(invoice)', `(invoice ${n})`);
  return new TextEncoder().encode(text);
}

async function parsedFailure(bytes: Uint8Array): Promise<FailureReport> {
  let found: FailureReport | undefined;
  await extractReports(
    { name: 'ruf.eml', chunks: streamBytes(bytes), size: bytes.length },
    {
      aggregateStart: () => undefined,
      aggregateRecord: () => undefined,
      aggregateEnd: () => undefined,
      aggregateAbandoned: () => undefined,
      failureReport: (report) => (found = report),
      tlsReport: () => undefined,
      rejected: (r) => assert.fail(r.message),
    },
  );
  assert.ok(found);
  return found;
}

/** The checks, on one store; `setKey` rewrites a row's stored key (as a row stored before v2 has it). */
async function checkDedupe(store: Store, setKey: (id: number, key: string) => Promise<void>): Promise<void> {
  const ctx = createAppContext(store);
  const five = [1, 2, 3, 4, 5].map(redactedReport);
  const parsed = await Promise.all(five.map(parsedFailure));
  assert.equal(new Set(parsed.map(failureDedupeKeyV1)).size, 1, 'the old key could not tell them apart');
  assert.ok(parsed.every((r) => r.arrivalDate === null && r.original?.messageId === null));

  const stored = [];
  for (const [i, bytes] of five.entries()) stored.push(await ingestInput(ctx, { bytes, name: `ruf-${i + 1}.eml` }));
  assert.deepEqual(stored.map((c) => c.newReports), [1, 1, 1, 1, 1], 'five different reports, five rows');
  assert.equal((await store.countReports()).failure, 5);

  // The same report again, in another e-mail (other outer headers, other raw bytes): one row still.
  const resent = new TextEncoder().encode(new TextDecoder().decode(five[2]).replace('Subject: DMARC failure report for example.com', 'Subject: Fwd: DMARC failure report'));
  const again = await ingestInput(ctx, { bytes: resent, name: 'resent.eml' });
  assert.deepEqual([again.newReports, again.duplicateReports], [0, 1]);
  assert.equal((await store.countReports()).failure, 5);

  // A row stored before the whole-report key: read again from its raw input, it is that row.
  const legacy = (await store.listFailureReports({})).items.find((r) => r.source === 'ruf-1.eml');
  assert.ok(legacy);
  const report1 = parsed[0];
  assert.ok(report1);
  assert.notEqual(failureDedupeKey(report1), failureDedupeKeyV1(report1));
  await setKey(legacy.id, failureDedupeKeyV1(report1));
  const reread = await ingestInput(ctx, { bytes: five[0] ?? new Uint8Array(), name: 'ruf-1 again.eml' });
  assert.deepEqual([reread.newReports, reread.duplicateReports], [0, 1]);
  assert.equal((await store.countReports()).failure, 5);
}

test('failure reports without Arrival-Date and Message-ID are told apart by their whole content; the same report twice is one (SQLite)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-ruf-'));
  const path = join(dir, 'store.sqlite');
  const store = await openSqliteStore(path);
  try {
    await checkDedupe(store, async (id, key) => {
      const db = await openSqliteDatabase(path);
      try {
        db.prepare('UPDATE failure_reports SET dedupe_key = ? WHERE id = ?').run(key, id);
      } finally {
        db.close();
      }
    });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the same on PostgreSQL', async (t) => {
  const pg = await postgresForTests();
  if ('skip' in pg) return t.skip(pg.skip);
  const store = await openPostgresStore(pg.url);
  const pool = await createPgPool(pg.url, { max: 1 });
  try {
    await checkDedupe(store, async (id, key) => {
      await pool.query({ text: 'UPDATE failure_reports SET dedupe_key = $1 WHERE id = $2', values: [key, id] });
    });
  } finally {
    await pool.end();
    await store.close();
    await pg.drop();
  }
});
