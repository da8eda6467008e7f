/**
 * `dmarcpilot approve DOMAIN SENDER [--note TEXT]` and `dmarcpilot reject DOMAIN SENDER`: the
 * owner's decision about a sender (the key `dmarcpilot senders` shows, e.g. `service:mailchimp`,
 * `domain:crm.example`, `net:192.0.2.0/24`). The decision wins over the automatic class;
 * `--undo` removes it. A key no sender can have is refused with the key probably meant; a sender
 * not seen in the stored reports only with `--unseen` (a pre-approval).
 *
 * `dmarcpilot reject DOMAIN --all suspicious [--yes]`: every undecided sender of the classes at
 * once, each recorded as its own decision; without `--yes` only the list of what it would decide.
 *
 * `dmarcpilot decisions DOMAIN [SENDER]` lists every change made, with who made it, when and why
 * (app/senders.ts).
 */
import type { Command } from 'commander';
import { eachItem } from '../app/paging.js';
import { isAppError } from '../app/problems.js';
import type { BulkDecisionResult, SenderClass, SenderDecision, SenderDecisionChange } from '../app/senders.js';
import { decideSender, decideSendersInBulk, senderDecisionHistory } from '../app/senders.js';
import { addStoreOptions, cliActor, reportFailure, withApp, withReadApp } from './app-runner.js';
import { parsePositiveInteger } from './limit-options.js';
import { printErr, printJson, printOut, safe, safeText } from './output.js';
import type { ResolverOptions } from './resolver-options.js';
import { addResolverOptions, resolverFlags } from './resolver-options.js';
import { parseTimeOption } from './time-options.js';

interface DecisionOptions extends ResolverOptions {
  db?: string;
  config?: string;
  note?: string;
  undo?: boolean;
  unseen?: boolean;
  all?: string[];
  yes?: boolean;
  since: string;
  now?: string;
  offline?: boolean;
  concurrency: number;
  json?: boolean;
}

const n = (value: number): string => value.toLocaleString('en-GB');

function collectClasses(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '')];
}

function registerOne(program: Command, decision: SenderDecision, setStatus: (code: number) => void): void {
  const verb = decision === 'approved' ? 'approve' : 'reject';
  const command = program
    .command(verb)
    .description(
      decision === 'approved'
        ? 'Approve a sender of a domain: it is yours (its failures become things to fix, not spoofing). With --all CLASS, every undecided sender of the class at once.'
        : 'Reject a sender of a domain: it is not yours (its mail is what the policy should stop). With --all CLASS (e.g. --all suspicious), every undecided sender of the class at once.',
    )
    .argument('<domain>', 'the policy domain')
    .argument('[sender]', 'the sender key shown by `dmarcpilot senders` (service:…, domain:… or net:…)')
    .option('--note <text>', 'why, for the record (one line)')
    .option('--undo', 'remove the decision about this sender instead')
    .option('--unseen', 'record it although no such sender has been seen in the stored reports (a pre-approval)')
    .option('--all <classes>', 'every undecided sender of these classes (aligned, legitimate-unaligned, forwarded, suspicious, unknown; comma-separated) instead of one SENDER: lists them, and records nothing without --yes', collectClasses)
    .option('--yes', 'with --all: record the decisions (without it, only the list of what would be decided)')
    .option('--json', 'with --all: print the result as JSON')
    .option('--since <time>', 'with --all: the window senders are found in, as for `senders`: 30d, 12h, 2w or a date', '30d')
    .option('--now <time>', 'with --all: find the senders as if it were this time (a date; default: now)')
    .option('--offline', 'no DNS: whether the sender was seen, and with --all which senders, as `senders --offline` groups them')
    .option('--concurrency <n>', 'with --all: reverse DNS lookups at once', parsePositiveInteger, 16);
  addResolverOptions(command, 'for reverse DNS');
  addStoreOptions(command).action((domain: string, sender: string | undefined, options: DecisionOptions) => {
    const bulk = options.all !== undefined;
    const usage = (message: string): never => command.error(`error: ${message}`, { exitCode: 2 });
    if (bulk && sender !== undefined) usage(`give a SENDER or --all CLASS, not both`);
    if (!bulk && sender === undefined) usage(`give the SENDER to ${verb} (a key of \`dmarcpilot senders ${domain}\`), or --all CLASS for every undecided sender of a class`);
    if (bulk && (options.undo || options.unseen)) usage(`${options.undo ? '--undo' : '--unseen'} is for one SENDER, not --all`);
    if (!bulk && (options.yes || options.json)) usage(`${options.yes ? '--yes' : '--json'} goes with --all`);
    let now: Date | undefined;
    let since: Date | undefined;
    if (bulk) {
      try {
        now = options.now === undefined ? new Date() : parseTimeOption(options.now);
        since = parseTimeOption(options.since, now);
      } catch (caught) {
        usage(caught instanceof Error ? caught.message : String(caught));
      }
    }
    const flags = { db: options.db, config: options.config, ...resolverFlags(command, options) };
    return withApp(verb, flags, setStatus, async (app) => {
      if (bulk && since && now) {
        const result = await decideSendersInBulk(app.context, domain, {
          decision,
          classes: (options.all ?? []) as SenderClass[],
          since,
          until: now,
          offline: options.offline === true,
          concurrency: options.concurrency,
          actor: cliActor(),
          note: options.note,
          apply: options.yes === true,
        });
        if (options.json) printJson(result, 2);
        else printOut(formatBulk(result, verb));
        return 0;
      }
      const key = sender ?? '';
      try {
        const change = await decideSender(app.context, domain, key, { decision: options.undo ? null : decision, actor: cliActor(), note: options.note, unseen: options.unseen === true, offline: options.offline === true });
        for (const warning of change.warnings) printErr(safe`warning: ${warning.message}; recorded as decided before it is seen\n`);
        if (options.undo) {
          printOut(change.id === 0 ? safe`${change.domain}: there was no decision about ${change.key}\n` : safe`${change.domain}: no decision about ${change.key} any more\n`);
        } else {
          printOut(safe`${change.domain}: ${change.key} ${decision}` + `${change.warnings.length > 0 ? ' (not seen yet)' : ''}\n`);
        }
        return 0;
      } catch (caught) {
        if (!isAppError(caught) || !caught.problems.some((p) => p.code === 'sender-not-seen')) throw caught;
        const status = reportFailure(verb, caught);
        const keyText = caught.problems.length === 1 ? key.trim().toLowerCase() : 'SENDER';
        printErr(`To ${verb} it before it is seen (a pre-${verb === 'approve' ? 'approval' : 'emptive rejection'}), run: dmarcpilot ${verb} ${safeText(domain)} ${safeText(keyText)} --unseen\n`);
        return status;
      }
    });
  });
}

/** What a bulk decision did, or would do: the senders with their mail, and how to record them. */
function formatBulk(result: BulkDecisionResult, verb: string): string {
  const day = (date: Date): string => date.toISOString().slice(0, 10);
  const classes = result.classes.join(' or ');
  const window = `from ${day(result.since)} to ${day(result.until)}`;
  if (result.senders.length === 0) return `${result.domain}: no undecided ${classes} senders ${window}: nothing to ${verb}.\n`;
  const what = `${n(result.senders.length)} ${result.applied ? '' : 'undecided '}${classes} ${result.senders.length === 1 ? 'sender' : 'senders'} ${window} (${n(result.messages)} messages, ${n(result.failing)} failing DMARC)`;
  const head = result.applied ? `${result.domain}: ${result.decision} ${what}:` : `${result.domain}: would ${verb} ${what}:`;
  // Keys and labels come from reports and reverse DNS: escaped before the columns are padded.
  const rows = result.senders.map((s) => [safeText(s.key), s.class, `${n(s.messages)} messages`, `${n(s.failing)} failing`, `${n(s.sourceIps)} ${s.sourceIps === 1 ? 'IP' : 'IPs'}`, s.label === s.key.slice(s.key.indexOf(':') + 1) ? '' : safeText(s.label)]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  const lines = rows.map((row) => `  ${row.map((cell, i) => (i === 2 || i === 3 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()}`);
  const tail = result.applied
    ? `Recorded ${n(result.changes.length)} decisions, one per sender (\`dmarcpilot decisions ${result.domain}\` lists them; \`dmarcpilot ${verb} ${result.domain} SENDER --undo\` takes one back).`
    : `Nothing recorded (a dry run). To ${verb} ${result.senders.length === 1 ? 'it' : `these ${n(result.senders.length)} senders`}, run the same command with --yes.`;
  return `${[head, ...lines, tail].join('\n')}\n`;
}

export function registerApproveCommand(program: Command, setStatus: (code: number) => void): void {
  registerOne(program, 'approved', setStatus);
}

export function registerRejectCommand(program: Command, setStatus: (code: number) => void): void {
  registerOne(program, 'rejected', setStatus);
}

export function registerDecisionsCommand(program: Command, setStatus: (code: number) => void): void {
  const command = program
    .command('decisions')
    .description('Every approve, reject and undo recorded for a domain (or one sender), newest first: when, who, what it was before, and the note.')
    .argument('<domain>', 'the policy domain')
    .argument('[sender]', 'only this sender key')
    .option('--json', 'print JSON');
  addStoreOptions(command).action((domain: string, sender: string | undefined, options: { db?: string; config?: string; json?: boolean }) =>
    withReadApp('decisions', options, setStatus, async (app) => {
      const changes: SenderDecisionChange[] = [];
      for await (const change of eachItem((page) => senderDecisionHistory(app.context, domain, sender === undefined ? {} : { sender }, page))) {
        if (options.json) changes.push(change);
        else printOut(`${describeChange(change)}\n`);
      }
      if (options.json) printJson(changes);
      return 0;
    }),
  );
}

function describeChange(change: SenderDecisionChange): string {
  const what = change.decision === null ? `decision removed (was ${change.previous ?? 'none'})` : `${change.decision}${change.previous !== null ? ` (was ${change.previous})` : ''}`;
  return [change.at.toISOString(), change.key, what, change.actor ?? '-', ...(change.note !== null ? [change.note] : [])].map(safeText).join('\t');
}
