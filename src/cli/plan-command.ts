/**
 * `dmarcpilot plan DOMAIN`: the rollout plan from stored reports: the stage the domain is at,
 * each readiness gate with its value and threshold, the senders in the way, the next record
 * simulated on the last days of mail, and what to watch afterwards (docs/senders.md, "The rollout
 * planner"). The published record comes from DNS (checkDmarc), or with --offline from the newest
 * reports' policy_published. Exit status 0 when ready for the next step, 1 when not, 2 for bad usage.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { collectRolloutHistory, findNewestPublishedRecord } from '../analysis/collect-rollout-history.js';
import { planRollout } from '../analysis/plan-rollout.js';
import { resolveGateSettings } from '../analysis/readiness-gates.js';
import { summarizeSenders } from '../analysis/summarize-senders.js';
import type { Resolver } from '../core/dns-resolver.js';
import { checkDmarc } from '../evaluate/check-dmarc.js';
import { normalizeDomainName } from '../evaluate/domain-name.js';
import type { DmarcRecord } from '../records/dmarc-record.js';
import { parsePositiveInteger } from './limit-options.js';
import { formatPlan } from './plan-printer.js';
import { addDbOption, withStore } from './store-options.js';
import { addAsnDbOption, networkLookupFrom } from './asn-option.js';
import type { ResolverOptions } from './resolver-options.js';
import { addResolverOptions, resolverFrom } from './resolver-options.js';

interface PlanOptions extends ResolverOptions {
  asnDb?: string;
  json?: boolean;
  days: number;
  db?: string;
  offline?: boolean;
  settings?: string;
  gateDays?: number;
  gatePassShare?: number;
  gateUnexplainedShare?: number;
  gateUnexplainedMessages?: number;
  gateNewDays?: number;
  gateReporters?: number;
  rejectTest: boolean;
  np: boolean;
}

const DAY_MS = 86_400_000;

function parseWholeNumber(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) throw new InvalidArgumentError(`"${text}" is not a whole number ≥ 0.`);
  return value;
}

/** `98` or `98%` → 0.98. */
function parsePercent(text: string): number {
  const value = Number(text.trim().replace(/%$/, ''));
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 100) throw new InvalidArgumentError(`"${text}" is not a percentage from 0 to 100.`);
  return value / 100;
}

/** Every lookup fails: enrichment marks sources unresolved, and nothing reaches the network. */
const OFFLINE_RESOLVER: Resolver = (() => {
  const fail = () => Promise.resolve({ status: 'error', code: 'other', message: 'offline: no DNS lookups' } as const);
  return { txt: fail, a: fail, aaaa: fail, mx: fail, ptr: fail };
})();

export function registerPlanCommand(program: Command, setStatus: (code: number) => void): void {
  const command = program
    .command('plan')
    .description('The next safe DMARC policy step for a domain: stage, readiness gates, blockers, simulated impact, next record.')
    .argument('<domain>', 'the policy domain')
    .option('--json', 'print the plan as JSON')
    .option('--days <n>', 'days of reports to judge and simulate on', parsePositiveInteger, 30)
    .option('--offline', 'no DNS: take the published policy from the newest reports and leave sources unresolved')
    .option('--settings <file>', 'gate settings as a JSON object, e.g. {"minDaysAtStage": 21, "minLegitimatePassShare": 0.99}')
    .option('--gate-days <n>', 'days of data at the current stage (default 14)', parseWholeNumber)
    .option('--gate-pass-share <percent>', 'share of legitimate volume that must pass DMARC (default 98)', parsePercent)
    .option('--gate-unexplained-share <percent>', 'an undecided suspicious/unknown sender blocks above this share of volume… (default 0.5)', parsePercent)
    .option('--gate-unexplained-messages <n>', '…and above this many failing messages (default 100)', parseWholeNumber)
    .option('--gate-new-days <n>', 'an undecided failing sender first seen within this many days blocks (default 7)', parseWholeNumber)
    .option('--gate-reporters <n>', 'distinct reporting organisations needed (default 3)', parseWholeNumber)
    .option('--no-reject-test', 'go from quarantine-100 straight to reject (skip p=reject; pct=0; t=y)')
    .option('--no-np', 'do not add np=reject for non-existent subdomains');
  addResolverOptions(command, 'for the published record and reverse DNS');
  addAsnDbOption(command);
  addDbOption(command).action(async (domainArg: string, options: PlanOptions) => {
    const normalized = normalizeDomainName(domainArg);
    if (normalized === undefined) return command.error(`error: not a domain name: ${domainArg}`, { exitCode: 2 });
    const networkLookup = networkLookupFrom(command, options);
    const domain: string = normalized;
    const onlineResolver = resolverFrom(command, options);
    let fromFile: unknown;
    if (options.settings !== undefined) {
      try {
        fromFile = JSON.parse(readFileSync(options.settings, 'utf8'));
      } catch (caught) {
        command.error(`error: --settings: cannot read ${options.settings}: ${caught instanceof Error ? caught.message : String(caught)}`, { exitCode: 2 });
      }
    }
    const { settings, errors } = resolveGateSettings(fromFile, {
      minDaysAtStage: options.gateDays,
      minLegitimatePassShare: options.gatePassShare,
      unexplainedMaxShare: options.gateUnexplainedShare,
      unexplainedMaxMessages: options.gateUnexplainedMessages,
      newSenderDays: options.gateNewDays,
      minReporters: options.gateReporters,
    });
    if (errors.length > 0) command.error(`error: ${errors.join('; ')}`, { exitCode: 2 });
    await withStore('plan', options, setStatus, async (store) => {
      const now = new Date();
      const since = new Date(now.getTime() - options.days * DAY_MS);
      const resolver = options.offline ? OFFLINE_RESOLVER : onlineResolver;
      const { history, periods } = await collectRolloutHistory(store, domain, { since, until: now });
      let published: DmarcRecord | undefined;
      let publishedFrom: 'dns' | 'reports' = 'dns';
      if (options.offline) {
        published = findNewestPublishedRecord(periods);
        publishedFrom = 'reports';
      } else {
        const checked = await checkDmarc(domain, { resolver });
        published = checked.records.applied?.record;
        if (published === undefined && checked.findings.some((f) => f.code === 'dmarc-dns-error')) {
          process.stderr.write(`dmarcpilot plan: DNS did not answer for _dmarc.${domain}; planning from the newest reports' policy_published instead.\n`);
          published = findNewestPublishedRecord(periods);
          publishedFrom = 'reports';
        } else if (checked.records.applied?.inherited) {
          process.stderr.write(`dmarcpilot plan: ${domain} has no DMARC record of its own and inherits ${checked.records.applied.name}; the next record would give it one.\n`);
        }
      }
      const senders = await summarizeSenders(store, domain, { since, until: now, resolver, now: () => now, ...(options.offline ? { offline: true } : {}), ...(networkLookup ? { networkLookup } : {}) });
      const plan = planRollout({ domain: domain, published, publishedFrom, senders, history, gates: settings, options: { rejectTest: options.rejectTest, npReject: options.np }, now, days: options.days });
      process.stdout.write(options.json ? `${JSON.stringify(plan)}\n` : formatPlan(plan));
      return plan.ready ? 0 : 1;
    });
  });
}
