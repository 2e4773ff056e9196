// The hostile articles of hostile-input.test.ts, as whole files (encodings, markup, YAML,
// sizes); hostile-fields.ts has the field-level ones. Each case's files, and what must become
// of each (docs/reliability.md lists them); a rejection names the field (null: the whole file).

import { cleanLine } from '../../../shared/core/text';
import type { Manifest } from '../../../shared/publishing/state';
import { readJsonFeed } from '../../helpers/feed-readers';

/** What a case's checks may ask of the site. */
export interface HostileSite {
  /** A file below feeds/ as text (a .gz copy decoded); undefined when there is none. */
  feed(path: string): Promise<string | undefined>;
  manifest(): Promise<Manifest>;
  /** Deletes an article and waits until the writer is done with it. */
  remove(key: string): Promise<void>;
  /** Keys of every GET request so far, to tell whether an object was read. */
  readonly reads: readonly string[];
}

export type Expect =
  | {
      readonly key: string;
      readonly rejected: string | null;
      readonly message?: RegExp;
      readonly line?: number;
    }
  | { readonly key: string; readonly published: true; readonly title?: string }
  | { readonly key: string; readonly scheduled: true };

export interface HostileCase {
  readonly name: string;
  readonly files: ReadonlyArray<readonly [string, string | Buffer]>;
  readonly expect: readonly Expect[];
  /** Upload the files one at a time, each published before the next (else one after another). */
  readonly oneByOne?: boolean;
  /** Upload the files all at once, so their events reach the writer in one batch. */
  readonly atOnce?: boolean;
  /** More checks once it is published. */
  readonly afterwards?: (site: HostileSite) => Promise<void>;
}

/** Rejected, naming `field` (null: the whole file) and, where the parser gives one, the `line`. */
export function rejected(key: string, field: string | null, message?: RegExp, line?: number): Expect {
  return { key, rejected: field, ...(message ? { message } : {}), ...(line !== undefined ? { line } : {}) };
}

export function published(key: string, title?: string): Expect {
  return { key, published: true, ...(title !== undefined ? { title } : {}) };
}

export function md(fields: Record<string, unknown>, body = 'Nội dung.'): string {
  return `---\n${Object.entries(fields)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join('\n')}\n---\n${body}`;
}

export const VALID = { date: '2025-06-01T08:00:00+07:00', category: 'Thời sự' };

const JAVASCRIPT_BODY = [
  '<script>alert(1)</script>',
  '<img src="x" onerror="alert(1)">',
  '<a href="javascript:alert(1)">a</a> <a href=" jav&#x09;ascript:alert(1)">b</a> <a href="JaVaScRiPt:alert(1)">c</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">d</a> <a href="vbscript:msgbox(1)">e</a>',
  '<iframe src="https://evil.example/"></iframe><object data="x.swf"></object><embed src="x.swf">',
  '<svg onload="alert(1)"><script>alert(1)</script></svg><math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  '<style>body{background:url("javascript:alert(1)")}</style><p style="background:url(javascript:alert(1))">p</p>',
  '<form action="javascript:alert(1)"><input onfocus="alert(1)" autofocus><button formaction="javascript:alert(1)">x</button></form>',
  '<details open ontoggle="alert(1)"><summary>s</summary></details><video poster="javascript:alert(1)"></video>',
  '<base href="javascript:/"><meta http-equiv="refresh" content="0;url=javascript:alert(1)"><link rel="import" href="x">',
  '[md](javascript:alert(1)) [md2](data:text/html,<script>alert(1)</script>) ![img](javascript:alert(1))',
  '<scr<script>ipt>alert(1)</scr</script>ipt> <<script>script>alert(1)<</script>/script>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
  '<!--<img src="--><img src=x onerror=alert(1)//">',
].join('\n\n');

/** Whole files: encodings, characters XML cannot carry, markup and script, YAML tricks, sizes. */
export const FILE_CASES: readonly HostileCase[] = [
  // --- encodings
  {
    name: 'Latin-1 bytes',
    files: [['articles/latin1.md', Buffer.from(md({ title: 'Café crème à Paris', ...VALID }), 'latin1')]],
    expect: [
      rejected('articles/latin1.md', null, /not valid UTF-8 \(first bad byte at offset \d+, line 2\)/, 2),
    ],
  },
  {
    name: 'UTF-16 LE with its byte order mark',
    files: [
      [
        'articles/utf16le.md',
        Buffer.concat([
          Buffer.from([0xff, 0xfe]),
          Buffer.from(md({ title: 'Tin Hà Tĩnh', ...VALID }), 'utf16le'),
        ]),
      ],
    ],
    expect: [rejected('articles/utf16le.md', null, /not valid UTF-8/, 1)],
  },
  {
    name: 'UTF-16 BE without a byte order mark',
    files: [['articles/utf16be.md', Buffer.from(md({ title: 'Tin Hà Tĩnh', ...VALID }), 'utf16le').swap16()]],
    expect: [rejected('articles/utf16be.md', null, /not valid UTF-8/, 2)],
  },
  {
    name: 'a UTF-8 byte order mark and CRLF line ends',
    files: [
      [
        'articles/bom-crlf.md',
        Buffer.concat([
          Buffer.from([0xef, 0xbb, 0xbf]),
          Buffer.from(md({ title: 'Có BOM', ...VALID }, 'Dòng 1\r\nDòng 2\r\n').replace(/\n/g, '\r\n')),
        ]),
      ],
    ],
    expect: [published('articles/bom-crlf.md', 'Có BOM')],
  },
  {
    name: 'overlong, surrogate and truncated UTF-8 sequences',
    files: [
      [
        'articles/overlong.md',
        Buffer.concat([
          Buffer.from('---\ntitle: A'),
          Buffer.from([0xc0, 0xaf]),
          Buffer.from(`\ndate: 2025-06-01\ncategory: X\n---\n`),
        ]),
      ],
      [
        'articles/surrogate.md',
        Buffer.concat([
          Buffer.from('---\ntitle: A'),
          Buffer.from([0xed, 0xa0, 0x80]),
          Buffer.from(`\ndate: 2025-06-01\ncategory: X\n---\n`),
        ]),
      ],
      [
        'articles/truncated.md',
        Buffer.concat([
          Buffer.from('---\ntitle: A\ndate: 2025-06-01\ncategory: X\n---\nTiế'),
          Buffer.from([0xe1, 0xbb]),
        ]),
      ],
    ],
    expect: [
      rejected('articles/overlong.md', null, /offset 12, line 2/, 2),
      rejected('articles/surrogate.md', null, /offset 12, line 2/, 2),
      rejected('articles/truncated.md', null, /not valid UTF-8/, 6),
    ],
  },
  // --- characters XML cannot carry, and CDATA terminators
  {
    name: 'control characters in every field',
    files: [
      [
        'articles/controls.md',
        `---\ntitle: "Tin\\u0001 nóng\\u001b[31m \\u0085 đỏ\\u007f"\ndate: 2025-06-01\ncategory: "Thời\\u0000 sự"\nsummary: "a\\u000bb\\u000cc\\ufffe\\uffff"\nauthor: "Tác\\u0002 giả"\n---\nThân\u0000 bài\u0001 có\u0008 ký tự\u001f điều khiển \u2028 và \ufdd0.\n`,
      ],
    ],
    expect: [published('articles/controls.md', cleanLine('Tin\u0001 nóng\u001b[31m \u0085 đỏ\u007f'))],
  },
  {
    name: 'CDATA terminators and markup characters in text',
    files: [
      [
        'articles/cdata.md',
        md(
          {
            title: 'a ]]> b ]]]]><![CDATA[> c',
            summary: ']]>]]>&amp;<&',
            author: ']]>',
            tags: [']]>tag'],
            ...VALID,
          },
          'Thân ]]> bài <![CDATA[ x ]]> y ]]>\n\n```\n]]>\n```',
        ),
      ],
    ],
    expect: [published('articles/cdata.md', 'a ]]> b ]]]]><![CDATA[> c')],
  },
  // --- HTML and script
  {
    name: 'HTML and script in the body',
    files: [['articles/script-body.md', md({ title: 'Bài có script', ...VALID }, JAVASCRIPT_BODY)]],
    expect: [published('articles/script-body.md', 'Bài có script')],
    afterwards: async (site) => {
      const json = readJsonFeed((await site.feed('feeds/feed.json')) ?? '');
      const item = json.items.find((i) => i.title === 'Bài có script');
      // the harmless parts survive: links to http(s), the text
      expect(String(item?.content_html)).toMatch(/<a>a<\/a>|a<\/a>/);
    },
  },
  {
    name: 'script in the title, summary, author, category, tags and caption',
    files: [
      [
        'articles/script-fields.md',
        md({
          title: '<script>alert("title")</script>',
          summary: '<img src=x onerror=alert(1)>',
          author: '<script>alert(1)</script>',
          category: '<script>alert("category")</script>',
          tags: ['<svg onload=alert(1)>'],
          image: 'https://baohatinh.vn/anh/1.jpg',
          imageCaption: '"><script>alert(1)</script>',
          date: VALID.date,
        }),
      ],
    ],
    expect: [published('articles/script-fields.md', '<script>alert("title")</script>')],
    afterwards: async (site) => {
      // the category has a feed, and the feeds page shows its name as text
      expect(await site.feed('feeds/script-alert-category-script/rss.xml')).toBeDefined();
      expect(await site.feed('feeds/index.html')).toContain('&lt;script&gt;alert("category")&lt;/script&gt;');
    },
  },
  // --- YAML tricks
  {
    name: 'a YAML alias bomb',
    files: [
      [
        'articles/alias-bomb.md',
        `---\ntitle: Bom\ndate: 2025-06-01\ncategory: X\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n---\n`,
      ],
    ],
    expect: [rejected('articles/alias-bomb.md', null, /alias/i, 7)],
  },
  {
    name: 'front matter in JavaScript (---js) and JSON (---json)',
    files: [
      [
        'articles/js.md',
        `---js\n{ title: (function () { require('child_process').execSync('touch /tmp/pwned'); return 'x' })(), date: '2025-06-01', category: 'X' }\n---\n`,
      ],
      ['articles/json-fm.md', '---json\n{"title": "x", "date": "2025-06-01", "category": "X"}\n---\n'],
    ],
    expect: [
      rejected('articles/js.md', null, /never run as code/),
      rejected('articles/json-fm.md', null, /never run as code/),
    ],
  },
  {
    name: 'YAML tags that would build objects or run code (!!js/function, !!python/object, !!binary)',
    files: [
      [
        'articles/tag-js.md',
        '---\ntitle: !!js/function "function () { process.exit(1) }"\ndate: 2025-06-01\ncategory: X\n---\n',
      ],
      [
        'articles/tag-py.md',
        '---\ntitle: !!python/object/apply:os.system ["id"]\ndate: 2025-06-01\ncategory: X\n---\n',
      ],
      ['articles/tag-bin.md', '---\ntitle: !!binary aGVsbG8=\ndate: 2025-06-01\ncategory: X\n---\n'],
    ],
    expect: [
      rejected('articles/tag-js.md', null, /malformed: unknown .*tag/, 1),
      rejected('articles/tag-py.md', null, /malformed: unknown .*tag/, 1),
      rejected('articles/tag-bin.md', null, /malformed: unknown .*tag/, 1),
    ],
  },
  {
    name: 'merge keys (<<), which are not read: the fields they would bring are missing',
    files: [
      [
        'articles/merge.md',
        '---\nbase: &b\n  title: Gộp\n  category: Thời sự\n<<: *b\ndate: 2025-06-01\n---\n',
      ],
    ],
    expect: [rejected('articles/merge.md', 'title', /required/)],
  },
  {
    name: 'duplicate keys',
    files: [['articles/dup-keys.md', '---\ntitle: Một\ntitle: Hai\ndate: 2025-06-01\ncategory: X\n---\n']],
    expect: [rejected('articles/dup-keys.md', null, /duplicated mapping key/, 2)],
  },
  {
    name: '__proto__ and constructor keys (prototype pollution)',
    files: [
      [
        'articles/proto-yaml.md',
        `---\ntitle: Proto\ndate: 2025-06-01\ncategory: X\n__proto__:\n  polluted: "yes"\n  title: bị ghi đè\n---\n`,
      ],
      [
        'articles/proto-json.json',
        '{"title":"Proto JSON","date":"2025-06-01","category":"X","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}',
      ],
    ],
    expect: [
      published('articles/proto-yaml.md', 'Proto'),
      published('articles/proto-json.json', 'Proto JSON'),
    ],
    afterwards: async () => {
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.keys(Object.prototype)).toEqual([]);
    },
  },
  {
    name: 'deep nesting in YAML and in JSON',
    files: [
      [
        'articles/deep.md',
        `---\ntitle: Sâu\ndate: 2025-06-01\ncategory: X\ntags: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n---\n`,
      ],
      [
        'articles/deep.json',
        `{"title":"Sâu","date":"2025-06-01","category":"X","tags":${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
      ],
    ],
    expect: [
      rejected('articles/deep.md', null, /malformed/, 4),
      rejected('articles/deep.json', 'tags', /must be text/),
    ],
  },
  {
    name: 'a file over maxArticleBytes, refused from the event without being read',
    files: [['articles/huge.md', `${md({ title: 'Lớn', ...VALID })}${'x'.repeat(1024 * 1024)}`]],
    expect: [rejected('articles/huge.md', null, /over the 1048576-byte limit/)],
    afterwards: async (site) => {
      expect(site.reads.filter((key) => key === 'articles/huge.md')).toEqual([]);
    },
  },
  {
    name: 'front matter over 64 KiB',
    files: [['articles/big-front.md', md({ title: 'To', summary: 'y'.repeat(70_000), ...VALID })]],
    expect: [rejected('articles/big-front.md', null, /front matter is over 64 KiB/)],
  },
  {
    name: 'an empty file, one of white space, and a Markdown file without front matter',
    files: [
      ['articles/empty.md', ''],
      ['articles/blank.md', ' \n\t\r\n  '],
      ['articles/no-front.md', '# Chỉ có nội dung\n'],
    ],
    expect: [
      rejected('articles/empty.md', null, /empty/),
      rejected('articles/blank.md', null, /only white space/),
      rejected('articles/no-front.md', null, /no front matter/),
    ],
  },
  {
    name: 'JSON articles with a body that is not text, and a number for a title',
    files: [
      [
        'articles/body-object.json',
        '{"title":"T","date":"2025-06-01","category":"X","body":{"html":"<script>"}}',
      ],
      ['articles/title-number.json', '{"title":1984,"date":"2025-06-01","category":"X"}'],
    ],
    expect: [
      rejected('articles/body-object.json', null, /body: must be a string/),
      rejected('articles/title-number.json', 'title', /must be text/),
    ],
  },
];
