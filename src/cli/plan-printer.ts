/** The readable form of `dmarcpilot plan`: stage, gates ✓/✗, blockers, simulated impact, next record, what to watch. */
import type { RolloutPlan } from '../analysis/plan-rollout.js';
import type { GateResult } from '../analysis/readiness-gates.js';
import type { ImpactCount, ImpactTotals } from '../analysis/simulate-impact.js';

const n = (value: number): string => Math.round(value).toLocaleString('en-GB');
const share = (value: number): string => `${Math.round(value * 1000) / 10}%`;
const counts = (c: ImpactCount): string => `${n(c.quarantined)} quarantined, ${n(c.rejected)} rejected`;

function formatGate(gate: GateResult): string {
  return `  ${gate.passes ? '✓' : '✗'} ${gate.id.padEnd(22)} ${gate.detail}`;
}

function formatTotals(name: string, t: ImpactTotals): string {
  return `  ${name}: ${n(t.messages)} messages from ${t.senders} sender${t.senders === 1 ? '' : 's'}, ${n(t.failing)} failing → expected ${counts(t.expected)} (all RFC 7489 receivers: ${counts(t.rfc7489)}; all RFC 9989: ${counts(t.rfc9989)})`;
}

export function formatPlan(plan: RolloutPlan): string {
  const lines: string[] = [];
  const since = plan.stageStart === null ? '' : ` since ${plan.stageStart.slice(0, 10)}`;
  lines.push(`${plan.domain}: stage ${plan.stage}${since}${plan.stageExact ? '' : ' (nearest stage)'}`);
  lines.push(`  published (${plan.published.from ?? 'none'}): ${plan.published.record ?? 'no DMARC record'}`);
  for (const note of plan.stageNotes) lines.push(`  note: ${note}`);
  lines.push('', `Gates: ${plan.ready ? 'READY for the next step' : 'NOT READY'}`);
  for (const gate of plan.gates) lines.push(formatGate(gate));
  if (plan.blockers.length > 0) {
    lines.push('', 'Blockers:');
    for (const b of plan.blockers) {
      lines.push(`  ${b.sender} (${b.label}, ${b.class}): ${n(b.messages)} messages, ${n(b.failing)} failing, first seen ${b.firstSeen}`);
      for (const reason of b.reasons) lines.push(`    - ${reason}`);
    }
  }
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
    for (const error of next.errors) lines.push(`  error: ${error}`);
    for (const why of next.why) lines.push(`  - ${why}`);
    for (const warning of next.warnings) lines.push(`  ! ${warning}`);
  } else {
    lines.push('', 'No next step: the domain is at p=reject.');
  }
  lines.push('', 'Watch after the change:');
  for (const item of plan.watch) lines.push(`  - ${item}`);
  return `${lines.join('\n')}\n`;
}
