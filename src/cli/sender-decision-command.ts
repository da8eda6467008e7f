/**
 * `dmarcpilot approve DOMAIN SENDER [--note TEXT]` and `dmarcpilot reject DOMAIN SENDER`: the
 * owner's decision about a sender (the key `dmarcpilot senders` shows, e.g. `service:mailchimp`,
 * `domain:crm.example`, `net:192.0.2.0/24`). The decision wins over the automatic class;
 * `--undo` removes it. `dmarcpilot decisions DOMAIN [SENDER]` lists every change made, with who
 * made it, when and why (app/senders.ts).
 */
import type { Command } from 'commander';
import { eachItem } from '../app/paging.js';
import type { SenderDecision, SenderDecisionChange } from '../app/senders.js';
import { decideSender, senderDecisionHistory } from '../app/senders.js';
import { addStoreOptions, cliActor, withApp, withReadApp } from './app-runner.js';
import { printJson, printOut, safe, safeText } from './output.js';

interface DecisionOptions {
  db?: string;
  config?: string;
  note?: string;
  undo?: boolean;
}

function registerOne(program: Command, decision: SenderDecision, setStatus: (code: number) => void): void {
  const verb = decision === 'approved' ? 'approve' : 'reject';
  const command = program
    .command(verb)
    .description(
      decision === 'approved'
        ? 'Approve a sender of a domain: it is yours (its failures become things to fix, not spoofing).'
        : 'Reject a sender of a domain: it is not yours (its mail is what the policy should stop).',
    )
    .argument('<domain>', 'the policy domain')
    .argument('<sender>', 'the sender key shown by `dmarcpilot senders` (service:…, domain:… or net:…)')
    .option('--note <text>', 'why, for the record')
    .option('--undo', 'remove the decision about this sender instead');
  addStoreOptions(command).action((domain: string, sender: string, options: DecisionOptions) =>
    withApp(verb, options, setStatus, async (app) => {
      const change = await decideSender(app.context, domain, sender, { decision: options.undo ? null : decision, actor: cliActor(), note: options.note });
      printOut(options.undo ? safe`${change.domain}: no decision about ${change.key} any more\n` : safe`${change.domain}: ${change.key} ${decision}\n`);
      return 0;
    }),
  );
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
