/**
 * The PostgreSQL daily rollup (../daily-rows.ts), kept up to date lazily: the first dailySeries
 * for a domain after ingest adds the domain's new committed reports, in one transaction on one
 * connection. It first takes an advisory lock on the domain, so rollups of one domain (from any
 * process) run one at a time and never deadlock on the rows they both add to; then it claims the
 * pending reports by inserting their marks (RETURNING the ones it inserted), and adds exactly
 * those: under READ COMMITTED each statement sees a fresh snapshot, so the claimed ids, not a
 * second look at "what is pending", say what to add. Only committed reports can be claimed: a
 * writer's report is invisible until its transaction commits with its record_count.
 */
import { spreadGroups } from '../daily-rows.js';
import type { MultiDayGroupRow } from '../daily-rows.js';
import { postgresDialect } from '../sql/dialect.js';
import type { PgPool } from './pg-driver.js';
import { rollbackAndRelease } from './pg-driver.js';

/** First key of the rollup's advisory locks (the second is the domain's hash); migrations lock with a one-key lock, another key space. */
const DAILY_ROLLUP_LOCK = 0x646d_6472; // "dmdr"

const PENDING = 'aggregate_reports p WHERE p.policy_domain = $1 AND p.record_count IS NOT NULL AND NOT EXISTS (SELECT 1 FROM daily_rollup_reports m WHERE m.report = p.id)';

const HAS_PENDING_SQL = `SELECT 1 AS pending FROM ${PENDING} LIMIT 1`;

const CLAIM_SQL = `INSERT INTO daily_rollup_reports (report) SELECT p.id FROM ${PENDING} ON CONFLICT DO NOTHING RETURNING report`;

const KIND = "CASE WHEN r.dkim = 'pass' THEN 1 ELSE 0 END, CASE WHEN r.spf = 'pass' THEN 1 ELSE 0 END, COALESCE(r.disposition, 'unknown')";

const CLAIMED_RECORDS = 'aggregate_reports p JOIN aggregate_records r ON r.report = p.id WHERE p.id = ANY($1::bigint[])';

const ONE_DAY = 'p.end_ts / 86400 <= p.begin_ts / 86400';

const ROLL_UP_ONE_DAY_SQL =
  'INSERT INTO daily_rollup (policy_domain, day, dkim_pass, spf_pass, disposition, messages) ' +
  `SELECT p.policy_domain, (p.begin_ts / 86400) * 86400, ${KIND}, SUM(r.count) FROM ${CLAIMED_RECORDS} AND ${ONE_DAY} GROUP BY 1, 2, 3, 4, 5 ` +
  'ON CONFLICT (policy_domain, day, dkim_pass, spf_pass, disposition) DO UPDATE SET messages = daily_rollup.messages + excluded.messages';

const MULTI_DAY_SQL =
  "SELECT p.begin_ts, p.end_ts, CASE WHEN r.dkim = 'pass' THEN 1 ELSE 0 END AS dkim_pass, CASE WHEN r.spf = 'pass' THEN 1 ELSE 0 END AS spf_pass, " +
  `COALESCE(r.disposition, 'unknown') AS disposition, SUM(r.count) AS messages FROM ${CLAIMED_RECORDS} AND NOT (${ONE_DAY}) GROUP BY p.id, 3, 4, 5`;

/** The spread rows, one per key (an upsert may not touch one row twice), as one statement. */
const UPSERT_SQL =
  'INSERT INTO daily_rollup (policy_domain, day, dkim_pass, spf_pass, disposition, messages) ' +
  'SELECT $1::text, u.* FROM unnest($2::bigint[], $3::integer[], $4::integer[], $5::text[], $6::bigint[]) AS u ' +
  'ON CONFLICT (policy_domain, day, dkim_pass, spf_pass, disposition) DO UPDATE SET messages = daily_rollup.messages + excluded.messages';

/**
 * Adds the domain's pending reports to the rollup. A read first: when nothing is pending (the
 * steady state) no connection is held and no lock taken. Returns the number of reports added.
 */
export async function rollUpDaily(pool: PgPool, domain: string): Promise<number> {
  if ((await pool.query({ text: HAS_PENDING_SQL, values: [domain] })).rows.length === 0) return 0;
  const client = await pool.connect();
  try {
    await client.query({ text: 'BEGIN' });
    await client.query({ text: 'SELECT pg_advisory_xact_lock($1, hashtext($2))', values: [DAILY_ROLLUP_LOCK, domain] });
    const claimed = (await client.query<{ report: string }>({ text: CLAIM_SQL, values: [domain] })).rows.map((row) => row.report);
    if (claimed.length > 0) {
      await client.query({ text: ROLL_UP_ONE_DAY_SQL, values: [claimed] });
      const groups = (await client.query<MultiDayGroupRow>({ text: MULTI_DAY_SQL, values: [claimed] })).rows;
      const rows = spreadGroups(postgresDialect, groups);
      if (rows.length > 0) {
        await client.query({
          text: UPSERT_SQL,
          values: [domain, rows.map((r) => r.day), rows.map((r) => r.dkim_pass), rows.map((r) => r.spf_pass), rows.map((r) => r.disposition), rows.map((r) => r.messages)],
        });
      }
    }
    await client.query({ text: 'COMMIT' });
    client.release();
    return claimed.length;
  } catch (err) {
    await rollbackAndRelease(client);
    throw err;
  }
}
