/**
 * The daily rollup shared by both stores (migration: common-migrations.ts dailyRollupTables):
 * how a report covering several days is spread over them, and how the rollup rows are read back
 * as DailyVolume. A report within one UTC day is summed in SQL straight into its day; a longer
 * one is read grouped per (report, evaluated DKIM pass, SPF pass, disposition) and each group's
 * messages are spread with core/spread-over-days.ts, in TypeScript (SQL cannot do the largest
 * remainder method in one pass). Spreading the group's sum, not each record, keeps the number of
 * rows read bounded by a report's kinds of mail, not its records, and still adds up exactly.
 */
import { spreadOverDays } from '../core/spread-over-days.js';
import type { DailyVolume } from './store.js';
import type { Dialect } from './sql/dialect.js';
import type { SqlProgram } from './sql/sql-program.js';
import { rowsOf } from './sql/sql-program.js';

const DAY_SECONDS = 86_400;

/** One row of the rollup: a domain's messages of one kind on one UTC day (`day`: epoch seconds at 00:00). */
interface DailyRollupRow {
  readonly day: number;
  readonly dkim_pass: number;
  readonly spf_pass: number;
  readonly disposition: string;
  readonly messages: number;
}

/** The grouped messages of one multi-day report, as the rollup reads them (drivers give counts as numbers or strings). */
export interface MultiDayGroupRow {
  readonly begin_ts: unknown;
  readonly end_ts: unknown;
  readonly dkim_pass: unknown;
  readonly spf_pass: unknown;
  readonly disposition: string;
  readonly messages: unknown;
}

/** The multi-day groups spread over their days and summed per rollup key (so one upsert per key). */
export function spreadGroups(d: Dialect, groups: readonly MultiDayGroupRow[]): DailyRollupRow[] {
  const byKey = new Map<string, { day: number; dkim_pass: number; spf_pass: number; disposition: string; messages: number }>();
  for (const group of groups) {
    const dkim = d.readInt(group.dkim_pass) === 1 ? 1 : 0;
    const spf = d.readInt(group.spf_pass) === 1 ? 1 : 0;
    for (const share of spreadOverDays(d.readInt(group.messages), d.readInt(group.begin_ts), d.readInt(group.end_ts))) {
      if (share.count === 0) continue;
      const key = `${share.day} ${dkim} ${spf} ${group.disposition}`;
      const row = byKey.get(key);
      if (row === undefined) byKey.set(key, { day: share.day, dkim_pass: dkim, spf_pass: spf, disposition: group.disposition, messages: share.count });
      else row.messages += share.count;
    }
  }
  return [...byKey.values()];
}

/**
 * The days of [since, until) in epoch seconds: a day counts when it overlaps the window, so a
 * window from midnight to midnight holds exactly its days.
 */
function dayRange(window: { readonly since: Date; readonly until: Date }): { readonly from: number; readonly to: number } {
  return {
    from: Math.floor(window.since.getTime() / 1000 / DAY_SECONDS) * DAY_SECONDS,
    to: Math.ceil(window.until.getTime() / 1000),
  };
}

const SERIES_SQL = 'SELECT day, dkim_pass, spf_pass, disposition, messages FROM daily_rollup WHERE policy_domain = ? AND day >= ? AND day < ? ORDER BY day';

/** The domain's days from the rollup (brought up to date by the caller first), oldest first, days with mail only. */
export function* readDailySeries(d: Dialect, domain: string, window: { readonly since: Date; readonly until: Date }): SqlProgram<DailyVolume[]> {
  const { from, to } = dayRange(window);
  const rows = yield* rowsOf<Record<keyof DailyRollupRow, unknown>>(SERIES_SQL, [domain, from, to]);
  const days = new Map<number, { messages: number; both: number; dkimOnly: number; spfOnly: number; neither: number; dispositions: Map<string, number> }>();
  for (const row of rows) {
    const messages = d.readInt(row.messages);
    if (messages === 0) continue;
    const day = d.readInt(row.day);
    let tally = days.get(day);
    if (tally === undefined) {
      tally = { messages: 0, both: 0, dkimOnly: 0, spfOnly: 0, neither: 0, dispositions: new Map() };
      days.set(day, tally);
    }
    const dkim = d.readInt(row.dkim_pass) === 1;
    const spf = d.readInt(row.spf_pass) === 1;
    tally.messages += messages;
    if (dkim && spf) tally.both += messages;
    else if (dkim) tally.dkimOnly += messages;
    else if (spf) tally.spfOnly += messages;
    else tally.neither += messages;
    const disposition = String(row.disposition);
    tally.dispositions.set(disposition, (tally.dispositions.get(disposition) ?? 0) + messages);
  }
  return [...days].sort((a, b) => a[0] - b[0]).map(([day, t]) => ({
    day: new Date(day * 1000).toISOString().slice(0, 10),
    messages: t.messages,
    dmarcPass: t.both + t.dkimOnly + t.spfOnly,
    both: t.both,
    dkimOnly: t.dkimOnly,
    spfOnly: t.spfOnly,
    neither: t.neither,
    dispositions: Object.fromEntries([...t.dispositions].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))),
  }));
}
