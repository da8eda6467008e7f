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
