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
import { countStageDays } from './rollout-history.js';
import type { SenderSummary } from './sender-model.js';

/** Override reasons under which receivers let failing mail through (forwarding, local policy): it would be again. */
export const EXEMPT_OVERRIDES: ReadonlySet<string> = new Set(['forwarded', 'mailing_list', 'trusted_forwarder', 'local_policy']);

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
  /** Coverage: distinct reporting organisations that suffice when the large mailbox providers report little… */
  readonly minReporters: number;
  /** …or the share (0–1) of the reported volume from large mailbox providers (Google, Microsoft, Yahoo, …) that suffices… */
  readonly minLargeProviderShare: number;
  /** …and, either way, at least this many reported messages. */
  readonly minCoverageMessages: number;
}

export const DEFAULT_GATE_SETTINGS: GateSettings = {
  minDaysAtStage: 14,
  minLegitimatePassShare: 0.98,
  unexplainedMaxShare: 0.005,
  unexplainedMaxMessages: 100,
  newSenderDays: 7,
  minReporters: 3,
  minLargeProviderShare: 0.3,
  minCoverageMessages: 100,
};

const SETTING_RULES: Readonly<Record<keyof GateSettings, { readonly share: boolean }>> = {
  minDaysAtStage: { share: false },
  minLegitimatePassShare: { share: true },
  unexplainedMaxShare: { share: true },
  unexplainedMaxMessages: { share: false },
  newSenderDays: { share: false },
  minReporters: { share: false },
  minLargeProviderShare: { share: true },
  minCoverageMessages: { share: false },
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

export type GateId = 'published-record' | 'days-at-stage' | 'legitimate-pass-share' | 'legitimate-senders' | 'unexplained-senders' | 'new-senders' | 'coverage';

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
  /** Why it blocks: `blocker-legitimate-harmed`, `blocker-unexplained-sender` or `blocker-new-sender`. */
  readonly reason: Advice;
  /** What to do about it: the sender's fix (docs/advice-codes.md), empty when deciding on it is the fix. */
  readonly fix: readonly Advice[];
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

/** A sender's mail since its last change (its fix first seen passing, a decision, the stage change), or over the window. */
export interface CurrentEvidence {
  /** First UTC day counted (`YYYY-MM-DD`); null: the whole window. */
  readonly since: string | null;
  /** What that day is: `window`, `fixed` (first day of the passing run after its last failing day), `decision` or `stage`. */
  readonly basis: 'window' | 'fixed' | 'decision' | 'stage';
  readonly messages: number;
  readonly dmarcPass: number;
}

/** What the current stage did to a sender's mail since it began, as the reports' dispositions show it. */
export interface ObservedHarm {
  readonly quarantined: number;
  readonly rejected: number;
}

/** How sure the planner is of the published record (plan-domain.ts): from DNS, or from the reports and why. */
export type PublishedSource = 'dns' | 'reports-offline' | 'reports-dns-unknown' | 'reports-dns-absent' | 'none';

export interface GateInput {
  readonly senders: readonly SenderSummary[];
  readonly settings: GateSettings;
  readonly now: Date;
  /** When the current stage started (undefined: no report or check shows it yet). */
  readonly stageStart: Date | undefined;
  /** Where the data ends (newest report); defaults to now. */
  readonly lastDataAt?: Date;
  /** Reporting organisations over the window with their messages. */
  readonly reporters: readonly { readonly orgName: string; readonly messages: number }[];
  /** Per sender key, its current evidence; a sender without one is judged on the window. */
  readonly evidence?: ReadonlyMap<string, CurrentEvidence>;
  /** Per sender key, what receivers quarantined and rejected since the stage began. */
  readonly observed?: ReadonlyMap<string, ObservedHarm>;
  /** What the next record does to failing mail, per generation; null at the last stage (nothing to harm). */
  readonly nextEffect?: { readonly rfc7489: { quarantine: number; reject: number }; readonly rfc9989: { quarantine: number; reject: number } } | null;
  /** Where the published record was read from; default `dns`. */
  readonly publishedSource?: PublishedSource;
}


/**
 * Legitimate mail: the owner approved it, or it is aligned, a known service, forwarded, or
 * aligned-capable — unless the owner rejected it.
 */
export function isLegitimate(sender: SenderSummary): boolean {
  if (sender.decision === 'approved') return true;
  if (sender.decision === 'rejected') return false;
  return sender.class === 'aligned' || sender.class === 'legitimate-unaligned' || sender.class === 'forwarded' || isAlignedCapable(sender);
}

/** Legitimate and fixable by the owner (forwarding breaks SPF whatever the owner does). */
function isOwnersMail(sender: SenderSummary): boolean {
  return isLegitimate(sender) && (sender.decision === 'approved' || sender.class !== 'forwarded');
}

/**
 * Undecided, not yet classified, but some of its mail passes aligned DKIM or SPF for the domain:
 * a system of the owner's that is partly set up (a spoofer cannot produce an aligned pass).
 */
export function isAlignedCapable(sender: SenderSummary): boolean {
  return sender.decision === null && sender.class === 'unknown' && (sender.dkimAlignedPass > 0 || sender.spfAlignedPass > 0);
}

/** The owner's mail whose failures are harm: approved, aligned, a known service, or aligned-capable (forwarders apart). */
export function isOwnersLegitimateMail(sender: SenderSummary): boolean {
  return isOwnersMail(sender);
}

/**
 * The diagnosis that names the cause to fix: the first that is not a consequence of a service's
 * design (SPF that cannot align because the service keeps its own return path: its DKIM is the
 * fix) nor a progress note.
 */
export function primaryCause(sender: SenderSummary): Advice | undefined {
  return sender.diagnosis.find((d) => d.params.spfCannotAlign !== true && d.code !== 'sender-fix-taking-effect') ?? sender.diagnosis[0];
}

export function countFailing(sender: SenderSummary): number {
  return Math.max(0, sender.messages - sender.dmarcPass);
}

const percent = (share: number): string => `${(Math.round(share * 1000) / 10).toString()}%`;
const count = (n: number): string => n.toLocaleString('en-GB');
const DAY_MS = 86_400_000;

function blocker(sender: SenderSummary, reason: Advice, fix: readonly Advice[] = []): GateBlocker {
  return { sender: sender.key, label: sender.label, class: sender.class, messages: sender.messages, failing: countFailing(sender), firstSeen: sender.firstSeen, reason, fix };
}

/** The sender's current evidence, else its window. */
function evidenceOf(input: GateInput, sender: SenderSummary): CurrentEvidence {
  return input.evidence?.get(sender.key) ?? { since: null, basis: 'window', messages: sender.messages, dmarcPass: Math.min(sender.dmarcPass, sender.messages) };
}

/** The largest share of failing mail the next record quarantines or rejects on either generation. */
function harmShare(input: GateInput): number {
  const e = input.nextEffect;
  if (e === undefined || e === null) return 0;
  return Math.max(e.rfc7489.quarantine + e.rfc7489.reject, e.rfc9989.quarantine + e.rfc9989.reject);
}

const byFailing = (a: GateBlocker, b: GateBlocker): number => b.failing - a.failing || (a.sender < b.sender ? -1 : 1);

/** Every gate, in a fixed order. */
export function evaluateGates(input: GateInput): GateResult[] {
  return [publishedRecord(input), daysAtStage(input), legitimatePassShare(input), legitimateSenders(input), unexplainedSenders(input), newSenders(input), coverage(input)];
}

const PUBLISHED_DETAIL: Readonly<Record<PublishedSource, string>> = {
  dns: 'read from DNS',
  'reports-offline': "taken from the newest reports' policy_published (offline: DNS not asked)",
  'reports-dns-unknown': "unknown: DNS did not answer, so it was taken from the newest reports' policy_published",
  'reports-dns-absent': "DNS shows no record, yet recent reports show one published: the sources disagree",
  none: 'no record is published',
};

/** The record must be known: a DNS error is unknown, never absent; DNS and reports disagreeing is not a basis for a step. */
function publishedRecord({ publishedSource = 'dns' }: GateInput): GateResult {
  const known = publishedSource === 'dns' || publishedSource === 'reports-offline' || publishedSource === 'none';
  return {
    id: 'published-record',
    description: 'The published DMARC record is known (from DNS, or from the reports when asked to plan offline)',
    passes: known,
    value: known ? 1 : 0,
    threshold: 1,
    kind: 'min',
    detail: advice('gate-published-record', { value: known ? 1 : 0, threshold: 1, source: publishedSource }, `the published record: ${PUBLISHED_DETAIL[publishedSource]}`),
    blockers: [],
  };
}

function daysAtStage({ settings, now, stageStart, lastDataAt }: GateInput): GateResult {
  const end = lastDataAt ?? now;
  const days = countStageDays(stageStart, end);
  const startDay = stageStart === undefined ? null : stageStart.toISOString().slice(0, 10);
  const since = startDay === null ? 'no report or DNS check shows the current policy yet' : `since ${startDay}`;
  return {
    id: 'days-at-stage',
    description: 'Calendar days of report data at the current stage (from the first day most reports, or a DNS check, show the current policy)',
    passes: days >= settings.minDaysAtStage,
    value: days,
    threshold: settings.minDaysAtStage,
    kind: 'min',
    detail: advice('gate-days-at-stage', { value: days, threshold: settings.minDaysAtStage, stageStart: startDay }, `${days} days ${since} (need ≥ ${settings.minDaysAtStage})`),
    blockers: [],
  };
}

function legitimatePassShare(input: GateInput): GateResult {
  const { senders, settings } = input;
  const owners = senders.filter(isOwnersMail).map((s) => evidenceOf(input, s));
  const messages = owners.reduce((n, e) => n + e.messages, 0);
  const pass = owners.reduce((n, e) => n + Math.min(e.dmarcPass, e.messages), 0);
  const share = messages === 0 ? 1 : pass / messages;
  return {
    id: 'legitimate-pass-share',
    description: 'Share of legitimate volume (aligned, known services, approved senders; forwarders apart) passing DMARC, each sender on its mail since the stage began or its last change',
    passes: share + 1e-12 >= settings.minLegitimatePassShare,
    value: share,
    threshold: settings.minLegitimatePassShare,
    kind: 'min',
    detail: advice(
      'gate-legitimate-pass-share',
      { value: share, threshold: settings.minLegitimatePassShare, messages },
      `${percent(share)} of ${count(messages)} messages (need ≥ ${percent(settings.minLegitimatePassShare)})`,
    ),
    // The senders in the way are named by legitimate-senders.
    blockers: [],
  };
}

/**
 * Every legitimate sender (approved, aligned, a known service, or aligned-capable; forwarders
 * apart) still failing on its current evidence, whose failing mail the next record would
 * quarantine or reject, or that the current stage already quarantined or rejected, blocks the
 * step by name, with its cause and its fix.
 */
function legitimateSenders(input: GateInput): GateResult {
  const { senders, settings } = input;
  const harm = harmShare(input);
  const blockers: GateBlocker[] = [];
  let harmed = 0;
  for (const s of senders.filter(isOwnersLegitimateMail)) {
    const e = evidenceOf(input, s);
    const failing = Math.max(0, e.messages - e.dmarcPass);
    const passShare = e.messages === 0 ? 1 : e.dmarcPass / e.messages;
    if (failing === 0 || passShare + 1e-12 >= settings.minLegitimatePassShare) continue;
    const exempt = Math.min(1, s.overrides.filter((o) => EXEMPT_OVERRIDES.has(o.type)).reduce((n, o) => n + o.messages, 0) / Math.max(1, countFailing(s)));
    const expected = Math.round(failing * (1 - exempt) * harm * 100) / 100;
    const observed = input.observed?.get(s.key) ?? { quarantined: 0, rejected: 0 };
    const observedHarm = observed.quarantined + observed.rejected;
    if (expected <= 0 && observedHarm === 0) continue;
    harmed += 1;
    const cause = primaryCause(s);
    const since = e.since === null ? '' : ` since ${e.since}`;
    const now = observedHarm > 0 ? `; since the stage began receivers quarantined ${count(observed.quarantined)} and rejected ${count(observed.rejected)} of its messages` : '';
    const next = expected > 0 ? `; the next step would quarantine or reject about ${count(Math.round(expected))} of them` : '';
    blockers.push(
      blocker(
        s,
        advice(
          'blocker-legitimate-harmed',
          {
            sender: s.key,
            failing,
            messages: e.messages,
            since: e.since,
            basis: e.basis,
            passShare,
            expectedHarmed: expected,
            observedQuarantined: observed.quarantined,
            observedRejected: observed.rejected,
            diagnosis: cause?.code ?? null,
          },
          `legitimate sender failing DMARC: ${count(failing)} of ${count(e.messages)} messages${since} fail${cause !== undefined ? ` (${cause.message})` : ''}${next}${now}`,
        ),
        s.fix,
      ),
    );
  }
  blockers.sort(byFailing);
  return {
    id: 'legitimate-senders',
    description: 'Legitimate senders whose failing mail the next step would quarantine or reject, or the current stage already did (each judged on its mail since its last change)',
    passes: harmed === 0,
    value: harmed,
    threshold: 0,
    kind: 'max',
    detail: advice('gate-legitimate-senders', { value: harmed, threshold: 0 }, harmed === 0 ? 'no legitimate sender would lose mail (need 0)' : `${harmed} legitimate sender${harmed === 1 ? '' : 's'} would lose mail (need 0)`),
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

/** Reporting organisations that are large mailbox providers, by the org_name they report under. */
const LARGE_PROVIDERS: readonly RegExp[] = [
  /google/i,
  /microsoft|outlook|hotmail|office ?365|exchange online/i,
  /yahoo|\baol\b|verizon/i,
  /apple|icloud/i,
  /comcast/i,
  /mail\.ru/i,
  /yandex/i,
  /gmx|web\.de|1&1|ionos|united internet/i,
  /\borange\b/i,
  /zoho/i,
  /proton/i,
  /fastmail/i,
];

export function isLargeMailboxProvider(orgName: string): boolean {
  return LARGE_PROVIDERS.some((pattern) => pattern.test(orgName));
}

/**
 * Enough evidence that the reports show the mail: enough messages, and either the large mailbox
 * providers (most recipients' mailboxes) reporting a good share of the volume, or several
 * receivers reporting: a handful of small reporters with a few messages is not coverage.
 */
function coverage({ reporters: rows, settings }: GateInput): GateResult {
  const messages = rows.reduce((n, r) => n + r.messages, 0);
  const distinct = new Set(rows.map((r) => r.orgName.toLowerCase())).size;
  const large = rows.filter((r) => isLargeMailboxProvider(r.orgName));
  const largeShare = messages === 0 ? 0 : large.reduce((n, r) => n + r.messages, 0) / messages;
  const largeNames = [...new Set(large.map((r) => r.orgName))];
  const enoughMessages = messages >= settings.minCoverageMessages;
  const broad = largeShare + 1e-12 >= settings.minLargeProviderShare || distinct >= settings.minReporters;
  return {
    id: 'coverage',
    description: 'Reports cover the mail: enough messages, and the large mailbox providers or several receivers reporting',
    passes: enoughMessages && broad,
    value: messages,
    threshold: settings.minCoverageMessages,
    kind: 'min',
    detail: advice(
      'gate-coverage',
      { value: messages, threshold: settings.minCoverageMessages, reporters: distinct, minReporters: settings.minReporters, largeProviderShare: largeShare, minLargeProviderShare: settings.minLargeProviderShare, largeProviders: largeNames },
      `${count(messages)} messages (need ≥ ${count(settings.minCoverageMessages)}) from ${distinct} reporter${distinct === 1 ? '' : 's'}; large mailbox providers ${largeNames.length === 0 ? 'none' : largeNames.slice(0, 3).join(', ')} report ${percent(largeShare)} of the volume (need ≥ ${percent(settings.minLargeProviderShare)}, or ≥ ${settings.minReporters} reporters)`,
    ),
    blockers: [],
  };
}
