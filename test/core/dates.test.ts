import fc from 'fast-check';
import { DateTime } from 'luxon';
import { type DateResult, parseArticleDate } from '../../shared/core/dates';

const FC = { seed: Number(process.env.FC_SEED ?? 42), numRuns: Number(process.env.FC_RUNS ?? 200) };

const HANOI = 'Asia/Ho_Chi_Minh';

/** The instant the date denotes, as UTC ISO text; fails the test if it was rejected. */
function instant(input: string, zone = HANOI): string {
  const result = parseArticleDate(input, zone);
  if (!result.ok) throw new Error(`expected "${input}" to be read; got: ${result.reason}`);
  return result.value.toUTC().toISO() ?? 'invalid';
}

function reason(input: string, zone = HANOI): string {
  const result: DateResult = parseArticleDate(input, zone);
  if (result.ok) throw new Error(`expected "${input}" to be rejected; got ${result.value.toISO()}`);
  return result.reason;
}

describe('parseArticleDate', () => {
  describe('Vietnamese dd/MM/yyyy HH:mm', () => {
    it.each([
      ['30/06/2025 15:20', '2025-06-30T08:20:00.000Z'],
      ['30/6/2025 15:20', '2025-06-30T08:20:00.000Z'],
      ['1/7/2025 8:05', '2025-07-01T01:05:00.000Z'],
      ['01/07/2025 08:05', '2025-07-01T01:05:00.000Z'],
      ['5/1/2025 0:00', '2025-01-04T17:00:00.000Z'],
      ['31/12/2025 23:59', '2025-12-31T16:59:00.000Z'],
      ['30/6/2025 8:00:59', '2025-06-30T01:00:59.000Z'],
    ])('reads %s in the site timezone as %s', (input, expected) => {
      expect(instant(input)).toBe(expected);
    });

    it('reads the day first and the month second', () => {
      // 5/1 is 5 January, not 1 May
      expect(instant('5/1/2025 9:30')).toBe('2025-01-05T02:30:00.000Z');
    });

    it('reads a date without a time as midnight in the site timezone', () => {
      expect(instant('30/6/2025')).toBe('2025-06-29T17:00:00.000Z');
      expect(instant('1/1/2025')).toBe('2024-12-31T17:00:00.000Z');
    });

    it.each(['30/6/2025T8:00', '30/6/2025, 8:00', '30/6/2025  8:00'])(
      'accepts %s as a separator variant',
      (input) => {
        expect(instant(input)).toBe('2025-06-30T01:00:00.000Z');
      },
    );

    it('accepts 29 February in a leap year', () => {
      expect(instant('29/02/2024')).toBe('2024-02-28T17:00:00.000Z');
      expect(instant('29/2/2000 12:00')).toBe('2000-02-29T05:00:00.000Z');
    });

    it('trims surrounding white space', () => {
      expect(instant('  30/6/2025 8:00 \t')).toBe('2025-06-30T01:00:00.000Z');
    });
  });

  describe('ISO 8601', () => {
    it.each([
      ['2025-06-30', '2025-06-29T17:00:00.000Z'],
      ['2025-06-30T08:00', '2025-06-30T01:00:00.000Z'],
      ['2025-06-30T08:00:00', '2025-06-30T01:00:00.000Z'],
      ['2025-06-30 08:00', '2025-06-30T01:00:00.000Z'],
      ['2025-06-30 08:00:00', '2025-06-30T01:00:00.000Z'],
      ['2025-06-30T08:00:00.250', '2025-06-30T01:00:00.250Z'],
    ])('reads %s, which has no offset, in the site timezone', (input, expected) => {
      expect(instant(input)).toBe(expected);
    });

    it.each([
      ['2025-06-30T08:00:00+07:00', '2025-06-30T01:00:00.000Z'],
      ['2025-06-30T08:00:00Z', '2025-06-30T08:00:00.000Z'],
      ['2025-06-30T08:00:00.5Z', '2025-06-30T08:00:00.500Z'],
      ['2025-06-30T08:00:00-05:00', '2025-06-30T13:00:00.000Z'],
      ['2025-06-30T08:00+07:00', '2025-06-30T01:00:00.000Z'],
      ['2025-06-30T08:00:00+0700', '2025-06-30T01:00:00.000Z'],
      ['2025-06-30 08:00:00+07:00', '2025-06-30T01:00:00.000Z'],
    ])('reads %s at its own offset', (input, expected) => {
      expect(instant(input)).toBe(expected);
      // The offset wins over the site timezone
      expect(instant(input, 'America/New_York')).toBe(expected);
    });

    it.each(['2025-06-30T08:00:00-05:00', '2025-06-30 08:00:00-05:00', '2025-06-30T08:00-0500'])(
      'keeps the written offset of %s on the returned value',
      (input) => {
        const result = parseArticleDate(input, HANOI);
        expect(result.ok && result.value.offset).toBe(-300);
        expect(result.ok && result.value.toMillis()).toBe(Date.UTC(2025, 5, 30, 13));
      },
    );

    it.each([
      ['a week date', '2025-W27-1', '2025-06-29T17:00:00.000Z'],
      ['an ordinal date', '2025-181', '2025-06-29T17:00:00.000Z'],
      ['basic format', '20250630T0800', '2025-06-30T01:00:00.000Z'],
    ])('reads %s (%s) in the site timezone', (_form, input, expected) => {
      expect(instant(input)).toBe(expected);
    });
  });

  describe('site timezone', () => {
    it.each([
      ['UTC', '2025-06-30T08:00:00.000Z'],
      ['Asia/Ho_Chi_Minh', '2025-06-30T01:00:00.000Z'],
      ['Europe/Paris', '2025-06-30T06:00:00.000Z'],
      ['America/New_York', '2025-06-30T12:00:00.000Z'],
    ])('reads a time without an offset as wall-clock time in %s', (zone, expected) => {
      expect(instant('30/6/2025 8:00', zone)).toBe(expected);
      expect(instant('2025-06-30T08:00', zone)).toBe(expected);
    });

    it('follows daylight saving time in zones that have it', () => {
      expect(instant('15/1/2025 12:00', 'Europe/Paris')).toBe('2025-01-15T11:00:00.000Z');
      expect(instant('15/7/2025 12:00', 'Europe/Paris')).toBe('2025-07-15T10:00:00.000Z');
    });

    it.each([
      // Paris springs forward at 02:00 CET on 30 March 2025 and falls back at 03:00 CEST on 26 October
      ['30/3/2025 1:59', 'Europe/Paris', '2025-03-30T00:59:00.000Z'],
      ['30/3/2025 3:00', 'Europe/Paris', '2025-03-30T01:00:00.000Z'],
      ['30/3/2025 23:30', 'Europe/Paris', '2025-03-30T21:30:00.000Z'],
      ['26/10/2025 1:59', 'Europe/Paris', '2025-10-25T23:59:00.000Z'],
      ['26/10/2025 3:00', 'Europe/Paris', '2025-10-26T02:00:00.000Z'],
      ['2025-03-09T01:59', 'America/New_York', '2025-03-09T06:59:00.000Z'],
      ['2025-03-09T03:00', 'America/New_York', '2025-03-09T07:00:00.000Z'],
      ['2025-11-02T00:30', 'America/New_York', '2025-11-02T04:30:00.000Z'],
      ['2025-11-02T02:30', 'America/New_York', '2025-11-02T07:30:00.000Z'],
      // Lord Howe Island moves by 30 minutes
      ['2025-04-06T01:00', 'Australia/Lord_Howe', '2025-04-05T14:00:00.000Z'],
      ['2025-04-06T03:00', 'Australia/Lord_Howe', '2025-04-05T16:30:00.000Z'],
    ])('reads %s in %s as %s, either side of a daylight-saving change', (input, zone, expected) => {
      expect(instant(input, zone)).toBe(expected);
    });

    it('rejects a zone that does not exist instead of returning an invalid instant', () => {
      const result = parseArticleDate('30/6/2025 8:00', 'Mars/Olympus_Mons');
      expect(result.ok).toBe(false);
    });
  });

  describe('properties', () => {
    const ZONES = [
      'Asia/Ho_Chi_Minh',
      'UTC',
      'Europe/Paris',
      'Europe/London',
      'America/New_York',
      'America/Santiago',
      'Australia/Lord_Howe',
      'Asia/Kolkata',
      'Pacific/Chatham',
    ];
    const two = (n: number): string => String(n).padStart(2, '0');
    const wallClock = fc.record({
      year: fc.integer({ min: 1970, max: 2037 }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 28 }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.integer({ min: 0, max: 59 }),
    });
    type Wall = { year: number; month: number; day: number; hour: number; minute: number };
    const formats = {
      vietnamese: (w: Wall) => `${w.day}/${w.month}/${w.year} ${w.hour}:${two(w.minute)}`,
      iso: (w: Wall) => `${w.year}-${two(w.month)}-${two(w.day)}T${two(w.hour)}:${two(w.minute)}`,
      isoWithSpace: (w: Wall) => `${w.year}-${two(w.month)}-${two(w.day)} ${two(w.hour)}:${two(w.minute)}`,
    };
    const format = fc.constantFrom(...(Object.keys(formats) as (keyof typeof formats)[]));

    /** Whether the wall-clock time occurs in the zone (it does not inside a spring-forward gap). */
    const occurs = (w: Wall, zone: string): boolean => {
      const local = DateTime.fromObject(w, { zone });
      return local.hour === w.hour && local.minute === w.minute && local.day === w.day;
    };

    /** Asserts the text reads as an instant that shows as `w` on the zone's clocks. */
    const expectShowsAs = (text: string, w: Wall, zone: string): void => {
      const result = parseArticleDate(text, zone);
      if (!result.ok) throw new Error(`"${text}" in ${zone} was rejected: ${result.reason}`);
      if (!occurs(w, zone)) return;
      const back = DateTime.fromMillis(result.value.toMillis(), { zone });
      expect({ text, zone, ...back.toObject(), second: undefined, millisecond: undefined }).toEqual({
        text,
        zone,
        ...w,
        second: undefined,
        millisecond: undefined,
      });
    };

    it('reads any wall-clock time without an offset as that time on the site clocks', () => {
      fc.assert(
        fc.property(wallClock, fc.constantFrom(...ZONES), format, (w, zone, f) => {
          expectShowsAs(formats[f](w), w, zone);
        }),
        FC,
      );
    });

    it('reads times around daylight-saving changes as that time on the site clocks', () => {
      const changeDays: [string, number, number, number][] = [
        ['Europe/Paris', 2025, 3, 30],
        ['Europe/Paris', 2025, 10, 26],
        ['Europe/London', 2024, 3, 31],
        ['Europe/London', 2024, 10, 27],
        ['America/New_York', 2025, 3, 9],
        ['America/New_York', 2025, 11, 2],
        ['America/Santiago', 2025, 4, 5],
        ['America/Santiago', 2025, 9, 6],
        ['Australia/Lord_Howe', 2025, 4, 6],
        ['Australia/Lord_Howe', 2025, 10, 5],
        ['Pacific/Chatham', 2025, 4, 6],
        ['Pacific/Chatham', 2025, 9, 28],
      ];
      fc.assert(
        fc.property(
          fc.constantFrom(...changeDays),
          fc.integer({ min: -1, max: 1 }),
          fc.integer({ min: 0, max: 23 }),
          fc.integer({ min: 0, max: 59 }),
          format,
          ([zone, year, month, day], shift, hour, minute, f) => {
            const date = DateTime.fromObject({ year, month, day }, { zone: 'UTC' }).plus({ days: shift });
            const w = { year: date.year, month: date.month, day: date.day, hour, minute };
            expectShowsAs(formats[f](w), w, zone);
          },
        ),
        FC,
      );
    });

    it('reads a written offset exactly, whatever the site timezone', () => {
      fc.assert(
        fc.property(
          wallClock,
          fc.constantFrom(...ZONES),
          fc.constantFrom(-1, 1),
          fc.integer({ min: 0, max: 14 }),
          fc.constantFrom(0, 15, 30, 45),
          (w, zone, sign, hours, minutes) => {
            const offset = `${sign < 0 ? '-' : '+'}${two(hours)}:${two(minutes)}`;
            const text = `${formats.iso(w)}:00${offset}`;
            const expected =
              Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - sign * (hours * 60 + minutes) * 60_000;
            const result = parseArticleDate(text, zone);
            expect(result.ok && result.value.toMillis()).toBe(expected);
          },
        ),
        FC,
      );
    });
  });

  describe('impossible dates and times', () => {
    it.each([
      ['31/02/2025', 'day'],
      ['29/02/2025', 'day'],
      ['29/2/1900', 'day'],
      ['31/4/2025', 'day'],
      ['0/1/2025', 'day'],
      ['32/1/2025', 'day'],
      ['1/13/2025', 'month'],
      ['1/0/2025', 'month'],
      ['30/6/2025 24:00', '24'],
      ['30/6/2025 24:00:00', '24'],
      ['30/6/2025 25:00', 'hour'],
      ['30/6/2025 8:60', 'minute'],
      ['30/6/2025 8:00:60', 'second'],
      ['2025-02-30', 'day'],
      ['2025-02-29', 'day'],
      ['2025-06-31', 'day'],
      ['2025-13-01', 'month'],
      ['2025-06-30T24:00', '24'],
      ['2025-06-30T24:00:00+07:00', '24'],
      ['2025-06-30T25:00', 'hour'],
      ['2025-06-30T08:60', 'minute'],
    ])('rejects %s, naming the %s at fault', (input, culprit) => {
      const why = reason(input);
      expect(why).toContain(`"${input}"`);
      expect(why).toContain('not a real date or time');
      expect(why).toContain(culprit);
    });

    it.each([
      ['basic format', '20250630T2400'],
      ['basic format with seconds', '20250630T240000'],
      ['an ordinal date', '2025-181T24:00'],
      ['a week date', '2025-W27-1T24:00'],
    ])('rejects 24:00 in %s (%s) too', (_form, input) => {
      expect(reason(input)).toContain(`"${input}"`);
    });

    it.each(['2025-06-30T08:00:00+25:00', '2025-06-30T08:00+07:60', '20250630T0800+2500'])(
      'rejects the offset in %s, which no clock has',
      (input) => {
        expect(reason(input)).toContain(`"${input}"`);
      },
    );
  });

  describe('unreadable text', () => {
    it.each([
      'June 30, 2025',
      '30-06-2025',
      '2025/06/30',
      '30.06.2025',
      '30/6/25',
      'hôm qua',
      'tomorrow',
      '30/6/2025 08:00 +07:00',
      '1751245200',
    ])('rejects %s and shows the formats it reads', (input) => {
      const why = reason(input);
      expect(why).toContain(`"${input}"`);
      expect(why).toContain('ISO 8601');
      expect(why).toContain('dd/MM/yyyy');
    });

    it.each(['', '   ', '\t\n'])('rejects the empty text %j', (input) => {
      expect(reason(input)).toBe('is empty');
    });
  });

  describe('year range', () => {
    it('accepts years 1000 to 9999', () => {
      expect(instant('1/1/1000 12:00', 'UTC')).toBe('1000-01-01T12:00:00.000Z');
      expect(instant('31/12/9999 23:59', 'UTC')).toBe('9999-12-31T23:59:00.000Z');
    });

    it.each(['1/1/0999', '0999-12-31'])('rejects %s, outside 1000–9999', (input) => {
      expect(reason(input)).toContain('1000–9999');
    });
  });
});
