import fc from 'fast-check';
import { load } from 'js-yaml';
import { parseSimpleFrontMatter } from '../../../shared/core/article/front-matter-yaml';

const RUNS = { seed: Number(process.env.FC_SEED ?? 11), numRuns: Number(process.env.FC_RUNS ?? 2000) };

/** js-yaml's answer, or the error it throws. */
function reference(text: string): unknown {
  try {
    return { value: load(text, { maxAliases: 20 }) };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

const tricky = fc.constantFrom(
  '30/6/2025 8:00',
  '2025-06-30T08:00:00+07:00',
  '2025-06-30',
  '1:30',
  '12:30:00',
  '1_000',
  '0b1010',
  '0o17',
  '017',
  '0x1F',
  '1e3',
  '+.5',
  '.5',
  '-1',
  '.inf',
  '.NaN',
  'true',
  'True',
  'yes',
  'no',
  'on',
  'off',
  'null',
  '~',
  'Null',
  'C#',
  'a #b',
  'a: b',
  'a:b',
  'http://x.vn/a?b=1#c',
  'Xây dựng Đảng',
  'Đảng viên',
  "it's",
  'say "hi"',
  '- a',
  '? x',
  '&a',
  '*a',
  '!!str x',
  '|',
  '>',
  '%x',
  '@x',
  '`x',
  '[a]',
  '{a: 1}',
  'a, b',
  'tab\there',
  ' lead',
  'trail ',
  '',
  '\\u00e9',
  'x\\ny',
);
const word = fc.oneof(tricky, fc.string({ unit: 'grapheme', maxLength: 12 }));
const quoted = word.map((w) => JSON.stringify(w));
const singleQuoted = word.map((w) => `'${w.replaceAll("'", "''")}'`);
const value = fc.oneof(word, quoted, singleQuoted);
const flow = fc.array(value, { maxLength: 4 }).map((items) => `[${items.join(', ')}]`);
const block = fc
  .array(value, { minLength: 1, maxLength: 4 })
  .map((items) => `\n${items.map((i) => `  - ${i}`).join('\n')}`);
const key = fc.constantFrom(
  'title',
  'date',
  'category',
  'categories',
  'summary',
  'author',
  'tags',
  'slug',
  'x',
  'title',
);
const document = fc
  .array(fc.tuple(key, fc.oneof(value, flow, block), fc.constantFrom('', ' # note', '  ')), { maxLength: 6 })
  .map((lines) =>
    lines
      .map(([k, v, tail]) => `${k}:${v.startsWith('\n') ? '' : ' '}${v}${v.startsWith('\n') ? '' : tail}`)
      .join('\n'),
  );

describe('parseSimpleFrontMatter', () => {
  it('reads the example front matters as js-yaml does', () => {
    const text =
      'title: Khi cán bộ xã làm bí thư thôn\ndate: 14/5/2018 8:30\ncategory: Xây dựng Đảng\ntags:\n  - Đức Thọ\n  - nông thôn mới\nsummary: "Mô hình \\"mới\\""\nimage: https://baohatinh.vn/a.jpg';
    expect(parseSimpleFrontMatter(text)).toEqual(load(text));
  });

  it.each([
    'draft: true',
    'a: &x 1\nb: *x',
    'title: !!js/function "x"',
    'title: |\n  block',
    'title: 1984',
    'title: x\ntitle: y',
    'meta:\n  nested: 1',
    '<<: {a: 1}',
    'title:\ttab',
  ])('leaves %j to js-yaml', (text) => {
    expect(parseSimpleFrontMatter(text)).toBeUndefined();
  });

  it('agrees with js-yaml whenever it answers (property)', () => {
    fc.assert(
      fc.property(document, (text) => {
        const fast = parseSimpleFrontMatter(text);
        if (fast === undefined) return;
        expect({ text, value: fast }).toEqual({ text, ...(reference(text) as object) });
      }),
      RUNS,
    );
  });

  it('answers for the usual front matter (so the fast path is used)', () => {
    let answered = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.tuple(
            fc.constantFrom('title', 'date', 'category', 'summary'),
            fc.constantFrom('Tin mới', '30/6/2025 8:00', 'Thời sự', '"Có dấu: hai chấm"'),
          ),
          { minLength: 1, maxLength: 4, selector: ([k]) => k },
        ),
        (pairs) => {
          if (parseSimpleFrontMatter(pairs.map(([k, v]) => `${k}: ${v}`).join('\n')) !== undefined)
            answered++;
        },
      ),
      { seed: 3, numRuns: 100 },
    );
    expect(answered).toBe(100);
  });
});
