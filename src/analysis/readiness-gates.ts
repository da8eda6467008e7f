/**
 * The readiness gates a domain must pass before its next policy step, each with a measured value,
 * a threshold the owner can change, and the senders that block it. Defaults follow what the
 * council-style rollouts of the landscape notes lacked: enough days at each stage to see monthly
 * senders, nearly all legitimate mail passing, nothing unexplained of any size, no sender that
 * appeared days ago and was never looked at, and several receivers reporting. What each gate
 * measured and why a sender blocks are Advice (docs/advice-codes.md); bad settings are Problems.
 */
import type { Advice } from '../core/advice.js';
import { advice } from '../core/advice.js';
import type { Problem } from '../core/problem.js';
import { problem } from '../core/problem.js';
import type { SenderSummary } from './sender-model.js';

export interface GateSettings {
  /** Days of reports at the current stage before the next step. */
  readonly minDaysAtStage: number;
  /** Share (0–1) of legitimate, owner-fixable volume (aligned, legitimate-unaligned, approved) that must pass DMARC. */
  readonly minLegitimatePassShare: number;
  /** An undecided suspicious/unknown sender blocks when its failing messages exceed BOTH this share (0–1) of all volume… */
  readonly unexplainedMaxShare: number;
  /** …and this many messages. */
  readonly unexplainedMaxMessages: number;
  /** An undecided sender with failing mail first seen within this many days blocks. */
  readonly newSenderDays: number;
  /** Distinct reporting organisations needed over the window. */
  readonly minReporters: number;
}

export const DEFAULT_GATE_SETTINGS: GateSettings = {
  minDaysAtStage: 14,
  minLegitimatePassShare: 0.98,
  unexplainedMaxShare: 0.005,
  unexplainedMaxMessages: 100,
  newSenderDays: 7,
  minReporters: 3,
};

const SETTING_RULES: Readonly<Record<keyof GateSettings, { readonly share: boolean }>> = {
  minDaysAtStage: { share: false },
  minLegitimatePassShare: { share: true },
  unexplainedMaxShare: { share: true },
  unexplainedMaxMessages: { share: false },
  newSenderDays: { share: false },
  minReporters: { share: false },
};

/**
 * Gate settings from defaults overlaid by a JSON object (a settings file) and then by single
 * values (command-line options). Never throws: every bad key or value is a Problem whose field is
 * the setting's name (`settings-not-an-object`, `setting-unknown`, `setting-not-a-share`,
 * `setting-not-a-whole-number`); the bad value is skipped and the one below it kept.
 */
export function resolveGateSettings(...layers: readonly unknown[]): { settings: GateSettings; problems: Problem[] } {
  const settings: Record<string, number> = { ...DEFAULT_GATE_SETTINGS };
  const problems: Problem[] = [];
  for (const layer of layers) {
    if (layer === undefined) continue;
    if (layer === null || typeof layer !== 'object' || Array.isArray(layer)) {
      problems.push(problem('settings-not-an-object', undefined, 'gate settings must be a JSON object such as {"minDaysAtStage": 21}'));
      continue;
    }
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const rule = (SETTING_RULES as Record<string, { share: boolean } | undefined>)[key];
      if (rule === undefined) {
        problems.push(problem('setting-unknown', key, `unknown gate setting "${key}" (known: ${Object.keys(SETTING_RULES).join(', ')})`));
      } else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (rule.share ? value > 1 : !Number.isInteger(value))) {
        problems.push(
          rule.share
            ? problem('setting-not-a-share', key, `gate setting ${key}: ${JSON.stringify(value)} is not a share from 0 to 1 (e.g. 0.98)`)
            : problem('setting-not-a-whole-number', key, `gate setting ${key}: ${JSON.stringify(value)} is not a whole number ≥ 0`),
        );
      } else {
        settings[key] = value;
      }
    }
  }
  return { settings: settings as unknown as GateSettings, problems };
}

export type GateId = 'days-at-stage' | 'legitimate-pass-share' | 'unexplained-senders' | 'new-senders' | 'reporters';

/** A sender holding a gate shut. */
export interface GateBlocker {
  /** The sender key (`service:mailchimp`). */
  readonly sender: string;
  readonly label: string;
  readonly class: SenderSummary['class'];
  /** Its messages over the window. */
  readonly messages: number;
  /** Its messages failing DMARC over the window. */
  readonly failing: number;
  readonly firstSeen: string;
  /** Why it blocks: `blocker-legitimate-failing`, `blocker-unexplained-sender` or `blocker-new-sender`. */
  readonly reason: Advice;
}

export interface GateResult {
  readonly id: GateId;
  /** The gate's fixed label. */
  readonly description: string;
  readonly passes: boolean;
  /** The measured value (days, share 0–1, messages, count). */
  readonly value: number;
  readonly threshold: number;
  /** How value compares with threshold: `min` (value ≥ threshold passes) or `max` (value ≤ threshold passes). */
  readonly kind: 'min' | 'max';
  /**
   * What was measured against what: code `gate-<id>`, params `value` and `threshold` and what the
   * sentence names, message e.g. "97.1% of 54,000 messages (need ≥ 98%)".
   */
  readonly detail: Advice;
  readonly blockers: readonly GateBlocker[];
}

export interface GateInput {
  readonly senders: readonly SenderSummary[];
  readonly settings: GateSettings;
  readonly now: Date;
  /** When the current stage started (undefined: no report or check shows it yet). */
  readonly stageStart: Date | undefined;
  /** Where the data ends (newest report); defaults to now. */
  readonly lastDataAt?: Date;
  readonly reporters: readonly string[];
}

const DAY_MS = 86_400_000;

/** Legitimate mail: the owner approved it, or it is aligned, a known service, or forwarded — unless the owner rejected it. */
export function isLegitimate(sender: SenderSummary): boolean {
  if (sender.decision === 'approved') return true;
  if (sender.decision === 'rejected') return false;
  return sender.class === 'aligned' || sender.class === 'legitimate-unaligned' || sender.class === 'forwarded';
}

/** Legitimate and fixable by the owner (forwarding breaks SPF whatever the owner does). */
function isOwnersMail(sender: SenderSummary): boolean {
  return isLegitimate(sender) && (sender.decision === 'approved' || sender.class !== 'forwarded');
}

export function countFailing(sender: SenderSummary): number {
  return Math.max(0, sender.messages - sender.dmarcPass);
}

const percent = (share: number): string => `${(Math.round(share * 1000) / 10).toString()}%`;
const count = (n: number): string => n.toLocaleString('en-GB');

function blocker(sender: SenderSummary, reason: Advice): GateBlocker {
  return { sender: sender.key, label: sender.label, class: sender.class, messages: sender.messages, failing: countFailing(sender), firstSeen: sender.firstSeen, reason };
}

const byFailing = (a: GateBlocker, b: GateBlocker): number => b.failing - a.failing || (a.sender < b.sender ? -1 : 1);

/** Every gate, in a fixed order. */
export function evaluateGates(input: GateInput): GateResult[] {
  return [daysAtStage(input), legitimatePassShare(input), unexplainedSenders(input), newSenders(input), reporters(input)];
}

function daysAtStage({ settings, now, stageStart, lastDataAt }: GateInput): GateResult {
  const end = lastDataAt ?? now;
  const days = stageStart === undefined ? 0 : Math.max(0, Math.floor((end.getTime() - stageStart.getTime()) / DAY_MS));
  const startDay = stageStart === undefined ? null : stageStart.toISOString().slice(0, 10);
  const since = startDay === null ? 'no report or DNS check shows the current policy yet' : `since ${startDay}`;
  return {
    id: 'days-at-stage',
    description: 'Days of report data at the current stage (from the earliest report or DNS check showing the current policy)',
    passes: days >= settings.minDaysAtStage,
    value: days,
    threshold: settings.minDaysAtStage,
    kind: 'min',
    detail: advice('gate-days-at-stage', { value: days, threshold: settings.minDaysAtStage, stageStart: startDay }, `${days} days ${since} (need ≥ ${settings.minDaysAtStage})`),
    blockers: [],
  };
}

function legitimatePassShare({ senders, settings }: GateInput): GateResult {
  const owners = senders.filter(isOwnersMail);
  const messages = owners.reduce((n, s) => n + s.messages, 0);
  const pass = owners.reduce((n, s) => n + Math.min(s.dmarcPass, s.messages), 0);
  const share = messages === 0 ? 1 : pass / messages;
  const passes = share + 1e-12 >= settings.minLegitimatePassShare;
  const blockers = passes
    ? []
    : owners
        .filter((s) => countFailing(s) > 0 && (s.messages === 0 ? 1 : s.dmarcPass / s.messages) < settings.minLegitimatePassShare)
        .map((s) => {
          const why = s.diagnosis[0];
          return blocker(
            s,
            advice(
              'blocker-legitimate-failing',
              { sender: s.key, failing: countFailing(s), messages: s.messages, diagnosis: why?.code ?? null },
              `legitimate sender failing DMARC: ${count(countFailing(s))} of ${count(s.messages)} messages fail${why !== undefined ? ` (${why.message})` : ''}`,
            ),
          );
        })
        .sort(byFailing);
  return {
    id: 'legitimate-pass-share',
    description: 'Share of legitimate volume (aligned, known services, approved senders; forwarders apart) passing DMARC',
    passes,
    value: share,
    threshold: settings.minLegitimatePassShare,
    kind: 'min',
    detail: advice(
      'gate-legitimate-pass-share',
      { value: share, threshold: settings.minLegitimatePassShare, messages },
      `${percent(share)} of ${count(messages)} messages (need ≥ ${percent(settings.minLegitimatePassShare)})`,
    ),
    blockers,
  };
}

function unexplainedSenders({ senders, settings }: GateInput): GateResult {
  const total = senders.reduce((n, s) => n + s.messages, 0);
  const limit = Math.max(settings.unexplainedMaxMessages, settings.unexplainedMaxShare * total);
  const unexplained = senders.filter((s) => s.decision === null && (s.class === 'suspicious' || s.class === 'unknown') && countFailing(s) > 0);
  const over = unexplained.filter((s) => countFailing(s) > limit);
  const largest = unexplained.reduce((n, s) => Math.max(n, countFailing(s)), 0);
  return {
    id: 'unexplained-senders',
    description: 'Largest failing volume of a suspicious or unknown sender the owner has not approved or rejected',
    passes: over.length === 0,
    value: largest,
    threshold: limit,
    kind: 'max',
    detail: advice(
      'gate-unexplained-senders',
      { value: largest, threshold: limit, undecided: unexplained.length, maxMessages: settings.unexplainedMaxMessages, maxShare: settings.unexplainedMaxShare, totalMessages: total },
      `${count(largest)} failing messages from the largest of ${unexplained.length} undecided senders (limit: ${count(Math.floor(limit))}, the larger of ${count(settings.unexplainedMaxMessages)} messages and ${percent(settings.unexplainedMaxShare)} of ${count(total)})`,
    ),
    blockers: over
      .map((s) =>
        blocker(
          s,
          advice('blocker-unexplained-sender', { sender: s.key, class: s.class, failing: countFailing(s) }, `${s.class} sender with ${count(countFailing(s))} failing messages: approve it (and fix it) or reject it`),
        ),
      )
      .sort(byFailing),
  };
}

function newSenders({ senders, settings, now, stageStart }: GateInput): GateResult {
  const from = new Date(now.getTime() - settings.newSenderDays * DAY_MS).toISOString().slice(0, 10);
  const fresh = senders.filter((s) => s.decision === null && s.firstSeen >= from && countFailing(s) > 0);
  return {
    id: 'new-senders',
    description: `Undecided senders with failing mail first seen in the last ${settings.newSenderDays} days`,
    passes: fresh.length === 0,
    value: fresh.length,
    threshold: 0,
    kind: 'max',
    detail: advice('gate-new-senders', { value: fresh.length, threshold: 0, since: from, days: settings.newSenderDays }, `${fresh.length} first seen since ${from} (need 0)`),
    blockers: fresh
      .map((s) => {
        const afterChange = stageStart !== undefined && s.firstSeen >= stageStart.toISOString().slice(0, 10);
        return blocker(
          s,
          advice(
            'blocker-new-sender',
            { sender: s.key, firstSeen: s.firstSeen, afterPolicyChange: afterChange, failing: countFailing(s) },
            `new sender first seen ${s.firstSeen}${afterChange ? ', after the last policy change' : ''}, with ${count(countFailing(s))} failing messages: approve (and fix) or reject it`,
          ),
        );
      })
      .sort(byFailing),
  };
}

function reporters({ reporters: names, settings }: GateInput): GateResult {
  const distinct = new Set(names.map((n) => n.toLowerCase())).size;
  return {
    id: 'reporters',
    description: 'Distinct organisations sending aggregate reports over the window',
    passes: distinct >= settings.minReporters,
    value: distinct,
    threshold: settings.minReporters,
    kind: 'min',
    detail: advice('gate-reporters', { value: distinct, threshold: settings.minReporters }, `${distinct} reporters (need ≥ ${settings.minReporters})`),
    blockers: [],
  };
}
