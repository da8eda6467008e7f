/**
 * File ingest commits in write groups (src/ingest/grouped-commits.ts). Whatever the grouping, the
 * store ends up the same; a store failure rolls back the open group only, and running the ingest
 * again completes it with nothing counted twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withLimits } from '../src/core/limits.js';
import { listInputs } from '../src/ingest/file-inputs.js';
import type { GroupLimits } from '../src/ingest/grouped-commits.js';
import type { IngestRun, IngestSummary } from '../src/ingest/ingest-files.js';
import { ingestFiles } from '../src/ingest/ingest-files.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** 30 generated reports in every container, plus the aggregate fixtures (some of which are refused). */
function inputs(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-groups-'));
  const made = spawnSync(process.execPath, [join(root, 'bench/generate-corpus.js'), '--out', join(dir, 'gen'), '--reports', '30', '--records', '3000', '--seed', '7', '--quiet']);
  assert.equal(made.status, 0, String(made.stderr));
  cpSync(join(dir, 'gen', 'reports'), join(dir, 'in', 'generated'), { recursive: true });
  cpSync(join(root, 'test/fixtures/aggregate'), join(dir, 'in', 'fixtures'), { recursive: true });
  return join(dir, 'in');
}

const newStorePath = (): string => join(mkdtempSync(join(tmpdir(), 'dmarcpilot-groups-db-')), 'store.sqlite');

async function ingest(store: Store, folder: string, commitGroups?: GroupLimits): Promise<IngestSummary> {
  const listed = await listInputs([folder]);
  const run: IngestRun = { store, limits: withLimits(undefined), keepFailureHeaders: false, now: () => new Date('2026-11-20T10:00:00Z'), onRejected: () => undefined, commitGroups };
  return ingestFiles(listed.files, run, 1);
}

/** What a store holds, in a comparable form. */
async function contents(store: Store): Promise<unknown> {
  const records: unknown[] = [];
  for await (const item of store.streamRecords({})) records.push([item.header.metadata.reportId, item.source, item.record]);
  return { counts: await store.countReports(), records, log: (await store.listIngestLog({ limit: 1_000 })).items.map((entry) => [entry.input, entry.newReports, entry.records]) };
}

/** The store, failing with "disk full" from the `failAt`-th raw input it is asked to keep (each input is first saved as a reference, then its bytes). */
function failingFrom(store: Store, failAt: number): Store {
  let inputs = 0;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'saveRawInput') {
        return (bytes: Uint8Array, options?: Parameters<Store['saveRawInput']>[1]) => {
          if (options?.bytes === 'reference') inputs++;
          return inputs >= failAt ? Promise.reject(new Error('disk full')) : target.saveRawInput(bytes, options);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

test('ingest: one commit per input or per many inputs (the default): the same store', { timeout: 120_000 }, async () => {
  const folder = inputs();
  const results: unknown[] = [];
  for (const groups of [undefined, { maxMs: 60_000, maxRecords: 1 }, { maxMs: 0, maxRecords: 1_000_000 }]) {
    const store = await openSqliteStore(newStorePath());
    try {
      const summary = await ingest(store, folder, groups);
      assert.ok(summary.newReports >= 30 && summary.rejected > 0, 'generated reports stored, bad fixtures refused');
      results.push(await contents(store));
    } finally {
      await store.close();
    }
  }
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[2], results[0]);
  assert.ok(((results[0] as { records: unknown[] }).records).length >= 3000);
});

test('ingest: a store failure rolls back the open group only; ingesting again completes the store, nothing twice', { timeout: 120_000 }, async () => {
  const folder = inputs();
  const expected = await (async () => {
    const store = await openSqliteStore(newStorePath());
    try {
      await ingest(store, folder);
      return await contents(store);
    } finally {
      await store.close();
    }
  })();

  // With a group per input (maxRecords 1) a group is committed after an input that stored records;
  // refused inputs just before the failure share the group that fails. So what is kept is every input
  // up to the last one with records among the 19 before the 20th raw input (not a fixed count: it
  // depends on which fixtures sort first).
  const recordsOf = new Map((expected as { log: [string, number, number][] }).log.map(([input, , records]) => [input, records]));
  const firstInputs = (await listInputs([folder])).files.slice(0, 19).map((file) => file.path);
  const committedBeforeFailure = firstInputs.reduce((kept, path, i) => ((recordsOf.get(path) ?? 0) > 0 ? i + 1 : kept), 0);
  assert.ok(committedBeforeFailure >= 10, `the test needs inputs with records among the first 19 (${committedBeforeFailure})`);
  const oneGroup = { maxMs: 3_600_000, maxRecords: Number.MAX_SAFE_INTEGER };
  for (const groups of [oneGroup, { maxMs: 3_600_000, maxRecords: 1 }]) {
    const path = newStorePath();
    const first = await openSqliteStore(path);
    try {
      await assert.rejects(ingest(failingFrom(first, 20), folder, groups), /disk full/);
      const kept = await first.countReports();
      // One group for everything: nothing is kept. A group per input: the inputs up to the last commit before the failure.
      if (groups === oneGroup) assert.deepEqual(kept, { aggregate: 0, records: 0, failure: 0, tls: 0, raw: 0, quarantine: 0 });
      else assert.equal(kept.raw, committedBeforeFailure);
      assert.equal((await first.listIngestLog({ limit: 1_000 })).items.length, kept.raw, 'every committed input has its log line, and no other has');
    } finally {
      await first.close();
    }
    const second = await openSqliteStore(path);
    try {
      await ingest(second, folder, groups);
      const after = (await contents(second)) as { counts: unknown; records: unknown };
      assert.deepEqual(after.counts, (expected as { counts: unknown }).counts);
      assert.deepEqual(after.records, (expected as { records: unknown }).records);
    } finally {
      await second.close();
    }
  }
});
