import { DateTime } from 'luxon';

export type DateResult = { ok: true; value: DateTime } | { ok: false; reason: string };

// dd/MM/yyyy with an optional HH:mm[:ss]; one-digit day, month and hour are allowed.
const VIETNAMESE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[\sT,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const ISO_WITH_SPACE = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}.*)$/;

const FORMATS_HINT =
  'write it as ISO 8601 (2025-06-30T08:00:00+07:00, 2025-06-30T08:00, 2025-06-30) or dd/MM/yyyy HH:mm (30/6/2025 8:00)';

/**
 * Reads an article date. A time without an offset is wall-clock time in `zone`;
 * a date without a time is midnight there.
 */
export function parseArticleDate(input: string, zone: string): DateResult {
  const text = input.trim();
  if (text === '') return { ok: false, reason: 'is empty' };
  const vietnamese = VIETNAMESE.exec(text);
  let value: DateTime;
  if (vietnamese) {
    const [, day, month, year, hour, minute, second] = vietnamese;
    value = DateTime.fromObject(
      {
        year: Number(year),
        month: Number(month),
        day: Number(day),
        hour: Number(hour ?? 0),
        minute: Number(minute ?? 0),
        second: Number(second ?? 0),
      },
      { zone },
    );
    if (!value.isValid)
      return { ok: false, reason: `"${text}" is not a real date or time (${explain(value)})` };
  } else {
    const iso = text.replace(ISO_WITH_SPACE, '$1T$2');
    value = DateTime.fromISO(iso, { zone, setZone: true });
    if (!value.isValid) {
      const looksIso = /^\d{4}-\d{2}/.test(text);
      return {
        ok: false,
        reason: looksIso
          ? `"${text}" is not a real date or time (${explain(value)})`
          : `"${text}" is not a date feedgen reads; ${FORMATS_HINT}`,
      };
    }
  }
  if (value.year < 1000 || value.year > 9999) {
    return { ok: false, reason: `"${text}" has a year outside 1000–9999` };
  }
  return { ok: true, value };
}

function explain(value: DateTime): string {
  const why = value.invalidExplanation ?? value.invalidReason ?? 'invalid';
  // Luxon says "you specified 31 (of type number) as a day, which is invalid".
  return why.replace(/ \(of type \w+\)/, '');
}
