/** Migration SQL that is the same in every dialect; each store lists it under its own number. */

/** 002: a refused input is quarantined once per (raw input, path into it, code), so ingesting it again changes nothing. */
export const QUARANTINE_ONCE = `
DELETE FROM quarantine WHERE id NOT IN (SELECT MIN(id) FROM quarantine GROUP BY raw_sha256, source, code);
CREATE UNIQUE INDEX quarantine_once ON quarantine (raw_sha256, source, code);
`;
