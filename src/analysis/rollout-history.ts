/**
 * What the planner needs from the past besides the senders: when the domain's policy changed (from
 * the reports' policy_published and the saved DNS checks), who reports, how much of the volume
 * RFC 9989 receivers report (they ignore pct), and which subdomains send. Plain data, so the
 * planner stays pure; collect-rollout-history.ts fills it from a store.
 */
import type { RolloutStageId, PolicySnapshot } from '../evaluate/dmarc-ladder.js';
import { identifyStage, recordFromSnapshot } from '../evaluate/dmarc-ladder.js';

/** One sighting of the published policy. */
export interface PolicyObservation {
  /** ISO 8601: a report's period start, or when a DNS check ran. */
  readonly at: string;
  readonly source: 'report' | 'dns-check';
  readonly policy: PolicySnapshot;
}

export interface ReporterVolume {
  readonly orgName: string;
  readonly messages: number;
  /** True when its reports follow RFC 9990 (so the receiver reads records as RFC 9989 does). */
  readonly rfc9989: boolean;
}

export interface SubdomainVolume {
  /** A header_from domain below the policy domain. */
  readonly domain: string;
  readonly messages: number;
  readonly dmarcPass: number;
}

/** The reports of one UTC day showing one published policy (store: listPublishedPolicyDays). */
export interface PolicyDay {
  /** `YYYY-MM-DD`, UTC. */
  readonly day: string;
  readonly policy: PolicySnapshot;
  readonly messages: number;
  readonly reports: number;
  readonly reporters: number;
}

export interface RolloutHistory {
  /** Any order. */
  readonly observations: readonly PolicyObservation[];
  /** The reports per day and policy, oldest first: when present, the stage start is found from them (robust to stragglers). */
  readonly policyDays?: readonly PolicyDay[];
  /** The newest saved DNS check that found a DMARC record: its text (with rua and ruf, which reports lack) and when. */
  readonly lastCheckedRecord?: { readonly at: string; readonly text: string };
  /** Reporters over the simulation window. */
  readonly reporters: readonly ReporterVolume[];
  /** Subdomains seen in header_from over the simulation window. */
  readonly subdomains: readonly SubdomainVolume[];
  /** End of the newest report's period (ISO 8601), when there is one: the data reaches this far. */
  readonly lastDataAt?: string;
}

export const EMPTY_HISTORY: RolloutHistory = { observations: [], reporters: [], subdomains: [] };

function stageOfSnapshot(snapshot: PolicySnapshot): RolloutStageId {
  return identifyStage(recordFromSnapshot(snapshot)).stage;
}

/** Sightings of an older policy this soon after the new one first shows are stale (cached records, reports spanning the change). */
export const STALE_SIGHTING_MS = 2 * 86_400_000;

/**
 * True when a sighting shows the current stage. RFC 9990 reports carry no pct (RFC 9989 removed
 * it) and RFC 7489 reports no t, so a sighting without pct counts when its p and t agree with the
 * published record.
 */
function showsStage(observation: PolicyObservation, current: RolloutStageId, published: PolicySnapshot | undefined): boolean {
  if (stageOfSnapshot(observation.policy) === current) return true;
  if (published === undefined || observation.policy.pct !== null) return false;
  return observation.policy.p === published.p && (observation.policy.testing ?? 'n') === (published.testing ?? 'n');
}

/**
 * When the current stage began: the first sighting of it after the last sighting of another
 * stage, ignoring other-stage sightings within STALE_SIGHTING_MS of that first sighting.
 * Undefined when no sighting shows the current stage (the change is newer than every report and
 * check). `published` (the record receivers read now) lets RFC 9990 sightings without pct count.
 */
export function findStageStart(observations: readonly PolicyObservation[], current: RolloutStageId, published?: PolicySnapshot): Date | undefined {
  const sorted = [...observations].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  let start: Date | undefined;
  for (const observation of sorted) {
    const at = new Date(observation.at);
    if (showsStage(observation, current, published)) start ??= at;
    else if (start !== undefined && at.getTime() - start.getTime() > STALE_SIGHTING_MS) start = undefined;
  }
  return start;
}

const DAY_MS = 86_400_000;
const dayNumber = (iso: string): number => Math.floor(Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso) / DAY_MS);

/**
 * When the current stage began, from the reports per day (robust to stragglers) and the DNS
 * checks: a day shows the stage when most of its messages do (a receiver still caching the old
 * record, or a report spanning the change, is outvoted); a day with less than a quarter of the
 * usual daily volume that shows another stage is too thin to break the stage (a single late
 * report). The stage begins on the first day of the last unbroken run of days showing it; a DNS
 * check showing the current record after the last check showing another one moves the start
 * earlier (reports lag the change by a day or two). Undefined when nothing shows the stage.
 */
export function findStageStartFromDays(
  days: readonly PolicyDay[],
  observations: readonly PolicyObservation[],
  current: RolloutStageId,
  published?: PolicySnapshot,
): Date | undefined {
  const totals = new Map<number, { current: number; other: number }>();
  for (const d of days) {
    const n = dayNumber(d.day);
    const entry = totals.get(n) ?? { current: 0, other: 0 };
    const shows = showsStage({ at: d.day, source: 'report', policy: d.policy }, current, published);
    if (shows) entry.current += Math.max(d.messages, 1);
    else entry.other += Math.max(d.messages, 1);
    totals.set(n, entry);
  }
  const ordered = [...totals].sort((a, b) => a[0] - b[0]);
  const volumes = ordered.map(([, t]) => t.current + t.other).sort((a, b) => a - b);
  const median = volumes.length === 0 ? 0 : (volumes[Math.floor(volumes.length / 2)] ?? 0);
  let start: number | undefined;
  for (const [day, t] of ordered) {
    if (t.current >= t.other) start ??= day;
    else if (start !== undefined && t.current + t.other >= median / 4) start = undefined;
  }
  const checks = observations.filter((o) => o.source === 'dns-check').sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  let checkStart: Date | undefined;
  for (const check of checks) {
    if (showsStage(check, current, published)) checkStart ??= new Date(check.at);
    else checkStart = undefined;
  }
  const fromDays = start === undefined ? undefined : new Date(start * DAY_MS);
  if (fromDays === undefined) return checkStart;
  if (checkStart === undefined) return fromDays;
  return checkStart < fromDays ? checkStart : fromDays;
}

/**
 * Calendar days from the stage's start to the end of the data, both days counted: 14 daily
 * reports are 14 days. `end` is exclusive (a report ending at midnight does not reach the next day).
 */
export function countStageDays(start: Date | undefined, end: Date): number {
  if (start === undefined) return 0;
  const first = Math.floor(start.getTime() / DAY_MS);
  const last = Math.floor((end.getTime() - 1) / DAY_MS);
  return Math.max(0, last - first + 1);
}

/** Share (0–1) of reported messages that come from RFC 9989 receivers; 0 without data. */
export function computeRfc9989Share(reporters: readonly ReporterVolume[]): number {
  const total = reporters.reduce((n, r) => n + r.messages, 0);
  if (total === 0) return 0;
  return reporters.filter((r) => r.rfc9989).reduce((n, r) => n + r.messages, 0) / total;
}
