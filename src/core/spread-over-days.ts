/**
 * Reports are stored as sent, but some cover several days (weeks, even). Grouping by day spreads
 * a report's count over the UTC days its period covers, in proportion to the seconds of each day
 * it covers, with whole numbers that add up to the count exactly (largest remainder method).
 * In core/ because both the analysis (summaries) and the stores (the daily rollup) spread the
 * same way, and the store must not import the analysis.
 */

const DAY = 86400;

/** One UTC day (seconds since the epoch at 00:00) and the messages given to it. */
export interface DayShare {
  readonly day: number;
  readonly count: number;
}

/** `count` messages of a period [begin, end] (Unix seconds, end inclusive as reports write it) spread over UTC days. */
export function spreadOverDays(count: number, begin: number, end: number): DayShare[] {
  const stop = Math.max(end + 1, begin + 1); // a report's end is its last second
  const firstDay = Math.floor(begin / DAY) * DAY;
  if (stop - firstDay <= DAY) return [{ day: firstDay, count }];
  const spans: { day: number; seconds: number }[] = [];
  for (let day = firstDay; day < stop; day += DAY) {
    spans.push({ day, seconds: Math.min(stop, day + DAY) - Math.max(begin, day) });
  }
  const total = stop - begin;
  const shares = spans.map(({ day, seconds }) => {
    const exact = (count * seconds) / total;
    return { day, count: Math.floor(exact), remainder: exact - Math.floor(exact) };
  });
  let left = count - shares.reduce((n, s) => n + s.count, 0);
  for (const share of [...shares].sort((a, b) => b.remainder - a.remainder || a.day - b.day)) {
    if (left <= 0) break;
    share.count++;
    left--;
  }
  return shares.map(({ day, count: c }) => ({ day, count: c }));
}
