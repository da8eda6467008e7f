/** Migration SQL that is the same in every dialect; each store lists it under its own number. */

/** 003: saved DNS posture checks (dates as each dialect stores them, so only the shape is shared). */
export function domainChecksTable(types: { id: string; time: string }): string {
  return `
CREATE TABLE domain_checks (
  id ${types.id},
  domain TEXT NOT NULL,
  checked_at ${types.time} NOT NULL,
  errors INTEGER NOT NULL,
  warnings INTEGER NOT NULL,
  result_json TEXT NOT NULL
);
CREATE INDEX domain_checks_domain ON domain_checks (domain, checked_at);
`;
}

/** 002: a refused input is quarantined once per (raw input, path into it, code), so ingesting it again changes nothing. */
export const QUARANTINE_ONCE = `
DELETE FROM quarantine WHERE id NOT IN (SELECT MIN(id) FROM quarantine GROUP BY raw_sha256, source, code);
CREATE UNIQUE INDEX quarantine_once ON quarantine (raw_sha256, source, code);
`;

/**
 * 004: sender intelligence. `source_enrichments` caches what DNS said about a source IP (one JSON
 * document per IP, replaced on refresh; resolved_at as ISO text in both dialects, so expiry is
 * compared as the analysis sees it). `sender_decisions` keeps the owner's approve/reject per
 * (policy domain, sender key).
 */
export function senderTables(types: { time: string }): string {
  return `
CREATE TABLE source_enrichments (
  ip TEXT PRIMARY KEY NOT NULL,
  enrichment_json TEXT NOT NULL,
  resolved_at TEXT NOT NULL
);
CREATE TABLE sender_decisions (
  domain TEXT NOT NULL,
  sender_key TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
  note TEXT,
  decided_at ${types.time} NOT NULL,
  PRIMARY KEY (domain, sender_key)
);
`;
}
