/**
 * The text form of `dmarcpilot senders`: one table line per sender (key, class, state, messages,
 * pass share, first and last seen), then, for each sender that fails, why and the fix. The analysis
 * says what to do in words (docs/advice-codes.md); here, for the codes where a command helps, the
 * words are swapped for the dmarcpilot command that does it.
 */
import type { Advice } from '../core/advice.js';
import type { SenderSummary } from '../app/senders.js';
import { safe, safeText } from './output.js';

const n = (value: number): string => value.toLocaleString('en-GB');
const share = (part: number, whole: number): string => `${whole === 0 ? '0.0' : ((part / whole) * 100).toFixed(1)}%`;

/** Columns padded to their widest cell (each cell made safe first, so it is measured as printed); the last column is not padded. */
function table(cells: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string {
  const rows = cells.map((row) => row.map(safeText));
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : rightAligned.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export interface SendersHeading {
  readonly domain: string;
  readonly from: string;
  readonly to: string;
  /** `--new`: only new senders are listed. */
  readonly onlyNew: boolean;
}

export function formatSenders(senders: readonly SenderSummary[], heading: SendersHeading): string {
  const messages = senders.reduce((sum, s) => sum + s.messages, 0);
  const pass = senders.reduce((sum, s) => sum + s.dmarcPass, 0);
  const what = heading.onlyNew ? 'new senders' : 'senders';
  if (senders.length === 0) return safe`${heading.domain}: no ${what} from ${heading.from} to ${heading.to}.\n`;
  const sources = senders.flatMap((s) => s.sources ?? []);
  const unresolved = sources.filter((s) => s.fcrdns === 'unresolved').length;
  const lines = [`${heading.domain}: ${n(senders.length)} ${what}, ${n(messages)} messages from ${heading.from} to ${heading.to}, ${share(pass, messages)} pass DMARC`];
  if (unresolved > 0) {
    lines.push(`Reverse DNS unresolved for ${n(unresolved)} of ${n(sources.length)} sources (offline or DNS failing): they are grouped by catalogue evidence or network.`);
  }
  lines.push(
    '',
    table(
      [
        ['SENDER', 'CLASS', 'STATE', 'MESSAGES', 'PASS', 'FIRST SEEN', 'LAST SEEN', 'NAME'],
        ...senders.map((s) => [s.key, s.class, s.state, n(s.messages), share(s.dmarcPass, s.messages), s.firstSeen, s.lastSeen, describe(s)]),
      ],
      new Set([3, 4]),
    ),
  );
  const tableAt = lines.length - 1;
  for (const s of senders) {
    if (s.diagnosis.length === 0 && s.fix.length === 0) continue;
    lines.push('', `${s.key} (${describe(s)}): ${s.class}, ${s.state}, ${n(s.messages - s.dmarcPass)} of ${n(s.messages)} messages fail DMARC`);
    s.diagnosis.forEach((item, i) => lines.push(`  ${i === 0 ? 'why:' : '    '} ${senderAdviceText(item)}`));
    s.fix.forEach((item, i) => lines.push(`  ${i === 0 ? 'fix:' : '    '} ${s.fix.length > 1 ? `${i + 1}. ` : ''}${senderAdviceText(item)}`));
  }
  // Every line made safe whole (a line feed inside a name cannot start a line of its own); the table's cells were already.
  return `${lines.map((line, i) => (i === tableAt ? line : safeText(line))).join('\n')}\n`;
}

function describe(s: SenderSummary): string {
  const ips = s.sourceIps.length === 1 ? (s.sourceIps[0] ?? '') : `${n(s.sourceIps.length)} IPs`;
  return s.label === s.key.slice(s.key.indexOf(':') + 1) ? ips : `${s.label}, ${ips}`;
}

/** A string param of an advice, '' when absent. */
export function stringParam(item: Advice, name: string): string {
  const value = item.params[name];
  return typeof value === 'string' ? value : '';
}

/** The message with `words` (what to do) replaced by `command` (the command that does it); unchanged when the words are not there. */
export function swapWords(message: string, words: string, command: string): string {
  const at = message.lastIndexOf(words);
  return at === -1 ? message : `${message.slice(0, at)}${command}${message.slice(at + words.length)}`;
}

/** What the CLI prints for one diagnosis or fix: the message, with the command to run for the codes where one helps. */
export function senderAdviceText(item: Advice): string {
  const domain = stringParam(item, 'domain');
  const sender = stringParam(item, 'sender');
  switch (item.code) {
    case 'sender-spf-error':
      return swapWords(item.message, `; check the DNS records of ${domain}.`, `; run \`dmarcpilot check ${domain}\`.`);
    case 'fix-approve-if-yours':
      return swapWords(item.message, `approve ${sender} as a sender of ${domain}`, `run \`dmarcpilot approve ${domain} ${sender}\``);
    case 'fix-approve-and-align':
      return swapWords(item.message, 'approve it and', `approve it (\`dmarcpilot approve ${domain} ${sender}\`) and`);
    case 'fix-sign-dkim':
      return swapWords(item.message, '(or generate one yourself)', '(or with `dmarcpilot record dkim`)');
    default:
      return item.message;
  }
}
