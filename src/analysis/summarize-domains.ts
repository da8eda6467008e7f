/**
 * Per policy domain, over a window of days: messages, the share that passed DMARC (an aligned
 * DKIM or SPF pass as the receivers evaluated it), dispositions, and the top sources and
 * reporters. Reports covering several days count only their days inside the window
 * (spreadOverDays), so totals stay exact whatever the reports' periods.
 */
import type { StoredRecord } from '../store/store.js';
import { spreadOverDays } from '../core/spread-over-days.js';

export interface Ranked {
  readonly name: string;
  readonly messages: number;
}

export interface DomainSummary {
  readonly domain: string;
  readonly messages: number;
  /** Messages with an aligned DKIM or SPF pass (policy_evaluated). */
  readonly dmarcPass: number;
  /** dmarcPass / messages, 0 when there are none. */
  readonly passShare: number;
  readonly dispositions: Readonly<Record<string, number>>;
  readonly topSources: readonly Ranked[];
  readonly topReporters: readonly Ranked[];
}

export interface SummaryWindow {
  /** First UTC day counted (seconds since the epoch), inclusive. */
  readonly fromDay: number;
  /** Last UTC day counted, inclusive. */
  readonly toDay: number;
}

interface Tally {
  messages: number;
  dmarcPass: number;
  dispositions: Map<string, number>;
  sources: Map<string, number>;
  reporters: Map<string, number>;
}

const add = (map: Map<string, number>, key: string, n: number): void => void map.set(key, (map.get(key) ?? 0) + n);

function top(map: Map<string, number>, limit: number): Ranked[] {
  return [...map]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([name, messages]) => ({ name, messages }));
}

export async function summarizeDomains(records: AsyncIterable<StoredRecord>, window: SummaryWindow, topCount = 5): Promise<DomainSummary[]> {
  const tallies = new Map<string, Tally>();
  for await (const { header, record } of records) {
    const inWindow = spreadOverDays(record.count, header.metadata.begin, header.metadata.end)
      .filter((share) => share.day >= window.fromDay && share.day <= window.toDay)
      .reduce((n, share) => n + share.count, 0);
    if (inWindow === 0) continue;
    const domain = header.policy.domain;
    let tally = tallies.get(domain);
    if (!tally) {
      tally = { messages: 0, dmarcPass: 0, dispositions: new Map(), sources: new Map(), reporters: new Map() };
      tallies.set(domain, tally);
    }
    tally.messages += inWindow;
    if (record.dkim === 'pass' || record.spf === 'pass') tally.dmarcPass += inWindow;
    add(tally.dispositions, record.disposition ?? 'unknown', inWindow);
    add(tally.sources, record.sourceIp, inWindow);
    add(tally.reporters, header.metadata.orgName, inWindow);
  }
  return [...tallies]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([domain, t]) => ({
      domain,
      messages: t.messages,
      dmarcPass: t.dmarcPass,
      passShare: t.messages === 0 ? 0 : t.dmarcPass / t.messages,
      dispositions: Object.fromEntries([...t.dispositions].sort()),
      topSources: top(t.sources, topCount),
      topReporters: top(t.reporters, topCount),
    }));
}
