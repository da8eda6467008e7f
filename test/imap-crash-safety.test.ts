/**
 * Crash safety of the IMAP back-fill: a real `dmarcpilot ingest --imap` process is killed
 * (SIGKILL) at different moments, again and again, then run to the end. After every kill, each
 * message already in the archive folder must have its report in the store (nothing is moved
 * before its report is committed); at the end every report is stored exactly once, with all
 * its records, and every message is archived.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { TestDovecot } from './helpers/dovecot.js';
import { appendMessages, connectTestClient, countMessages, dovecotForTests } from './helpers/dovecot.js';
import { wrapAttachment } from './helpers/imap-seed.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const skip = existsSync(join(root, 'dist/ingest/imap/imap-backfill.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';

interface Manifest {
  reports: number;
  records: number;
  entries: { path: string; reportId: string }[];
}

/** A generated corpus: each report file attached to an e-mail (the corpus's e-mails as they are), its Subject naming the report ID. */
function makeMessages(): { messages: Buffer[]; manifest: Manifest } {
  const out = mkdtempSync(join(tmpdir(), 'dmarcpilot-imap-crash-'));
  const made = spawnSync(process.execPath, [join(root, 'bench/generate-corpus.js'), '--out', out, '--reports', '240', '--records', '48000', '--seed', '11', '--quiet']);
  assert.equal(made.status, 0, String(made.stderr));
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
  const messages = manifest.entries.map((entry) => {
    const file = readFileSync(join(out, entry.path));
    // The corpus's own e-mails go as they are (their Subject names the report too).
    if (entry.path.endsWith('.eml')) return file;
    const name = entry.path.split('/').pop() ?? 'report';
    return wrapAttachment(`Report-ID: ${entry.reportId}`, name, 'application/octet-stream', file);
  });
  return { messages, manifest };
}

/**
 * Starts an ingest and kills it once `ready()` says so (polled every 100 ms) plus `extraMs`, if it is
 * still running. Waiting for progress rather than a fixed time keeps the kills mid-way however slow
 * or loaded the machine is.
 */
function ingestKilledWhen(db: string, server: TestDovecot, ready: () => Promise<boolean>, extraMs: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'ingest', '-q', '--db', db, '--imap', server.url(), '--imap-batch', '10'], {
      stdio: 'ignore',
      env: { ...process.env, DMARCPILOT_IMAP_PASSWORD: server.password },
    });
    let exited = false;
    const poll = async (): Promise<void> => {
      while (!exited && !(await ready())) await new Promise((wait) => setTimeout(wait, 100));
      if (!exited) setTimeout(() => child.kill('SIGKILL'), extraMs);
    };
    void poll();
    child.on('exit', (code, signal) => {
      exited = true;
      resolve(signal ?? `exit ${code}`);
    });
  });
}

/** Messages in the archive folder (0 before it exists). */
async function archivedCount(server: TestDovecot): Promise<number> {
  const client = await connectTestClient(server);
  try {
    const status = await client.status('dmarcpilot-archive', { messages: true }).catch(() => false as const);
    return status ? (status.messages ?? 0) : 0;
  } finally {
    await client.logout();
  }
}

/** Report IDs named by the Subjects of the messages in the archive folder. */
async function archivedReportIds(server: TestDovecot): Promise<string[]> {
  const client = await connectTestClient(server);
  try {
    const status = await client.status('dmarcpilot-archive', { messages: true }).catch(() => false as const);
    if (!status || !status.messages) return [];
    await client.mailboxOpen('dmarcpilot-archive');
    const messages = await client.fetchAll('1:*', { envelope: true });
    return messages.map((message) => /Report-ID: <?([^<>\s]+)>?$/.exec(message.envelope?.subject ?? '')?.[1] ?? `(no report ID in ${message.envelope?.subject})`);
  } finally {
    await client.logout();
  }
}

async function storedReportIds(db: string): Promise<Set<string>> {
  const store = await openSqliteStore(db);
  try {
    const ids = new Set<string>();
    for await (const row of store.streamRecords({})) ids.add(row.header.metadata.reportId);
    return ids;
  } finally {
    await store.close();
  }
}

test('killing ingest --imap at any moment, then running it again: every report stored once, no message archived before its report', { skip, timeout: 240_000 }, async (t) => {
  const server = await dovecotForTests();
  if ('skip' in server) return t.skip(server.skip);
  try {
    const { messages, manifest } = makeMessages();
    await appendMessages(server, 'INBOX', messages);
    const db = join(mkdtempSync(join(tmpdir(), 'dmarcpilot-db-')), 'store.sqlite');
    const outcomes: string[] = [];
    let archivedBefore = 0;
    /** Runs killed with messages still waiting: the kills that test something. */
    let killedMidway = 0;
    // The first kill lands while the process starts or reads its first batch; each later one once
    // more messages were archived than before, then at a random moment within the next 400 ms.
    for (let run = 0; run < 7; run++) {
      const floor = archivedBefore;
      const ready = run === 0 ? () => Promise.resolve(true) : async () => (await archivedCount(server)) > floor;
      outcomes.push(await ingestKilledWhen(db, server, ready, Math.floor(Math.random() * 400)));
      const archived = await archivedReportIds(server);
      const stored = await storedReportIds(db);
      const early = archived.filter((id) => !stored.has(id));
      assert.deepEqual(early, [], `archived before their reports were stored (after ${outcomes.length} runs)`);
      assert.ok(archived.length >= archivedBefore);
      if (outcomes[outcomes.length - 1] === 'SIGKILL' && archived.length < manifest.reports) killedMidway++;
      archivedBefore = archived.length;
    }
    assert.ok(outcomes.includes('SIGKILL'), `at least one run was killed mid-way: ${outcomes.join(', ')}`);
    // How far seven runs get depends on the machine's speed; what matters is that kills fell with work left.
    assert.ok(archivedBefore > 0 && killedMidway > 0, `the kills fell mid-way (${killedMidway} runs killed with messages left; ${archivedBefore} of ${manifest.reports} archived)`);

    const final = spawnSync(process.execPath, [bin, 'ingest', '--db', db, '--imap', server.url()], { encoding: 'utf8', env: { ...process.env, DMARCPILOT_IMAP_PASSWORD: server.password } });
    assert.equal(final.status, 0, final.stderr);
    const status = JSON.parse(spawnSync(process.execPath, [bin, 'db', 'status', '--json', '--db', db], { encoding: 'utf8' }).stdout) as Record<string, number>;
    assert.equal(status['aggregate'], manifest.reports, 'every report stored exactly once');
    assert.equal(status['records'], manifest.records, 'with all its records, none twice');
    assert.equal(status['quarantine'], 0);
    assert.deepEqual(await countMessages(server, ['INBOX', 'dmarcpilot-archive', 'dmarcpilot-failed']), { INBOX: 0, 'dmarcpilot-archive': manifest.reports, 'dmarcpilot-failed': 0 });
  } finally {
    await server.stop();
  }
});
