import { DateTime, IANAZone } from 'luxon';

export type DateResult = { ok: true; value: DateTime } | { ok: false; reason: string };

// dd/MM/yyyy with an optional HH:mm[:ss]; one-digit day, month and hour are allowed.
const VIETNAMESE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[\sT,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
// The common ISO 8601 extended form; anything else ISO-shaped goes to luxon.
const ISO_COMMON =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const FORMATS_HINT =
  'write it as ISO 8601 (2025-06-30T08:00:00+07:00, 2025-06-30T08:00, 2025-06-30) or dd/MM/yyyy HH:mm (30/6/2025 8:00)';

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/**
 * Reads an article date. A time without an offset is wall-clock time in `zone`;
 * a date without a time is midnight there.
 */
export function parseArticleDate(input: string, zone: string): DateResult {
  const text = input.trim();
  if (text === '') return { ok: false, reason: 'is empty' };
  if (!IANAZone.isValidZone(zone)) return { ok: false, reason: `the time zone "${zone}" does not exist` };
  const millis = parseToMillis(text, zone);
  if (typeof millis === 'string') return { ok: false, reason: millis };
  // Keep a written offset (for display); otherwise show the time in the site's zone.
  const written = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.exec(text)?.[0];
  const shown =
    written && /[T ]\d/.test(text) ? DateTime.fromISO(text.replace(' ', 'T'), { setZone: true }) : undefined;
  return { ok: true, value: shown?.isValid ? shown : DateTime.fromMillis(millis, { zone }) };
}

/** Like {@link parseArticleDate}, in epoch milliseconds or the reason it cannot be read. Fast path for bulk parsing. */
export function parseToMillis(text: string, zone: string): number | string {
  const vietnamese = VIETNAMESE.exec(text);
  if (vietnamese) {
    const [, day, month, year, hour, minute, second] = vietnamese;
    return fromWallClock(
      text,
      {
        year: +(year ?? 0),
        month: +(month ?? 0),
        day: +(day ?? 0),
        hour: +(hour ?? 0),
        minute: +(minute ?? 0),
        second: +(second ?? 0),
        millisecond: 0,
      },
      undefined,
      zone,
    );
  }
  const iso = ISO_COMMON.exec(text);
  if (iso) {
    const [, year, month, day, hour, minute, second, fraction, offset] = iso;
    const wall = {
      year: +(year ?? 0),
      month: +(month ?? 0),
      day: +(day ?? 0),
      hour: +(hour ?? 0),
      minute: +(minute ?? 0),
      second: +(second ?? 0),
      millisecond: fraction ? Math.floor(+`0.${fraction}` * 1000) : 0,
    };
    return fromWallClock(text, wall, offset, zone);
  }
  // Rarer ISO forms (week dates, ordinal dates, basic format) are left to luxon, which
  // accepts hour 24 and offsets no clock has: those are refused first.
  if (/T24(?::?00){0,2}(?:[.,]0+)?(?:Z|[+-]|$)/i.test(text))
    return `"${text}" is not a real date or time (there is no hour 24; write 00:00 of the next day)`;
  const offsetHours = /T[\d:.,]+[+-](\d{2})/i.exec(text)?.[1];
  if (offsetHours !== undefined && +offsetHours > 23)
    return `"${text}" is not a real date or time (there is no offset of ${offsetHours} hours)`;
  const other = DateTime.fromISO(text, { zone, setZone: true });
  if (other.isValid) return checkYear(text, other.year) ?? other.toMillis();
  return /^\d{4}-\d{2}/.test(text)
    ? `"${text}" is not a real date or time (${other.invalidExplanation ?? other.invalidReason ?? 'invalid'})`
    : `"${text}" is not a date feedgen reads; ${FORMATS_HINT}`;
}

function checkYear(text: string, year: number): string | undefined {
  return year < 1000 || year > 9999 ? `"${text}" has a year outside 1000–9999` : undefined;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function fromWallClock(
  text: string,
  wall: WallClock,
  offset: string | undefined,
  zone: string,
): number | string {
  const yearProblem = checkYear(text, wall.year);
  if (yearProblem) return yearProblem;
  const leap = wall.year % 4 === 0 && (wall.year % 100 !== 0 || wall.year % 400 === 0);
  const daysInMonth = wall.month === 2 && leap ? 29 : MONTH_DAYS[wall.month - 1];
  const bad = (what: string): string => `"${text}" is not a real date or time (${what})`;
  if (daysInMonth === undefined) return bad(`there is no month ${wall.month}`);
  if (wall.day < 1 || wall.day > daysInMonth) {
    return bad(`month ${wall.month} of ${wall.year} has ${daysInMonth} days, not ${wall.day}`);
  }
  if (wall.hour > 23) return bad(`there is no hour ${wall.hour}`);
  if (wall.minute > 59) return bad(`there is no minute ${wall.minute}`);
  if (wall.second > 59) return bad(`there is no second ${wall.second}`);
  const asUtc = Date.UTC(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour,
    wall.minute,
    wall.second,
    wall.millisecond,
  );
  if (offset !== undefined) {
    if (offset.toUpperCase() === 'Z') return asUtc;
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const hours = +digits.slice(0, 2);
    const minutes = digits.length > 2 ? +digits.slice(2) : 0;
    if (hours > 23 || minutes > 59) return bad(`there is no offset ${offset}`);
    return asUtc - sign * (hours * 60 + minutes) * 60_000;
  }
  // Wall-clock time in the zone: subtract the zone's offset, then check it with the offset
  // at the instant found (they differ only near a daylight-saving change).
  const firstGuess = asUtc - zoneOffsetMinutes(zone, asUtc) * 60_000;
  const corrected = zoneOffsetMinutes(zone, firstGuess);
  return asUtc - corrected * 60_000;
}

/** Year, month and day of an instant on the wall clocks of `zone` (cached offsets; see below). */
export function localDate(millis: number, zone: string): { year: number; month: number; day: number } {
  const local = new Date(millis + zoneOffsetMinutes(zone, millis) * 60_000);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

const DAY = 86_400_000;
const offsetCache = new Map<string, Map<number, number | null>>();

/**
 * The zone's UTC offset at an instant. Asking Intl is slow (tens of microseconds), and a
 * zone's offset changes at most a few times a year, so the answer is cached per UTC day
 * when the offset is the same at both ends of that day.
 */
function zoneOffsetMinutes(zone: string, at: number): number {
  let days = offsetCache.get(zone);
  if (!days) {
    days = new Map();
    offsetCache.set(zone, days);
  }
  const dayIndex = Math.floor(at / DAY);
  const cached = days.get(dayIndex);
  if (typeof cached === 'number') return cached;
  const iana = IANAZone.create(zone);
  if (cached === undefined) {
    const start = iana.offset(dayIndex * DAY);
    const end = iana.offset((dayIndex + 1) * DAY - 1);
    days.set(dayIndex, start === end ? start : null);
    if (start === end) return start;
  }
  return iana.offset(at);
}
