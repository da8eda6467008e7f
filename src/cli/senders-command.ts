/**
 * `dmarcpilot senders DOMAIN [--since 30d] [--json] [--new] [--offline] [--resolver HOST:PORT]`:
 * every system sending as the domain over the window, grouped into senders, with class, state,
 * volume, DMARC pass share, and for each failing one the diagnosis and the exact fix
 * (docs/senders.md; app/senders.ts), the owner's decision (who, when, the note) and the failure
 * reports of each. Reverse DNS goes through the store's cache; `--offline` uses only the cache.
 * `--json` prints the SenderSummary[] as it is, every sender with every field.
 */
import type { Command } from 'commander';
import { listSenders } from '../app/senders.js';
import { addStoreOptions, withReadApp } from './app-runner.js';
import { addAsnDbOption } from './asn-option.js';
import { parsePositiveInteger } from './limit-options.js';
import { printJson, printOut } from './output.js';
import type { ResolverOptions } from './resolver-options.js';
import { addResolverOptions, resolverFlags } from './resolver-options.js';
import { formatSenders } from './senders-printer.js';
import { parseTimeOption } from './time-options.js';

interface SendersOptions extends ResolverOptions {
  db?: string;
  config?: string;
  since: string;
  now?: string;
  json?: boolean;
  new?: boolean;
  offline?: boolean;
  concurrency: number;
  asnDb?: string;
}

export function registerSendersCommand(program: Command, setStatus: (code: number) => void): void {
  const command = program
    .command('senders')
    .description('Every sender of a domain: class, state, volume, DMARC pass share, and for each failing one why and the exact fix (docs/senders.md).')
    .argument('<domain>', 'the policy domain')
    .option('--since <time>', 'window start: 30d, 12h, 2w or a date', '30d')
    .option('--now <time>', 'analyse as if it were this time (a date; default: now)')
    .option('--json', 'print the senders as a JSON array (SenderSummary[])')
    .option('--new', 'list only new senders (first seen in the last 7 days or since the last policy change)')
    .option('--offline', 'no DNS: use only cached reverse DNS; other sources are grouped by network, marked unresolved')
    .option('--concurrency <n>', 'reverse DNS lookups at once', parsePositiveInteger, 16);
  addResolverOptions(command, 'for reverse DNS');
  addAsnDbOption(command);
  addStoreOptions(command).action((domain: string, options: SendersOptions) => {
    let now: Date;
    let since: Date;
    try {
      now = options.now === undefined ? new Date() : parseTimeOption(options.now);
      since = parseTimeOption(options.since, now);
    } catch (caught) {
      command.error(`error: ${caught instanceof Error ? caught.message : String(caught)}`, { exitCode: 2 });
    }
    const flags = { db: options.db, config: options.config, asnDb: options.asnDb, ...resolverFlags(command, options) };
    return withReadApp(
      'senders',
      flags,
      setStatus,
      async (app) => {
        const list = await listSenders(app.context, domain, { since, until: now, concurrency: options.concurrency, offline: options.offline === true, onlyNew: options.new === true });
        const day = (date: Date): string => date.toISOString().slice(0, 10);
        const listed = list.failureReports.senders.filter((c) => list.senders.some((s) => s.key === c.key)).reduce((sum, c) => sum + c.reports, 0);
        const windowFlags = [
          ...(options.since !== '30d' ? [`--since ${options.since}`] : []),
          ...(options.now !== undefined ? [`--now ${options.now}`] : []),
          ...(options.offline ? ['--offline'] : []),
        ].join(' ');
        if (options.json) printJson(list.senders, 2);
        else
          printOut(
            formatSenders(list.senders, {
              domain: list.domain,
              from: day(since),
              to: day(now),
              onlyNew: options.new === true,
              ...(list.reportedUnder !== undefined ? { reportedUnder: list.reportedUnder } : {}),
              subdomains: list.subdomains,
              windowFlags,
              reportFlags: options.now === undefined ? `--since ${options.since}` : `--since ${since.toISOString()} --until ${now.toISOString()}`,
              failureReports: { total: list.failureReports.total, unlisted: list.failureReports.total - listed },
            }),
          );
        return 0;
      },
      { networkDatabase: true },
    );
  });
}
