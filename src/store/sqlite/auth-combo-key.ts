/**
 * The key of an auth combination (a record's DKIM results, SPF results and policy-override
 * reasons, as JSON texts): the first 16 bytes of the SHA-256 of the three texts. The writer
 * stores it with each record, computed from the texts it writes anyway, and the sender rollup
 * adds the combinations it meets to auth_combos, which is unique on the key (migration 006).
 * Ingest so makes no lookup per record. A cryptographic hash, because reports come from anyone:
 * nobody can craft a combination that takes another's key, as nobody can craft two raw inputs
 * with one SHA-256.
 */
import { hash } from 'node:crypto';
import type { SqliteDatabase } from './sqlite-driver.js';

const AUTH_COMBO_KEY_BYTES = 16;

/** The SQL function the migration that introduced the key fills existing rows with. */
export const AUTH_COMBO_KEY_FUNCTION = 'dmarcpilot_auth_combo_key';

export function authComboKey(dkimJson: string, spfJson: string, reasonsJson: string): Buffer {
  return hash('sha256', `${dkimJson}\u0000${spfJson}\u0000${reasonsJson}`, 'buffer').subarray(0, AUTH_COMBO_KEY_BYTES);
}

/** Makes authComboKey callable from SQL on this connection. */
export function registerAuthComboKey(db: SqliteDatabase): void {
  db.function(AUTH_COMBO_KEY_FUNCTION, { deterministic: true }, (dkim: unknown, spf: unknown, reasons: unknown) => {
    if (typeof dkim !== 'string' || typeof spf !== 'string' || typeof reasons !== 'string') {
      throw new TypeError(`${AUTH_COMBO_KEY_FUNCTION}: expects three texts`);
    }
    return authComboKey(dkim, spf, reasons);
  });
}
