/**
 * `dmarcpilot quarantine list|show|retry`: inputs that were refused, kept with their raw bytes
 * and the reason. `retry` reads a kept input again (after an upgrade, say); if it now goes
 * through without refusal, its entry is marked resolved.
 */
import type { Command } from 'commander';
import { ingestBytes } from '../ingest/ingest-files.js';
import type { QuarantineEntry } from '../store/store.js';
import { addLimitOptions, limitsFromOptions, parsePositiveInteger } from './limit-options.js';
import { DB_OPTION, withStore } from './store-options.js';

interface StoreOptions {
  db?: string;
  [key: string]: unknown;
}

/**
 * The name an input was ingested under, from the source of a refusal in it: a file path, `-`,
 * or `path > message N` for a message of an mbox file (each message is its own input).
 */
export function ingestNameOf(source: string): string {
  const message = /^(.*? > message \d+)(?= > |$)/.exec(source);
  if (message) return message[1] as string;
  const cut = source.indexOf(' > ');
  return cut === -1 ? source : source.slice(0, cut);
}

function describeEntry(e: QuarantineEntry): string {
  return `${e.id}\t${e.state}\t${e.receivedAt.toISOString()}\t${e.code}\t${e.source}`;
}

export function registerQuarantineCommand(program: Command, setStatus: (code: number) => void): void {
  const quarantine = program.command('quarantine').description('Refused inputs, kept with their raw bytes and the reason.');

  quarantine
    .command('list')
    .description('List quarantined inputs (open ones unless --all): id, state, received, code, source.')
    .option('--all', 'include resolved and dismissed entries')
    .option('--json', 'print JSON')
    .option(...DB_OPTION)
    .action((options: StoreOptions & { all?: boolean; json?: boolean }) =>
      withStore('quarantine', options, setStatus, async (store) => {
        const entries = await store.listQuarantine(options.all ? undefined : 'open');
        if (options.json) process.stdout.write(`${JSON.stringify(entries)}\n`);
        else for (const entry of entries) process.stdout.write(`${describeEntry(entry)}\n`);
        return 0;
      }),
    );

  quarantine
    .command('show')
    .description('Show one entry and its reason; --raw writes the kept bytes to standard output instead.')
    .argument('<id>', 'entry id (from quarantine list)', parsePositiveInteger)
    .option('--raw', 'write the raw input to standard output')
    .option(...DB_OPTION)
    .action((id: number, options: StoreOptions & { raw?: boolean }) =>
      withStore('quarantine', options, setStatus, async (store) => {
        const entry = await store.getQuarantine(id);
        if (!entry) {
          process.stderr.write(`dmarcpilot quarantine: no entry ${id}\n`);
          return 1;
        }
        if (options.raw) {
          process.stdout.write((await store.readRawInput(entry.raw.sha256)) ?? new Uint8Array(0));
          return 0;
        }
        process.stdout.write(
          `id: ${entry.id}\nstate: ${entry.state}\nreceived: ${entry.receivedAt.toISOString()}\nsource: ${entry.source}\n` +
            `code: ${entry.code}\nmessage: ${entry.message}\nraw input: sha256 ${entry.raw.sha256}, ${entry.raw.size} bytes (show --raw to get it)\n`,
        );
        return 0;
      }),
    );

  const retry = quarantine
    .command('retry')
    .description('Read quarantined inputs again; entries that now go through are marked resolved.')
    .argument('[ids...]', 'entry ids (default: every open entry)')
    .option(...DB_OPTION);
  addLimitOptions(retry);
  retry.action((ids: string[], options: StoreOptions) =>
    withStore('quarantine', options, setStatus, async (store) => {
      const open = await store.listQuarantine('open');
      const wanted = ids.length > 0 ? open.filter((e) => ids.includes(String(e.id))) : open;
      let stillRefused = 0;
      /** Refusals from re-reading each raw input, once per input. */
      const refusalsByInput = new Map<string, string[]>();
      for (const entry of wanted) {
        const name = ingestNameOf(entry.source);
        const key = `${entry.raw.sha256} ${name}`;
        let refusals = refusalsByInput.get(key);
        if (!refusals) {
          const bytes = await store.readRawInput(entry.raw.sha256);
          if (!bytes) continue;
          const found: string[] = [];
          const run = { store, limits: limitsFromOptions(options), keepFailureHeaders: false, now: () => new Date(), onRejected: (r: { code: string; message: string }, source: string) => void found.push(`${source}: ${r.code}: ${r.message}`) };
          await ingestBytes(bytes, name, run, false);
          refusals = found;
          refusalsByInput.set(key, refusals);
        }
        const again = refusals.find((line) => line.startsWith(`${entry.source}: ${entry.code}:`));
        if (again) {
          stillRefused++;
          process.stderr.write(`${entry.id}: still refused: ${again}\n`);
        } else {
          await store.setQuarantineState(entry.id, 'resolved');
          process.stdout.write(`${entry.id}: resolved\n`);
        }
      }
      return stillRefused > 0 ? 1 : 0;
    }),
  );
}
