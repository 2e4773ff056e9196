import {
  type Article,
  type ArticleProblem,
  formatProblem,
  isArticleFile,
  type ParseResult,
  parseArticle,
} from '../../../shared/core/article/article';
import { DEFAULT_CONFIG, type SiteConfig } from '../../../shared/core/config';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** A Markdown article: `---`, the front matter lines, `---`, then the body. */
function md(frontMatter: readonly string[], body = 'Nội dung bài viết.'): Buffer {
  return Buffer.from(['---', ...frontMatter, '---', body].join('\n'), 'utf8');
}

/** A JSON article from a plain object (the Markdown goes in `body`). */
function json(fields: unknown): Buffer {
  return Buffer.from(JSON.stringify(fields), 'utf8');
}

function parse(name: string, bytes: Uint8Array, config: SiteConfig = DEFAULT_CONFIG): ParseResult {
  return parseArticle(name, bytes, config);
}

/** The minimal valid front matter, as raw YAML values. */
const BASE: Readonly<Record<string, string>> = {
  title: 'Bí thư 34 tỉnh ủy, thành ủy',
  date: '30/6/2025 15:20',
  category: 'Xây dựng Đảng',
};

/**
 * Front matter lines: BASE with `changes` applied. A string value replaces (or adds) the raw
 * YAML after `key: `; `null` removes the key.
 */
function fields(changes: Record<string, string | null> = {}): string[] {
  const merged: Record<string, string | null> = { ...BASE, ...changes };
  return Object.entries(merged)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([key, value]) => `${key}: ${value}`);
}

/** A Markdown article built from BASE with `changes`. */
function withFields(changes: Record<string, string | null> = {}, body?: string): Buffer {
  return md(fields(changes), body);
}

const NAME = 'bi-thu-34-tinh-uy.md';
const DEFAULT_LINK = 'http://127.0.0.1:8080/xay-dung-dang/bi-thu-34-tinh-uy.html';

function accepted(result: ParseResult): { article: Article; warnings: readonly ArticleProblem[] } {
  if (!result.ok) {
    throw new Error(
      `expected the article to be accepted; problems: ${result.problems.map(formatProblem).join(' | ')}`,
    );
  }
  return result;
}

function rejected(result: ParseResult): readonly ArticleProblem[] {
  if (result.ok) throw new Error(`expected a rejection; got ${JSON.stringify(result.article)}`);
  return result.problems;
}

/**
 * Asserts the result is a rejection with a problem on `field` (undefined: the whole file),
 * from `source`, whose message mentions every one of `mentions`. Returns that problem.
 */
function expectProblem(
  result: ParseResult,
  field: string | undefined,
  source: string,
  ...mentions: (string | RegExp)[]
): ArticleProblem {
  const problems = rejected(result);
  const problem = problems.find((p) => p.field === field);
  if (!problem) {
    throw new Error(
      `expected a problem on ${field ?? 'the whole file'}; got: ${problems.map(formatProblem).join(' | ')}`,
    );
  }
  expect(problem.source).toBe(source);
  expect(problem.message.trim()).not.toBe('');
  for (const mention of mentions) {
    if (typeof mention === 'string') expect(problem.message).toContain(mention);
    else expect(problem.message).toMatch(mention);
  }
  return problem;
}

const iso = (millis: number | undefined): string | undefined =>
  millis === undefined ? undefined : new Date(millis).toISOString();

// ---------------------------------------------------------------------------------------------

describe('isArticleFile', () => {
  it.each([
    'bai-viet.md',
    'bai-viet.markdown',
    'bai-viet.json',
    'BAI.MD',
    'Bai.Markdown',
    'x.JSON',
    'a/b/c.md',
  ])('reads %s as an article', (name) => {
    expect(isArticleFile(name)).toBe(true);
  });

  it.each([
    'notes.txt',
    'page.mdx',
    'bai.md.bak',
    'bai.json~',
    'README',
    'md',
    'json',
    'image.jpg',
    'x.jsonc',
  ])('does not read %s as an article', (name) => {
    expect(isArticleFile(name)).toBe(false);
  });
});

describe('formatProblem', () => {
  it('prefixes the message with the field at fault', () => {
    expect(formatProblem({ source: 'a.md', field: 'title', message: 'is required' })).toBe(
      'title: is required',
    );
  });

  it('shows only the message for a whole-file problem', () => {
    expect(formatProblem({ source: 'a.md', field: undefined, message: 'the file is empty' })).toBe(
      'the file is empty',
    );
  });
});

describe('parseArticle', () => {
  describe('a valid Markdown article', () => {
    it('reads every field of a complete article', () => {
      // GIVEN an article that sets every field feedgen knows
      const bytes = md(
        [
          'title: Bí thư 34 tỉnh ủy, thành ủy trực thuộc Trung ương',
          'date: 30/6/2025 15:20',
          'updated: 2025-07-01T09:00:00+07:00',
          'categories: [Xây dựng Đảng, Thời sự]',
          'summary: Danh sách bí thư 34 tỉnh ủy, thành ủy.',
          'authors:',
          '  - name: Trần Văn B',
          '    email: b@baohatinh.vn',
          '    url: https://baohatinh.vn/tac-gia/tran-van-b',
          '  - Lê Thị C',
          'image: https://baohatinh.vn/images/2025/06/bi-thu.jpg',
          'imageCaption: Lễ công bố nghị quyết',
          'tags: [Sáp nhập tỉnh, Nhân sự]',
          'slug: bi-thu-34-tinh-uy-thanh-uy',
          'link: https://baohatinh.vn/xay-dung-dang/bi-thu-34-tinh-uy-thanh-uy-299000.html',
          'id: tag:baohatinh.vn,2025:299000',
          'draft: false',
          'language: vi',
        ],
        'Sáng 30/6, tại các tỉnh, thành phố...\n\n## Danh sách\n',
      );

      // WHEN it is parsed
      const { article, warnings } = accepted(parse('bi-thu.md', bytes));

      // THEN every field is read, typed and normalised
      expect(warnings).toEqual([]);
      expect(article).toEqual<Article>({
        source: 'bi-thu.md',
        title: 'Bí thư 34 tỉnh ủy, thành ủy trực thuộc Trung ương',
        published: Date.UTC(2025, 5, 30, 8, 20),
        updated: Date.UTC(2025, 6, 1, 2, 0),
        categories: [
          { name: 'Xây dựng Đảng', slug: 'xay-dung-dang' },
          { name: 'Thời sự', slug: 'thoi-su' },
        ],
        summary: 'Danh sách bí thư 34 tỉnh ủy, thành ủy.',
        authors: [
          { name: 'Trần Văn B', email: 'b@baohatinh.vn', url: 'https://baohatinh.vn/tac-gia/tran-van-b' },
          { name: 'Lê Thị C' },
        ],
        image: {
          url: 'https://baohatinh.vn/images/2025/06/bi-thu.jpg',
          type: 'image/jpeg',
          caption: 'Lễ công bố nghị quyết',
        },
        tags: ['Sáp nhập tỉnh', 'Nhân sự'],
        slug: 'bi-thu-34-tinh-uy-thanh-uy',
        link: 'https://baohatinh.vn/xay-dung-dang/bi-thu-34-tinh-uy-thanh-uy-299000.html',
        id: 'tag:baohatinh.vn,2025:299000',
        draft: false,
        language: 'vi',
        body: 'Sáng 30/6, tại các tỉnh, thành phố...\n\n## Danh sách\n',
      });
    });

    it('fills in defaults when only title, date and category are given', () => {
      const { article, warnings } = accepted(parse(NAME, withFields()));

      expect(warnings).toEqual([]);
      expect(article.source).toBe(NAME);
      expect(article.slug).toBe('bi-thu-34-tinh-uy');
      expect(article.link).toBe(DEFAULT_LINK);
      expect(article.id).toBe(DEFAULT_LINK);
      expect(article.draft).toBe(false);
      expect(article.authors).toEqual([]);
      expect(article.tags).toEqual([]);
      expect(article.image).toBeUndefined();
      expect(article.summary).toBeUndefined();
      expect(article.updated).toBeUndefined();
      expect(article.language).toBeUndefined();
      expect(article.body).toBe('Nội dung bài viết.');
    });

    it('accepts an empty body', () => {
      expect(accepted(parse(NAME, md(fields(), ''))).article.body).toBe('');
    });

    it('reads .markdown files and upper-case extensions as Markdown', () => {
      expect(accepted(parse('bai.markdown', withFields())).article.slug).toBe('bai');
      expect(accepted(parse('BAI.MD', withFields())).article.slug).toBe('bai');
    });
  });

  describe('front matter delimiters', () => {
    it('rejects Markdown without front matter, saying how to start one', () => {
      const result = parse(NAME, Buffer.from('# Tiêu đề\n\nNội dung.'));
      expectProblem(result, undefined, NAME, 'front matter', '---');
    });

    it('rejects front matter that is never closed', () => {
      const result = parse(NAME, Buffer.from('---\ntitle: T\ndate: 2025-06-30\ncategory: C\n\nNội dung.'));
      expectProblem(result, undefined, NAME, 'never closed', '---');
    });

    it('accepts "---yaml" and "---yml" openings and a "..." closing line', () => {
      for (const opening of ['---yaml', '--- yaml', '---yml', '---YAML']) {
        const bytes = Buffer.from(`${opening}\n${fields().join('\n')}\n...\nNội dung.`);
        expect(accepted(parse(NAME, bytes)).article.body).toBe('Nội dung.');
      }
    });

    it('accepts trailing blanks after the delimiter lines', () => {
      const bytes = Buffer.from(`--- \t\n${fields().join('\n')}\n---  \nNội dung.`);
      expect(accepted(parse(NAME, bytes)).article.body).toBe('Nội dung.');
    });

    it('ends the front matter at the first "---" line and keeps later ones in the body', () => {
      const { article } = accepted(parse(NAME, withFields({}, 'Đoạn một.\n\n---\n\nĐoạn hai.')));
      expect(article.body).toBe('Đoạn một.\n\n---\n\nĐoạn hai.');
    });

    it('rejects empty front matter, naming the required fields', () => {
      const result = parse(NAME, Buffer.from('---\n---\nNội dung.'));
      expectProblem(result, undefined, NAME, 'empty', 'title', 'date', 'category');
    });

    it.each([
      ['a list', '- title\n- date'],
      ['a bare string', 'just some words'],
      ['a number', '42'],
    ])('rejects front matter that is %s rather than key: value lines', (_kind, yaml) => {
      const result = parse(NAME, Buffer.from(`---\n${yaml}\n---\nNội dung.`));
      expectProblem(result, undefined, NAME, 'key: value');
    });
  });

  describe('front matter in another language', () => {
    const MARKER = '__feedgenFrontMatterWasEvaluated';
    const globals = globalThis as Record<string, unknown>;

    afterEach(() => {
      delete globals[MARKER];
    });

    it.each([
      ['js', `module.exports = { title: (globalThis.${MARKER} = true, 'T') };`],
      ['javascript', `{ title: (globalThis.${MARKER} = true, 'T'), date: '2025-06-30', category: 'C' }`],
      ['JavaScript', `(function () { globalThis.${MARKER} = true; return { title: 'T' }; })()`],
      [' js', `globalThis.${MARKER} = true`],
      ['coffee', `title: do -> globalThis.${MARKER} = true`],
      ['coffeescript', `globalThis.${MARKER} = true`],
    ])('rejects "---%s" front matter without running it', (language, code) => {
      // GIVEN front matter declared as code that would set a global if evaluated
      const bytes = Buffer.from(`---${language}\n${code}\n---\nNội dung.`);

      // WHEN it is parsed
      const result = parse(NAME, bytes);

      // THEN it is rejected as a whole-file problem naming the language, and nothing ran
      expectProblem(result, undefined, NAME, language.trim(), 'YAML');
      expect(globals[MARKER]).toBeUndefined();
    });

    it.each([
      ['!!js/function', `title: !!js/function "function () { globalThis.${MARKER} = true; }"`],
      ['!!js/undefined', 'title: !!js/undefined ""'],
      ['!!js/regexp', 'title: !!js/regexp /x/'],
      ['!!binary', 'title: !!binary aGVsbG8='],
      ['!!set', 'tags: !!set {a, b}'],
    ])('rejects the YAML tag %s instead of constructing it', (_tag, line) => {
      const bytes = md([...fields({ title: null }), line]);
      const result = parse(NAME, bytes);
      expectProblem(result, undefined, NAME, 'YAML');
      expect(globals[MARKER]).toBeUndefined();
    });
  });

  describe('malformed YAML', () => {
    it.each([
      ['an unclosed flow sequence', ['title: [Tin mới', 'date: 2025-06-30', 'category: C']],
      ['an unterminated quoted string', ['title: "Tin mới', 'date: 2025-06-30', 'category: C']],
      ['a duplicated key', ['title: A', 'title: B', 'date: 2025-06-30', 'category: C']],
      ['bad indentation', ['title: A', '  date: 2025-06-30', ' category: C']],
      ['a tab used for indentation', ['authors:', '\t- A', 'title: T', 'date: 2025-06-30', 'category: C']],
      ['an undefined alias', ['title: *nowhere', 'date: 2025-06-30', 'category: C']],
    ])('rejects %s as a whole-file problem with the position', (_kind, lines) => {
      const result = parse(NAME, md(lines));
      const problem = expectProblem(result, undefined, NAME, 'YAML front matter is malformed');
      expect(problem.message).toMatch(/\d+:\d+/);
    });

    it('rejects a "billion laughs" alias bomb without expanding it', () => {
      // GIVEN 9 levels of 10 aliases each (10^9 strings if expanded)
      const bomb = ['lol0: &lol0 "lol"'];
      for (let level = 1; level <= 9; level++) {
        bomb.push(
          `lol${level}: &lol${level} [${Array(10)
            .fill(`*lol${level - 1}`)
            .join(', ')}]`,
        );
      }

      // WHEN it is parsed THEN it is rejected (and this test finishes at all)
      const result = parse(NAME, md([...fields(), ...bomb]));
      expectProblem(result, undefined, NAME, 'YAML', /alias/i);
    });

    it('still allows a few aliases in ordinary front matter', () => {
      const result = parse(NAME, md(fields({ category: '&c Xây dựng Đảng', tags: '[*c]' })));
      expect(accepted(result).article.tags).toEqual(['Xây dựng Đảng']);
    });

    it('rejects front matter over 64 KiB', () => {
      const result = parse(NAME, withFields({ summary: 'a'.repeat(70 * 1024) }));
      expectProblem(result, undefined, NAME, 'front matter', 'KiB');
    });
  });

  describe('YAML values keep their text (YAML 1.2 core schema)', () => {
    it('reads an unquoted YAML timestamp as text, in the site timezone (not a UTC Date)', () => {
      const { article } = accepted(parse(NAME, withFields({ date: '2025-06-30 08:00:00' })));
      expect(iso(article.published)).toBe('2025-06-30T01:00:00.000Z');
    });

    it('reads an unquoted date-only value as midnight in the site timezone', () => {
      const { article } = accepted(parse(NAME, withFields({ date: '2025-06-30', updated: '2025-07-01' })));
      expect(iso(article.published)).toBe('2025-06-29T17:00:00.000Z');
      expect(iso(article.updated)).toBe('2025-06-30T17:00:00.000Z');
    });

    it.each(['2025-06-30', 'yes', 'no', 'on', 'off', 'y', 'n'])(
      'reads the unquoted title %s as text, as YAML 1.2 does',
      (title) => {
        expect(accepted(parse(NAME, withFields({ title }))).article.title).toBe(title);
      },
    );
  });

  describe('encoding', () => {
    it('accepts a UTF-8 byte order mark and drops it', () => {
      const plain = withFields();
      const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), plain]);
      expect(accepted(parse(NAME, withBom))).toEqual(accepted(parse(NAME, plain)));
    });

    it('accepts a byte order mark in a JSON article', () => {
      const bytes = Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        json({ title: 'T', date: '2025-06-30', category: 'C', body: 'x' }),
      ]);
      expect(accepted(parse('bai.json', bytes)).article.title).toBe('T');
    });

    it('accepts CRLF line endings in front matter and body, and gives the body LF only', () => {
      // GIVEN the same article saved with CRLF and with LF
      const lf = withFields({ summary: '|\n  Dòng một\n  Dòng hai' }, 'Dòng một\nDòng hai\n\nĐoạn mới\n');
      const crlf = Buffer.from(lf.toString('utf8').replace(/\n/g, '\r\n'), 'utf8');
      expect(crlf.includes('\r\n')).toBe(true);

      // THEN both parse to the same article
      const fromCrlf = accepted(parse(NAME, crlf)).article;
      expect(fromCrlf).toEqual(accepted(parse(NAME, lf)).article);
      expect(fromCrlf.body).toBe('Dòng một\nDòng hai\n\nĐoạn mới\n');
      expect(fromCrlf.body).not.toContain('\r');
    });

    it('accepts old Mac CR-only line endings', () => {
      const cr = Buffer.from(withFields({}, 'a\nb').toString('utf8').replace(/\n/g, '\r'), 'utf8');
      const { article } = accepted(parse(NAME, cr));
      expect(article.title).toBe(BASE.title);
      expect(article.body).toBe('a\nb');
    });

    // Each sequence is placed right after "---\ntitle: " (11 bytes), on line 2.
    it.each([
      ['Latin-1 "Vi\\xeat"', [0x56, 0x69, 0xea, 0x74], 13],
      ['an overlong "/" (C0 AF)', [0xc0, 0xaf], 11],
      ['an overlong "/" in three bytes (E0 80 AF)', [0xe0, 0x80, 0xaf], 11],
      ['an overlong "/" in four bytes (F0 80 80 AF)', [0xf0, 0x80, 0x80, 0xaf], 11],
      ['a CESU-8 high surrogate (ED A0 80)', [0xed, 0xa0, 0x80], 11],
      ['a CESU-8 low surrogate (ED B0 80)', [0xed, 0xb0, 0x80], 11],
      ['a CESU-8 surrogate pair (ED A0 BD ED B8 80)', [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80], 11],
      ['a sequence truncated by the next character (E2 82 41)', [0xe2, 0x82, 0x41], 11],
      ['a code point above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80], 11],
      ['a stray continuation byte (80)', [0x80], 11],
      ['the byte FF', [0xff], 11],
      ['the byte C1', [0xc1, 0xbf], 11],
    ])('rejects %s, saying where the bad byte is', (_kind, sequence, offset) => {
      const bytes = Buffer.concat([
        Buffer.from('---\ntitle: '),
        Buffer.from(sequence),
        Buffer.from('\ndate: 2025-06-30\ncategory: C\n---\nNội dung.'),
      ]);
      expectProblem(parse(NAME, bytes), undefined, NAME, 'UTF-8', `offset ${offset}`, 'line 2');
    });

    it.each([
      ['a two-byte sequence', [0xc3]],
      ['a three-byte sequence', [0xe2, 0x82]],
      ['a four-byte sequence', [0xf0, 0x9f, 0x98]],
    ])('rejects %s truncated at the end of the file', (_kind, tail) => {
      const bytes = Buffer.concat([withFields(), Buffer.from(tail)]);
      expectProblem(parse(NAME, bytes), undefined, NAME, 'UTF-8', `offset ${bytes.length - tail.length}`);
    });

    it('rejects invalid UTF-8 in a JSON article too', () => {
      const bytes = Buffer.concat([Buffer.from('{"title": "Vi'), Buffer.from([0xea]), Buffer.from('t"}')]);
      expectProblem(parse('bai.json', bytes), undefined, 'bai.json', 'UTF-8', 'offset 13');
    });
  });

  describe('file size', () => {
    it('rejects an empty file', () => {
      expectProblem(parse(NAME, new Uint8Array(0)), undefined, NAME, 'empty');
    });

    it.each([
      ['spaces and newlines', Buffer.from('  \n\t\r\n  ')],
      ['only a byte order mark', Buffer.from([0xef, 0xbb, 0xbf])],
    ])('rejects a file of %s', (_kind, bytes) => {
      expectProblem(parse(NAME, bytes), undefined, NAME, 'white space');
    });

    it('defaults to a 1 MiB limit: exactly 1 MiB is read, one byte more is not', () => {
      const limit = 1024 * 1024;
      const head = withFields({}, '');
      const atLimit = Buffer.concat([head, Buffer.alloc(limit - head.length, 'a')]);
      const overLimit = Buffer.concat([atLimit, Buffer.from('a')]);
      expect(atLimit.length).toBe(limit);

      expect(parse(NAME, atLimit).ok).toBe(true);
      expectProblem(
        parse(NAME, overLimit),
        undefined,
        NAME,
        String(limit + 1),
        String(limit),
        'maxArticleBytes',
      );
    });

    it('uses config.maxArticleBytes', () => {
      const bytes = withFields();
      const config: SiteConfig = { ...DEFAULT_CONFIG, maxArticleBytes: bytes.length - 1 };
      expectProblem(parse(NAME, bytes, config), undefined, NAME, 'maxArticleBytes');
      expect(parse(NAME, bytes, { ...DEFAULT_CONFIG, maxArticleBytes: bytes.length }).ok).toBe(true);
    });

    it('rejects an oversized file before reading it (even if its bytes are not UTF-8)', () => {
      const bytes = Buffer.alloc(101, 0xff);
      const config: SiteConfig = { ...DEFAULT_CONFIG, maxArticleBytes: 100 };
      expectProblem(parse(NAME, bytes, config), undefined, NAME, '101', '100-byte limit');
    });
  });

  describe('required fields', () => {
    it.each(['title', 'date', 'category'])('rejects an article without %s', (field) => {
      expectProblem(parse(NAME, withFields({ [field]: null })), field, NAME, 'required');
    });

    it.each(['title', 'date', 'category'])(
      'rejects an article whose %s is null (key with no value)',
      (field) => {
        const lines = fields({ [field]: null });
        expectProblem(parse(NAME, md([...lines, `${field}:`])), field, NAME, 'required');
      },
    );

    it.each([
      ['title', '""'],
      ['title', '"   "'],
      ['title', '"\\t\\n"'],
      ['date', '""'],
      ['date', "'  '"],
      ['category', '""'],
      ['category', '[]'],
      ['category', '["", "  "]'],
    ])('rejects an empty %s (%s)', (field, value) => {
      expectProblem(parse(NAME, withFields({ [field]: value })), field, NAME, 'empty');
    });

    it('rejects an empty categories list when there is no category', () => {
      const result = parse(NAME, withFields({ category: null, categories: '[]' }));
      expectProblem(result, 'category', NAME, 'empty', 'category');
    });

    it('explains that at least one category is needed when there is none', () => {
      expectProblem(parse(NAME, withFields({ category: null })), 'category', NAME, 'at least one category');
    });

    it.each([
      ['category', '"!!!"'],
      ['category', '"— · —"'],
      ['categories', '["Thời sự", "???"]'],
    ])('rejects a %s with no letters or digits, quoting it', (field, value) => {
      const result = parse(NAME, withFields({ category: null, [field]: value }));
      expectProblem(result, field, NAME, /"(!!!|— · —|\?\?\?)"/, 'letters or digits');
    });

    it('rejects an emoji-only category, whose slug would be an invisible variation selector', () => {
      const result = parse(NAME, withFields({ category: '"⚠️"' }));
      expectProblem(result, 'category', NAME, '"⚠️"', 'letters or digits');
    });

    it('rejects a JSON article missing every required field, naming each', () => {
      const problems = rejected(parse('bai.json', json({ body: 'x' })));
      expect(problems.map((p) => p.field).sort()).toEqual(['category', 'date', 'title']);
    });
  });

  describe('values that are not text', () => {
    it.each([
      ['title', '1984', 'number 1984'],
      ['title', 'true', 'boolean true'],
      ['title', '3.14', 'number 3.14'],
      ['summary', '42', 'number 42'],
      ['slug', '2025', 'number 2025'],
      ['imageCaption', 'false', 'boolean false'],
      ['imageType', '7', 'number 7'],
      ['language', '1', 'number 1'],
      ['id', '299000', 'number 299000'],
      ['link', '5', 'number 5'],
      ['date', '20250630', 'number 20250630'],
      ['updated', '1751245200', 'number 1751245200'],
    ])('rejects %s: %s, showing the value and asking to quote it', (field, value, shown) => {
      const extra: Record<string, string> =
        field === 'imageType' || field === 'imageCaption' ? { image: 'https://x.vn/a.jpg' } : {};
      const result = parse(NAME, withFields({ ...extra, [field]: value }));
      expectProblem(result, field, NAME, 'must be text', shown, 'quotes');
    });

    it.each([
      ['a list', '[Tin, mới]'],
      ['a nested mapping', '{vi: Tin mới}'],
    ])('rejects a title that is %s', (kind, value) => {
      expectProblem(parse(NAME, withFields({ title: value })), 'title', NAME, kind);
    });

    it('accepts the same number once quoted', () => {
      expect(accepted(parse(NAME, withFields({ title: '"1984"' }))).article.title).toBe('1984');
    });

    it('rejects a number as a JSON title', () => {
      const result = parse('bai.json', json({ title: 1984, date: '2025-06-30', category: 'C' }));
      expectProblem(result, 'title', 'bai.json', 'number 1984');
    });

    it.each([
      ['category', '[Thời sự, 5]', 'item 2', 'number 5'],
      ['categories', '[true]', 'item 1', 'boolean true'],
      ['tags', '[a, {b: c}]', 'item 2', 'a nested mapping'],
      ['tags', '42', 'number 42', 'must be text'],
    ])('rejects %s: %s, naming the bad item', (field, value, ...mentions) => {
      const changes = field === 'categories' ? { category: null, categories: value } : { [field]: value };
      expectProblem(parse(NAME, withFields(changes)), field, NAME, ...mentions);
    });
  });

  describe('dates', () => {
    it.each([
      ['30/6/2025 15:20', '2025-06-30T08:20:00.000Z'],
      ['1/7/2025 8:05', '2025-07-01T01:05:00.000Z'],
      ['05/01/2025 9:30', '2025-01-05T02:30:00.000Z'],
      ['30/6/2025', '2025-06-29T17:00:00.000Z'],
      ['29/02/2024', '2024-02-28T17:00:00.000Z'],
      ['2025-06-30', '2025-06-29T17:00:00.000Z'],
      ['2025-06-30T08:00', '2025-06-30T01:00:00.000Z'],
      ['2025-06-30 08:00', '2025-06-30T01:00:00.000Z'],
      ['2025-06-30T08:00:00+07:00', '2025-06-30T01:00:00.000Z'],
      ['2025-06-30T08:00:00Z', '2025-06-30T08:00:00.000Z'],
      ['2025-06-30T08:00:00-05:00', '2025-06-30T13:00:00.000Z'],
      ['2025-06-30T08:00:00.250+07:00', '2025-06-30T01:00:00.250Z'],
    ])('reads date %s as %s', (date, expected) => {
      expect(iso(accepted(parse(NAME, withFields({ date: `"${date}"` }))).article.published)).toBe(expected);
    });

    it('reads a time without an offset in the configured timezone', () => {
      // GIVEN a site in UTC rather than the default Asia/Ho_Chi_Minh
      const utc: SiteConfig = { ...DEFAULT_CONFIG, timezone: 'UTC' };
      const bytes = withFields({ date: '30/6/2025 15:20' });

      expect(iso(accepted(parse(NAME, bytes, utc)).article.published)).toBe('2025-06-30T15:20:00.000Z');
      expect(iso(accepted(parse(NAME, bytes)).article.published)).toBe('2025-06-30T08:20:00.000Z');
    });

    it('ignores the site timezone when the date has an offset', () => {
      const utc: SiteConfig = { ...DEFAULT_CONFIG, timezone: 'UTC' };
      const bytes = withFields({ date: '2025-06-30T08:00:00+07:00' });
      expect(accepted(parse(NAME, bytes, utc)).article.published).toBe(Date.UTC(2025, 5, 30, 1));
    });

    it.each([
      ['31/02/2025', '31'],
      ['29/02/2025', '29'],
      ['30/6/2025 24:00', '24'],
      ['2025-06-30T24:00', '24'],
      ['2025-02-30', '30'],
      ['2025-06-31', '31'],
      ['32/1/2025', '32'],
      ['1/13/2025', '13'],
      ['30/6/2025 25:00', '25'],
      ['30/6/2025 8:60', '60'],
    ])('rejects the impossible date %s, quoting it', (date, culprit) => {
      const problem = expectProblem(
        parse(NAME, withFields({ date: `"${date}"` })),
        'date',
        NAME,
        `"${date}"`,
      );
      expect(problem.message).toMatch(/not a real date or time/);
      expect(problem.message).toContain(culprit);
    });

    it.each(['June 30, 2025', '30-06-2025', '2025/06/30', 'hôm qua', '30/6/25'])(
      'rejects the unreadable date %s and shows the formats it reads',
      (date) => {
        expectProblem(
          parse(NAME, withFields({ date: `"${date}"` })),
          'date',
          NAME,
          `"${date}"`,
          'dd/MM/yyyy',
        );
      },
    );

    it('rejects an impossible updated date under updated', () => {
      expectProblem(parse(NAME, withFields({ updated: '"30/02/2025"' })), 'updated', NAME, '30/02/2025');
    });

    it('rejects updated earlier than date', () => {
      const result = parse(NAME, withFields({ date: '30/6/2025 15:20', updated: '30/6/2025 15:19' }));
      expectProblem(result, 'updated', NAME, 'earlier than date');
    });

    it('accepts updated equal to or later than date', () => {
      const same = accepted(
        parse(NAME, withFields({ date: '30/6/2025 15:20', updated: '2025-06-30T15:20' })),
      );
      expect(same.article.updated).toBe(same.article.published);
      const later = accepted(parse(NAME, withFields({ updated: '1/7/2025 9:00' })));
      expect(iso(later.article.updated)).toBe('2025-07-01T02:00:00.000Z');
    });

    it('compares updated with date as instants, not as wall-clock text', () => {
      // 08:00 in Hanoi is 02:00 in Paris: the same instant, so not earlier
      const result = parse(
        NAME,
        withFields({ date: '2025-06-30T08:00+07:00', updated: '2025-06-30T03:00+02:00' }),
      );
      expect(accepted(result).article.updated).toBe(accepted(result).article.published);
    });
  });

  describe('categories', () => {
    it.each([
      ['category as text', { category: 'Xây dựng Đảng' }],
      ['category as a list', { category: '[Xây dựng Đảng]' }],
      ['categories as text', { category: null, categories: 'Xây dựng Đảng' }],
      ['categories as a list', { category: null, categories: '[Xây dựng Đảng]' }],
    ])('accepts %s', (_kind, changes) => {
      expect(accepted(parse(NAME, withFields(changes))).article.categories).toEqual([
        { name: 'Xây dựng Đảng', slug: 'xay-dung-dang' },
      ]);
    });

    it('combines category and categories, category first', () => {
      const result = parse(NAME, withFields({ category: 'Thời sự', categories: '[Xây dựng Đảng, Kinh tế]' }));
      expect(accepted(result).article.categories.map((c) => c.slug)).toEqual([
        'thoi-su',
        'xay-dung-dang',
        'kinh-te',
      ]);
    });

    it('treats categories with the same slug as one, keeping the first display name', () => {
      const result = parse(
        NAME,
        withFields({ categories: '[Xay dung Dang, XÂY DỰNG ĐẢNG, "Xây  dựng  Đảng"]' }),
      );
      expect(accepted(result).article.categories).toEqual([{ name: 'Xây dựng Đảng', slug: 'xay-dung-dang' }]);
    });

    it('builds the link from the first category', () => {
      const result = parse(NAME, withFields({ category: '[Thời sự, Xây dựng Đảng]' }));
      expect(accepted(result).article.link).toBe('http://127.0.0.1:8080/thoi-su/bi-thu-34-tinh-uy.html');
    });
  });

  describe('authors', () => {
    it('accepts an author name as text', () => {
      expect(accepted(parse(NAME, withFields({ author: 'Nguyễn Văn A' }))).article.authors).toEqual([
        { name: 'Nguyễn Văn A' },
      ]);
    });

    it('accepts an author as { name, email, url }', () => {
      const result = parse(
        NAME,
        withFields({ author: '{name: Nguyễn Văn A, email: a@baohatinh.vn, url: "https://baohatinh.vn/a"}' }),
      );
      expect(accepted(result).article.authors).toEqual([
        { name: 'Nguyễn Văn A', email: 'a@baohatinh.vn', url: 'https://baohatinh.vn/a' },
      ]);
    });

    it('accepts a list mixing names and records, and author with authors', () => {
      const result = parse(NAME, withFields({ author: 'A', authors: '[B, {name: C}]' }));
      expect(accepted(result).article.authors).toEqual([{ name: 'A' }, { name: 'B' }, { name: 'C' }]);
    });

    it('drops blank author names', () => {
      expect(accepted(parse(NAME, withFields({ authors: '[A, "  "]' }))).article.authors).toEqual([
        { name: 'A' },
      ]);
    });

    it.each([
      ['author', '{email: a@x.vn}', 'author.name', ['required']],
      ['author', '{name: A, email: not-an-email}', 'author.email', ['"not-an-email"', 'e-mail']],
      ['author', '{name: A, url: "javascript:alert(1)"}', 'author.url', ['"javascript:alert(1)"', 'http']],
      ['author', '{name: A, url: /tac-gia/a}', 'author.url', ['"/tac-gia/a"', 'http']],
      ['author', '42', 'author', ['number 42']],
      ['authors', '[A, 7]', 'authors[2]', ['number 7']],
      ['authors', '[A, [B]]', 'authors[2]', ['a list']],
      ['authors', '[A, {name: ""}]', 'authors[2].name', ['required']],
    ])('rejects %s: %s under %s', (field, value, problemField, mentions) => {
      expectProblem(parse(NAME, withFields({ [field]: value })), problemField, NAME, ...mentions);
    });
  });

  describe('image', () => {
    it.each([
      ['https://x.vn/a.jpg', 'image/jpeg'],
      ['https://x.vn/a.JPEG', 'image/jpeg'],
      ['https://x.vn/a.png', 'image/png'],
      ['https://x.vn/a.webp', 'image/webp'],
      ['https://x.vn/a.gif', 'image/gif'],
      ['https://x.vn/a.avif', 'image/avif'],
      ['https://x.vn/a.svg', 'image/svg+xml'],
      ['http://x.vn/path/a.jpg?w=800#top', 'image/jpeg'],
    ])('tells the type of %s from its extension: %s', (url, type) => {
      expect(accepted(parse(NAME, withFields({ image: url }))).article.image).toEqual({ url, type });
    });

    it('takes imageType over the extension and lowercases it', () => {
      const result = parse(NAME, withFields({ image: 'https://x.vn/anh?id=1', imageType: 'Image/PNG' }));
      expect(accepted(result).article.image).toEqual({ url: 'https://x.vn/anh?id=1', type: 'image/png' });
    });

    it('keeps the caption, whitespace folded', () => {
      const result = parse(
        NAME,
        withFields({ image: 'https://x.vn/a.jpg', imageCaption: '"  Lễ   công bố \\n nghị quyết "' }),
      );
      expect(accepted(result).article.image?.caption).toBe('Lễ công bố nghị quyết');
    });

    it('asks for imageType when the URL does not tell the type', () => {
      const result = parse(NAME, withFields({ image: 'https://x.vn/anh?id=1' }));
      expectProblem(result, 'image', NAME, 'https://x.vn/anh?id=1', 'imageType');
    });

    it('rejects an imageType that is not an image MIME type', () => {
      const result = parse(NAME, withFields({ image: 'https://x.vn/a.jpg', imageType: 'text/html' }));
      expectProblem(result, 'imageType', NAME, '"text/html"', 'image/jpeg');
    });

    it.each([
      'javascript:alert(1)',
      'data:image/png;base64,iVBORw0KGgo=',
      'ftp://x.vn/a.jpg',
      'file:///etc/passwd.jpg',
      '/images/a.jpg',
      'images/a.jpg',
      '//x.vn/a.jpg',
    ])('rejects the image %s because it is not an absolute http(s) URL', (url) => {
      expectProblem(parse(NAME, withFields({ image: `"${url}"` })), 'image', NAME, `"${url}"`, /http/);
    });
  });

  describe('link', () => {
    it('keeps an http(s) link, normalised', () => {
      const result = parse(NAME, withFields({ link: 'HTTPS://BaoHaTinh.vn/xay-dung-dang/bai.html' }));
      expect(accepted(result).article.link).toBe('https://baohatinh.vn/xay-dung-dang/bai.html');
      expect(accepted(result).article.id).toBe('https://baohatinh.vn/xay-dung-dang/bai.html');
    });

    it.each([
      'javascript:alert(document.cookie)',
      'JavaScript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'ftp://baohatinh.vn/bai.html',
      'mailto:toasoan@baohatinh.vn',
      '/xay-dung-dang/bai.html',
      'bai.html',
      '//baohatinh.vn/bai.html',
    ])('rejects the link %s because it is not an absolute http(s) URL', (link) => {
      expectProblem(parse(NAME, withFields({ link: `"${link}"` })), 'link', NAME, `"${link}"`, /http/);
    });

    it('builds the link from articleUrlTemplate against siteUrl by default', () => {
      const { article } = accepted(parse('xay-dung-dang/bai-viet.md', withFields()));
      expect(article.link).toBe('http://127.0.0.1:8080/xay-dung-dang/bai-viet.html');
    });

    it('fills {yyyy}, {MM} and {dd} with the publication date in the site timezone', () => {
      // GIVEN 20:00 UTC on 30 June, which is already 1 July in Hanoi
      const config: SiteConfig = {
        ...DEFAULT_CONFIG,
        siteUrl: 'https://baohatinh.vn/',
        articleUrlTemplate: '{yyyy}/{MM}/{dd}/{category}/{slug}.html',
      };
      const result = parse('bai-viet.md', withFields({ date: '2025-06-30T20:00:00Z' }), config);
      expect(accepted(result).article.link).toBe(
        'https://baohatinh.vn/2025/07/01/xay-dung-dang/bai-viet.html',
      );
    });

    it('resolves the template under a siteUrl with a path', () => {
      const config: SiteConfig = { ...DEFAULT_CONFIG, siteUrl: 'https://example.org/tin-tuc/' };
      const result = parse('bai-viet.md', withFields(), config);
      expect(accepted(result).article.link).toBe('https://example.org/tin-tuc/xay-dung-dang/bai-viet.html');
    });

    it('percent-encodes non-Latin slugs in the built link', () => {
      const { article } = accepted(parse('新闻.md', withFields({ category: '国际' })));
      expect(article.link).toBe(
        `http://127.0.0.1:8080/${encodeURIComponent('国际')}/${encodeURIComponent('新闻')}.html`,
      );
      expect(decodeURIComponent(new URL(article.link).pathname)).toBe('/国际/新闻.html');
    });

    it('treats an empty link like a missing one (builds it from the template)', () => {
      // An empty optional field is ignored (like `image: ""`); it must never yield a rejection
      // that lists no problem at all.
      for (const empty of ['""', '"   "']) {
        const result = parse(NAME, withFields({ link: empty }));
        expect(result).toMatchObject({ ok: true, article: { link: DEFAULT_LINK } });
      }
    });
  });

  describe('id', () => {
    it.each([
      'tag:baohatinh.vn,2025:299000',
      'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66',
      'https://baohatinh.vn/?p=299000',
    ])('keeps the absolute URI %s', (id) => {
      expect(accepted(parse(NAME, withFields({ id: `"${id}"` }))).article.id).toBe(id);
    });

    it('defaults to the link', () => {
      const { article } = accepted(parse(NAME, withFields({ link: 'https://baohatinh.vn/a.html' })));
      expect(article.id).toBe('https://baohatinh.vn/a.html');
    });

    it.each(['299000', 'not a uri', 'bai-viet/299000', 'tag:has space'])(
      'rejects the id "%s", which is not an absolute URI, with an example',
      (id) => {
        expectProblem(parse(NAME, withFields({ id: `"${id}"` })), 'id', NAME, `"${id}"`, 'tag:');
      },
    );
  });

  describe('slug', () => {
    it.each([
      ['bai-viet.md', 'bai-viet'],
      ['Xây dựng Đảng.md', 'xay-dung-dang'],
      ['articles/2025/Đảng viên.markdown', 'dang-vien'],
      ['C:\\articles\\Tin nóng!.md', 'tin-nong'],
      ['bai.viet.json', 'bai-viet'],
    ])('defaults %s to the slug %s', (name, slug) => {
      const bytes = name.endsWith('.json')
        ? json({ title: 'T', date: '2025-06-30', category: 'C' })
        : withFields();
      expect(accepted(parse(name, bytes)).article.slug).toBe(slug);
    });

    it('rejects an emoji-only file name, asking to set slug', () => {
      expectProblem(parse('❤️.md', withFields()), 'slug', '❤️.md', 'set slug');
    });

    it('slugifies an explicit slug', () => {
      expect(accepted(parse(NAME, withFields({ slug: 'Đảng viên mới!' }))).article.slug).toBe(
        'dang-vien-moi',
      );
    });

    it('falls back to the file name when the slug is empty', () => {
      expect(accepted(parse(NAME, withFields({ slug: '""' }))).article.slug).toBe('bi-thu-34-tinh-uy');
    });

    it('rejects a file name without letters or digits, asking to set slug', () => {
      expectProblem(parse('!!!.md', withFields()), 'slug', '!!!.md', 'file name', 'set slug');
    });

    it('rejects an explicit slug without letters or digits, quoting it', () => {
      expectProblem(parse(NAME, withFields({ slug: '"---"' })), 'slug', NAME, '"---"');
    });
  });

  describe('draft', () => {
    it.each([
      ['true', true],
      ['false', false],
    ])('accepts draft: %s', (value, expected) => {
      expect(accepted(parse(NAME, withFields({ draft: value }))).article.draft).toBe(expected);
    });

    it.each([
      ['yes', '"yes"'],
      ['"yes"', '"yes"'],
      ['"true"', '"true"'],
      ['1', 'number 1'],
      ['[true]', 'a list'],
    ])('rejects draft: %s, saying it must be true or false', (value, shown) => {
      expectProblem(parse(NAME, withFields({ draft: value })), 'draft', NAME, 'true or false', shown);
    });

    it('accepts a JSON boolean draft', () => {
      const bytes = json({ title: 'T', date: '2025-06-30', category: 'C', draft: true });
      expect(accepted(parse('bai.json', bytes)).article.draft).toBe(true);
    });
  });

  describe('language', () => {
    it.each(['vi', 'en', 'en-US', 'zh-Hant-TW'])('accepts the language tag %s', (language) => {
      expect(accepted(parse(NAME, withFields({ language }))).article.language).toBe(language);
    });

    it.each(['vietnamese!', 'v', 'vi_VN', 'tiếng việt'])(
      'rejects %s, which is not a language tag',
      (language) => {
        expectProblem(
          parse(NAME, withFields({ language: `"${language}"` })),
          'language',
          NAME,
          `"${language}"`,
        );
      },
    );
  });

  describe('tags and summary', () => {
    it('accepts tags as text or a list, drops blanks and duplicates, keeps order', () => {
      expect(accepted(parse(NAME, withFields({ tags: 'Chỉ thị 05' }))).article.tags).toEqual(['Chỉ thị 05']);
      const result = parse(NAME, withFields({ tags: '[B, A, B, "  ", " A "]' }));
      expect(accepted(result).article.tags).toEqual(['B', 'A']);
    });

    it('folds a multi-line summary into one line', () => {
      const result = parse(NAME, withFields({ summary: '|\n  Dòng một\n    Dòng hai\n\n  Dòng ba' }));
      expect(accepted(result).article.summary).toBe('Dòng một Dòng hai Dòng ba');
    });

    it('treats an empty summary as none', () => {
      expect(accepted(parse(NAME, withFields({ summary: '""' }))).article.summary).toBeUndefined();
    });
  });

  describe('JSON articles', () => {
    const FIELDS = {
      title: 'Học và làm theo Bác',
      date: '2025-06-23',
      category: 'Xây dựng Đảng',
      image: 'https://baohatinh.vn/images/hoc-va-lam-theo-bac.jpg',
      imageCaption: 'Học và làm theo Bác',
      tags: ['Chỉ thị 05'],
      authors: [{ name: 'Nguyễn Văn A', email: 'a@baohatinh.vn' }],
      draft: false,
    };

    it('reads the same fields as Markdown, with the Markdown in body', () => {
      // GIVEN the same article as JSON and as Markdown
      const fromJson = accepted(
        parse('hoc-va-lam-theo-bac.json', json({ ...FIELDS, body: '# Tiêu đề\n\nĐoạn.' })),
      );
      const frontMatter = Object.entries(FIELDS).map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
      const fromMarkdown = accepted(parse('hoc-va-lam-theo-bac.md', md(frontMatter, '# Tiêu đề\n\nĐoạn.')));

      // THEN they parse to the same article, apart from the source
      expect({ ...fromJson.article, source: 'x' }).toEqual({ ...fromMarkdown.article, source: 'x' });
      expect(fromJson.article.source).toBe('hoc-va-lam-theo-bac.json');
      expect(fromJson.article.body).toBe('# Tiêu đề\n\nĐoạn.');
      expect(fromJson.warnings).toEqual([]);
    });

    it('gives an empty body when body is missing', () => {
      expect(
        accepted(parse('a.json', json({ title: 'T', date: '2025-06-30', category: 'C' }))).article.body,
      ).toBe('');
    });

    it('normalises CRLF in the JSON body', () => {
      const bytes = json({ title: 'T', date: '2025-06-30', category: 'C', body: 'a\r\nb\rc' });
      expect(accepted(parse('a.json', bytes)).article.body).toBe('a\nb\nc');
    });

    it.each([
      ['a number', 42],
      ['a list', ['x']],
      ['a mapping', { text: 'x' }],
    ])('rejects a body that is %s', (_kind, body) => {
      const result = parse('a.json', json({ title: 'T', date: '2025-06-30', category: 'C', body }));
      expectProblem(result, undefined, 'a.json', 'body', 'string of Markdown');
    });

    it.each([
      ['a list', '[{"title": "T"}]'],
      ['a string', '"Tin mới"'],
      ['a number', '42'],
      ['null', 'null'],
      ['true', 'true'],
    ])('rejects JSON that is %s rather than an object', (_kind, text) => {
      expectProblem(parse('a.json', Buffer.from(text)), undefined, 'a.json', 'object', 'title');
    });

    it.each([
      ['a trailing comma', '{"title": "T", "date": "2025-06-30", "category": "C",}'],
      ['a truncated object', '{"title": "T", '],
      ['single quotes', "{'title': 'T'}"],
      ['a comment', '{"title": "T" // note\n}'],
      ['Markdown front matter', fields().join('\n')],
    ])('rejects JSON with %s as a syntax error', (_kind, text) => {
      expectProblem(parse('a.json', Buffer.from(text)), undefined, 'a.json', 'not valid JSON');
    });

    it('does not let a __proto__ key change object prototypes', () => {
      const bytes = Buffer.from(
        '{"title":"T","date":"2025-06-30","category":"C","__proto__":{"polluted":true}}',
      );
      const { warnings } = accepted(parse('a.json', bytes));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(warnings.map((w) => w.field)).toEqual(['__proto__']);
    });
  });

  describe('text normalisation', () => {
    it('normalises title, category, body and every other text to NFC', () => {
      // GIVEN decomposed (NFD) input, as macOS tools sometimes save it
      const nfd = (text: string): string => text.normalize('NFD');
      expect(nfd('Tiếng Việt')).not.toBe('Tiếng Việt');
      const bytes = md(
        [
          `title: ${nfd('Tiếng Việt có dấu')}`,
          'date: 2025-06-30',
          `category: ${nfd('Xây dựng Đảng')}`,
          `summary: ${nfd('Tóm tắt')}`,
          `author: ${nfd('Nguyễn Văn Ấn')}`,
          `tags: [${nfd('Đảng viên')}]`,
          'image: https://x.vn/a.jpg',
          `imageCaption: ${nfd('Ảnh minh họa')}`,
        ],
        nfd('Nội dung được chuẩn hóa.'),
      );

      // WHEN it is parsed
      const { article } = accepted(parse(NAME, bytes));

      // THEN every string is NFC
      expect(article.title).toBe('Tiếng Việt có dấu');
      expect(article.categories).toEqual([{ name: 'Xây dựng Đảng', slug: 'xay-dung-dang' }]);
      expect(article.summary).toBe('Tóm tắt');
      expect(article.authors).toEqual([{ name: 'Nguyễn Văn Ấn' }]);
      expect(article.tags).toEqual(['Đảng viên']);
      expect(article.image?.caption).toBe('Ảnh minh họa');
      expect(article.body).toBe('Nội dung được chuẩn hóa.');
    });

    it('gives an NFD file name the same slug as the NFC one', () => {
      const nfd = accepted(parse('Đảng viên.md'.normalize('NFD'), withFields())).article;
      expect(nfd.slug).toBe('dang-vien');
    });

    it('strips XML-illegal control characters from the body, keeping tabs and newlines', () => {
      const body = 'A\u0000B\u0001C\u0008D\u000BE\u000CF\u001FG\uFFFEH\uFFFF\tI\nJ';
      expect(accepted(parse(NAME, withFields({}, body))).article.body).toBe('ABCDEFGH\tI\nJ');
    });

    it('strips control characters written as YAML escapes', () => {
      const result = parse(NAME, withFields({ title: '"Tin\\x01 mới\\x1b\\u000b"', summary: '"A\\x00B"' }));
      expect(accepted(result).article.title).toBe('Tin mới');
      expect(accepted(result).article.summary).toBe('AB');
    });

    it('strips control characters and lone surrogates written as JSON escapes', () => {
      const bytes = Buffer.from(
        '{"title":"Tin\\u0001 m\\ud800ới","date":"2025-06-30","category":"C\\u001f","body":"a\\u0000b\\udc00c\\ud83d\\ude00"}',
      );
      const { article } = accepted(parse('a.json', bytes));
      expect(article.title).toBe('Tin mới');
      expect(article.categories).toEqual([{ name: 'C', slug: 'c' }]);
      expect(article.body).toBe('abc😀');
    });

    it.each([
      ['U+0001', '\u0001'],
      ['U+000B (vertical tab)', '\u000B'],
      ['U+001F', '\u001F'],
      ['U+FFFE', '\uFFFE'],
    ])('strips a raw %s in a front matter value rather than rejecting the file', (_name, character) => {
      // Editors paste these (Word's vertical tab, stray escapes); XML cannot carry them, so
      // they are removed from text like the same characters in the body.
      const result = parse(
        NAME,
        withFields({ title: `Tin${character} mới`, summary: `"Tóm${character} tắt"` }),
      );
      expect(accepted(result).article.title).toBe('Tin mới');
      expect(accepted(result).article.summary).toBe('Tóm tắt');
    });

    it('folds whitespace in one-line fields and trims them', () => {
      const result = parse(
        NAME,
        md([
          'title: "  Bí thư\\t34 \\n tỉnh ủy  "',
          'date: " 30/6/2025 15:20 "',
          'category: "Xây  dựng\\u00a0Đảng"',
          'author: {name: " Nguyễn \\n Văn A "}',
          'tags: ["  Chỉ   thị 05 "]',
          'summary: >\n  Dòng một\n\n  Dòng hai',
        ]),
      );
      const { article } = accepted(result);
      expect(article.title).toBe('Bí thư 34 tỉnh ủy');
      expect(iso(article.published)).toBe('2025-06-30T08:20:00.000Z');
      expect(article.categories).toEqual([{ name: 'Xây dựng Đảng', slug: 'xay-dung-dang' }]);
      expect(article.authors).toEqual([{ name: 'Nguyễn Văn A' }]);
      expect(article.tags).toEqual(['Chỉ thị 05']);
      expect(article.summary).toBe('Dòng một Dòng hai');
    });

    it('keeps the line structure of the body', () => {
      const body = '  Thụt lề\n\n\tMã\n- mục  một\n';
      expect(accepted(parse(NAME, withFields({}, body))).article.body).toBe(body);
    });
  });

  describe('unknown fields', () => {
    it('warns about each unknown field and still accepts the article', () => {
      // GIVEN misspelt and foreign fields next to valid ones
      const result = parse(
        NAME,
        withFields({ titel: 'Typo', thumbnail: 'https://x.vn/a.jpg', 'x-custom': '1' }),
      );

      // THEN the article is accepted, with one warning per unknown field
      const { article, warnings } = accepted(result);
      expect(article.title).toBe(BASE.title);
      expect(warnings.map((w) => w.field)).toEqual(['titel', 'thumbnail', 'x-custom']);
      for (const warning of warnings) {
        expect(warning.source).toBe(NAME);
        expect(warning.message).toMatch(/not a field .* ignored/);
      }
    });

    it('warns about unknown fields in JSON articles', () => {
      const bytes = json({ title: 'T', date: '2025-06-30', category: 'C', Title: 'x' });
      expect(accepted(parse('a.json', bytes)).warnings).toEqual([
        { source: 'a.json', field: 'Title', message: expect.stringContaining('ignored') },
      ]);
    });

    it('does not warn about known fields', () => {
      const everything = fields({
        categories: '[Thời sự]',
        summary: 'S',
        author: 'A',
        authors: '[B]',
        image: 'https://x.vn/a',
        imageCaption: 'C',
        imageType: 'image/png',
        tags: '[t]',
        slug: 's',
        link: 'https://x.vn/s.html',
        id: 'tag:x.vn,2025:1',
        updated: '2025-07-01',
        draft: 'true',
        language: 'vi',
      });
      expect(accepted(parse(NAME, md(everything))).warnings).toEqual([]);
    });
  });

  describe('several problems', () => {
    it('reports every problem in the file, each naming its field and the file', () => {
      // GIVEN one file with six independent mistakes
      const bytes = md([
        'title: 1984',
        'date: 31/02/2025',
        'draft: "yes"',
        'link: javascript:alert(1)',
        'image: data:image/png;base64,AAAA',
        'language: tiếng việt',
        'unknown: 1',
      ]);

      // WHEN it is parsed
      const problems = rejected(parse(NAME, bytes));

      // THEN all of them are reported, not just the first
      expect(problems.map((p) => p.field).sort()).toEqual(
        ['category', 'date', 'draft', 'image', 'language', 'link', 'title'].sort(),
      );
      for (const problem of problems) {
        expect(problem.source).toBe(NAME);
        expect(problem.message.length).toBeGreaterThan(5);
      }
    });

    it('never rejects without saying why', () => {
      const inputs: [string, Buffer][] = [
        [NAME, withFields({ link: '""' })],
        [NAME, withFields({ link: '5' })],
        [NAME, withFields({ category: '"!!!"' })],
        ['!!!.md', withFields()],
        [NAME, withFields({ date: '"31/02/2025"' })],
        [NAME, withFields({ id: '"x"' })],
      ];
      for (const [name, bytes] of inputs) {
        const result = parse(name, bytes);
        if (!result.ok) expect(result.problems.length).toBeGreaterThan(0);
      }
    });
  });

  describe('purity', () => {
    it('parses a good file the same after bad ones as on its own', () => {
      // GIVEN the result of parsing a good file alone
      const good = withFields({ tags: '[a, b]', author: 'A' });
      const alone = parse(NAME, good);

      // WHEN many bad files are parsed first
      const bad: [string, Uint8Array][] = [
        [NAME, new Uint8Array(0)],
        [NAME, Buffer.from([0xc0, 0xaf])],
        [NAME, md(['title: [broken'])],
        ['a.json', Buffer.from('{"title": ')],
        ['a.json', Buffer.from('[]')],
        [NAME, Buffer.from(`---js\nglobalThis.x = 1\n---\n`)],
        [NAME, withFields({ title: '1984', date: '"29/02/2025"', link: 'ftp://x' })],
        [NAME, md([...fields(), 'a: &a [x, x]', ...Array.from({ length: 30 }, (_, i) => `k${i}: *a`)])],
      ];
      for (const [name, bytes] of bad) expect(parse(name, bytes).ok).toBe(false);

      // THEN the good file parses exactly as before
      expect(parse(NAME, good)).toEqual(alone);
      expect(alone.ok).toBe(true);
    });

    it('does not modify the config or the input bytes', () => {
      const config: SiteConfig = { ...DEFAULT_CONFIG };
      const bytes = withFields();
      const copy = Buffer.from(bytes);
      parse(NAME, bytes, config);
      expect(config).toEqual(DEFAULT_CONFIG);
      expect(bytes.equals(copy)).toBe(true);
    });

    it('accepts a plain Uint8Array as well as a Buffer', () => {
      const buffer = withFields();
      const bytes = new Uint8Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length));
      expect(parse(NAME, bytes)).toEqual(parse(NAME, buffer));
    });
  });
});
