import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AggregateHeader, AggregateRecord } from '../../reports/aggregate/aggregate-report.js';
import { openSqliteDatabase } from './sqlite-driver.js';
import { openSqliteStore } from './sqlite-store.js';

const DAY = 86_400;

/** Reports of one day and of three, alternately. */
const header = (n: number): AggregateHeader => ({
  kind: 'aggregate',
  schema: 'rfc7489',
  version: null,
  namespace: null,
  metadata: { orgName: `receiver-${n % 3}.example`, email: null, extraContactInfo: null, reportId: `r${n}`, begin: 1700006400 + n * DAY, end: 1700006400 + (n + (n % 2 ? 3 : 1)) * DAY - 1, errors: [], generator: null },
  policy: { domain: 'example.com', adkim: 'r', aspf: 'r', p: 'none', sp: null, np: null, pct: null, fo: null, testing: null, discoveryMethod: null },
});

const record = (n: number): AggregateRecord => ({
  sourceIp: `192.0.2.${n % 40}`, count: (n % 7) + 1, disposition: n % 5 ? 'none' : null, dkim: n % 3 ? 'pass' : 'fail', spf: n % 4 ? 'fail' : null,
  reasons: [], headerFrom: 'example.com', envelopeFrom: null, envelopeTo: null, authDkim: [], authSpf: [],
});

/** `count` processes that each open the store and ask for the daily series at once; their totals. */
function queryInProcesses(path: string, count: number): Promise<number[]> {
  const storeModule = new URL('./sqlite-store.ts', import.meta.url).href;
  const script = `
    import { openSqliteStore } from ${JSON.stringify(storeModule)};
    const store = await openSqliteStore(${JSON.stringify(path)});
    const days = await store.dailySeries('example.com', { since: new Date(0), until: new Date(4e12) });
    await store.close();
    console.log(days.reduce((n, d) => n + d.messages, 0));
  `;
  return Promise.all(
    Array.from({ length: count }, () => new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`query process exited ${code}: ${err}`))));
    })),
  );
}

test('sqlite daily rollup: processes asking at once after ingest add each report once (pending reports chosen under the write lock)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-daily-'));
  try {
    const path = join(dir, 'store.sqlite');
    const store = await openSqliteStore(path);
    let total = 0;
    for (let n = 0; n < 40; n++) {
      const records = Array.from({ length: 200 }, (_, i) => record(i + n));
      total += records.reduce((sum, r) => sum + r.count, 0);
      const raw = await store.saveRawInput(new TextEncoder().encode(`r${n}`));
      const writer = await store.beginAggregateReport(header(n), { raw, source: 'a.xml', receivedAt: new Date() });
      await writer.addRecords(records);
      await writer.commit({ recordCount: records.length, messageCount: 0, extensions: [], warnings: [], recordErrors: [] });
    }
    await store.close();
    assert.deepEqual(await queryInProcesses(path, 4), [total, total, total, total]);
    const db = await openSqliteDatabase(path);
    try {
      assert.deepEqual(db.prepare('SELECT (SELECT SUM(messages) FROM daily_rollup) AS messages, (SELECT COUNT(*) FROM daily_rollup_reports) AS marked').get(), { messages: total, marked: 40 });
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite daily rollup: a steady-state query takes no write lock (it answers while another connection holds one)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-daily-'));
  try {
    const path = join(dir, 'store.sqlite');
    const store = await openSqliteStore(path);
    const raw = await store.saveRawInput(new TextEncoder().encode('r'));
    const writer = await store.beginAggregateReport(header(1), { raw, source: 'a.xml', receivedAt: new Date() });
    await writer.addRecords([record(1), record(2)]);
    await writer.commit({ recordCount: 2, messageCount: 5, extensions: [], warnings: [], recordErrors: [] });
    const window = { since: new Date(0), until: new Date(4e12) };
    assert.equal((await store.dailySeries('example.com', window)).length, 3, 'a three-day report');
    const other = await openSqliteDatabase(path);
    try {
      other.pragma('busy_timeout = 0');
      other.exec('BEGIN IMMEDIATE');
      const days = await store.dailySeries('example.com', window);
      assert.equal(days.reduce((n, d) => n + d.messages, 0), 5);
      other.exec('ROLLBACK');
    } finally {
      other.close();
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
