/**
 * The reporters of some source IPs for one policy domain (store.ts, sourceReporters), for both
 * dialects: through the domain-and-period index of the reports, then each report's records.
 */
import type { SourceReporter } from '../store.js';
import type { Dialect } from '../sql/dialect.js';
import type { SqlProgram } from '../sql/sql-program.js';
import { rowsOf } from '../sql/sql-program.js';

export const MAX_REPORTER_IPS = 1_000;

export function* sourceReporters(d: Dialect, domain: string, ips: readonly string[], since: Date, until: Date): SqlProgram<SourceReporter[]> {
  const asked = [...new Set(ips)].slice(0, MAX_REPORTER_IPS);
  if (asked.length === 0) return [];
  const rows = yield* rowsOf<{ org_name: string; messages: unknown; reports: unknown; last_end: unknown }>(
    `SELECT r.org_name, SUM(a.count) AS messages, COUNT(DISTINCT r.id) AS reports, MAX(r.end_ts) AS last_end
       FROM aggregate_reports r JOIN aggregate_records a ON a.report = r.id
      WHERE r.policy_domain = ? AND r.end_ts >= ? AND r.begin_ts < ? AND a.source_ip IN (${asked.map(() => '?').join(', ')})
      GROUP BY r.org_name ORDER BY messages DESC, ${d.binary('r.org_name')}`,
    [domain, Math.floor(since.getTime() / 1000), Math.ceil(until.getTime() / 1000), ...asked],
  );
  return rows.map((row) => ({ orgName: row.org_name, messages: d.readInt(row.messages), reports: d.readInt(row.reports), lastSeen: new Date(d.readInt(row.last_end) * 1000) }));
}
