/**
 * Splits a total number of records over reports with a heavy tail, like real traffic: most
 * reports hold a handful of records, a few hold tens of thousands. The parts sum exactly to
 * the total and every report gets at least one record (RFC 7489 App. C: record 1..unbounded).
 */

/** Largest number of records in one report unless the totals force more. */
export const DEFAULT_MAX_PER_REPORT = 60_000;

/**
 * @param {number} total records in all reports
 * @param {number} reports number of reports
 * @param {ReturnType<import('./random.js').createRandom>} random
 * @param {number} [maxPerReport]
 * @returns {number[]} records per report, summing to `total`
 */
export function splitRecords(total, reports, random, maxPerReport = DEFAULT_MAX_PER_REPORT) {
  if (!Number.isInteger(total) || !Number.isInteger(reports) || reports < 1) throw new Error('reports and records must be positive integers');
  if (total < reports) throw new Error(`--records (${total}) must be at least --reports (${reports}): every report holds at least one record`);
  const cap = Math.max(maxPerReport, Math.ceil(total / reports));
  // Log-normal weights (sigma 2.2): median about a tenth of the mean, a long tail of large reports.
  const weights = Array.from({ length: reports }, () => Math.exp(2.2 * random.normal()));
  const parts = new Array(reports).fill(1);
  let left = total - reports;
  // Hand out what is left in proportion to the weights, skipping reports that reached the cap.
  while (left > 0) {
    let open = 0;
    for (let i = 0; i < reports; i++) if (parts[i] < cap) open += weights[i];
    const pool = left;
    for (let i = 0; i < reports && left > 0; i++) {
      if (parts[i] >= cap) continue;
      const share = Math.min(cap - parts[i], left, Math.floor((pool * weights[i]) / open));
      parts[i] += share;
      left -= share;
    }
    // Rounding leaves a remainder: give it one by one to the open reports with the largest weights.
    if (left > 0 && left === pool) {
      const order = [...parts.keys()].filter((i) => parts[i] < cap).sort((x, y) => weights[y] - weights[x]);
      for (const i of order) {
        if (left === 0) break;
        parts[i] += 1;
        left -= 1;
      }
    }
  }
  return parts;
}
