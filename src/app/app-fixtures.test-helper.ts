/**
 * For the application core's tests: a real SQLite store in a temporary folder, seen through the
 * default organisation as the CLI and the server see it, inside an AppContext with a fixed clock
 * and DNS from a table (no network), and the report history of test/helpers/sender-history.ts
 * ingested through the one ingest path. The logic of every command is tested in-process here;
 * test/cli-*.test.ts keep a few end-to-end runs of the built CLI.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemoryZone } from '../dns/memory-resolver.js';
import { MemoryResolver } from '../dns/memory-resolver.js';
import { openStore } from '../store/open-store.js';
import type { StoreRoot } from '../store/store.js';
import { DEFAULT_ORGANIZATION_ID } from '../store/store.js';
import type { AppContext } from './context.js';
import { createAppContext } from './context.js';
import { ingestInput } from './ingest.js';

export const FIXTURES = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));

export function fixture(path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, path)));
}

export interface TestApp {
  readonly ctx: AppContext;
  readonly root: StoreRoot;
  readonly resolver: MemoryResolver;
  readonly dir: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  readonly now?: Date;
  readonly zone?: MemoryZone;
  readonly overrides?: Partial<Omit<AppContext, 'store'>>;
}

export async function openTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-app-'));
  const root = await openStore(join(dir, 'store.sqlite'));
  const store = await root.forOrganization(DEFAULT_ORGANIZATION_ID);
  const resolver = new MemoryResolver(options.zone ?? {});
  const now = options.now;
  const ctx = createAppContext(store, { resolver, ...(now ? { now: () => new Date(now.getTime()) } : {}), ...options.overrides });
  return {
    ctx,
    root,
    resolver,
    dir,
    async close() {
      await root.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `body` with a fresh test app, closed afterwards. */
export async function withTestApp(options: TestAppOptions, body: (app: TestApp) => Promise<void>): Promise<void> {
  const app = await openTestApp(options);
  try {
    await body(app);
  } finally {
    await app.close();
  }
}

/** Ingests each report through the application's ingest path; every one must be stored new. */
export async function ingestReports(ctx: AppContext, reports: readonly { name: string; xml: string }[]): Promise<void> {
  for (const { name, xml } of reports) {
    const counts = await ingestInput(ctx, { bytes: new TextEncoder().encode(xml), name });
    if (counts.newReports !== 1) throw new Error(`${name}: expected one new report, got ${JSON.stringify(counts)}`);
  }
}
