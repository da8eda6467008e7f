/**
 * How `dmarcpilot record …` prints a record the application built (app/records.ts): the text,
 * its character-strings (each at most 255 octets, RFC 1035 §3.3), the TXT presentation text and a
 * zone-file line; or all of it as JSON. Advice goes to standard error so standard output stays
 * ready to paste; a refused request is one `refused:` line per reason and exit status 2.
 */
import type { Finding, TxtRecord } from '../app/records.js';
import { isAppError } from '../app/problems.js';
import { countOctets } from '../records/txt-strings.js';
import { printErr } from './output.js';

/** The human-readable form of one record. */
export function renderTxtRecord(record: TxtRecord, title: string): string {
  const octets = countOctets(record.text);
  const count = record.strings.length;
  return (
    `${title}: TXT at ${record.name} (${octets} octets, ${count} character-string${count === 1 ? '' : 's'} of at most 255 octets)\n` +
    `  ${record.text}\n\n` +
    `TXT text:\n  ${record.txt}\n\n` +
    `Zone-file line:\n  ${record.zone}\n`
  );
}

/** Advice lines for standard error: `warning: code: message Fix: …`. */
export function renderAdvice(findings: readonly Finding[]): string {
  return findings
    .filter((f) => f.severity !== 'ok')
    .map((f) => `${f.severity === 'info' ? 'note' : f.severity}: ${f.code}: ${cliMessage(f)}${f.fix ? ` Fix: ${f.fix}` : ''}\n`)
    .join('');
}

/** The message as the CLI words it: the command or option instead of the words for it, where the CLI has one. */
function cliMessage(f: Finding): string {
  const option = typeof f.params['option'] === 'string' ? f.params['option'] : undefined;
  switch (f.code) {
    case 'dmarc-external-destination':
      return f.message.replace('(a DNS check verifies it)', '(`dmarcpilot check` verifies it)');
    case 'spf-build-lookups': {
      const domain = typeof f.params['domain'] === 'string' ? f.params['domain'] : null;
      return f.message.replace(`check the DNS of ${domain ?? 'the domain'} to count`, `run \`dmarcpilot check ${domain ?? '<domain>'}\` to count`);
    }
    case 'spf-build-no-sender':
      return f.message.replace('(all fail)', '(use --all fail)');
    case 'spf-build-duplicate':
    case 'spf-build-host-bits':
    case 'spf-build-large-network':
      return option !== undefined && f.message.startsWith(option) ? `--${f.message}` : f.message;
    default:
      return f.message;
  }
}

/** Record options the CLI writes as flags: a refusal naming one says `--ip4 …`, as the user typed it. */
const FLAG_OPTIONS = new Set(['all', 'ip4', 'ip6', 'include']);

function cliRefusal(field: string | undefined, message: string): string {
  if (field === undefined || !FLAG_OPTIONS.has(field) || !message.startsWith(`${field} `)) return message;
  return `--${message}`.replace(/ \(it is an IPv(\d) address: give it as ip\d\)/, ' (it is an IPv$1 address: use --ip$1)');
}

/** --domain, --ttl and --json, shared by every `record` subcommand. */
export interface CommonOptions {
  domain?: string;
  ttl?: string;
  json?: boolean;
}

/** The placement options as given (the application checks them, naming a wrong value as it was written). */
export function placementOf(options: CommonOptions): { domain?: string; ttl?: string } {
  return { ...(options.domain !== undefined ? { domain: options.domain } : {}), ...(options.ttl !== undefined ? { ttl: options.ttl } : {}) };
}

/**
 * Runs `build` and prints its record with `print`; a refused request is one
 * `dmarcpilot record NAME: refused: …` line per reason and exit status 2.
 */
export function printRecord<T>(command: string, build: () => T, print: (built: T) => void): number {
  let built: T;
  try {
    built = build();
  } catch (caught) {
    if (!isAppError(caught)) throw caught;
    for (const problem of caught.problems) printErr(`dmarcpilot record ${command}: refused: ${cliRefusal(problem.field, problem.message)}\n`);
    return 2;
  }
  print(built);
  return 0;
}
