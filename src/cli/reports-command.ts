/**
 * Reading what the store holds besides aggregate records (app/reports.ts, app/summaries.ts,
 * app/check-domains.ts):
 *
 *   dmarcpilot series DOMAIN [--since 30d] [--until DATE] [--json]    mail per day, by result and disposition
 *   dmarcpilot reports failure [--domain D] [--ip IP] [--sender KEY] [--since] [--until] [--limit N] [--json]
 *   dmarcpilot reports failure show ID [--json]                       one failure report, every stored field
 *   dmarcpilot reports tls [--domain D] [--since] [--until] [--limit N] [--json]
 *   dmarcpilot checks DOMAIN [--limit N] [--json]                     the saved DNS checks of a domain
 *
 * Lists are newest first, one line per item (tab-separated), or JSON; failure reports as stored
 * (redacted unless the operator kept headers).
 */
import type { Command } from 'commander';
import { listDomainChecks } from '../app/check-domains.js';
import { eachItem } from '../app/paging.js';
import type { Page, PageRequest } from '../app/paging.js';
import type { StoredFailureReport, StoredTlsReport } from '../app/reports.js';
import { getFailureReport, listFailureReports, listTlsReports, streamFailureReports } from '../app/reports.js';
import { domainSeries } from '../app/summaries.js';
import { addStoreOptions, withReadApp } from './app-runner.js';
import { parsePositiveInteger } from './limit-options.js';
import { safeLines } from '../core/safe-text.js';
import { printJson, printOut, safeText } from './output.js';
import { parseTimeOption } from './time-options.js';

interface ListOptions {
  db?: string;
  config?: string;
  json?: boolean;
  limit?: number;
  domain?: string;
  since?: Date;
  until?: Date;
  ip?: string;
  sender?: string;
}

const n = (value: number): string => value.toLocaleString('en-GB');

/** One tab-separated line, each field made safe (a tab or line feed inside one cannot make a column or line). */
const fields = (values: readonly (string | number)[]): string => values.map((v) => safeText(String(v))).join('\t');

export function registerReportsCommands(program: Command, setStatus: (code: number) => void): void {
  addStoreOptions(
    program
      .command('series')
      .description("A domain's mail per UTC day: messages, DMARC passes, both / DKIM only / SPF only / neither, and dispositions (from the store's daily rollup).")
      .argument('<domain>', 'the policy domain')
      .option('--since <time>', 'first day: 30d, 12h, 2w or a date', (text) => parseTimeOption(text))
      .option('--until <time>', 'end (not included): a date (default: now)', (text) => parseTimeOption(text))
      .option('--json', 'print JSON'),
  ).action((domain: string, options: ListOptions) =>
    withReadApp('series', options, setStatus, async (app) => {
      const since = options.since ?? parseTimeOption('30d', app.context.now());
      const days = await domainSeries(app.context, domain, { since, ...(options.until ? { until: options.until } : {}) });
      if (options.json) {
        printJson(days);
        return 0;
      }
      printOut('DAY\tMESSAGES\tPASS\tBOTH\tDKIM ONLY\tSPF ONLY\tNEITHER\tDISPOSITIONS\n');
      for (const d of days) {
        const dispositions = Object.entries(d.dispositions).map(([name, count]) => `${name} ${n(count)}`).join(', ');
        printOut(`${d.day}\t${n(d.messages)}\t${n(d.dmarcPass)}\t${n(d.both)}\t${n(d.dkimOnly)}\t${n(d.spfOnly)}\t${n(d.neither)}\t${safeText(dispositions)}\n`);
      }
      return 0;
    }),
  );

  const reports = program.command('reports').enablePositionalOptions().description('Stored failure (ruf) and TLS reports, newest first.');
  const filters = (command: Command): Command =>
    addStoreOptions(
      command
        .option('--domain <domain>', 'only reports about this domain')
        .option('--since <time>', 'from: 30d, 12h, 2w or a date', (text) => parseTimeOption(text))
        .option('--until <time>', 'before: a date', (text) => parseTimeOption(text))
        .option('--limit <n>', 'at most this many (default: all)', parsePositiveInteger)
        .option('--json', 'print a JSON array'),
    );
  const failureLine = (r: StoredFailureReport): string =>
    fields([r.id, r.arrivalDate ?? r.receivedAt.toISOString(), r.reportedDomain ?? '-', r.sourceIp ?? '-', r.authFailure.join(',') || '-', r.deliveryResult ?? '-', r.source]);
  // Positional options, so that `reports failure show ID --json` gives --json to `show`, not to the list.
  const failure = filters(reports.command('failure').enablePositionalOptions().description('Failure reports as stored: source, domains, what failed, delivery result (headers only when kept); `show ID` for one.'))
    .option('--ip <address>', 'only reports about mail from this source IP')
    .option('--sender <key>', "only reports whose source belongs to this sender of --domain (or its subdomains), as `senders` groups them")
    .action((options: ListOptions) =>
      withReadApp('reports', options, setStatus, (app) =>
        options.sender === undefined
          ? printList(options, (page) => listFailureReports(app.context, query(options), page), failureLine)
          : printStream(options, streamFailureReports(app.context, { ...query(options), sender: options.sender }), failureLine),
      ),
    );
  addStoreOptions(
    failure
      .command('show')
      .description('One failure report with every field stored: source, raw input, domains, authentication results, warnings, and the headers when kept.')
      .argument('<id>', 'the report id (the first column of `reports failure`)', parsePositiveInteger)
      .option('--json', 'print JSON'),
  ).action((id: number, options: { db?: string; config?: string; json?: boolean }, command: Command) =>
    withReadApp('reports', { ...(command.parent?.opts() ?? {}), ...options }, setStatus, async (app) => {
      const report = await getFailureReport(app.context, id);
      if (options.json) printJson(report, 2);
      else printOut(formatFailureReport(report));
      return 0;
    }),
  );
  filters(reports.command('tls').description('SMTP TLS reports (RFC 8460): period, reporter, policy domains, sessions that succeeded and failed.')).action((options: ListOptions) =>
    withReadApp('reports', options, setStatus, (app) =>
      printList(options, (page) => listTlsReports(app.context, query(options), page), (r: StoredTlsReport) => {
        const ok = r.report.policies.reduce((sum, p) => sum + p.successfulSessionCount, 0);
        const failed = r.report.policies.reduce((sum, p) => sum + p.failedSessionCount, 0);
        return fields([r.id, `${r.report.dateRange.start}..${r.report.dateRange.end}`, r.report.organizationName, r.policyDomains.join(','), `${n(ok)} ok`, `${n(failed)} failed`]);
      }),
    ),
  );

  addStoreOptions(
    program
      .command('checks')
      .description('The saved DNS checks of a domain (`check` with a store saves each), newest first: when, errors, warnings.')
      .argument('<domain>', 'the domain')
      .option('--limit <n>', 'at most this many (default: all)', parsePositiveInteger)
      .option('--json', 'print a JSON array of the saved results'),
  ).action((domain: string, options: ListOptions) =>
    withReadApp('checks', options, setStatus, (app) =>
      printList(options, (page) => listDomainChecks(app.context, domain, page), (c) => `${c.checkedAt.toISOString()}\t${c.errors} errors\t${c.warnings} warnings`),
    ),
  );
}

function query(options: ListOptions): { domain?: string; since?: Date; until?: Date; sourceIp?: string } {
  return {
    ...(options.domain !== undefined ? { domain: options.domain } : {}),
    ...(options.since ? { since: options.since } : {}),
    ...(options.until ? { until: options.until } : {}),
    ...(options.ip !== undefined ? { sourceIp: options.ip } : {}),
  };
}

/** Every item of a stream (or the first --limit), one line each or as one JSON array. */
async function printStream<T>(options: ListOptions, items: AsyncIterable<T>, line: (item: T) => string): Promise<number> {
  const all: T[] = [];
  let count = 0;
  for await (const item of items) {
    if (options.json) all.push(item);
    else printOut(`${line(item)}\n`);
    if (++count === options.limit) break;
  }
  if (options.json) printJson(all);
  return 0;
}

/** A reported value for a terminal (core/safe-text.ts): unsafe characters escaped, but for the tabs and line breaks of kept headers. */
function shown(text: string, keepLines = false): string {
  return keepLines ? safeLines(text) : safeText(text);
}

/** Every stored field of a failure report, one per line; the kept headers indented below. */
export function formatFailureReport(r: StoredFailureReport): string {
  const value = (v: string | null | readonly string[]): string => (v === null ? '-' : typeof v === 'string' ? shown(v) || '-' : v.map((x) => shown(x)).join(', ') || '-');
  const rows: [string, string][] = [
    ['received', r.receivedAt.toISOString()],
    ['source', value(r.source)],
    ['raw input', `sha256 ${r.raw.sha256}, ${n(r.raw.size)} bytes`],
    ['format', r.format],
    ['feedback type', value(r.feedbackType)],
    ['reported domain', value(r.reportedDomain)],
    ['source IP', value(r.sourceIp)],
    ['arrival date', value(r.arrivalDate)],
    ['auth failure', value(r.authFailure)],
    ['identity alignment', value(r.identityAlignment)],
    ['delivery result', value(r.deliveryResult)],
    ['DKIM domain', value(r.dkimDomain)],
    ['DKIM selector', value(r.dkimSelector)],
    ['SPF domain', value(r.spfDomain)],
    ['original mail from', value(r.originalMailFrom)],
    ['subject (SHA-256)', value(r.subjectSha256)],
    ['message ID', value(r.messageId)],
    ['warnings', r.warnings.length === 0 ? 'none' : r.warnings.map((w) => `${w.code}: ${shown(w.message)}`).join('; ')],
    ['headers', r.headers === null ? 'not kept (ingest with --keep-failure-headers keeps them)' : 'kept:'],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [`Failure report ${r.id}`, ...rows.map(([label, text]) => `  ${`${label}:`.padEnd(width + 1)}  ${text}`)];
  if (r.headers !== null) lines.push(...shown(r.headers.replace(/\r\n/g, '\n'), true).replace(/\n$/, '').split('\n').map((line) => `    ${line}`));
  return `${lines.join('\n')}\n`;
}

/** Every item (or the first --limit), one line each or as one JSON array. */
async function printList<T>(options: ListOptions, list: (page: PageRequest) => Promise<Page<T>>, line: (item: T) => string): Promise<number> {
  const items: T[] = [];
  let count = 0;
  for await (const item of eachItem(list, Math.min(options.limit ?? 1000, 1000))) {
    if (options.json) items.push(item);
    else printOut(`${line(item)}\n`);
    if (++count === options.limit) break;
  }
  if (options.json) printJson(items);
  return 0;
}
