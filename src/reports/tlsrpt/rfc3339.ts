/**
 * RFC 3339 §5.6 date-times, as TLS reports carry them, converted to one spelling in UTC
 * (`YYYY-MM-DDTHH:MM:SSZ`) so that reports sort and compare as text. Fractions of a second are
 * dropped; a leap second (:60) becomes :59. Pure arithmetic on the fields, no clock.
 */

export interface NormalisedDateTime {
  /** `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly utc: string;
  /** True when the text had no offset (neither `Z` nor `±hh:mm`) and was taken as UTC. */
  readonly offsetMissing: boolean;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The date-time in UTC, or undefined when `text` is not an RFC 3339 date-time with valid fields. */
export function normaliseDateTime(text: string): NormalisedDateTime | undefined {
  const match = DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > (DAYS_IN_MONTH[month - 1] as number)) return undefined;
  if (month === 2 && day === 29 && !isLeapYear(year)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  const sign = match[8];
  if (sign !== undefined) {
    const offsetHours = Number(match[9]);
    const offsetRest = Number(match[10]);
    if (offsetHours > 23 || offsetRest > 59) return undefined;
    offsetMinutes = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  const local = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  const instant = new Date(local - offsetMinutes * 60_000);
  const iso = instant.toISOString();
  return { utc: `${iso.slice(0, 19)}Z`, offsetMissing: match[7] === undefined && sign === undefined };
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
