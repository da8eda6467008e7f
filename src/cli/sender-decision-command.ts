/**
 * `dmarcpilot approve DOMAIN SENDER [--note TEXT]` and `dmarcpilot reject DOMAIN SENDER`: the
 * owner's decision about a sender (the key `dmarcpilot senders` shows, e.g. `service:mailchimp`,
 * `domain:crm.example`, `net:192.0.2.0/24`). The decision wins over the automatic class;
 * `--undo` removes it.
 */
import type { Command } from 'commander';
import type { SenderDecision } from '../core/source-facts.js';
import { normalizeDomainName } from '../evaluate/domain-name.js';
import { addDbOption, withStore } from './store-options.js';

interface DecisionOptions {
  db?: string;
  note?: string;
  undo?: boolean;
}

/** What a sender key looks like: the three kinds `dmarcpilot senders` makes. */
const SENDER_KEY = /^(service|domain|net):\S+$/;

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
  addDbOption(command).action((domainArg: string, sender: string, options: DecisionOptions) => {
    const domain = normalizeDomainName(domainArg) ?? command.error(`error: not a domain name: ${domainArg}`, { exitCode: 2 });
    const key = sender.trim().toLowerCase();
    if (!SENDER_KEY.test(key)) command.error(`error: "${sender}" is not a sender key: use the SENDER column of \`dmarcpilot senders ${domain}\` (service:…, domain:… or net:…)`, { exitCode: 2 });
    return withStore(verb, options, setStatus, async (store) => {
      await store.setSenderDecision(domain, key, options.undo ? null : decision, new Date(), options.note);
      process.stdout.write(options.undo ? `${domain}: no decision about ${key} any more\n` : `${domain}: ${key} ${decision}\n`);
      return 0;
    });
  });
}

export function registerApproveCommand(program: Command, setStatus: (code: number) => void): void {
  registerOne(program, 'approved', setStatus);
}

export function registerRejectCommand(program: Command, setStatus: (code: number) => void): void {
  registerOne(program, 'rejected', setStatus);
}
