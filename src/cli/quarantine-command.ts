/**
 * `dmarcpilot quarantine list|show|retry|dismiss|purge`: inputs that were refused, kept with their
 * raw bytes and the reason (app/quarantine.ts). `retry` reads a kept input again (after an
 * upgrade, say); if it now goes through without refusal, its entry is marked resolved. `dismiss`
 * marks entries looked at with nothing to do (the entry and its bytes stay, as a record).
 * `purge` deletes entries for good, with their bytes unless something else still needs them.
 */
import type { Command } from 'commander';
import type { QuarantineEntry, RetryOutcome } from '../app/quarantine.js';
import { dismissQuarantine, getQuarantineEntry, listQuarantine, purgeQuarantine, readQuarantinedInput, retryQuarantine } from '../app/quarantine.js';
import { eachItem } from '../app/paging.js';
import { invalid } from '../app/problems.js';
import { addStoreOptions, withApp, withReadApp } from './app-runner.js';
import { addLimitOptions, limitFlags, parsePositiveInteger } from './limit-options.js';
import { printErr, printJson, printOut, printRawBytes, safe, safeText } from './output.js';

interface StoreOptions {
  db?: string;
  config?: string;
  [key: string]: unknown;
}

function describeEntry(e: QuarantineEntry): string {
  return [String(e.id), e.state, e.receivedAt.toISOString(), e.code, e.source].map(safeText).join('\t');
}

/** `1 2 3` → [1, 2, 3]; an invalid request (exit 2) for anything else. */
function parseIds(ids: readonly string[]): number[] {
  return ids.map((id) => {
    if (!/^\d+$/.test(id) || Number(id) < 1 || !Number.isSafeInteger(Number(id))) throw invalid('not-an-id', 'ids', `"${id}" is not an entry id (a positive whole number, from quarantine list)`);
    return Number(id);
  });
}

export function registerQuarantineCommand(program: Command, setStatus: (code: number) => void): void {
  const quarantine = program.command('quarantine').description('Refused inputs, kept with their raw bytes and the reason.');

  addStoreOptions(
    quarantine
      .command('list')
      .description('List quarantined inputs (open ones unless --all): id, state, received, code, source.')
      .option('--all', 'include resolved and dismissed entries')
      .option('--json', 'print JSON'),
  ).action((options: StoreOptions & { all?: boolean; json?: boolean }) =>
    withReadApp('quarantine', options, setStatus, async (app) => {
      const entries: QuarantineEntry[] = [];
      for await (const entry of eachItem((page) => listQuarantine(app.context, { state: options.all ? 'all' : 'open' }, page))) {
        if (options.json) entries.push(entry);
        else printOut(`${describeEntry(entry)}\n`);
      }
      if (options.json) printJson(entries);
      return 0;
    }),
  );

  addStoreOptions(
    quarantine
      .command('show')
      .description('Show one entry and its reason; --raw writes the kept bytes to standard output instead.')
      .argument('<id>', 'entry id (from quarantine list)', parsePositiveInteger)
      .option('--raw', 'write the raw input to standard output'),
  ).action((id: number, options: StoreOptions & { raw?: boolean }) =>
    withReadApp('quarantine', options, setStatus, async (app) => {
      if (options.raw) {
        const { entry, bytes } = await readQuarantinedInput(app.context, id);
        if (entry.truncated) printErr(`quarantine entry ${id}: only the first ${entry.raw.size} of the input's ${entry.truncated.inputSize} bytes were kept\n`);
        printRawBytes(bytes);
        return 0;
      }
      const entry = await getQuarantineEntry(app.context, id);
      printOut(
        safe`id: ${entry.id}\nstate: ${entry.state}\nreceived: ${entry.receivedAt.toISOString()}\nsource: ${entry.source}\n` +
          safe`code: ${entry.code}\nmessage: ${entry.message}\nraw input: ${describeRaw(entry)}\n`,
      );
      return 0;
    }),
  );

  const retry = addStoreOptions(
    quarantine
      .command('retry')
      .description('Read quarantined inputs again; entries that now go through are marked resolved.')
      .argument('[ids...]', 'entry ids (default: every open entry)'),
  );
  addLimitOptions(retry);
  retry.action((ids: string[], options: StoreOptions) =>
    withApp('quarantine', { ...options, limits: limitFlags(options) }, setStatus, async (app) => {
      let failed = 0;
      const print = (outcome: RetryOutcome): void => {
        if (outcome.status === 'resolved') printOut(`${outcome.id}: resolved\n`);
        else {
          failed++;
          printErr(`${outcome.id}: ${safeText(describeFailure(outcome))}\n`);
        }
      };
      await retryQuarantine(app.context, { ...(ids.length > 0 ? { ids: parseIds(ids) } : {}), onOutcome: print });
      return failed > 0 ? 1 : 0;
    }),
  );

  addStoreOptions(
    quarantine
      .command('dismiss')
      .description('Mark entries as looked at, with nothing to do (they leave the open list; the entry and its raw input stay, as a record; purge deletes them).')
      .argument('<ids...>', 'entry ids (from quarantine list)'),
  ).action((ids: string[], options: StoreOptions) =>
    withApp('quarantine', options, setStatus, async (app) => {
      for (const entry of await dismissQuarantine(app.context, parseIds(ids))) printOut(`${entry.id}: dismissed\n`);
      return 0;
    }),
  );
  registerPurge(quarantine, setStatus);
}

/** `quarantine purge ID...`, registered after dismiss. */
function registerPurge(quarantine: Command, setStatus: (code: number) => void): void {
  addStoreOptions(
    quarantine
      .command('purge')
      .description('Delete entries for good (mistakes, inputs that must not be kept), with their raw bytes unless a stored report or another entry still needs them.')
      .argument('<ids...>', 'entry ids (from quarantine list --all)'),
  ).action((ids: string[], options: StoreOptions) =>
    withApp('quarantine', options, setStatus, async (app) => {
      for (const outcome of await purgeQuarantine(app.context, parseIds(ids))) {
        printOut(`${outcome.id}: purged${outcome.rawBytesDropped ? ', its raw input deleted' : '; its raw input is kept: a stored report or another entry still refers to it'}\n`);
      }
      return 0;
    }),
  );
}

function describeRaw(entry: QuarantineEntry): string {
  if (!entry.truncated) return `sha256 ${entry.raw.sha256}, ${entry.raw.size} bytes (show --raw to get it)`;
  const whole = `the input (${entry.truncated.inputSize} bytes) was too large to keep`;
  if (entry.raw.size === 0) return `not kept: ${whole}`;
  return `only the first ${entry.raw.size} bytes, sha256 ${entry.raw.sha256}: ${whole} (show --raw to get those)`;
}

function describeFailure(outcome: Exclude<RetryOutcome, { status: 'resolved' }>): string {
  switch (outcome.status) {
    case 'not-kept':
      return `cannot be retried: the input was too large to keep (${outcome.inputSize} bytes; ${outcome.keptBytes > 0 ? `only its first ${outcome.keptBytes} were kept` : 'none of them were kept'}); ingest the original again with a larger --max-buffered, then dismiss this entry`;
    case 'still-refused':
      return `still refused: ${outcome.refusal}`;
    case 'raw-missing':
      return 'its raw input is no longer kept';
    case 'not-open':
      return 'the entry is resolved or dismissed already';
  }
}
