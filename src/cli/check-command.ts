/**
 * `dmarcpilot check DOMAIN... [--file LIST]`: the DNS posture of each domain (DMARC, SPF, DKIM,
 * MX, MTA-STS, TLS-RPT, BIMI) with a stable code and a fix per finding (docs/findings.md;
 * app/check-domains.ts). Thousands of domains run with bounded concurrency and a progress line;
 * `--json` prints one JSON object per domain per line. With a store (--db, $DMARCPILOT_DB or the
 * configuration's db) each result is saved and the DKIM selectors seen in stored reports are
 * looked up too. Exit status 1 when any domain has an error finding, 2 for bad usage.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { checkDomains } from '../app/check-domains.js';
import { formatDomainCheck } from './check-printer.js';
import { addStoreOptions, withApp } from './app-runner.js';
import { parsePositiveInteger } from './limit-options.js';
import { printErr, printJson, printOut, safe } from './output.js';
import { createCountProgress } from './progress.js';
import type { ResolverOptions } from './resolver-options.js';
import { addResolverOptions, resolverFlags } from './resolver-options.js';

interface CheckOptions extends ResolverOptions {
  file?: string;
  selectors?: string;
  defaultSelectors: boolean;
  json?: boolean;
  ip?: string;
  concurrency: number;
  verbose?: boolean;
  db?: string;
  config?: string;
  save: boolean;
}

export function registerCheckCommand(program: Command, setStatus: (code: number) => void): void {
  const command = program
    .command('check')
    .description('Check the DNS of each domain (DMARC, SPF, DKIM, MX, MTA-STS, TLS-RPT, BIMI): every finding with a stable code and its fix (docs/findings.md).')
    .argument('[domains...]', 'domain names')
    .option('--file <list>', 'also check the domains listed in this file, one per line (# comments; - for standard input)')
    .option('--selectors <list>', 'DKIM selectors to look up, comma-separated (besides those seen in stored reports and the provider defaults)')
    .option('--no-default-selectors', 'do not probe the common provider default DKIM selectors')
    .option('--ip <address>', 'also evaluate SPF for mail from this IP address')
    .option('--concurrency <n>', 'domains checked at once', parsePositiveInteger, 8)
    .option('--json', 'one JSON object per domain per line: { domain, checkedAt, summary, findings, records }')
    .option('-v, --verbose', 'list the passed checks too')
    .option('--no-save', 'do not save the results in the store');
  addResolverOptions(command, 'for every record');
  addStoreOptions(command);
  command.action(async (args: string[], options: CheckOptions) => {
    const domains = [...args];
    if (options.file !== undefined) {
      try {
        domains.push(...readDomainList(options.file === '-' ? readFileSync(0, 'utf8') : readFileSync(options.file, 'utf8')));
      } catch (caught) {
        command.error(`error: cannot read ${options.file}: ${caught instanceof Error ? caught.message : String(caught)}`, { exitCode: 2 });
      }
    }
    if (domains.length === 0) command.error('error: give at least one domain, or --file LIST', { exitCode: 2 });
    await withApp('check', { db: options.db, config: options.config, ...resolverFlags(command, options) }, setStatus, (app) => runChecks(app.hasStore, (opts) => checkDomains(app.context, domains, opts), options), {
      store: 'if-configured',
      // Checks are saved: a store named for them is created when missing. With --no-save the
      // store is only read (the DKIM selectors its reports saw).
      create: true,
      access: options.save ? 'write' : 'read',
    });
  });
}

type Start = (options: Parameters<typeof checkDomains>[2]) => ReturnType<typeof checkDomains>;

async function runChecks(hasStore: boolean, start: Start, options: CheckOptions): Promise<number> {
  const run = start({
    selectors: (options.selectors ?? '').split(','),
    probeDefaultSelectors: options.defaultSelectors,
    concurrency: options.concurrency,
    useStore: hasStore,
    save: options.save,
    ...(options.ip !== undefined ? { ip: options.ip } : {}),
  });
  const total = run.domains.length;
  const progress = options.json || total < 2 ? undefined : createCountProgress(total, 'domains');
  let withErrors = 0;
  let failed = 0;
  let done = 0;
  for await (const outcome of run.outcomes) {
    progress?.clear();
    if (outcome.status === 'checked') {
      if (outcome.result.summary.error > 0) withErrors++;
      if (options.json) printJson(outcome.result);
      else printOut(`${formatDomainCheck(outcome.result, { verbose: options.verbose === true })}\n`);
    } else {
      failed++;
      printErr(safe`${outcome.domain}: the check failed: ${outcome.message}\n`);
    }
    progress?.update(++done, `${withErrors} with errors`);
  }
  progress?.clear();
  if (total > 1 && !options.json) {
    printErr(`dmarcpilot check: ${total} domains, ${withErrors} with errors${failed > 0 ? `, ${failed} could not be checked` : ''}\n`);
  }
  return withErrors > 0 || failed > 0 ? 1 : 0;
}

/** Domains from a list file: one per line; blank lines and `#` comments ignored. */
export function readDomainList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}
