/**
 * The text form of `dmarcpilot senders`: one table line per sender (key, class, state, messages,
 * pass share, first and last seen), then, for each sender that fails, why and the fix.
 */
import type { SenderSummary } from '../analysis/sender-model.js';

const n = (value: number): string => value.toLocaleString('en-GB');
const share = (part: number, whole: number): string => `${whole === 0 ? '0.0' : ((part / whole) * 100).toFixed(1)}%`;

/** Columns padded to their widest cell; the last column is not padded. */
function table(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string {
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
  if (senders.length === 0) return `${heading.domain}: no ${what} from ${heading.from} to ${heading.to}.\n`;
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
  for (const s of senders) {
    if (s.diagnosis.length === 0 && s.fix.length === 0) continue;
    lines.push('', `${s.key} (${describe(s)}): ${s.class}, ${s.state}, ${n(s.messages - s.dmarcPass)} of ${n(s.messages)} messages fail DMARC`);
    s.diagnosis.forEach((line, i) => lines.push(`  ${i === 0 ? 'why:' : '    '} ${line}`));
    s.fix.forEach((line, i) => lines.push(`  ${i === 0 ? 'fix:' : '    '} ${s.fix.length > 1 ? `${i + 1}. ` : ''}${line}`));
  }
  return `${lines.join('\n')}\n`;
}

function describe(s: SenderSummary): string {
  const ips = s.sourceIps.length === 1 ? (s.sourceIps[0] ?? '') : `${n(s.sourceIps.length)} IPs`;
  return s.label === s.key.slice(s.key.indexOf(':') + 1) ? ips : `${s.label}, ${ips}`;
}
