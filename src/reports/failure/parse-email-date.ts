/**
 * Dates in failure reports to ISO 8601 UTC. Arrival-Date is an RFC 5322 §3.3 date-time, but
 * reporters also send its obsolete forms (§4.3: two-digit years, `EDT`/`PST` zones, no seconds),
 * comments such as `(PDT)`, fractional seconds, asctime (`Tue Apr 30 02:09:16 2019`) and
 * ISO 8601 / RFC 3339. Pure: no clock, no locale.
 */

export interface EmailDate {
  /** `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly iso: string;
  /** True when the text named no usable zone and UTC was assumed (RFC 5322 §4.3: `-0000` / unknown zones). */
  readonly zoneAssumed: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Obsolete zone names (RFC 5322 §4.3) and a few common ones, as minutes east of UTC. */
const ZONES: Readonly<Record<string, number>> = {
  ut: 0, utc: 0, gmt: 0, z: 0,
  est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
  cet: 60, cest: 120, met: 60, mest: 120, eet: 120, eest: 180, wet: 0, west: 60, jst: 540,
};

// [dow ,] d mon yyyy hh:mm[:ss[.fff]] [zone]
const RFC5322 = /^(?:[a-z]{2,9}\.?,?\s*)?(\d{1,2})[\s-]+([a-z]{3,9})\.?[\s-]+(\d{2,4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*([+-]\d{2}:?\d{2}|[a-z]{1,5})?$/i;
// dow mon d hh:mm:ss [zone] yyyy (asctime, as in mbox separator lines)
const ASCTIME = /^[a-z]{3}\s+([a-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(?:([a-z]{1,5}|[+-]\d{4})\s+)?(\d{4})$/i;
// yyyy-mm-dd[T ]hh:mm[:ss[.fff]][zone]
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T\s]+(\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?\s*(z|[+-]\d{2}:?\d{2}|[a-z]{1,5})?$/i;

export function parseEmailDate(text: string): EmailDate | undefined {
  const value = text.replace(/\([^()]*\)/g, ' ').replace(/\s+/g, ' ').trim();
  if (value === '') return undefined;
  let match = RFC5322.exec(value);
  if (match) {
    return build(year(match[3] as string), month(match[2] as string), Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6] ?? 0), match[7]);
  }
  match = ASCTIME.exec(value);
  if (match) {
    return build(Number(match[7]), month(match[1] as string), Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5]), match[6]);
  }
  match = ISO.exec(value);
  if (match) {
    return build(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(match[4] ?? 0), Number(match[5] ?? 0), Number(match[6] ?? 0), match[7]);
  }
  return undefined;
}

/** RFC 5322 §4.3: a two-digit year below 50 is 20xx, otherwise 19xx; three digits add 1900. */
function year(text: string): number {
  const value = Number(text);
  if (text.length === 2) return value < 50 ? 2000 + value : 1900 + value;
  if (text.length === 3) return 1900 + value;
  return value;
}

function month(text: string): number {
  return MONTHS.indexOf(text.slice(0, 3).toLowerCase());
}

/** Minutes east of UTC, or undefined for an absent or unknown zone. */
function zoneOffset(zone: string | undefined): number | undefined {
  if (zone === undefined) return undefined;
  const numeric = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (numeric) {
    const minutes = Number(numeric[2]) * 60 + Number(numeric[3]);
    if (Number(numeric[3]) > 59 || Number(numeric[2]) > 23) return undefined;
    return numeric[1] === '-' ? -minutes : minutes;
  }
  return ZONES[zone.toLowerCase()];
}

function build(y: number, m: number, d: number, hh: number, mm: number, ss: number, zone: string | undefined): EmailDate | undefined {
  if (m < 0 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60 || y < 1900 || y > 9999) return undefined;
  const local = Date.UTC(y, m, d, hh, mm, Math.min(ss, 59));
  const check = new Date(local);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== m) return undefined; // 31 Feb
  const offset = zoneOffset(zone);
  const time = local - (offset ?? 0) * 60_000;
  return { iso: new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z'), zoneAssumed: offset === undefined };
}
