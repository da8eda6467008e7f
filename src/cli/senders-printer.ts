/**
 * The text form of `dmarcpilot senders`: one table line per sender (key, class, state, messages,
 * pass share, first and last seen), then, for each sender that fails, has a decision or failure
 * reports, the decision (who, when, the note), its failure reports, why and the fix. Suspicious
 * senders given the same advice are folded into one block (with the command that rejects them all);
 * the table still lists each, and `--json` has everything. The analysis says what to do in words
 * (docs/advice-codes.md); here, for the codes where a command helps, the words are swapped for the
 * dmarcpilot command that does it.
 */
import type { Advice } from '../core/advice.js';
import type { SenderDecisionRecord, SenderSummary } from '../app/senders.js';
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
  /** The policy domain whose reports carry this subdomain's mail (it has no record of its own). */
  readonly reportedUnder?: string;
  /** Subdomains seen in header_from under this domain. */
  readonly subdomains?: readonly { readonly domain: string; readonly messages: number; readonly dmarcPass: number }[];
  /** The options that chose the senders (`--since 90d --offline`), repeated in the commands suggested; '' or absent for the defaults. */
  readonly windowFlags?: string;
  /** The window as `reports failure` options (`--since 2026-11-01T00:00:00.000Z --until …`), for the command that lists a sender's failure reports. */
  readonly reportFlags?: string;
  /** Failure reports of the window (about the domain and its subdomains), and how many of them belong to no sender listed. */
  readonly failureReports?: { readonly total: number; readonly unlisted: number };
}

/** The subdomains below the table: their mail is part of the domain's (they inherit its record). */
function formatSubdomains(heading: SendersHeading): string[] {
  const list = heading.subdomains ?? [];
  if (list.length === 0) return [];
  const lines = ['', `Subdomains in header_from (their mail is counted above; dmarcpilot senders SUBDOMAIN lists their own senders):`];
  for (const sub of list.slice(0, 10)) lines.push(`  ${sub.domain}: ${n(sub.messages)} messages, ${share(sub.dmarcPass, sub.messages)} pass DMARC`);
  if (list.length > 10) lines.push(`  … and ${list.length - 10} more`);
  return lines;
}

/** Suspicious senders with the same advice, at least this many, are folded into one block. */
export const FOLD_AT = 3;
/** Keys a folded block names before "and N more". */
const FOLD_NAMED = 3;

export function formatSenders(senders: readonly SenderSummary[], heading: SendersHeading): string {
  const messages = senders.reduce((sum, s) => sum + s.messages, 0);
  const pass = senders.reduce((sum, s) => sum + s.dmarcPass, 0);
  const what = heading.onlyNew ? 'new senders' : 'senders';
  if (senders.length === 0) return safe`${heading.domain}: no ${what} from ${heading.from} to ${heading.to}.\n`;
  const under = heading.reportedUnder === undefined ? '' : ` (mail with header_from ${heading.domain} in the reports of ${heading.reportedUnder}, whose record it inherits)`;
  const sources = senders.flatMap((s) => s.sources ?? []);
  const unresolved = sources.filter((s) => s.fcrdns === 'unresolved').length;
  const lines = [`${heading.domain}: ${n(senders.length)} ${what}, ${n(messages)} messages from ${heading.from} to ${heading.to}, ${share(pass, messages)} pass DMARC${under}`];
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
  const reports = heading.failureReports;
  if (reports !== undefined && reports.total > 0) {
    const unlisted = reports.unlisted > 0 ? `; ${n(reports.unlisted)} of them from no sender listed here` : '';
    lines.splice(1, 0, `Failure reports in the window: ${n(reports.total)}, about ${heading.domain} and its subdomains${unlisted}.`);
  }
  // The table is the last line so far (a line inserted above it does not move that).
  const tableAt = lines.length - 1;
  const folds = foldGroups(senders);
  const printed = new Set<string>();
  for (const s of senders) {
    if (printed.has(s.key)) continue;
    const fold = folds.get(s.key);
    if (fold !== undefined) {
      for (const member of fold) printed.add(member.key);
      lines.push('', ...foldedBlock(fold, heading));
      continue;
    }
    if (s.diagnosis.length === 0 && s.fix.length === 0 && !s.decisionRecord && !s.failureReports) continue;
    lines.push('', `${s.key} (${describe(s)}): ${s.class}, ${s.state}, ${n(s.messages - s.dmarcPass)} of ${n(s.messages)} messages fail DMARC`);
    if (s.decisionRecord) lines.push(`  decided: ${decisionText(s.decisionRecord)} (every change: \`dmarcpilot decisions ${heading.domain} ${s.key}\`)`);
    if (s.failureReports) lines.push(`  failure reports: ${n(s.failureReports)} (\`dmarcpilot reports failure --domain ${heading.domain} --sender ${s.key}${sinceFlag(heading)}\`)`);
    s.diagnosis.forEach((item, i) => lines.push(`  ${i === 0 ? 'why:' : '    '} ${senderAdviceText(item)}`));
    s.fix.forEach((item, i) => lines.push(`  ${i === 0 ? 'fix:' : '    '} ${s.fix.length > 1 ? `${i + 1}. ` : ''}${senderAdviceText(item)}`));
  }
  lines.push(...formatSubdomains(heading));
  // Every line made safe whole (a line feed inside a name cannot start a line of its own); the table's cells were already.
  return `${lines.map((line, i) => (i === tableAt ? line : safeText(line))).join('\n')}\n`;
}

/** The window options of `reports failure`. */
function sinceFlag(heading: SendersHeading): string {
  return ` ${heading.reportFlags ?? `--since ${heading.from}`}`;
}

/** `approved by cli:alice on 2026-12-01 12:00 UTC, note: our new CRM`. */
export function decisionText(record: SenderDecisionRecord): string {
  const at = `${record.at.slice(0, 10)} ${record.at.slice(11, 16)} UTC`;
  return `${record.decision} by ${record.actor ?? 'someone (not recorded)'} on ${at}${record.note !== null ? `, note: ${record.note}` : ''}`;
}

/**
 * Suspicious senders that get the same advice (the same state, decision and note, and the same
 * diagnosis and fix codes), by the key of each member, when at least FOLD_AT share it. Their
 * advice differs only in the addresses and counts it names; the other classes' fixes name what
 * to change for each sender, so they are never folded.
 */
function foldGroups(senders: readonly SenderSummary[]): Map<string, SenderSummary[]> {
  const groups = new Map<string, SenderSummary[]>();
  for (const s of senders) {
    if (s.class !== 'suspicious') continue;
    const record = s.decisionRecord ?? null;
    const signature = JSON.stringify([s.state, s.decision, record?.actor ?? null, record?.note ?? null, s.diagnosis.map((a) => a.code), s.fix.map((a) => a.code)]);
    const group = groups.get(signature) ?? [];
    group.push(s);
    groups.set(signature, group);
  }
  const byKey = new Map<string, SenderSummary[]>();
  for (const group of groups.values()) if (group.length >= FOLD_AT) for (const s of group) byKey.set(s.key, group);
  return byKey;
}

/** One block for senders with the same advice: each line once, the sender's key as SENDER where only that differs, else the first one's with "likewise". */
function foldedBlock(members: readonly SenderSummary[], heading: SendersHeading): string[] {
  const first = members[0] as SenderSummary;
  const messages = members.reduce((sum, s) => sum + s.messages, 0);
  const failing = members.reduce((sum, s) => sum + s.messages - s.dmarcPass, 0);
  const named = members.slice(0, FOLD_NAMED).map((s) => s.key).join(', ');
  const more = members.length > FOLD_NAMED ? ` and ${n(members.length - FOLD_NAMED)} more` : '';
  const lines = [`${n(members.length)} suspicious senders (state ${first.state}) with the same advice: ${named}${more} (each in the table above); ${n(failing)} of ${n(messages)} messages fail DMARC`];
  const line = (pick: (s: SenderSummary) => Advice | undefined): string => {
    const texts = members.map((s) => {
      const item = pick(s);
      return item === undefined ? '' : senderAdviceText(item);
    });
    const [one = ''] = texts;
    if (texts.every((t) => t === one)) return one;
    const generic = members.map((s, i) => (texts[i] ?? '').split(s.key).join('SENDER'));
    if (generic.every((t) => t === generic[0])) return generic[0] ?? '';
    return `${one} (so for ${first.key}; likewise for the other ${n(members.length - 1)})`;
  };
  const decided = members.filter((s) => s.decisionRecord);
  if (first.decisionRecord && decided.length === members.length) {
    const days = [...new Set(members.map((s) => s.decisionRecord?.at.slice(0, 10) ?? ''))].sort();
    const record = first.decisionRecord;
    const text = days.length === 1 ? decisionText(record) : `${record.decision} by ${record.actor ?? 'someone (not recorded)'} from ${days[0] ?? ''} to ${days[days.length - 1] ?? ''}${record.note !== null ? `, note: ${record.note}` : ''}`;
    lines.push(`  decided: ${text} (every change: \`dmarcpilot decisions ${heading.domain}\`)`);
  }
  const reporting = members.filter((s) => (s.failureReports ?? 0) > 0);
  if (reporting.length > 0) {
    const each = reporting.slice(0, FOLD_NAMED).map((s) => `${s.key} ${n(s.failureReports ?? 0)}`).join(', ');
    const others = reporting.length > FOLD_NAMED ? `, ${n(reporting.length - FOLD_NAMED)} more` : '';
    const total = reporting.reduce((sum, s) => sum + (s.failureReports ?? 0), 0);
    lines.push(`  failure reports: ${n(total)} (${each}${others}; \`dmarcpilot reports failure --domain ${heading.domain} --sender SENDER${sinceFlag(heading)}\`)`);
  }
  first.diagnosis.forEach((_, i) => lines.push(`  ${i === 0 ? 'why:' : '    '} ${line((s) => s.diagnosis[i])}`));
  first.fix.forEach((_, i) => lines.push(`  ${i === 0 ? 'fix:' : '    '} ${first.fix.length > 1 ? `${i + 1}. ` : ''}${line((s) => s.fix[i])}`));
  if (first.decision === null) {
    const flags = heading.windowFlags ? ` ${heading.windowFlags}` : '';
    lines.push(`  all: reject every undecided suspicious sender at once: \`dmarcpilot reject ${heading.domain} --all suspicious${flags}\` lists them; add --yes to record the decisions.`);
  }
  return lines;
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
