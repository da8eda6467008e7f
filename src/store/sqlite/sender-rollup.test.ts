import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AggregateHeader, AggregateRecord } from '../../reports/aggregate/aggregate-report.js';
import { openSqliteDatabase } from './sqlite-driver.js';
import { openSqliteStore } from './sqlite-store.js';

const header = (reportId: string, day: number): AggregateHeader => ({
  kind: 'aggregate',
  schema: 'rfc7489',
  version: null,
  namespace: null,
  metadata: { orgName: `receiver-${day % 3}.example`, email: null, extraContactInfo: null, reportId, begin: 1700000000 + day * 86400, end: 1700086399 + day * 86400, errors: [], generator: null },
  policy: { domain: 'example.com', adkim: 'r', aspf: 'r', p: 'none', sp: null, np: null, pct: null, fo: null, testing: null, discoveryMethod: null },
});

const record = (n: number): AggregateRecord => ({
  sourceIp: `192.0.2.${n % 40}`,
  count: (n % 7) + 1,
  disposition: n % 5 ? 'none' : null,
  dkim: n % 3 ? 'pass' : 'fail',
  spf: n % 4 ? 'fail' : null,
  reasons: [],
  headerFrom: n % 10 ? 'example.com' : 'news.example.com',
  envelopeFrom: null,
  envelopeTo: null,
  authDkim: [{ domain: `d${n % 6}.example`, selector: 's', result: 'pass', humanResult: null }],
  authSpf: [],
});

/** Runs `count` processes that each open the store and ask for the domain's sources at once; resolves with their totals. */
function queryInProcesses(path: string, count: number): Promise<number[]> {
  const storeModule = new URL('./sqlite-store.ts', import.meta.url).href;
  const script = `
    import { openSqliteStore } from ${JSON.stringify(storeModule)};
    const store = await openSqliteStore(${JSON.stringify(path)});
    const stats = await store.sourceStats('example.com', new Date(0), new Date(4e12));
    await store.reportingStats('example.com', new Date(0), new Date(4e12));
    await store.close();
    console.log(stats.reduce((n, s) => n + s.messages, 0));
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

test('sqlite rollup: processes querying at once after ingest add each report once (pending reports chosen under the write lock)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-rollup-'));
  try {
    const path = join(dir, 'store.sqlite');
    const store = await openSqliteStore(path);
    let total = 0;
    for (let day = 0; day < 60; day++) {
      const records = Array.from({ length: 300 }, (_, i) => record(i + day));
      total += records.reduce((n, r) => n + r.count, 0);
      const raw = await store.saveRawInput(new TextEncoder().encode(`r${day}`));
      const writer = await store.beginAggregateReport(header(`r${day}`, day), { raw, source: 'a.xml', receivedAt: new Date() });
      await writer.addRecords(records);
      await writer.commit({ recordCount: records.length, messageCount: 0, extensions: [], warnings: [], recordErrors: [] });
    }
    await store.close();
    const totals = await queryInProcesses(path, 4);
    assert.deepEqual(totals, [total, total, total, total]);
    const db = await openSqliteDatabase(path);
    try {
      const sums = db.prepare(
        'SELECT (SELECT SUM(messages) FROM sender_rollup) AS senders, (SELECT SUM(messages) FROM header_from_rollup) AS froms, (SELECT COUNT(*) FROM sender_rollup_reports) AS marked',
      ).get();
      assert.deepEqual(sums, { senders: total, froms: total, marked: 60 });
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite rollup: a steady-state query takes no write lock (it answers while another connection holds one)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-rollup-'));
  try {
    const path = join(dir, 'store.sqlite');
    const store = await openSqliteStore(path);
    const raw = await store.saveRawInput(new TextEncoder().encode('r'));
    const writer = await store.beginAggregateReport(header('r0', 0), { raw, source: 'a.xml', receivedAt: new Date() });
    await writer.addRecords([record(1), record(2)]);
    await writer.commit({ recordCount: 2, messageCount: 5, extensions: [], warnings: [], recordErrors: [] });
    assert.equal((await store.sourceStats('example.com', new Date(0), new Date(4e12))).length, 2);
    const other = await openSqliteDatabase(path);
    try {
      other.pragma('busy_timeout = 0');
      other.exec('BEGIN IMMEDIATE');
      const stats = await store.sourceStats('example.com', new Date(0), new Date(4e12));
      assert.equal(stats.reduce((n, s) => n + s.messages, 0), 5);
      other.exec('ROLLBACK');
    } finally {
      other.close();
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
