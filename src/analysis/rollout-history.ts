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

export interface RolloutHistory {
  /** Any order. */
  readonly observations: readonly PolicyObservation[];
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

/** Share (0–1) of reported messages that come from RFC 9989 receivers; 0 without data. */
export function computeRfc9989Share(reporters: readonly ReporterVolume[]): number {
  const total = reporters.reduce((n, r) => n + r.messages, 0);
  if (total === 0) return 0;
  return reporters.filter((r) => r.rfc9989).reduce((n, r) => n + r.messages, 0) / total;
}
