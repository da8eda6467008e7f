/**
 * The readable form of `dmarcpilot plan`: stage, gates ✓/✗, blockers, simulated impact, next record,
 * what to watch. The plan says what to do in words (docs/advice-codes.md); here, for the codes where
 * a command helps, the words are swapped for the dmarcpilot command or option that does it.
 */
import type { Advice } from '../core/advice.js';
import type { GateResult, ImpactCount, ImpactTotals, RolloutPlan } from '../app/plan-domain.js';
import { senderAdviceText, stringParam, swapWords } from './senders-printer.js';
import { safeText } from './output.js';

const n = (value: number): string => Math.round(value).toLocaleString('en-GB');
const share = (value: number): string => `${Math.round(value * 1000) / 10}%`;
const counts = (c: ImpactCount): string => `${n(c.quarantined)} quarantined, ${n(c.rejected)} rejected`;

function formatGate(gate: GateResult): string {
  return `  ${gate.passes ? '✓' : '✗'} ${gate.id.padEnd(22)} ${gate.detail.message}`;
}

function formatTotals(name: string, t: ImpactTotals): string {
  return `  ${name}: ${n(t.messages)} messages from ${t.senders} sender${t.senders === 1 ? '' : 's'}, ${n(t.failing)} failing → expected ${counts(t.expected)} (all RFC 7489 receivers: ${counts(t.rfc7489)}; all RFC 9989: ${counts(t.rfc9989)})`;
}

const VERDICT_TEXT: Readonly<Record<RolloutPlan['verdict'], string>> = {
  ready: 'READY for the next step',
  'not-ready': 'NOT READY',
  'first-step': 'FIRST STEP: no DMARC record is published; the monitoring record (p=none) changes no delivery, so it is not gated: publish it now',
  'no-data': 'NO DATA: nothing to judge',
  final: 'AT THE LAST STAGE (p=reject): nothing further to publish',
};

function formatVerdict(plan: RolloutPlan): string {
  const failing = plan.gates.filter((g) => !g.passes).length;
  if (plan.verdict === 'not-ready') return `Verdict: NOT READY (${failing} of ${plan.gates.length} gates fail${plan.next !== null && !plan.next.valid ? '; the next record is not valid' : ''})`;
  if (plan.verdict === 'no-data') return `Verdict: ${VERDICT_TEXT['no-data']} (${plan.gates.length === 0 ? 'no report names the domain, and DNS shows no record or no domain: the notes on standard error say which' : 'no reports for the domain in the window'})`;
  return `Verdict: ${VERDICT_TEXT[plan.verdict]}`;
}

function formatStageOutcome(outcome: NonNullable<RolloutPlan['currentStage']>, lines: string[]): void {
  const both = (c: ImpactCount): string => `${n(c.quarantined)} quarantined, ${n(c.rejected)} rejected`;
  lines.push('', `What the current stage did since ${outcome.since.slice(0, 10)} (reported dispositions, beside the simulation of ${outcome.record}):`);
  lines.push(`  legitimate: ${n(outcome.legitimate.messages)} messages → ${both(outcome.legitimate.observed)} (predicted ${both(outcome.legitimate.predicted)})`);
  lines.push(`  suspicious/unknown: ${n(outcome.suspicious.messages)} messages → ${both(outcome.suspicious.observed)} (predicted ${both(outcome.suspicious.predicted)})`);
  for (const s of outcome.senders.slice(0, 10)) {
    lines.push(`    ${s.legitimate ? 'legit' : 'susp '} ${s.label} (${s.sender}): ${n(s.failing)} of ${n(s.messages)} failing → ${both(s.observed)} (predicted ${both(s.predicted)})`);
  }
  if (outcome.senders.length > 10) lines.push(`    … and ${outcome.senders.length - 10} more senders (--json lists them all)`);
}

export function formatPlan(plan: RolloutPlan): string {
  const lines: string[] = [];
  const since = plan.stageStart === null ? '' : ` since ${plan.stageStart.slice(0, 10)} (${plan.stageDays} day${plan.stageDays === 1 ? '' : 's'} of reports)`;
  lines.push(`${plan.domain}: stage ${plan.stage}${since}${plan.stageExact ? '' : ' (nearest stage)'}`);
  lines.push(`  published (${plan.published.from ?? 'none'}): ${plan.published.record ?? 'no DMARC record'}`);
  for (const note of plan.stageNotes) lines.push(`  note: ${note.message}`);
  lines.push('', formatVerdict(plan));
  if (plan.gates.length > 0) lines.push('Gates:');
  for (const gate of plan.gates) lines.push(formatGate(gate));
  if (plan.blockers.length > 0) {
    lines.push('', 'Blockers:');
    for (const b of plan.blockers) {
      const forensic = b.failureReports > 0 ? `, ${n(b.failureReports)} failure report${b.failureReports === 1 ? '' : 's'} (dmarcpilot reports failure --domain ${plan.domain} --sender ${b.sender})` : '';
      lines.push(`  ${b.sender} (${b.label}, ${b.class}): ${n(b.messages)} messages, ${n(b.failing)} failing, first seen ${b.firstSeen}${forensic}`);
      for (const reason of b.reasons) lines.push(`    - ${planAdviceText(reason, plan.domain)}`);
      for (const step of b.fix) lines.push(`      fix: ${senderAdviceText(step)}`);
    }
  }
  if (plan.currentStage !== null) formatStageOutcome(plan.currentStage, lines);
  if (plan.impact !== null && plan.next !== null) {
    const impact = plan.impact;
    lines.push('', `Simulated impact of ${plan.next.stage} on the last ${impact.days} days (RFC 9989 receivers report ${share(impact.rfc9989Share)} of the volume):`);
    lines.push(formatTotals('legitimate', impact.legitimate), formatTotals('suspicious/unknown', impact.suspicious));
    for (const s of impact.senders.slice(0, 15)) {
      const exempt = s.exempt > 0 ? `, ${n(s.exempt)} exempt (forwarded/local policy)` : '';
      lines.push(`    ${s.legitimate ? 'legit' : 'susp '} ${s.label} (${s.sender}): ${n(s.failing)} of ${n(s.messages)} failing${exempt} → ${counts(s.expected)}`);
    }
    if (impact.senders.length > 15) lines.push(`    … and ${impact.senders.length - 15} more senders (--json lists them all)`);
  }
  if (plan.next !== null) {
    const next = plan.next;
    lines.push('', `Next record (${next.stage})${next.valid ? '' : ' — NOT VALID'}:`);
    if (next.record !== '') lines.push(`  ${next.record}`, `  zone: ${next.zoneLine}`);
    if (next.strings.length > 1) lines.push(`  (${next.strings.length} character-strings of at most 255 octets)`);
    for (const error of next.errors) lines.push(`  error: ${error.code === 'next-record-not-built' ? '' : `${error.code}: `}${error.message}`);
    for (const why of next.why) lines.push(`  - ${planAdviceText(why, plan.domain)}`);
    for (const warning of next.warnings) lines.push(`  ! ${planAdviceText(warning, plan.domain)}`);
  } else if (plan.verdict === 'final') {
    lines.push('', 'No next step: the domain is at p=reject.');
  }
  if (plan.watch.length > 0) {
    lines.push('', 'Watch after the change:');
    for (const item of plan.watch) lines.push(`  - ${planAdviceText(item, plan.domain)}`);
  }
  // Each line made safe whole: a line feed inside a sender's name or a record cannot start a line of its own.
  return `${lines.map(safeText).join('\n')}\n`;
}

/** What the CLI prints for one reason, warning or watch item: the message, with the command or option for the codes where one helps. */
export function planAdviceText(item: Advice, planDomain: string): string {
  const domain = stringParam(item, 'domain') || planDomain;
  switch (item.code) {
    case 'blocker-legitimate-harmed':
      // The sender's first diagnosis is quoted in the message: it gets its command too.
      return item.params.diagnosis === 'sender-spf-error' ? senderAdviceText({ code: 'sender-spf-error', params: { domain }, message: item.message }) : item.message;
    case 'next-add-rua':
      return swapWords(item.message, 'this installation receives reports on (its SMTP listener or an IMAP mailbox)', 'dmarcpilot receives reports on (dmarcpilot serve or an IMAP mailbox)');
    case 'watch-first-reports':
      return swapWords(item.message, `review the senders of ${domain}.`, `run dmarcpilot senders ${domain}.`);
    case 'watch-dispositions':
      return swapWords(item.message, 'per sender should', `per sender (dmarcpilot senders ${domain}) should`);
    case 'watch-new-senders':
      return swapWords(item.message, 'New senders:', `New senders (dmarcpilot senders ${domain} --new):`);
    case 'watch-at-reject':
      return swapWords(item.message, 'new senders and', `new senders (dmarcpilot senders ${domain} --new) and`);
    default:
      return item.message;
  }
}
