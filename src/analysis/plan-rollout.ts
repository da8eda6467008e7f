/**
 * The rollout plan for one domain: the stage it is at, whether every readiness gate passes, the
 * senders in the way, the next record (the published one with only the policy tags moved on, so
 * rua, ruf, adkim, aspf and the rest survive), what that record would have done to the last days
 * of mail, and what to watch after publishing it. Pure: the senders, the history and the published
 * record come in as data (plan-command.ts collects them). Every reason, warning, note and watch item
 * is Advice (docs/advice-codes.md): a code and params for programs, a sentence without commands for
 * people (the CLI adds the command for the codes where one helps).
 */
import type { Advice } from '../core/advice.js';
import { advice } from '../core/advice.js';
import { findOrganizationalDomain } from '../evaluate/dmarc-discovery.js';
import { adviseDmarcRecord } from '../evaluate/dmarc-advice.js';
import type { DmarcBuildOptions } from '../records/dmarc-build.js';
import { buildDmarcRecord } from '../records/dmarc-build.js';
import type { DmarcPolicy, DmarcRecord } from '../records/dmarc-record.js';
import { parseDmarcRecord } from '../records/dmarc-record.js';
import { formatTxtZoneLine, splitTxtStrings } from '../records/txt-strings.js';
import type { CurrentEvidence, GateBlocker, GateId, GateResult, GateSettings, ObservedHarm, PublishedSource } from './readiness-gates.js';
import { countFailing, evaluateGates, isLegitimate } from './readiness-gates.js';
import type { RolloutHistory, SubdomainVolume } from './rollout-history.js';
import { computeRfc9989Share, countStageDays, findStageStart, findStageStartFromDays } from './rollout-history.js';
import type { RolloutOptions, RolloutStageId } from '../evaluate/dmarc-ladder.js';
import { DEFAULT_ROLLOUT_OPTIONS, addNpReject, computePolicyEffect, describePolicyEffect, formatShare, identifyStage, ladderStep, snapshotFromRecord, stageSubdomainPolicy } from '../evaluate/dmarc-ladder.js';
import type { SenderSummary } from './sender-model.js';
import type { ImpactCount, ImpactSimulation } from './simulate-impact.js';
import { simulateImpact } from './simulate-impact.js';

export interface PlanInput {
  readonly domain: string;
  /** The record receivers read now; undefined when the domain publishes none (or none is known). */
  readonly published: DmarcRecord | undefined;
  /** `dns` (checkDmarc) or `reports` (the newest policy_published: rua and ruf unknown). */
  readonly publishedFrom?: 'dns' | 'reports';
  /** The domain's senders over the simulation window. */
  readonly senders: readonly SenderSummary[];
  readonly history: RolloutHistory;
  readonly gates: GateSettings;
  readonly options?: Partial<RolloutOptions>;
  readonly now: Date;
  /** Length of the simulation window in days (for the output). */
  readonly days?: number;
  /** How sure the record is: from DNS, from the reports (offline, or because DNS did not answer or showed none), or none published. */
  readonly publishedSource?: PublishedSource;
  /**
   * Per sender key, its mail per UTC day over the window (store: sourceDays), for judging it on
   * its mail since its last change; the legitimate senders' at least (the others are judged on
   * the window).
   */
  readonly senderDays?: ReadonlyMap<string, readonly SenderDay[]>;
  /** The domain's whole mail per UTC day over the window (store: dailySeries): the stage's totals, of which the senders without days are the rest. */
  readonly domainDays?: readonly SenderDay[];
  /** Per sender key, when its current decision was made (ISO 8601). */
  readonly decidedAt?: ReadonlyMap<string, string>;
  /** The senders over the current stage only, for what the stage did to their mail; by default derived from senderDays (sendersSince). */
  readonly stageSenders?: readonly SenderSummary[];
  /** Per sender key, the failure (forensic) reports its addresses sent over the window. */
  readonly failureReports?: ReadonlyMap<string, number>;
  /** Nothing to judge: the domain does not exist (NXDOMAIN), or planning offline with no report of it. */
  readonly noData?: boolean;
}

/** One sender's mail on one UTC day. */
export interface SenderDay {
  readonly day: string;
  readonly messages: number;
  readonly dmarcPass: number;
  /** Quarantined and rejected by the receivers (dispositions); 0 when unknown. */
  readonly quarantined?: number;
  readonly rejected?: number;
}

/**
 * The senders' mail since the stage began, from their days: counts and dispositions of the days
 * on or after the start; overrides scaled to the share of mail (a sender is the same sender).
 */
export function sendersSince(senders: readonly SenderSummary[], days: ReadonlyMap<string, readonly SenderDay[]>, start: Date): SenderSummary[] {
  const first = start.toISOString().slice(0, 10);
  const out: SenderSummary[] = [];
  for (const s of senders) {
    const since = (days.get(s.key) ?? []).filter((d) => d.day >= first);
    const messages = since.reduce((n, d) => n + d.messages, 0);
    if (messages === 0) continue;
    const dmarcPass = Math.min(messages, since.reduce((n, d) => n + d.dmarcPass, 0));
    const quarantined = since.reduce((n, d) => n + (d.quarantined ?? 0), 0);
    const rejected = since.reduce((n, d) => n + (d.rejected ?? 0), 0);
    const scale = s.messages === 0 ? 0 : messages / s.messages;
    out.push({
      ...s,
      messages,
      dmarcPass,
      dispositions: { quarantine: quarantined, reject: rejected, none: Math.max(0, messages - quarantined - rejected) },
      overrides: s.overrides.map((o) => ({ type: o.type, messages: Math.round(o.messages * scale) })),
    });
  }
  return out;
}

/** What the current stage did to one sender's mail since it began, beside what the simulation of the published record predicted. */
export interface StageOutcomeSender {
  readonly sender: string;
  readonly label: string;
  readonly class: SenderSummary['class'];
  readonly legitimate: boolean;
  readonly messages: number;
  readonly failing: number;
  /** From the reports' dispositions. */
  readonly observed: ImpactCount;
  readonly predicted: ImpactCount;
}

/** The current stage's outcome since it began (null at p=none or before any report shows the stage). */
export interface StageOutcome {
  readonly since: string;
  readonly record: string;
  /** Senders with failing mail or mail quarantined or rejected, most harmed first. */
  readonly senders: readonly StageOutcomeSender[];
  readonly legitimate: { readonly messages: number; readonly observed: ImpactCount; readonly predicted: ImpactCount };
  readonly suspicious: { readonly messages: number; readonly observed: ImpactCount; readonly predicted: ImpactCount };
}

/**
 * The plan's answer, which the CLI's exit status follows (docs/senders.md): `ready` (every gate
 * passes and the next record is valid), `not-ready`, `first-step` (no record is published: the
 * monitoring record changes no delivery, so it is not gated), `no-data` (nothing to judge: no
 * reports in the window, or the domain does not exist), `final` (at p=reject: no next step).
 */
export type PlanVerdict = 'ready' | 'not-ready' | 'first-step' | 'no-data' | 'final';

/** A sender in the way of the next step, with every gate it holds shut. */
export interface PlanBlocker {
  readonly sender: string;
  readonly label: string;
  readonly class: SenderSummary['class'];
  readonly messages: number;
  readonly failing: number;
  readonly firstSeen: string;
  readonly gates: readonly GateId[];
  /** Why it blocks, one per gate it holds shut (`blocker-*`). */
  readonly reasons: readonly Advice[];
  /** The sender's fix, step by step (empty when deciding on it is what is needed). */
  readonly fix: readonly Advice[];
  /** Failure reports its addresses sent over the window: the messages to read for evidence (`reports failure --sender`). */
  readonly failureReports: number;
}

export interface NextStep {
  readonly stage: RolloutStageId;
  /** The record text to publish at `_dmarc.<domain>`. */
  readonly record: string;
  /** The record split into character-strings of at most 255 octets. */
  readonly strings: readonly string[];
  /** A zone-file line publishing it. */
  readonly zoneLine: string;
  /** True when it builds and the DNS checker's advice has no error about it. */
  readonly valid: boolean;
  /**
   * Why it is not valid: the DNS checker's error findings about it (the finding's code, e.g.
   * `dmarc-policy-invalid`, docs/findings.md, with its message), or `next-record-not-built`.
   */
  readonly errors: readonly Advice[];
  /** Why this record (`next-*`). */
  readonly why: readonly Advice[];
  /** Things to do by hand before publishing (e.g. add rua when planning from reports). */
  readonly warnings: readonly Advice[];
}

export interface SubdomainStatus extends SubdomainVolume {
  readonly passShare: number;
  /** Passes like the legitimate volume must, or fails with less than the unexplained-sender limit. */
  readonly ready: boolean;
}

export interface RolloutPlan {
  readonly domain: string;
  readonly generatedAt: string;
  readonly published: { readonly record: string | null; readonly from: 'dns' | 'reports' | null };
  readonly stage: RolloutStageId;
  /** True when the published record is exactly the stage on both generations. */
  readonly stageExact: boolean;
  readonly stageNotes: readonly Advice[];
  /** When the current stage began (ISO 8601), null when no data shows it yet. */
  readonly stageStart: string | null;
  /** Calendar days of report data at the current stage. */
  readonly stageDays: number;
  readonly verdict: PlanVerdict;
  /** True only when `verdict` is `ready` or `first-step`: the next record may be published now. */
  readonly ready: boolean;
  /** Every gate; empty at the first step (not gated) and for a domain that does not exist. */
  readonly gates: readonly GateResult[];
  readonly blockers: readonly PlanBlocker[];
  /** Null at the last stage. */
  readonly next: NextStep | null;
  /** The next record simulated on the window's mail; null at the last stage. */
  readonly impact: ImpactSimulation | null;
  readonly subdomains: readonly SubdomainStatus[];
  /** What the current stage did since it began, beside the prediction. */
  readonly currentStage: StageOutcome | null;
  /** What to watch after publishing the next record (`watch-*`). */
  readonly watch: readonly Advice[];
}

const LEVEL: Readonly<Record<DmarcPolicy, number>> = { none: 0, quarantine: 1, reject: 2 };
const count = (n: number): string => Math.round(n).toLocaleString('en-GB');

/** When the current stage began, as the planner judges it (the app fetches the stage's senders from it). */
export function stageStartOf(published: DmarcRecord | undefined, history: RolloutHistory): Date | undefined {
  if (published === undefined) return undefined;
  const stage = identifyStage(published).stage;
  const snapshot = snapshotFromRecord(published);
  return history.policyDays !== undefined && history.policyDays.length > 0
    ? findStageStartFromDays(history.policyDays, history.observations, stage, snapshot)
    : findStageStart(history.observations, stage, snapshot);
}

/** Days with mail a sender needs after a change before it is judged on that mail alone… */
const MIN_EVIDENCE_DAYS = 3;
/** …or two days with mail at least this many days apart. */
const MIN_EVIDENCE_SPAN = 7;

/**
 * A sender's mail since its last change: the latest of the day its fix was first seen passing
 * (the day after its last failing day), its decision and the stage's start, with enough mail
 * after it to judge; else the whole window.
 */
export function currentEvidence(sender: SenderSummary, days: readonly SenderDay[] | undefined, cuts: { stageStart?: Date; decidedAt?: string }, passShare: number): CurrentEvidence {
  const window: CurrentEvidence = { since: null, basis: 'window', messages: sender.messages, dmarcPass: Math.min(sender.dmarcPass, sender.messages) };
  if (days === undefined || days.length === 0) return window;
  const sorted = [...days].filter((d) => d.messages > 0).sort((a, b) => (a.day < b.day ? -1 : 1));
  const candidates: { since: string; basis: CurrentEvidence['basis'] }[] = [];
  let lastFail = -1;
  sorted.forEach((d, i) => {
    if (d.dmarcPass / d.messages < passShare) lastFail = i;
  });
  const afterFail = sorted[lastFail + 1];
  if (lastFail >= 0 && afterFail !== undefined) candidates.push({ since: afterFail.day, basis: 'fixed' });
  if (cuts.stageStart !== undefined) candidates.push({ since: cuts.stageStart.toISOString().slice(0, 10), basis: 'stage' });
  if (cuts.decidedAt !== undefined) candidates.push({ since: cuts.decidedAt.slice(0, 10), basis: 'decision' });
  candidates.sort((a, b) => (a.since > b.since ? -1 : a.since < b.since ? 1 : 0));
  for (const cut of candidates) {
    const after = sorted.filter((d) => d.day >= cut.since);
    const first = after[0];
    const last = after[after.length - 1];
    const span = first === undefined || last === undefined ? 0 : (Date.parse(last.day) - Date.parse(first.day)) / 86_400_000;
    if (after.length >= MIN_EVIDENCE_DAYS || (after.length >= 2 && span >= MIN_EVIDENCE_SPAN)) {
      const messages = after.reduce((n, d) => n + d.messages, 0);
      return { since: cut.since, basis: cut.basis, messages, dmarcPass: Math.min(messages, after.reduce((n, d) => n + d.dmarcPass, 0)) };
    }
  }
  return window;
}

/** Plans the next step for the domain. */
export function planRollout(input: PlanInput): RolloutPlan {
  const options: RolloutOptions = { ...DEFAULT_ROLLOUT_OPTIONS, ...input.options };
  const domain = input.domain.toLowerCase();
  const identified = identifyStage(input.published);
  const stageStart = stageStartOf(input.published, input.history);
  const lastDataAt = input.history.lastDataAt !== undefined ? new Date(input.history.lastDataAt) : undefined;
  const subdomains = describeSubdomains(input.history.subdomains, input.gates);
  const days = input.days ?? 30;
  const rfc9989Share = computeRfc9989Share(input.history.reporters);
  const publishedSource: PublishedSource = input.publishedSource ?? (input.published === undefined ? 'none' : input.publishedFrom === 'reports' ? 'reports-offline' : 'dns');
  const built = input.noData ? undefined : buildNextStep(domain, input.published, options, subdomains, input);
  const next: NextStep | null = built?.step ?? null;
  const nextRecord = built?.record;
  const impact = input.published !== undefined && nextRecord !== undefined ? simulateImpact(input.senders, nextRecord, { rfc9989Share, days }) : null;
  const evidence = new Map<string, CurrentEvidence>();
  for (const s of input.senders) {
    const decidedAt = input.decidedAt?.get(s.key);
    evidence.set(s.key, currentEvidence(s, input.senderDays?.get(s.key), { ...(stageStart !== undefined ? { stageStart } : {}), ...(decidedAt !== undefined ? { decidedAt } : {}) }, input.gates.minLegitimatePassShare));
  }
  const stageSenders = input.stageSenders ?? (stageStart !== undefined && input.senderDays !== undefined ? sendersSince(input.senders, input.senderDays, stageStart) : undefined);
  const currentStage = describeStageOutcome({ ...input, ...(stageSenders !== undefined ? { stageSenders } : {}) }, stageStart, rfc9989Share, lastDataAt ?? input.now);
  const observed = new Map<string, ObservedHarm>((stageSenders ?? []).map((s) => [s.key, observedHarm(s)]));
  const gated = input.published !== undefined && !input.noData;
  const gates = gated
    ? evaluateGates({
        senders: input.senders,
        settings: input.gates,
        now: input.now,
        stageStart,
        ...(lastDataAt !== undefined ? { lastDataAt } : {}),
        reporters: input.history.reporters,
        evidence,
        observed,
        nextEffect: nextRecord === undefined ? null : { rfc7489: computePolicyEffect(nextRecord, 'rfc7489'), rfc9989: computePolicyEffect(nextRecord, 'rfc9989') },
        publishedSource,
      })
    : [];
  const blockers = mergeBlockers(gates).map((b) => ({ ...b, failureReports: input.failureReports?.get(b.sender) ?? 0 }));
  const nothing = input.noData === true || (gated && input.senders.length === 0 && input.history.reporters.length === 0);
  const verdict: PlanVerdict = nothing
    ? 'no-data'
    : input.published === undefined
      ? 'first-step'
      : next === null
        ? 'final'
        : gates.every((g) => g.passes) && next.valid
          ? 'ready'
          : 'not-ready';
  return {
    domain,
    generatedAt: input.now.toISOString(),
    published: { record: input.published?.text ?? null, from: input.published === undefined ? null : (input.publishedFrom ?? 'dns') },
    stage: identified.stage,
    stageExact: identified.exact,
    stageNotes: identified.notes,
    stageStart: stageStart?.toISOString() ?? null,
    stageDays: countStageDays(stageStart, lastDataAt ?? input.now),
    verdict,
    ready: verdict === 'ready' || (verdict === 'first-step' && next?.valid === true),
    gates,
    blockers,
    next: nothing ? null : next,
    impact: nothing ? null : impact,
    subdomains,
    currentStage,
    watch: nothing ? [] : next === null ? watchAtFinalStage(domain) : describeWatch(domain, input, next, impact, rfc9989Share),
  };
}

/** What receivers did to a sender's mail, from the dispositions of its reports. */
function observedHarm(sender: SenderSummary): ObservedHarm {
  const d = sender.dispositions ?? {};
  return { quarantined: d.quarantine ?? 0, rejected: d.reject ?? 0 };
}

/** The stage's outcome since it began: observed dispositions beside the simulation of the published record on the same mail. */
function describeStageOutcome(input: PlanInput, stageStart: Date | undefined, rfc9989Share: number, end: Date): StageOutcome | null {
  if (input.published === undefined || stageStart === undefined || input.stageSenders === undefined) return null;
  if (identifyStage(input.published).stage === 'none') return null;
  const predicted = simulateImpact(input.stageSenders, input.published, { rfc9989Share, days: countStageDays(stageStart, end) });
  const predictedOf = new Map(predicted.senders.map((s) => [s.sender, s.expected]));
  const senders: StageOutcomeSender[] = input.stageSenders
    .map((s) => ({
      sender: s.key,
      label: s.label,
      class: s.class,
      legitimate: isLegitimate(s),
      messages: s.messages,
      failing: countFailing(s),
      observed: observedHarm(s),
      predicted: predictedOf.get(s.key) ?? { quarantined: 0, rejected: 0 },
    }))
    .filter((s) => s.failing > 0 || s.observed.quarantined + s.observed.rejected > 0);
  const harm = (x: StageOutcomeSender): number => x.observed.quarantined + x.observed.rejected;
  senders.sort((a, b) => Number(b.legitimate) - Number(a.legitimate) || harm(b) - harm(a) || b.failing - a.failing || (a.sender < b.sender ? -1 : 1));
  const round = (n: number): number => Math.round(n * 100) / 100;
  const totals = (legitimate: boolean) => {
    const rows = senders.filter((x) => x.legitimate === legitimate);
    const sum = (pick: (x: StageOutcomeSender) => ImpactCount): ImpactCount => ({
      quarantined: round(rows.reduce((n, x) => n + pick(x).quarantined, 0)),
      rejected: round(rows.reduce((n, x) => n + pick(x).rejected, 0)),
    });
    return { messages: input.stageSenders?.filter((x) => isLegitimate(x) === legitimate).reduce((n, x) => n + x.messages, 0) ?? 0, observed: sum((x) => x.observed), predicted: sum((x) => x.predicted) };
  };
  const legitimate = totals(true);
  let suspicious = totals(false);
  if (input.domainDays !== undefined) {
    // The senders without days of their own (suspicious, unknown): the domain's mail less the legitimate senders'.
    const first = stageStart.toISOString().slice(0, 10);
    const days = input.domainDays.filter((d) => d.day >= first);
    const legit = (input.stageSenders ?? []).filter(isLegitimate);
    const messages = Math.max(0, days.reduce((n, d) => n + d.messages, 0) - legitimate.messages);
    const failing = Math.max(0, days.reduce((n, d) => n + d.messages - d.dmarcPass, 0) - legit.reduce((n, s) => n + countFailing(s), 0));
    const observed = {
      quarantined: Math.max(0, days.reduce((n, d) => n + (d.quarantined ?? 0), 0) - legitimate.observed.quarantined),
      rejected: Math.max(0, days.reduce((n, d) => n + (d.rejected ?? 0), 0) - legitimate.observed.rejected),
    };
    const seven = computePolicyEffect(input.published, 'rfc7489');
    const nine = computePolicyEffect(input.published, 'rfc9989');
    const mixed = (pick: (e: { quarantine: number; reject: number }) => number): number => round(failing * (pick(seven) * (1 - rfc9989Share) + pick(nine) * rfc9989Share));
    suspicious = { messages, observed, predicted: { quarantined: mixed((e) => e.quarantine), rejected: mixed((e) => e.reject) } };
  }
  return { since: stageStart.toISOString(), record: input.published.text, senders, legitimate, suspicious };
}

function mergeBlockers(gates: readonly GateResult[]): PlanBlocker[] {
  const merged = new Map<string, { blocker: GateBlocker; gates: GateId[]; reasons: Advice[] }>();
  for (const gate of gates) {
    for (const b of gate.blockers) {
      const entry = merged.get(b.sender) ?? { blocker: b, gates: [], reasons: [] };
      entry.gates.push(gate.id);
      entry.reasons.push(b.reason);
      merged.set(b.sender, entry);
    }
  }
  return [...merged.values()]
    .map(({ blocker: b, gates: ids, reasons }) => ({ sender: b.sender, label: b.label, class: b.class, messages: b.messages, failing: b.failing, firstSeen: b.firstSeen, gates: ids, reasons, fix: b.fix, failureReports: 0 }))
    .sort((a, b) => b.failing - a.failing || (a.sender < b.sender ? -1 : 1));
}

function describeSubdomains(subdomains: readonly SubdomainVolume[], settings: GateSettings): SubdomainStatus[] {
  return subdomains
    .map((s) => {
      const passShare = s.messages === 0 ? 1 : s.dmarcPass / s.messages;
      const failing = Math.max(0, s.messages - s.dmarcPass);
      return { ...s, passShare, ready: passShare >= settings.minLegitimatePassShare || failing <= settings.unexplainedMaxMessages };
    })
    .sort((a, b) => b.messages - a.messages || (a.domain < b.domain ? -1 : 1));
}

function buildNextStep(domain: string, published: DmarcRecord | undefined, options: RolloutOptions, subdomains: readonly SubdomainStatus[], input: PlanInput): { step: NextStep; record?: DmarcRecord } | undefined {
  const organizational = findOrganizationalDomain(domain) === domain;
  const ladder = ladderStep(published, { domain, organizational, options });
  if (ladder === undefined) return undefined;
  const { stage } = ladder;
  const why: Advice[] = [];
  const warnings: Advice[] = [];
  const base: { -readonly [K in keyof DmarcBuildOptions]: DmarcBuildOptions[K] } = { ...ladder.tags };
  if (published === undefined) {
    why.push(advice('next-first-record', { domain, stage: stage.id }, `No DMARC record is known for ${domain}: publish a monitoring record first (${stage.description})`));
    warnings.push(
      advice(
        'next-add-rua',
        { domain },
        'Add rua=mailto:ADDRESS with the address this installation receives reports on (its SMTP listener or an IMAP mailbox), or receivers send no aggregate reports.',
      ),
    );
  }
  // Reports do not carry rua or ruf: a record built from them must never drop the domain's reporting addresses.
  let urisUnknown = false;
  if (published !== undefined && input.publishedFrom === 'reports' && published.aggregateUris.length === 0) {
    const checked = input.history.lastCheckedRecord;
    const saved = checked === undefined ? undefined : parseDmarcRecord(checked.text).record;
    if (saved !== undefined && saved.aggregateUris.length > 0) {
      base.aggregateUris = saved.aggregateUris.map((u) => u.text);
      if (saved.failureUris.length > 0) base.failureUris = saved.failureUris.map((u) => u.text);
      warnings.push(
        advice(
          'next-report-uris-from-check',
          { domain, checkedAt: checked?.at ?? null, rua: base.aggregateUris, ruf: base.failureUris ?? [] },
          `Planned from the reports' policy_published, which carries no rua or ruf: they are copied from the DNS check of ${checked?.at.slice(0, 10) ?? '?'}; make sure they are still the addresses you publish today.`,
        ),
      );
    } else {
      urisUnknown = true;
    }
  }
  const nextLevel = LEVEL[stage.tags.policy];
  const spWhy: Advice[] = [];
  if (organizational && published !== undefined && nextLevel > 0) spWhy.push(...stageSubdomainPolicy(base, published, nextLevel, subdomains));
  const np = addNpReject(base, { domain, organizational, options });
  const build = buildDmarcRecord(base);
  if (published !== undefined) {
    const effect = build.ok ? describePolicyEffect(build.parse.record) : stage.description;
    why.push(advice('next-stage', { stage: stage.id, testing: base.testing === 'y' }, `Next stage ${stage.id}: ${effect}`));
  }
  why.push(...ladder.why, ...spWhy, ...(np !== undefined ? [np] : []));
  if (!build.ok) {
    const errors = build.errors.map((error) => advice('next-record-not-built', { stage: stage.id }, error));
    return { step: { stage: stage.id, record: '', strings: [], zoneLine: '', valid: false, errors, why, warnings } };
  }
  const findings = adviseDmarcRecord(build.parse, { policyDomain: domain, domain, organizationalDomain: findOrganizationalDomain(domain) });
  // The checker's error findings keep their own codes (docs/findings.md).
  const errors = findings
    .filter((f) => f.severity === 'error')
    .map((f) => advice(f.code, { severity: f.severity, name: f.name ?? null, location: f.location ?? null, fix: f.fix, rfc: f.rfc }, f.message));
  if (urisUnknown) {
    errors.push(
      advice(
        'next-report-uris-unknown',
        { domain, stage: stage.id },
        "Planned from the reports' policy_published, which carries no rua or ruf, and no saved DNS check shows them: published as it stands this record would stop every report. Add the domain's rua (and ruf) before publishing it.",
      ),
    );
  }
  if (build.parse.record.aggregateUris.length === 0 && published !== undefined && input.publishedFrom !== 'reports') {
    warnings.push(advice('next-no-rua', {}, 'The record has no rua: receivers send no aggregate reports, and the next steps cannot be planned.'));
  }
  const strings = splitTxtStrings(build.text);
  return {
    step: { stage: stage.id, record: build.text, strings, zoneLine: formatTxtZoneLine(`_dmarc.${domain}`, build.text), valid: errors.length === 0, errors, why, warnings },
    record: build.parse.record,
  };
}

/** Days of reports to watch after a change. */
const WATCH_DAYS = 14;

function describeWatch(domain: string, input: PlanInput, next: NextStep, impact: ImpactSimulation | null, rfc9989Share: number): Advice[] {
  const watch: Advice[] = [];
  if (input.published === undefined) {
    watch.push(advice('watch-first-reports', { domain }, `The first aggregate reports for ${domain} within a day or two of publishing; then review the senders of ${domain}.`));
    return watch;
  }
  watch.push(
    advice(
      'watch-dispositions',
      { domain, days: WATCH_DAYS },
      `Aggregate reports over the next ${WATCH_DAYS} days: the disposition of failing mail per sender should match the simulation.`,
    ),
  );
  if (impact !== null) {
    const legit = impact.legitimate.expected;
    if (legit.quarantined + legit.rejected > 0) {
      const top = impact.senders.filter((s) => s.legitimate && s.expected.quarantined + s.expected.rejected > 0).slice(0, 3);
      watch.push(
        advice(
          'watch-legitimate-affected',
          { quarantined: legit.quarantined, rejected: legit.rejected, days: impact.days, senders: top.map((s) => s.sender) },
          `Legitimate mail expected to be affected: about ${count(legit.quarantined)} quarantined and ${count(legit.rejected)} rejected over ${impact.days} days, mostly from ${top.map((s) => `${s.label} (${count(s.expected.quarantined + s.expected.rejected)})`).join(', ')}; ask those teams to watch their bounces and spam folders.`,
        ),
      );
    }
  }
  watch.push(advice('watch-new-senders', { domain }, 'New senders: a system nobody listed shows up first as failing mail.'));
  watch.push(
    advice('watch-overrides', {}, 'Override reasons (forwarded, mailing_list, local_policy, arc=pass comments): forwarded and list mail that loses DKIM now fails.'),
  );
  if (next.record.includes('t=y')) {
    watch.push(
      advice(
        'watch-testing-reports',
        { rfc9989Share },
        `RFC 9990 reports echoing testing=y: RFC 9989 receivers (${formatShare(rfc9989Share)} of the reported volume today) apply one level below until t=y is removed.`,
      ),
    );
  }
  watch.push(
    advice(
      'watch-stale-policy',
      {},
      'Reports still showing the previous policy a day after the change: a receiver caching the old record, or the record not published where you think.',
    ),
  );
  if (input.published.text !== '') {
    watch.push(advice('watch-rollback', { record: input.published.text }, `To roll back, publish the current record again: ${input.published.text}`));
  }
  return watch;
}

function watchAtFinalStage(domain: string): Advice[] {
  return [
    advice('watch-at-reject', { domain }, `${domain} is at p=reject: keep watching for new senders and legitimate mail failing, which is now rejected.`),
    advice('watch-keep-rua', {}, 'Keep rua: the reports are how a new or broken sender shows up.'),
  ];
}
