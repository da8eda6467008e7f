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
import { formatTxtZoneLine, splitTxtStrings } from '../records/txt-strings.js';
import type { GateBlocker, GateId, GateResult, GateSettings } from './readiness-gates.js';
import { evaluateGates } from './readiness-gates.js';
import type { RolloutHistory, SubdomainVolume } from './rollout-history.js';
import { computeRfc9989Share, findStageStart } from './rollout-history.js';
import type { RolloutOptions, RolloutStageId } from '../evaluate/dmarc-ladder.js';
import { DEFAULT_ROLLOUT_OPTIONS, addNpReject, describePolicyEffect, formatShare, identifyStage, ladderStep, snapshotFromRecord, stageSubdomainPolicy } from '../evaluate/dmarc-ladder.js';
import type { SenderSummary } from './sender-model.js';
import type { ImpactSimulation } from './simulate-impact.js';
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
}

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
  readonly ready: boolean;
  readonly gates: readonly GateResult[];
  readonly blockers: readonly PlanBlocker[];
  /** Null at the last stage. */
  readonly next: NextStep | null;
  /** The next record simulated on the window's mail; null at the last stage. */
  readonly impact: ImpactSimulation | null;
  readonly subdomains: readonly SubdomainStatus[];
  /** What to watch after publishing the next record (`watch-*`). */
  readonly watch: readonly Advice[];
}

const LEVEL: Readonly<Record<DmarcPolicy, number>> = { none: 0, quarantine: 1, reject: 2 };
const count = (n: number): string => Math.round(n).toLocaleString('en-GB');

/** Plans the next step for the domain. */
export function planRollout(input: PlanInput): RolloutPlan {
  const options: RolloutOptions = { ...DEFAULT_ROLLOUT_OPTIONS, ...input.options };
  const domain = input.domain.toLowerCase();
  const identified = identifyStage(input.published);
  const stageStart = input.published === undefined ? undefined : findStageStart(input.history.observations, identified.stage, snapshotFromRecord(input.published));
  const lastDataAt = input.history.lastDataAt !== undefined ? new Date(input.history.lastDataAt) : undefined;
  const gates = evaluateGates({
    senders: input.senders,
    settings: input.gates,
    now: input.now,
    stageStart,
    ...(lastDataAt !== undefined ? { lastDataAt } : {}),
    reporters: input.history.reporters.map((r) => r.orgName),
  });
  const blockers = mergeBlockers(gates);
  const subdomains = describeSubdomains(input.history.subdomains, input.gates);
  const days = input.days ?? 30;
  const rfc9989Share = computeRfc9989Share(input.history.reporters);
  let next: NextStep | null = null;
  let impact: ImpactSimulation | null = null;
  let ready = gates.every((g) => g.passes);
  const built = buildNextStep(domain, input.published, options, subdomains, input);
  if (input.published === undefined) {
    next = built?.step ?? null;
    ready = next?.valid ?? false;
  } else if (built !== undefined) {
    next = built.step;
    if (built.record !== undefined) impact = simulateImpact(input.senders, built.record, { rfc9989Share, days });
    ready = ready && next.valid;
  }
  return {
    domain,
    generatedAt: input.now.toISOString(),
    published: { record: input.published?.text ?? null, from: input.published === undefined ? null : (input.publishedFrom ?? 'dns') },
    stage: identified.stage,
    stageExact: identified.exact,
    stageNotes: identified.notes,
    stageStart: stageStart?.toISOString() ?? null,
    ready,
    gates,
    blockers,
    next,
    impact,
    subdomains,
    watch: next === null ? watchAtFinalStage(domain) : describeWatch(domain, input, next, impact, rfc9989Share),
  };
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
    .map(({ blocker: b, gates: ids, reasons }) => ({ sender: b.sender, label: b.label, class: b.class, messages: b.messages, failing: b.failing, firstSeen: b.firstSeen, gates: ids, reasons }))
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
  } else if (input.publishedFrom === 'reports') {
    warnings.push(
      advice(
        'next-copy-report-uris',
        { domain },
        "Planned from the reports' policy_published: reports do not carry rua or ruf, so copy them from the record you publish today before publishing this one.",
      ),
    );
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
