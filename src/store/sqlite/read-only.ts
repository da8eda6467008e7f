/**
 * What a read-only SQLite store does differently (sqlite-store.ts, opened with access `read` on a
 * file or folder that cannot be written). Reads need no write access, except that the queries
 * behind daily series and sender statistics first bring their rollups up to date (daily-rollup.ts,
 * sender-rollup.ts). Here those rollup tables are shadowed by empty TEMP tables of the same names
 * and columns: SQLite resolves an unqualified name in TEMP before main, so the same queries fill
 * the shadows for this connection alone, from every committed report of the domain asked about
 * (as the first query after an ingest does), and read them back. Nothing is written to the file.
 * The combinations' ids (auth_combos) are this connection's own, consistent with its shadow rows.
 */
import type { SqliteDatabase } from './sqlite-driver.js';

const SHADOWS = `
CREATE TEMP TABLE auth_combos (
  id INTEGER PRIMARY KEY,
  combo_key BLOB NOT NULL UNIQUE,
  auth_dkim_json TEXT NOT NULL,
  auth_spf_json TEXT NOT NULL,
  reasons_json TEXT NOT NULL
);
CREATE TEMP TABLE sender_rollup (
  policy_domain TEXT NOT NULL,
  source_ip TEXT NOT NULL,
  auth_combo INTEGER NOT NULL,
  dkim TEXT NOT NULL,
  spf TEXT NOT NULL,
  disposition TEXT NOT NULL,
  begin_ts INTEGER NOT NULL,
  end_ts INTEGER NOT NULL,
  messages INTEGER NOT NULL,
  PRIMARY KEY (policy_domain, source_ip, auth_combo, dkim, spf, disposition, begin_ts, end_ts)
) WITHOUT ROWID;
CREATE TEMP TABLE header_from_rollup (
  report INTEGER NOT NULL,
  header_from TEXT NOT NULL,
  dmarc_pass INTEGER NOT NULL,
  messages INTEGER NOT NULL,
  PRIMARY KEY (report, header_from, dmarc_pass)
) WITHOUT ROWID;
CREATE TEMP TABLE sender_rollup_reports (report INTEGER PRIMARY KEY);
CREATE TEMP TABLE daily_rollup (
  policy_domain TEXT NOT NULL,
  day INTEGER NOT NULL,
  dkim_pass INTEGER NOT NULL,
  spf_pass INTEGER NOT NULL,
  disposition TEXT NOT NULL,
  messages INTEGER NOT NULL,
  PRIMARY KEY (policy_domain, day, dkim_pass, spf_pass, disposition)
) WITHOUT ROWID;
CREATE TEMP TABLE daily_rollup_reports (report INTEGER PRIMARY KEY);
`;

/** Shadows the rollup tables with empty TEMP tables (before any statement is prepared). */
export function shadowRollups(db: SqliteDatabase): void {
  db.exec(SHADOWS);
}
