/**
 * The rollout stages from p=none to p=reject, for a world where RFC 7489 receivers (pct applies,
 * t is an unknown tag) and RFC 9989 receivers (pct removed, t=y applies one level below) read the
 * same record for years. Every partial step carries t=y, so RFC 9989 receivers, which would
 * otherwise apply `p=quarantine; pct=10` to ALL failing mail, stay one level below while RFC 7489
 * receivers sample; each generation's first full application happens at a step of its own
 * (standards fact sheet §9; RFC 7489 §6.6.4; RFC 9989 §4.7 and App. A.6). docs/senders.md "The
 * rollout planner" explains the list. Stage descriptions are fixed labels; what identifyStage notes
 * about a published record is Advice (docs/advice-codes.md). `check` and `plan` take the next record
 * from the same ladderStep, so they never disagree about the next step; what a record does is
 * described from its effect on each generation (describePolicyEffect), never from the stage's label.
 */
import type { Advice } from '../core/advice.js';
import { advice } from '../core/advice.js';
import type { DmarcBuildOptions } from '../records/dmarc-build.js';
import { buildDmarcRecord, formatDmarcTags, optionsFromRecord } from '../records/dmarc-build.js';
import type { DmarcGeneration } from '../records/dmarc-effective.js';
import { computeEffectivePolicy } from '../records/dmarc-effective.js';
import type { DmarcPolicy, DmarcRecord } from '../records/dmarc-record.js';
import { parseDmarcRecord } from '../records/dmarc-record.js';
import type { PublishedPolicy } from '../reports/aggregate/aggregate-report.js';

export type RolloutStageId = 'none' | 'test' | 'quarantine-10' | 'quarantine-25' | 'quarantine-50' | 'quarantine-100' | 'reject-test' | 'reject';

/** What one generation of receivers does with mail failing DMARC: expected shares (0–1) quarantined and rejected. */
export interface PolicyEffect {
  readonly quarantine: number;
  readonly reject: number;
}

export interface RolloutStage {
  readonly id: RolloutStageId;
  /** The policy tags of the stage; the planner keeps the record's other tags. */
  readonly tags: { readonly policy: DmarcPolicy; readonly percentage?: number; readonly testing?: 'y' };
  /** For people: what receivers of each generation do at this stage. */
  readonly description: string;
}

/** The stages in order. `reject-test` can be skipped (RolloutOptions.rejectTest). */
export const ROLLOUT_STAGES: readonly RolloutStage[] = [
  { id: 'none', tags: { policy: 'none' }, description: 'Monitoring only: no receiver acts on failing mail; aggregate reports show every source.' },
  {
    id: 'test',
    tags: { policy: 'quarantine', percentage: 0, testing: 'y' },
    description: 'Test mode on both generations: RFC 7489 receivers sample 0% (pct=0), RFC 9989 receivers apply one level below quarantine (t=y): nothing is quarantined, but mailing lists that act on an enforcing policy start rewriting From.',
  },
  { id: 'quarantine-10', tags: { policy: 'quarantine', percentage: 10, testing: 'y' }, description: 'RFC 7489 receivers quarantine 10% of failing mail; RFC 9989 receivers ignore pct and, with t=y, quarantine none of it.' },
  { id: 'quarantine-25', tags: { policy: 'quarantine', percentage: 25, testing: 'y' }, description: 'RFC 7489 receivers quarantine 25% of failing mail; RFC 9989 receivers (t=y) none.' },
  { id: 'quarantine-50', tags: { policy: 'quarantine', percentage: 50, testing: 'y' }, description: 'RFC 7489 receivers quarantine 50% of failing mail; RFC 9989 receivers (t=y) none.' },
  { id: 'quarantine-100', tags: { policy: 'quarantine' }, description: 'Both generations quarantine all failing mail (the first full step for RFC 9989 receivers).' },
  {
    id: 'reject-test',
    tags: { policy: 'reject', percentage: 0, testing: 'y' },
    description: 'p=reject in test mode: RFC 7489 receivers quarantine the 100% not sampled for reject (pct=0, §6.6.4), RFC 9989 receivers quarantine (t=y): delivery as at quarantine-100, but reports and mailing lists now see p=reject.',
  },
  { id: 'reject', tags: { policy: 'reject' }, description: 'Both generations reject all failing mail.' },
];

/** Which stages the planner walks through. */
export interface RolloutOptions {
  /** Include the `reject-test` stage (default true). */
  readonly rejectTest: boolean;
  /** Add np=reject (RFC 9989: non-existent subdomains) from the test stage on when the record has no np (default true). */
  readonly npReject: boolean;
}

export const DEFAULT_ROLLOUT_OPTIONS: RolloutOptions = { rejectTest: true, npReject: true };

/** The policy tags a receiver reads, from a DNS record or a report's policy_published. */
export interface PolicySnapshot {
  readonly p: DmarcPolicy | null;
  readonly sp: DmarcPolicy | null;
  readonly np: DmarcPolicy | null;
  readonly pct: number | null;
  readonly testing: 'y' | 'n' | null;
}

export function snapshotFromRecord(record: DmarcRecord): PolicySnapshot {
  return {
    p: record.policy ?? null,
    sp: record.subdomainPolicy ?? null,
    np: record.nonexistentSubdomainPolicy ?? null,
    pct: record.percentage ?? null,
    testing: record.testing ?? null,
  };
}

export function snapshotFromPublished(policy: PublishedPolicy): PolicySnapshot {
  return { p: policy.p, sp: policy.sp, np: policy.np, pct: policy.pct, testing: policy.testing };
}

/** The snapshot's tags as build options (only those it has). */
function snapshotOptions(snapshot: PolicySnapshot): DmarcBuildOptions {
  return {
    ...(snapshot.p !== null ? { policy: snapshot.p } : {}),
    ...(snapshot.sp !== null ? { subdomainPolicy: snapshot.sp } : {}),
    ...(snapshot.np !== null ? { nonexistentSubdomainPolicy: snapshot.np } : {}),
    ...(snapshot.testing !== null ? { testing: snapshot.testing } : {}),
    ...(snapshot.pct !== null ? { percentage: snapshot.pct } : {}),
  };
}

/** The snapshot as record text (without rua/ruf, which reports do not carry), parsed: what --offline plans from. */
export function recordFromSnapshot(snapshot: PolicySnapshot): DmarcRecord | undefined {
  return parseDmarcRecord(formatDmarcTags(snapshotOptions(snapshot))).record;
}

/**
 * The record a report's policy_published describes, for planning without DNS (--offline): p, sp,
 * np, pct, t, and adkim/aspf/fo when they differ from the defaults. Reports do not carry rua or
 * ruf, so the result has none.
 */
export function recordFromPublished(policy: PublishedPolicy): DmarcRecord | undefined {
  const options: DmarcBuildOptions = {
    ...snapshotOptions(snapshotFromPublished(policy)),
    ...(policy.adkim === 's' ? { dkimAlignment: 's' } : {}),
    ...(policy.aspf === 's' ? { spfAlignment: 's' } : {}),
    ...(policy.fo !== null && policy.fo !== '0' ? { failureOptions: policy.fo } : {}),
  };
  return parseDmarcRecord(formatDmarcTags(options)).record;
}

/** The record built from a stage's tags alone (no rua), for comparing effects. */
function stageRecord(stage: RolloutStage): DmarcRecord {
  return recordFromSnapshot({ p: stage.tags.policy, sp: null, np: null, pct: stage.tags.percentage ?? null, testing: stage.tags.testing ?? null }) as DmarcRecord;
}

/**
 * What receivers of `generation` do with failing mail from the domain itself: RFC 7489 applies p
 * to pct% and, for reject, quarantines the rest (§6.6.4); RFC 9989 ignores pct and applies one
 * level below with t=y (§4.7).
 */
export function computePolicyEffect(record: DmarcRecord, generation: DmarcGeneration): PolicyEffect {
  const effective = computeEffectivePolicy(record, generation);
  if (!effective.applied) return { quarantine: 0, reject: 0 };
  const share = effective.percentage / 100;
  switch (effective.applies.policy) {
    case 'reject':
      return { quarantine: 1 - share, reject: share };
    case 'quarantine':
      return { quarantine: share, reject: 0 };
    default:
      return { quarantine: 0, reject: 0 };
  }
}

const LEVEL: Readonly<Record<DmarcPolicy, number>> = { none: 0, quarantine: 1, reject: 2 };

/** [declared p level, 7489 enforced, 7489 rejected, 9989 enforced, 9989 rejected]: a stage is reached when each is at least the stage's. */
function strengthOf(record: DmarcRecord): number[] {
  const seven = computePolicyEffect(record, 'rfc7489');
  const nine = computePolicyEffect(record, 'rfc9989');
  const declared = computeEffectivePolicy(record, 'rfc9989').policy;
  return [LEVEL[declared], seven.quarantine + seven.reject, seven.reject, nine.quarantine + nine.reject, nine.reject];
}

const EPSILON = 1e-9;
const atLeast = (a: readonly number[], b: readonly number[]): boolean => a.every((value, i) => value + EPSILON >= (b[i] ?? 0));
const same = (a: readonly number[], b: readonly number[]): boolean => a.every((value, i) => Math.abs(value - (b[i] ?? 0)) < EPSILON);

/** True when `candidate` enforces at least as much as `current` on both generations. */
export function isAtLeastAsStrict(candidate: DmarcRecord, current: DmarcRecord): boolean {
  return atLeast(strengthOf(candidate), strengthOf(current));
}

export function findStage(id: RolloutStageId): RolloutStage {
  return ROLLOUT_STAGES.find((s) => s.id === id) as RolloutStage;
}

/** The stages the options walk through, in order. */
export function listStages(options: RolloutOptions = DEFAULT_ROLLOUT_OPTIONS): RolloutStage[] {
  return ROLLOUT_STAGES.filter((s) => s.id !== 'reject-test' || options.rejectTest);
}

/** The stage after `id`, or undefined at `reject`. */
export function nextStage(id: RolloutStageId, options: RolloutOptions = DEFAULT_ROLLOUT_OPTIONS): RolloutStage | undefined {
  const stages = listStages(options);
  const index = stages.findIndex((s) => s.id === id);
  // reject-test skipped by the options but published: its successor is reject.
  if (index === -1) return id === 'reject-test' ? findStage('reject') : undefined;
  return stages[index + 1];
}

export interface StageIdentification {
  readonly stage: RolloutStageId;
  /** True when the record does exactly what the stage does on both generations. */
  readonly exact: boolean;
  /** Where the record departs from the stage (e.g. pct without t=y): `stage-*` advice. */
  readonly notes: readonly Advice[];
}

/**
 * The stage a published record is at: the highest stage it enforces at least as much as, on both
 * generations (so `p=quarantine; pct=10` without t=y is quarantine-10, with a note that RFC 9989
 * receivers already quarantine everything).
 */
export function identifyStage(record: DmarcRecord | undefined): StageIdentification {
  if (record === undefined) {
    return { stage: 'none', exact: false, notes: [advice('stage-no-record', {}, 'No DMARC record is known for the domain: receivers apply no DMARC at all.')] };
  }
  const strength = strengthOf(record);
  let found: RolloutStage = ROLLOUT_STAGES[0] as RolloutStage;
  for (const stage of ROLLOUT_STAGES) if (atLeast(strength, strengthOf(stageRecord(stage)))) found = stage;
  const exact = same(strength, strengthOf(stageRecord(found)));
  const notes: Advice[] = [];
  const seven = computePolicyEffect(record, 'rfc7489');
  const nine = computePolicyEffect(record, 'rfc9989');
  const pct = (e: PolicyEffect): string => `${formatShare(e.quarantine)} quarantined, ${formatShare(e.reject)} rejected`;
  if (!exact) {
    notes.push(
      advice(
        'stage-not-exact',
        { stage: found.id, rfc7489Quarantine: seven.quarantine, rfc7489Reject: seven.reject, rfc9989Quarantine: nine.quarantine, rfc9989Reject: nine.reject },
        `The record does not match a planned stage exactly: of failing mail, RFC 7489 receivers see ${pct(seven)}, RFC 9989 receivers ${pct(nine)}.`,
      ),
    );
  }
  if (record.percentage !== undefined && record.percentage < 100 && record.testing !== 'y' && record.policy !== undefined && record.policy !== 'none') {
    notes.push(
      advice(
        'stage-pct-without-testing',
        { pct: record.percentage, policy: record.policy },
        `pct=${record.percentage} without t=y: RFC 9989 receivers ignore pct and apply p=${record.policy} to ALL failing mail.`,
      ),
    );
  }
  if (record.testing === 'y' && (record.percentage === undefined || record.percentage === 100) && record.policy !== undefined && record.policy !== 'none') {
    notes.push(
      advice(
        'stage-testing-without-pct',
        { policy: record.policy },
        `t=y without pct: RFC 7489 receivers ignore t and apply p=${record.policy} to all failing mail, while RFC 9989 receivers apply one level below.`,
      ),
    );
  }
  return { stage: found.id, exact, notes };
}

/** 0.1 → "10%"; keeps one decimal when needed. */
export function formatShare(share: number): string {
  const percent = Math.round(share * 1000) / 10;
  return `${percent}%`;
}

/** "quarantine 25% of failing mail", "take no action on failing mail", "reject all failing mail". */
function effectText(effect: PolicyEffect): string {
  const q = effect.quarantine;
  const r = effect.reject;
  const share = (x: number): string => (Math.abs(x - 1) < EPSILON ? 'all' : formatShare(x));
  if (q < EPSILON && r < EPSILON) return 'take no action on failing mail';
  const of = (x: number): string => (Math.abs(x - 1) < EPSILON ? 'all failing mail' : `${share(x)} of failing mail`);
  if (r < EPSILON) return `quarantine ${of(q)}`;
  if (q < EPSILON) return `reject ${of(r)}`;
  return `reject ${formatShare(r)} of failing mail and quarantine the rest`;
}

/**
 * What a record does to failing mail of the domain itself, on each generation, as a sentence: the
 * same computation as the simulation (computePolicyEffect), so the words never claim a t=y that is
 * not there.
 */
export function describePolicyEffect(record: DmarcRecord): string {
  const seven = computePolicyEffect(record, 'rfc7489');
  const nine = computePolicyEffect(record, 'rfc9989');
  const testing = record.testing === 'y' && record.policy !== undefined && record.policy !== 'none' ? ' (t=y: one level below p)' : '';
  const ignoresPct = record.percentage !== undefined && record.percentage < 100 && record.policy !== undefined && record.policy !== 'none' ? 'ignore pct and ' : '';
  return `RFC 7489 receivers ${effectText(seven)}; RFC 9989 receivers ${ignoresPct}${effectText(nine)}${testing}.`;
}

/** Where the ladder's next record is published, for the np tag. */
export interface LadderContext {
  readonly domain: string;
  /** True when the domain is its own Organizational Domain (sp and np mean something only there). */
  readonly organizational: boolean;
  readonly options?: RolloutOptions;
}

/** The next step of the ladder from a published record: the stage, the record's tags, and why (`next-*` advice). */
export interface LadderStep {
  readonly stage: RolloutStage;
  /** The published record's tags with the policy tags moved on (rua, ruf, adkim, aspf and the rest kept). */
  readonly tags: DmarcBuildOptions;
  readonly why: readonly Advice[];
}

/**
 * The stage after the one `published` is at, as record tags. A partial stage's t=y is left out
 * when adding it would loosen what RFC 9989 receivers already apply (a published pct without t=y):
 * the ladder never steps back on either generation. Undefined at the last stage.
 */
export function ladderStep(published: DmarcRecord | undefined, context: LadderContext): LadderStep | undefined {
  const options = context.options ?? DEFAULT_ROLLOUT_OPTIONS;
  const why: Advice[] = [];
  const current = identifyStage(published);
  const stage = published === undefined ? findStage('none') : nextStage(current.stage, options);
  if (stage === undefined) return undefined;
  const tags: { -readonly [K in keyof DmarcBuildOptions]: DmarcBuildOptions[K] } = published === undefined ? {} : { ...optionsFromRecord(published) };
  tags.policy = stage.tags.policy;
  tags.percentage = stage.tags.percentage;
  tags.testing = stage.tags.testing;
  if (published !== undefined) {
    const candidate = buildDmarcRecord(tags);
    if (candidate.ok && stage.tags.testing === 'y' && !isAtLeastAsStrict(candidate.parse.record, published)) {
      delete tags.testing;
      why.push(
        advice(
          'next-testing-left-out',
          { stage: stage.id },
          'The published record already makes RFC 9989 receivers apply the policy in full (they ignore pct): the next record leaves t=y out rather than loosen it for them.',
        ),
      );
    }
  }
  return { stage, tags, why };
}

/**
 * Adds np=reject (RFC 9989: subdomains that do not exist send no legitimate mail) to a ladder
 * step's tags at an Organizational Domain from the first enforcing stage on, when the record has
 * no np; returns the `next-np-reject` advice, or undefined when nothing was added.
 */
export function addNpReject(tags: { nonexistentSubdomainPolicy?: string; policy?: string; testing?: string }, context: LadderContext): Advice | undefined {
  const options = context.options ?? DEFAULT_ROLLOUT_OPTIONS;
  if (!context.organizational || !options.npReject || tags.policy === undefined || tags.policy === 'none' || tags.nonexistentSubdomainPolicy !== undefined) return undefined;
  tags.nonexistentSubdomainPolicy = 'reject';
  const testing = tags.testing === 'y';
  return advice(
    'next-np-reject',
    { domain: context.domain, testing },
    `np=reject: subdomains of ${context.domain} that do not exist (NXDOMAIN) send no legitimate mail, so RFC 9989 receivers may reject it${testing ? ' (quarantine while t=y)' : ''}; RFC 7489 receivers ignore np and use sp or p.`,
  );
}

/** A subdomain seen in header_from, as sp staging needs it. */
export interface SubdomainPassing {
  readonly domain: string;
  readonly messages: number;
  /** Share (0–1) of its messages passing DMARC. */
  readonly passShare: number;
  /** Passes as legitimate volume must (or fails on too little mail to matter). */
  readonly ready: boolean;
}

const POLICY_AT: readonly DmarcPolicy[] = ['none', 'quarantine', 'reject'];

/**
 * sp staging, in a ladder step's tags: an explicit sp below the next p is raised one level once
 * every subdomain seen in the reports passes; without sp, subdomains that would not pass are held
 * at today's level. Returns why (`next-sp-raised`, `next-sp-kept`, `next-sp-held`).
 */
export function stageSubdomainPolicy(tags: { subdomainPolicy?: string }, published: DmarcRecord, nextLevel: number, subdomains: readonly SubdomainPassing[]): Advice[] {
  const failing = subdomains.filter((s) => !s.ready);
  const names = (list: readonly SubdomainPassing[]): string =>
    list
      .slice(0, 5)
      .map((s) => `${s.domain} (${Math.round(s.messages).toLocaleString('en-GB')} messages, ${formatShare(s.passShare)} pass)`)
      .join(', ') + (list.length > 5 ? `, and ${list.length - 5} more` : '');
  const domains = (list: readonly SubdomainPassing[]): string[] => list.map((s) => s.domain);
  const sp = published.subdomainPolicy;
  if (sp !== undefined) {
    if (LEVEL[sp] >= nextLevel) return [];
    if (failing.length === 0) {
      const raised = POLICY_AT[Math.min(LEVEL[sp] + 1, nextLevel)] as DmarcPolicy;
      tags.subdomainPolicy = raised;
      return [
        advice(
          'next-sp-raised',
          { from: sp, to: raised, subdomains: domains(subdomains) },
          `sp raised from ${sp} to ${raised}: ${subdomains.length === 0 ? 'no subdomain mail appears in the reports' : `every subdomain seen passes (${names(subdomains)})`}.`,
        ),
      ];
    }
    return [advice('next-sp-kept', { sp, subdomains: domains(failing) }, `sp=${sp} kept: these subdomains still fail DMARC: ${names(failing)}.`)];
  }
  if (failing.length === 0) return [];
  const held = computeEffectivePolicy(published, 'rfc9989').policy;
  if (LEVEL[held] >= nextLevel) return [];
  tags.subdomainPolicy = held;
  return [
    advice(
      'next-sp-held',
      { sp: held, subdomains: domains(failing) },
      `sp=${held} holds subdomains at today's policy while p moves on, because these still fail DMARC: ${names(failing)}. Raise sp when they pass.`,
    ),
  ];
}

/** The ladder's next record as text, sp staged and np added as the planner does (`subdomains`: what the reports show; none for `check`). */
export function nextLadderRecord(published: DmarcRecord | undefined, context: LadderContext, subdomains: readonly SubdomainPassing[] = []): { stage: RolloutStageId; text: string } | undefined {
  const step = ladderStep(published, context);
  if (step === undefined) return undefined;
  const tags: { -readonly [K in keyof DmarcBuildOptions]: DmarcBuildOptions[K] } = { ...step.tags };
  const level = LEVEL[step.stage.tags.policy];
  if (context.organizational && published !== undefined && level > 0) stageSubdomainPolicy(tags, published, level, subdomains);
  addNpReject(tags, context);
  return { stage: step.stage.id, text: formatDmarcTags(tags) };
}
