/**
 * Fills the planner's history from a store: the policies reporters saw published and when (the
 * store's grouped policy periods), the published record of each saved DNS check, and, over the
 * simulation window, the reporting organisations (RFC 9990 reports mark RFC 9989 receivers) and
 * the subdomains in header_from, grouped by the store (reportingStats: no record is streamed). A
 * record counts in the window when its report's period overlaps the window, as in sourceStats.
 * Nothing after the window's end is history: a plan made "as if it were" an earlier time (`plan
 * --now`) sees the policies and checks of that time only, as a plan made then would have.
 */
import type { DmarcPolicy, DmarcRecord } from '../records/dmarc-record.js';
import { parseDmarcRecord } from '../records/dmarc-record.js';
import type { PublishedPolicyPeriod, Store } from '../store/store.js';
import type { PolicyDay, PolicyObservation, ReporterVolume, RolloutHistory, SubdomainVolume } from './rollout-history.js';
import type { PolicySnapshot } from '../evaluate/dmarc-ladder.js';
import { recordFromPublished, snapshotFromRecord } from '../evaluate/dmarc-ladder.js';

const POLICIES = new Set(['none', 'quarantine', 'reject']);
const asPolicy = (value: string | null): DmarcPolicy | null => (value !== null && POLICIES.has(value) ? (value as DmarcPolicy) : null);

function snapshotFromPeriod(period: Pick<PublishedPolicyPeriod, 'p' | 'sp' | 'np' | 'pct' | 'testing'>): PolicySnapshot {
  return { p: asPolicy(period.p), sp: asPolicy(period.sp), np: asPolicy(period.np), pct: period.pct, testing: period.testing === 'y' || period.testing === 'n' ? period.testing : null };
}

/** Reports this close to the newest one describe the same published record. */
const SAME_RECORD_MS = 2 * 86_400_000;

/**
 * The record the newest reports show published (without rua/ruf, which reports do not carry):
 * what `plan --offline` plans from. RFC 9990 reports carry t but no pct, RFC 7489 reports pct
 * but no t: the newest sightings with the same p are merged so both tags survive. Undefined
 * without reports.
 */
export function findNewestPublishedRecord(periods: readonly PublishedPolicyPeriod[]): DmarcRecord | undefined {
  const sorted = [...periods].sort((a, b) => b.lastSeen.getTime() - a.lastSeen.getTime());
  const newest = sorted[0];
  if (newest === undefined) return undefined;
  const recent = sorted.filter((p) => p.p === newest.p && newest.lastSeen.getTime() - p.lastSeen.getTime() <= SAME_RECORD_MS);
  const pick = <T>(read: (p: PublishedPolicyPeriod) => T | null): T | null => recent.map(read).find((v) => v !== null) ?? null;
  const snapshot = snapshotFromPeriod(newest);
  return recordFromPublished({
    domain: '',
    adkim: newest.adkim === 's' ? 's' : 'r',
    aspf: newest.aspf === 's' ? 's' : 'r',
    p: snapshot.p,
    sp: pick((p) => asPolicy(p.sp)),
    np: pick((p) => asPolicy(p.np)),
    pct: pick((p) => p.pct),
    fo: null,
    testing: pick((p) => (p.testing === 'y' || p.testing === 'n' ? p.testing : null)),
    discoveryMethod: null,
  });
}

/** The DMARC record text a saved `check --json` result found, if any (the result is stored as unknown JSON). */
function appliedRecordText(result: unknown): string | undefined {
  const applied = (result as { records?: { dmarc?: { applied?: { text?: unknown } } } } | null)?.records?.dmarc?.applied;
  return typeof applied?.text === 'string' ? applied.text : undefined;
}

export async function collectRolloutHistory(store: Store, domain: string, window: { since: Date; until: Date }): Promise<{ history: RolloutHistory; periods: PublishedPolicyPeriod[] }> {
  const until = window.until.getTime();
  const periods = (await store.listPublishedPolicies(domain))
    .filter((period) => period.firstSeen.getTime() < until)
    .map((period) => (period.lastSeen.getTime() > until ? { ...period, lastSeen: new Date(until) } : period));
  const observations: PolicyObservation[] = [];
  let lastDataAt: Date | undefined;
  for (const period of periods) {
    const policy = snapshotFromPeriod(period);
    // A period is seen from its first report to its last: two sightings bound it.
    observations.push({ at: period.firstSeen.toISOString(), source: 'report', policy }, { at: period.lastSeen.toISOString(), source: 'report', policy });
    if (lastDataAt === undefined || period.lastSeen > lastDataAt) lastDataAt = period.lastSeen;
  }
  let lastCheckedRecord: { at: string; text: string } | undefined;
  for (const check of (await store.listDomainChecks(domain, { limit: 100 })).items) {
    if (check.checkedAt.getTime() > until) continue;
    const text = appliedRecordText(check.result);
    const record = text === undefined ? undefined : parseDmarcRecord(text).record;
    if (record === undefined || text === undefined) continue;
    observations.push({ at: check.checkedAt.toISOString(), source: 'dns-check', policy: snapshotFromRecord(record) });
    // Newest first: the first one found is the newest.
    lastCheckedRecord ??= { at: check.checkedAt.toISOString(), text };
  }
  const untilDay = new Date(until).toISOString().slice(0, 10);
  const policyDays: PolicyDay[] = (await store.listPublishedPolicyDays(domain))
    .filter((d) => d.day <= untilDay)
    .map((d) => ({
      day: d.day,
      policy: snapshotFromPeriod(d),
      messages: d.messages,
      reports: d.reports,
      reporters: d.reporters,
    }));
  const stats = await store.reportingStats(domain, window.since, window.until);
  const reporters = new Map<string, { messages: number; rfc9989: boolean }>();
  for (const row of stats.reporters) {
    const reporter = reporters.get(row.orgName) ?? { messages: 0, rfc9989: false };
    reporter.messages += row.messages;
    reporter.rfc9989 ||= row.schema === 'rfc9990';
    reporters.set(row.orgName, reporter);
  }
  const subdomains = new Map<string, { messages: number; dmarcPass: number }>();
  const suffix = `.${domain}`;
  for (const row of stats.headerFrom) {
    const from = row.headerFrom;
    if (from === null || !from.endsWith(suffix)) continue;
    const sub = subdomains.get(from) ?? { messages: 0, dmarcPass: 0 };
    sub.messages += row.messages;
    sub.dmarcPass += row.dmarcPass;
    subdomains.set(from, sub);
  }
  const reporterList: ReporterVolume[] = [...reporters].map(([orgName, r]) => ({ orgName, ...r }));
  const subdomainList: SubdomainVolume[] = [...subdomains].map(([name, s]) => ({ domain: name, ...s }));
  return {
    history: {
      observations,
      policyDays,
      reporters: reporterList,
      subdomains: subdomainList,
      ...(lastDataAt !== undefined ? { lastDataAt: lastDataAt.toISOString() } : {}),
      ...(lastCheckedRecord !== undefined ? { lastCheckedRecord } : {}),
    },
    periods,
  };
}
