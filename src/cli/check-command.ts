/**
 * `dmarcpilot check DOMAIN... [--file LIST]`: the DNS posture of each domain (DMARC, SPF, DKIM,
 * MX, MTA-STS, TLS-RPT, BIMI) with a stable code and a fix per finding (docs/findings.md).
 * Thousands of domains run with bounded concurrency and a progress line; `--json` prints one
 * JSON object per domain per line. With a store (--db or $DMARCPILOT_DB) each result is saved and
 * the DKIM selectors seen in stored reports are looked up too. Exit status 1 when any domain has
 * an error finding, 2 for bad usage.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { collectDkimSelectors } from '../analysis/dkim-selectors-seen.js';
import type { Resolver } from '../core/dns-resolver.js';
import { canonicalizeIp } from '../core/ip.js';
import { createHttpsFetcher } from '../dns/https-fetch.js';
import type { DkimSelectorInput } from '../evaluate/check-dkim.js';
import type { DomainCheckResult } from '../evaluate/check-domain.js';
import { checkDomain } from '../evaluate/check-domain.js';
import { normalizeDomainName } from '../evaluate/domain-name.js';
import { openStore, describeStoreLocation } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { formatDomainCheck } from './check-printer.js';
import { parsePositiveInteger } from './limit-options.js';
import { createCountProgress } from './progress.js';
import type { ResolverOptions } from './resolver-options.js';
import { addResolverOptions, resolverFrom } from './resolver-options.js';
import { DB_OPTION, storeLocationFrom } from './store-options.js';
import { runBounded } from '../core/run-bounded.js';

interface CheckOptions extends ResolverOptions {
  file?: string;
  selectors?: string;
  defaultSelectors: boolean;
  json?: boolean;
  ip?: string;
  concurrency: number;
  verbose?: boolean;
  db?: string;
  save: boolean;
}

const REPORT_SELECTOR_DAYS = 90;

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
    .option(...DB_OPTION)
    .option('--no-save', 'do not save the results in the store');
  addResolverOptions(command, 'for every record');
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
    const invalid = domains.filter((d) => normalizeDomainName(d) === undefined);
    if (invalid.length > 0) command.error(`error: not a domain name: ${invalid.slice(0, 5).join(', ')}${invalid.length > 5 ? ', …' : ''}`, { exitCode: 2 });
    if (options.ip !== undefined && canonicalizeIp(options.ip) === undefined) command.error(`error: --ip: "${options.ip}" is not an IP address`, { exitCode: 2 });
    const resolver = resolverFrom(command, options);
    setStatus(await runChecks([...new Set(domains.map((d) => normalizeDomainName(d) ?? d))], resolver, options));
  });
}

async function runChecks(domains: string[], resolver: Resolver, options: CheckOptions): Promise<number> {
  const fetchText = createHttpsFetcher();
  const given = (options.selectors ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const storeConfigured = options.db !== undefined || process.env['DMARCPILOT_DB'] !== undefined;
  let store: Store | undefined;
  if (storeConfigured) {
    const location = storeLocationFrom(options);
    try {
      store = await openStore(location, { notice: (message) => process.stderr.write(`dmarcpilot check: ${message}\n`) });
    } catch (caught) {
      process.stderr.write(`dmarcpilot check: cannot open ${describeStoreLocation(location)}: ${caught instanceof Error ? caught.message : String(caught)}\n`);
      return 1;
    }
  }
  const progress = options.json || domains.length < 2 ? undefined : createCountProgress(domains.length, 'domains');
  let withErrors = 0;
  let done = 0;
  let failed = 0;
  const checkOne = async (domain: string): Promise<void> => {
    try {
      const selectors: DkimSelectorInput[] = given.map((selector) => ({ selector, origin: 'given' }));
      if (store) {
        const since = new Date(Date.now() - REPORT_SELECTOR_DAYS * 86_400_000);
        for (const selector of await collectDkimSelectors(store, domain, since)) selectors.push({ selector, origin: 'reports' });
      }
      const result = await checkDomain(domain, {
        resolver,
        fetchText,
        selectors,
        probeDefaultSelectors: options.defaultSelectors,
        ...(options.ip !== undefined ? { ip: options.ip } : {}),
        now: () => new Date(),
      });
      if (result.summary.error > 0) withErrors++;
      if (store && options.save) await store.saveDomainCheck({ domain: result.domain, checkedAt: new Date(result.checkedAt), errors: result.summary.error, warnings: result.summary.warning, result });
      progress?.clear();
      print(result, options);
    } catch (caught) {
      failed++;
      progress?.clear();
      process.stderr.write(`${domain}: the check failed: ${caught instanceof Error ? caught.message : String(caught)}\n`);
    }
    progress?.update(++done, `${withErrors} with errors`);
  };
  try {
    await runBounded(domains, options.concurrency, checkOne);
  } finally {
    progress?.clear();
    await store?.close();
  }
  if (domains.length > 1 && !options.json) {
    process.stderr.write(`dmarcpilot check: ${domains.length} domains, ${withErrors} with errors${failed > 0 ? `, ${failed} could not be checked` : ''}\n`);
  }
  return withErrors > 0 || failed > 0 ? 1 : 0;
}

function print(result: DomainCheckResult, options: CheckOptions): void {
  process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : `${formatDomainCheck(result, { verbose: options.verbose === true })}\n`);
}

/** Domains from a list file: one per line; blank lines and `#` comments ignored. */
export function readDomainList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}
