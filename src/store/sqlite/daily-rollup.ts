/**
 * The SQLite daily rollup (../daily-rows.ts), kept up to date lazily as the sender rollup is
 * (sender-rollup.ts): the writer only appends, and the first dailySeries for a domain after
 * ingest adds the domain's new committed reports, in one IMMEDIATE transaction with the marks
 * naming them (daily_rollup_reports). The pending reports are chosen inside that transaction,
 * under the write lock, so two processes querying at once cannot both add one; and every
 * statement of it sees the same pending set, since no other connection can commit meanwhile. A
 * report whose writer has not committed has no record_count yet and waits for a later query.
 */
import { spreadGroups } from '../daily-rows.js';
import type { MultiDayGroupRow } from '../daily-rows.js';
import type { SqliteRunner } from './sqlite-runner.js';

/** The domain's committed reports not yet in the rollup (`?` is the domain). */
const PENDING = 'aggregate_reports p WHERE p.policy_domain = ? AND p.record_count IS NOT NULL AND NOT EXISTS (SELECT 1 FROM daily_rollup_reports m WHERE m.report = p.id)';

const HAS_PENDING_SQL = `SELECT 1 AS pending FROM ${PENDING} LIMIT 1`;

const PENDING_RECORDS = PENDING.replace('aggregate_reports p WHERE', 'aggregate_reports p JOIN aggregate_records r ON r.report = p.id WHERE');

/** A record's kind of mail: evaluated DKIM pass, SPF pass (`IS` treats NULL as not pass), disposition. */
const KIND = "(r.dkim IS 'pass'), (r.spf IS 'pass'), COALESCE(r.disposition, 'unknown')";

/** A report within one UTC day: its last second (or its first, if it ends before it begins) is on the day it begins. */
const ONE_DAY = 'p.end_ts / 86400 <= p.begin_ts / 86400';

const ROLL_UP_ONE_DAY_SQL =
  'INSERT INTO daily_rollup (policy_domain, day, dkim_pass, spf_pass, disposition, messages) ' +
  `SELECT p.policy_domain, (p.begin_ts / 86400) * 86400, ${KIND}, SUM(r.count) FROM ${PENDING_RECORDS} AND ${ONE_DAY} ` +
  `GROUP BY p.policy_domain, (p.begin_ts / 86400) * 86400, ${KIND} ` +
  'ON CONFLICT DO UPDATE SET messages = daily_rollup.messages + excluded.messages';

const MULTI_DAY_SQL =
  "SELECT p.begin_ts AS begin_ts, p.end_ts AS end_ts, (r.dkim IS 'pass') AS dkim_pass, (r.spf IS 'pass') AS spf_pass, " +
  "COALESCE(r.disposition, 'unknown') AS disposition, SUM(r.count) AS messages " +
  `FROM ${PENDING_RECORDS} AND NOT (${ONE_DAY}) GROUP BY p.id, ${KIND}`;

const UPSERT_SQL =
  'INSERT INTO daily_rollup (policy_domain, day, dkim_pass, spf_pass, disposition, messages) VALUES (?, ?, ?, ?, ?, ?) ' +
  'ON CONFLICT DO UPDATE SET messages = daily_rollup.messages + excluded.messages';

const MARK_SQL = `INSERT INTO daily_rollup_reports (report) SELECT p.id FROM ${PENDING}`;

/**
 * Adds the domain's pending reports to the rollup. A read first: when nothing is pending (the
 * steady state) no write lock is taken. Inside an open write group or writer (same connection)
 * the work joins its transaction and shares its fate. Returns the number of reports added.
 */
export function rollUpDaily(runner: SqliteRunner, domain: string): number {
  if (runner.prepare(HAS_PENDING_SQL).get(domain) === undefined) return 0;
  return runner.inTransaction(() => {
    runner.prepare(ROLL_UP_ONE_DAY_SQL).run(domain);
    const groups = runner.prepare(MULTI_DAY_SQL).all(domain) as MultiDayGroupRow[];
    const upsert = runner.prepare(UPSERT_SQL);
    for (const row of spreadGroups(runner.dialect, groups)) upsert.run(domain, row.day, row.dkim_pass, row.spf_pass, row.disposition, row.messages);
    return runner.prepare(MARK_SQL).run(domain).changes;
  });
}
