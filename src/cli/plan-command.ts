/**
 * `dmarcpilot plan DOMAIN`: the rollout plan from stored reports: the stage the domain is at,
 * each readiness gate with its value and threshold, the senders in the way, the next record
 * simulated on the last days of mail, and what to watch afterwards (docs/senders.md, "The rollout
 * planner"; app/plan-domain.ts). The published record comes from DNS, or with --offline from the
 * newest reports' policy_published. Gate settings: the configuration's `gates` (applied by the
 * application), then --settings FILE, then the --gate-… options. Exit status (docs/senders.md,
 * "Exit status"): 0 ready for the next step (or the first step, which is not gated), 1 not ready,
 * 2 an error (bad usage, configuration, store, DNS that leaves the record unknown), 3 no data to
 * judge, 4 at the last stage.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { RolloutPlan } from '../app/plan-domain.js';
import { planDomain } from '../app/plan-domain.js';
import { invalid } from '../app/problems.js';
import { addStoreOptions, withReadApp } from './app-runner.js';
import { addAsnDbOption } from './asn-option.js';
import { parsePositiveInteger } from './limit-options.js';
import { printErr, printJson, printOut, safe } from './output.js';
import { formatPlan } from './plan-printer.js';
import type { ResolverOptions } from './resolver-options.js';
import { addResolverOptions, resolverFlags } from './resolver-options.js';
import { parseShareOption } from './share-option.js';
import { parseTimeOption } from './time-options.js';

interface PlanOptions extends ResolverOptions {
  asnDb?: string;
  json?: boolean;
  days: number;
  db?: string;
  config?: string;
  now?: Date;
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

function parseWholeNumber(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) throw new InvalidArgumentError(`"${text}" is not a whole number ≥ 0.`);
  return value;
}

export function registerPlanCommand(program: Command, setStatus: (code: number) => void): void {
  const command = program
    .command('plan')
    .description('The next safe DMARC policy step for a domain: stage, readiness gates, blockers, simulated impact, next record.')
    .argument('<domain>', 'the policy domain')
    .option('--json', 'print the plan as JSON')
    .option('--days <n>', 'days of reports to judge and simulate on', parsePositiveInteger, 30)
    .option('--now <time>', 'plan as if it were this time (a date; default: now)', (text) => parseTimeOption(text))
    .option('--offline', 'no DNS: take the published policy from the newest reports and leave sources unresolved')
    .option('--settings <file>', 'gate settings as a JSON object, e.g. {"minDaysAtStage": 21, "minLegitimatePassShare": 0.99}')
    .option('--gate-days <n>', 'days of data at the current stage (default 14)', parseWholeNumber)
    .option('--gate-pass-share <share>', 'share of legitimate volume that must pass DMARC: 0.98 or 98% (a number without % is a share from 0 to 1; default 0.98)', parseShareOption)
    .option('--gate-unexplained-share <share>', 'an undecided suspicious/unknown sender blocks above this share of volume: 0.005 or 0.5%… (default 0.5%)', parseShareOption)
    .option('--gate-unexplained-messages <n>', '…and above this many failing messages (default 100)', parseWholeNumber)
    .option('--gate-new-days <n>', 'an undecided failing sender first seen within this many days blocks (default 7)', parseWholeNumber)
    .option('--gate-reporters <n>', 'distinct reporting organisations needed (default 3)', parseWholeNumber)
    .option('--no-reject-test', 'go from quarantine-100 straight to reject (skip p=reject; pct=0; t=y)')
    .option('--no-np', 'do not add np=reject for non-existent subdomains');
  addResolverOptions(command, 'for the published record and reverse DNS');
  addAsnDbOption(command);
  addStoreOptions(command).action((domain: string, options: PlanOptions) => {
    // Every failure is status 2, so that 1 always means "not ready".
    let planned = false;
    return withReadApp(
      'plan',
      { db: options.db, config: options.config, asnDb: options.asnDb, ...resolverFlags(command, options) },
      (code) => setStatus(planned ? code : 2),
      async (app) => {
        const { plan, notices } = await planDomain(app.context, domain, {
          days: options.days,
          offline: options.offline === true,
          gates: [readSettingsFile(options.settings), gateFlags(options)],
          rejectTest: options.rejectTest,
          npReject: options.np,
        });
        for (const notice of notices) printErr(safe`dmarcpilot plan: ${notice.message}\n`);
        if (options.json) printJson(plan);
        else printOut(formatPlan(plan));
        planned = true;
        return PLAN_EXIT_STATUS[plan.verdict] ?? 1;
      },
      { networkDatabase: true, ...(options.now ? { now: fixed(options.now) } : {}) },
    );
  });
}

/** The documented exit status of each verdict (docs/senders.md); errors are 2. */
export const PLAN_EXIT_STATUS: Readonly<Record<RolloutPlan['verdict'], number>> = { ready: 0, 'first-step': 0, 'not-ready': 1, 'no-data': 3, final: 4 };

/** The --gate-… options as a settings layer (only those given). */
function gateFlags(options: PlanOptions): Record<string, number | undefined> {
  return {
    minDaysAtStage: options.gateDays,
    minLegitimatePassShare: options.gatePassShare,
    unexplainedMaxShare: options.gateUnexplainedShare,
    unexplainedMaxMessages: options.gateUnexplainedMessages,
    newSenderDays: options.gateNewDays,
    minReporters: options.gateReporters,
  };
}

function readSettingsFile(path: string | undefined): unknown {
  if (path === undefined) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (caught) {
    throw invalid('settings-unreadable', '--settings', `--settings: cannot read ${path}: ${caught instanceof Error ? caught.message : String(caught)}`);
  }
}

const fixed = (at: Date) => (): Date => new Date(at.getTime());
