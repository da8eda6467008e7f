/**
 * The contract of the store's grouped reads that replaced streaming in the analysis: dailySeries
 * (a rollup filled at query time) and dkimSelectors. Each is compared with a reference computed
 * here the slow way, by streaming the stored records: for the daily series, each report's
 * messages of one kind (evaluated DKIM pass, SPF pass, disposition) spread over its days with
 * core/spread-over-days.ts; for the selectors, the counting analysis/dkim-selectors-seen.ts did
 * before the store did it. Reports span one day and several; more ingest between two queries must
 * add exactly the new reports.
 */
import assert from 'node:assert/strict';
import { spreadOverDays } from '../../core/spread-over-days.js';
import type { AggregateRecord } from '../../reports/aggregate/aggregate-report.js';
import type { DailyVolume, Store } from '../store.js';
import type { StoreTest } from './contract-fixtures.test-helper.js';
import { header, provenance, record, saveAggregate } from './contract-fixtures.test-helper.js';

const DAY = 86_400;
const day = (d: number): number => Date.UTC(2026, 10, d) / 1000;

/** The daily series of `domain` over [since, until) from its streamed records. */
async function referenceSeries(store: Store, domain: string, window: { since: Date; until: Date }): Promise<DailyVolume[]> {
  const groups = new Map<string, { begin: number; end: number; dkim: boolean; spf: boolean; disposition: string; messages: number }>();
  for await (const { header: h, record: r } of store.streamRecords({ domain })) {
    const kind = { dkim: r.dkim === 'pass', spf: r.spf === 'pass', disposition: r.disposition ?? 'unknown' };
    const key = JSON.stringify([h.metadata.orgName, h.metadata.reportId, kind]);
    const group = groups.get(key) ?? { begin: h.metadata.begin, end: h.metadata.end, ...kind, messages: 0 };
    group.messages += r.count;
    groups.set(key, group);
  }
  const from = Math.floor(window.since.getTime() / 1000 / DAY) * DAY;
  const days = new Map<number, { messages: number; both: number; dkimOnly: number; spfOnly: number; neither: number; dispositions: Record<string, number> }>();
  for (const g of groups.values()) {
    for (const share of spreadOverDays(g.messages, g.begin, g.end)) {
      if (share.count === 0 || share.day < from || share.day * 1000 >= window.until.getTime()) continue;
      const t = days.get(share.day) ?? { messages: 0, both: 0, dkimOnly: 0, spfOnly: 0, neither: 0, dispositions: {} };
      t.messages += share.count;
      const kind = g.dkim && g.spf ? 'both' : g.dkim ? 'dkimOnly' : g.spf ? 'spfOnly' : 'neither';
      t[kind] += share.count;
      t.dispositions[g.disposition] = (t.dispositions[g.disposition] ?? 0) + share.count;
      days.set(share.day, t);
    }
  }
  return [...days].sort((a, b) => a[0] - b[0]).map(([d, t]) => ({
    day: new Date(d * 1000).toISOString().slice(0, 10),
    messages: t.messages,
    dmarcPass: t.both + t.dkimOnly + t.spfOnly,
    both: t.both,
    dkimOnly: t.dkimOnly,
    spfOnly: t.spfOnly,
    neither: t.neither,
    dispositions: Object.fromEntries(Object.entries(t.dispositions).sort((a, b) => (a[0] < b[0] ? -1 : 1))),
  }));
}

/** The selectors as analysis/dkim-selectors-seen.ts counted them by streaming. */
async function referenceSelectors(store: Store, domain: string, since: Date, max: number): Promise<string[]> {
  const counts = new Map<string, number>();
  for await (const { record: r } of store.streamRecords({ domain, since })) {
    for (const auth of r.authDkim) {
      if (auth.domain !== domain || auth.selector === null || auth.selector === '') continue;
      const selector = auth.selector.toLowerCase();
      counts.set(selector, (counts.get(selector) ?? 0) + r.count);
    }
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, max).map(([selector]) => selector);
}

/** Records of every kind: evaluated results passing or not (or absent), each disposition or none. */
function mixed(seed: number, n: number): AggregateRecord[] {
  const results = ['pass', 'fail', null] as const;
  const dispositions = ['none', 'quarantine', 'reject', null] as const;
  return Array.from({ length: n }, (_, i) => record(seed + i, {
    count: ((seed * 7 + i * 13) % 9) + 1,
    dkim: results[(seed + i) % 3] ?? null,
    spf: results[(seed + 2 * i) % 3] ?? null,
    disposition: dispositions[(seed + i) % 4] ?? null,
  }));
}

export function runDailySeriesContract(withStore: StoreTest): void {
  withStore('domainOverviews: many domains in one call agree with the daily series of each, newest policy and last check; out-of-scope ones are left out', async (store) => {
    const day = 86_400;
    const base = 1_764_460_800; // 2025-11-30
    const at = (i: number, span = 1) => ({ begin: base + i * day, end: base + (i + span) * day - 1 });
    await saveAggregate(store, header('o-1', at(0)), [record(1, { count: 10 }), record(3, { count: 4, dkim: 'fail', spf: 'fail' })]);
    await saveAggregate(store, header('o-2', at(1, 2)), [record(5, { count: 6 })]);
    const newer = header('o-3', at(3), 'example.org');
    await saveAggregate(store, { ...newer, policy: { ...newer.policy, p: 'reject', pct: 50 } }, [record(7, { count: 2, dkim: 'fail', spf: 'fail' })]);
    await saveAggregate(store, header('o-0', at(2), 'example.org'), [record(9, { count: 1 })]);
    await store.saveDomainCheck({ domain: 'example.org', checkedAt: new Date((base + day) * 1000), errors: 1, warnings: 0, result: {} });
    await store.saveDomainCheck({ domain: 'example.org', checkedAt: new Date((base + 2 * day) * 1000), errors: 0, warnings: 3, result: {} });
    const window = { since: new Date(base * 1000), until: new Date((base + 10 * day) * 1000) };
    const lines = await store.domainOverviews(['example.org', 'example.com', 'nothing.example'], window.since, window.until);
    assert.deepEqual(lines.map((l) => l.domain), ['example.org', 'example.com', 'nothing.example']);
    for (const line of lines) {
      const series = await store.dailySeries(line.domain, window);
      assert.equal(line.messages, series.reduce((n, d) => n + d.messages, 0), line.domain);
      assert.equal(line.dmarcPass, series.reduce((n, d) => n + d.dmarcPass, 0), line.domain);
      assert.equal(line.lastDay, series.at(-1)?.day ?? null, line.domain);
    }
    assert.deepEqual(lines[0]?.policy, { p: 'reject', sp: null, np: 'reject', pct: 50, testing: 'y', lastSeen: new Date(at(3).end * 1000) });
    assert.deepEqual(lines[0]?.check, { checkedAt: new Date((base + 2 * day) * 1000), errors: 0, warnings: 3 });
    assert.equal(lines[1]?.policy?.p, 'quarantine');
    assert.equal(lines[1]?.check, null);
    assert.deepEqual({ ...lines[2] }, { domain: 'nothing.example', messages: 0, dmarcPass: 0, lastDay: null, policy: null, check: null });
    // A report stored after the first call is counted by the next: the rollup is brought up to date.
    await saveAggregate(store, header('o-4', at(4)), [record(11, { count: 100 })]);
    assert.equal((await store.domainOverviews(['example.com'], window.since, window.until))[0]?.messages, (lines[1]?.messages ?? 0) + 100);
    // In an organisation's view, a domain outside its scope is left out.
    const org = await store.createOrganization({ slug: 'overview', name: 'Overview', at: new Date(base * 1000) });
    await store.assignDomain(org.id, 'example.org');
    const view = await store.forOrganization(org.id);
    assert.deepEqual((await view.domainOverviews(['example.com', 'example.org'], window.since, window.until)).map((l) => l.domain), ['example.org']);
  });

  withStore('dailySeries: one day of mail by how it fared, from the rollup', async (store) => {
    await saveAggregate(store, header('one', { begin: day(10), end: day(10) + DAY - 1 }), [
      record(1, { count: 10, dkim: 'pass', spf: 'pass', disposition: 'none' }),
      record(2, { count: 4, dkim: 'pass', spf: 'fail', disposition: 'none' }),
      record(3, { count: 3, dkim: null, spf: 'pass', disposition: null }),
      record(4, { count: 2, dkim: 'fail', spf: 'fail', disposition: 'reject' }),
    ]);
    const window = { since: new Date(day(1) * 1000), until: new Date(day(30) * 1000) };
    assert.deepEqual(await store.dailySeries('example.com', window), [
      { day: '2026-11-10', messages: 19, dmarcPass: 17, both: 10, dkimOnly: 4, spfOnly: 3, neither: 2, dispositions: { none: 14, reject: 2, unknown: 3 } },
    ]);
    assert.deepEqual(await store.dailySeries('example.org', window), []);
    assert.deepEqual(await store.dailySeries('example.com', { since: new Date(day(11) * 1000), until: window.until }), []);
  });

  withStore('dailySeries equals the streamed records spread over their days, for reports of one day and of several; more ingest adds only the new reports', async (store) => {
    await saveAggregate(store, header('one-day-a', { begin: day(10), end: day(10) + DAY - 1 }), mixed(1, 40));
    await saveAggregate(store, header('one-day-b', { begin: day(10), end: day(10) + DAY - 1, orgName: 'other.example' }), mixed(2, 25));
    await saveAggregate(store, header('three-days-unaligned', { begin: day(11) + 43_200, end: day(14) + 21_599 }), mixed(3, 30));
    await saveAggregate(store, header('a-week', { begin: day(15), end: day(22) - 1 }), mixed(4, 11));
    await saveAggregate(store, header('short', { begin: day(16) + 3600, end: day(16) + 7199 }), mixed(5, 3));
    await saveAggregate(store, header('other-domain', { begin: day(10), end: day(10) + DAY - 1 }, 'example.org'), mixed(6, 20));
    const open = await store.beginAggregateReport(header('open', { begin: day(12), end: day(13) - 1 }), await provenance(store, 'open'));
    await open.addRecords(mixed(7, 5));
    const all = { since: new Date(day(1) * 1000), until: new Date(day(30) * 1000) };
    const series = await store.dailySeries('example.com', all);
    await open.abort();
    assert.deepEqual(series, await referenceSeries(store, 'example.com', all));
    assert.deepEqual(series.map((d) => d.day), ['10', '11', '12', '13', '14', '15', '16', '17', '18', '19', '20', '21'].map((d) => `2026-11-${d}`));
    const narrow = { since: new Date((day(12) + 5000) * 1000), until: new Date((day(16) + 1) * 1000) };
    const narrowSeries = await store.dailySeries('example.com', narrow);
    assert.deepEqual(narrowSeries.map((d) => d.day), ['2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15', '2026-11-16'], 'days overlapping the window');
    assert.deepEqual(narrowSeries, await referenceSeries(store, 'example.com', narrow));

    await saveAggregate(store, header('later-multi', { begin: day(13), end: day(16) - 1 }), mixed(8, 17));
    await saveAggregate(store, header('later-one', { begin: day(10), end: day(10) + DAY - 1, orgName: 'third.example' }), mixed(9, 9));
    assert.equal((await saveAggregate(store, header('one-day-a', { begin: day(10), end: day(10) + DAY - 1 }), mixed(1, 40), 'again.xml')).status, 'duplicate');
    const again = await store.dailySeries('example.com', all);
    assert.deepEqual(again, await referenceSeries(store, 'example.com', all), 'the second query adds the new reports, and only them');
    assert.equal(again.reduce((n, d) => n + d.messages, 0), series.reduce((n, d) => n + d.messages, 0) + [...mixed(8, 17), ...mixed(9, 9)].reduce((n, r) => n + r.count, 0));
    assert.deepEqual(await store.dailySeries('example.com', all), again, 'asking again changes nothing');
    assert.deepEqual(await store.dailySeries('example.org', all), await referenceSeries(store, 'example.org', all));
  });

  withStore('dkimSelectors equals the selectors counted from the streamed records, and follows later ingest', async (store) => {
    const sig = (domain: string, selector: string | null) => ({ domain, selector, result: 'pass', humanResult: null });
    const at = (d: number) => ({ begin: day(d), end: day(d) + DAY - 1 });
    await saveAggregate(store, header('old', at(2)), [record(1, { count: 500, authDkim: [sig('example.com', 'ancient')] })]);
    await saveAggregate(store, header('a', at(10)), [
      record(1, { count: 5, authDkim: [sig('example.com', 'S1')] }),
      record(2, { count: 9, authDkim: [sig('example.com', 'google'), sig('esp.example', 'k1')] }),
      record(3, { count: 1, authDkim: [sig('example.com', 'google'), sig('example.com', null), sig('example.com', '')] }),
      record(4, { count: 7, authDkim: [sig('example.com', 'beta'), sig('example.com', 'alpha')] }),
    ]);
    await saveAggregate(store, header('b', at(12)), [record(5, { count: 3, authDkim: [sig('example.com', 's1'), sig('sub.example.com', 'sub')] })]);
    await saveAggregate(store, header('other', at(12), 'example.org'), [record(6, { count: 50, authDkim: [sig('example.com', 'elsewhere')] })]);
    const since = new Date(day(5) * 1000);
    for (const max of [1, 3, 20]) {
      const selectors = await store.dkimSelectors('example.com', since, max);
      assert.deepEqual(selectors, await referenceSelectors(store, 'example.com', since, max), `max ${max}`);
    }
    assert.deepEqual(await store.dkimSelectors('example.com', since, 20), ['google', 's1', 'alpha', 'beta']);
    assert.deepEqual(await store.dkimSelectors('example.com', new Date(day(1) * 1000), 1), ['ancient']);
    assert.deepEqual(await store.dkimSelectors('example.com', new Date(day(13) * 1000), 20), []);
    assert.deepEqual(await store.dkimSelectors('example.net', since, 20), []);
    await saveAggregate(store, header('c', at(14)), [record(7, { count: 100, authDkim: [sig('example.com', 'Alpha')] })]);
    assert.deepEqual(await store.dkimSelectors('example.com', since, 20), ['alpha', 'google', 's1', 'beta']);
    assert.deepEqual(await store.dkimSelectors('example.com', since, 20), await referenceSelectors(store, 'example.com', since, 20));
  });
}
