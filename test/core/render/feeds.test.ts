import type { Article } from '../../../shared/core/article/article';
import { buildSite, type SiteFile } from '../../../shared/core/site';
import { article, sample, TEST_CONFIG } from '../../helpers/articles';
import { checkAtom, checkRss, readJsonFeed, readWithFeedParser } from '../../helpers/feed-readers';
import { child, children, NS, parseXml } from '../../helpers/xml';

const NOW = Date.parse('2026-01-01T00:00:00Z');

function build(articles: Article[], config = TEST_CONFIG, now = NOW): Map<string, SiteFile> {
  return new Map(buildSite(articles, config, now).files.map((file) => [file.path, file]));
}

function body(files: Map<string, SiteFile>, path: string): string {
  const file = files.get(path);
  if (!file) throw new Error(`no ${path}; have ${[...files.keys()].join(', ')}`);
  return file.body;
}

/** The same article data as the parser would give, but built by hand to reach the renderer unfiltered. */
function raw(overrides: Partial<Article>): Article {
  return {
    source: 'articles/raw.md',
    title: 'Tiêu đề',
    published: Date.parse('2025-06-30T01:00:00Z'),
    updated: undefined,
    categories: [{ name: 'Xây dựng Đảng', slug: 'xay-dung-dang' }],
    summary: undefined,
    authors: [],
    image: undefined,
    tags: [],
    slug: 'raw',
    link: 'https://baohatinh.vn/xay-dung-dang/raw.html',
    id: 'https://baohatinh.vn/xay-dung-dang/raw.html',
    draft: false,
    language: undefined,
    body: 'Nội dung.',
    ...overrides,
  };
}

describe('every rendered feed is read by real parsers', () => {
  it('RSS and Atom parse with feedparser RSS and Atom also parse strictly, JSON passes the JSON Feed 1.1 schema', async () => {
    // GIVEN articles with every optional field
    const articles = [
      sample('mot', '2025-06-30T08:00:00+07:00', {
        summary: 'Tóm tắt',
        authors: [
          { name: 'Thu Hà', email: 'thuha@baohatinh.vn', url: 'https://baohatinh.vn/tac-gia/thu-ha' },
          'Đức Quang',
        ],
        image: 'https://baohatinh.vn/anh/mot.jpg',
        imageCaption: 'Ảnh minh họa',
        tags: ['Đức Thọ'],
        categories: ['Xây dựng Đảng', 'Thời sự'],
        updated: '2025-07-01T09:00:00+07:00',
        language: 'vi',
      }),
      sample('hai', '29/6/2025 7:15', { id: 'tag:baohatinh.vn,2025:hai' }),
    ];
    // WHEN the site is built
    const files = build(articles);
    // THEN every feed reads back with both items
    for (const folder of ['feeds/', 'feeds/xay-dung-dang/']) {
      const rss = await readWithFeedParser(body(files, `${folder}rss.xml`));
      const atom = await readWithFeedParser(body(files, `${folder}atom.xml`));
      checkRss(body(files, `${folder}rss.xml`));
      checkAtom(body(files, `${folder}atom.xml`));
      const json = readJsonFeed(body(files, `${folder}feed.json`));
      expect(rss.items.map((item) => item.title)).toEqual(['Bài mot', 'Bài hai']);
      expect(atom.items.map((item) => item.title)).toEqual(['Bài mot', 'Bài hai']);
      expect(json.items.map((item) => item.title)).toEqual(['Bài mot', 'Bài hai']);
      expect(rss.meta['#type']).toBe('rss');
      expect(atom.meta['#type']).toBe('atom');
    }
    const rss = await readWithFeedParser(body(files, 'feeds/rss.xml'));
    expect(rss.items[0]?.categories).toEqual(['Xây dựng Đảng', 'Thời sự', 'Đức Thọ']);
    expect(rss.items[0]?.pubdate?.toISOString()).toBe('2025-06-30T01:00:00.000Z');
    expect(rss.items[0]?.enclosures).toEqual([
      expect.objectContaining({ url: 'https://baohatinh.vn/anh/mot.jpg', type: 'image/jpeg' }),
    ]);
  });
});

describe('workarounds for defects of the feed package', () => {
  it('drops XML-illegal control characters instead of copying them into the XML', async () => {
    // GIVEN text holding every C0 control, U+FFFE, U+FFFF and a lone surrogate, reaching the renderer as is
    const controls = Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)).join('');
    const dirty = raw({
      title: `A${controls}B\uFFFE\uFFFF\uD800C`,
      summary: `S${controls}`,
      authors: [{ name: `N${controls}` }],
      categories: [{ name: `Cat\u0001`, slug: 'cat' }],
      body: `Body\u0000\u000B text`,
    });
    // WHEN rendered
    const files = build([dirty]);
    // THEN every document is well-formed and keeps only tab, LF and CR
    const rss = checkRss(body(files, 'feeds/rss.xml'));
    checkAtom(body(files, 'feeds/atom.xml'));
    const item = child(child(rss, 'channel'), 'item');
    // (XML parsers read a CR as LF: the parser's cleaning turns CR into LF before this point)
    expect(child(item, 'title').text).toBe('A\t\n\nBC');
    expect(child(item, 'creator', NS.dc).text).toBe('N\t\n\n');
    expect(children(item, 'category').map((category) => category.text)).toEqual(['Cat']);
    expect((await readWithFeedParser(body(files, 'feeds/atom.xml'))).items).toHaveLength(1);
  });

  it('escapes every "]]>" inside CDATA, not only the first', async () => {
    // GIVEN a title, summary and body with several CDATA terminators
    const nasty = 'a]]>b]]>c]]]]>d<![CDATA[e]]>';
    const item = article(
      { title: nasty, date: '2025-06-30', category: 'Xây dựng Đảng', summary: nasty },
      `Đoạn ${nasty}\n\n\`code ]]> ]]>\`\n\n<div title="]]>">x</div>`,
    );
    // WHEN rendered
    const files = build([item]);
    // THEN the documents parse strictly and give back the exact text
    const rss = child(child(checkRss(body(files, 'feeds/rss.xml')), 'channel'), 'item');
    expect(child(rss, 'title').text).toBe(nasty);
    expect(child(rss, 'encoded', NS.content).text).toContain('code ]]&gt; ]]&gt;');
    const atom = child(checkAtom(body(files, 'feeds/atom.xml')), 'entry', NS.atom);
    expect(child(atom, 'title', NS.atom).text).toBe(nasty);
    expect(child(atom, 'title', NS.atom).attributes.type).toBe('text');
    const parsed = await readWithFeedParser(body(files, 'feeds/atom.xml'));
    // (feedparser strips anything tag-like, here "<![CDATA[e]]>", from titles it reads)
    expect(parsed.items[0]?.title).toBe('a]]>b]]>c]]]]>d');
    expect(parsed.items[0]?.summary).toBe(nasty);
    expect(readJsonFeed(body(files, 'feeds/feed.json')).items[0]?.title).toBe(nasty);
  });

  it('keeps "&", "<" and a literal "&amp;" intact in text and attributes', async () => {
    // GIVEN names that xml-js mangles: it un-escapes "&amp;" in text and leaves "<" and "&" raw in attributes
    const item = article({
      title: 'AT&T <3 &amp; "quotes"',
      date: '2025-06-30',
      categories: ['Tom & Jerry <b>', 'Xây dựng Đảng'],
      authors: ['Lê & Trần <x>'],
    });
    // WHEN rendered
    const files = build([item]);
    // THEN strict parsers read the exact strings back
    const rssItem = child(child(checkRss(body(files, 'feeds/rss.xml')), 'channel'), 'item');
    expect(child(rssItem, 'title').text).toBe('AT&T <3 &amp; "quotes"');
    expect(children(rssItem, 'category').map((c) => c.text)).toEqual(['Tom & Jerry <b>', 'Xây dựng Đảng']);
    expect(child(rssItem, 'creator', NS.dc).text).toBe('Lê & Trần <x>');
    const entry = child(checkAtom(body(files, 'feeds/atom.xml')), 'entry', NS.atom);
    expect(children(entry, 'category', NS.atom).map((c) => c.attributes.term)).toEqual([
      'Tom & Jerry <b>',
      'Xây dựng Đảng',
    ]);
    expect(child(child(entry, 'author', NS.atom), 'name', NS.atom).text).toBe('Lê & Trần <x>');
    const parsed = await readWithFeedParser(body(files, 'feeds/atom.xml'));
    expect(parsed.items[0]?.title).toBe('AT&T <3 &amp; "quotes"');
  });

  it('writes RSS authors as dc:creator, one per author, never as <author>', () => {
    // GIVEN an article with two authors and one with none and no body (so feed adds no content namespace)
    const files = build([
      sample('hai-tac-gia', '2025-06-30', {
        authors: ['Thu Hà', { name: 'Đức Quang', email: 'quang@baohatinh.vn' }],
      }),
      sample('khong-noi-dung', '2025-06-29', { authors: ['Minh'] }, ''),
    ]);
    // THEN
    const channel = child(checkRss(body(files, 'feeds/rss.xml')), 'channel');
    const [first, second] = children(channel, 'item');
    expect(children(first ?? channel, 'creator', NS.dc).map((c) => c.text)).toEqual(['Thu Hà', 'Đức Quang']);
    expect(children(second ?? channel, 'creator', NS.dc).map((c) => c.text)).toEqual(['Minh']);
    expect(children(first ?? channel, 'author')).toHaveLength(0);
  });

  it('declares the dc namespace even when no item has content', () => {
    const files = build([sample('rong', '2025-06-30', { authors: ['Minh'] }, '')]);
    const rss = body(files, 'feeds/rss.xml');
    expect(() => parseXml(rss)).not.toThrow();
    expect(rss).toContain('xmlns:dc="http://purl.org/dc/elements/1.1/"');
  });

  it('gives every Atom category the required term', () => {
    const files = build([
      sample('the', '2025-06-30', { categories: ['Xây dựng Đảng', 'Thời sự'], tags: ['NTM'] }),
    ]);
    const entry = child(checkAtom(body(files, 'feeds/atom.xml')), 'entry', NS.atom);
    expect(children(entry, 'category', NS.atom).map((c) => c.attributes.term)).toEqual([
      'Xây dựng Đảng',
      'Thời sự',
      'NTM',
    ]);
  });

  it.each([
    ['tag:baohatinh.vn,2025:bai-1', 'tag:baohatinh.vn,2025:bai-1'],
    ['urn:uuid:6e9a46ae-c106-b9f5-0000-000000000001', 'urn:uuid:6e9a46ae-c106-b9f5-0000-000000000001'],
    ['tag:BaoHaTinh.vn,2025:xây-dựng', 'tag:baohatinh.vn,2025:x%C3%A2y-d%E1%BB%B1ng'],
    ['HTTPS://BaoHaTinh.vn/a?b=1&c=[2]', 'https://baohatinh.vn/a?b=1&c=%5B2%5D'],
  ])(
    'writes the id %s in one canonical form, alike in all three formats (feed throws or rewrites it)',
    async (given, id) => {
      const files = build([sample('id', '2025-06-30', { id: given })]);
      const entry = child(checkAtom(body(files, 'feeds/atom.xml')), 'entry', NS.atom);
      expect(child(entry, 'id', NS.atom).text).toBe(id);
      const guid = child(child(child(checkRss(body(files, 'feeds/rss.xml')), 'channel'), 'item'), 'guid');
      expect(guid.text).toBe(id);
      expect(guid.attributes.isPermaLink).toBe('false');
      expect(readJsonFeed(body(files, 'feeds/feed.json')).items[0]?.id).toBe(id);
      expect((await readWithFeedParser(body(files, 'feeds/atom.xml'))).items[0]?.guid).toBe(id);
    },
  );

  it('uses the link as a permalink guid when the article has no id', () => {
    const files = build([sample('link', '2025-06-30')]);
    const guid = child(child(child(checkRss(body(files, 'feeds/rss.xml')), 'channel'), 'item'), 'guid');
    expect(guid.text).toBe('https://baohatinh.vn/xay-dung-dang/link.html');
    expect(guid.attributes.isPermaLink).toBe('true');
  });

  it.each([
    ['https://cdn.baohatinh.vn/a/b.jpg', {}, 'image/jpeg'],
    ['https://cdn.baohatinh.vn/a/B.JPEG', {}, 'image/jpeg'],
    ['https://cdn.baohatinh.vn/a/b.png?w=600', {}, 'image/png'],
    ['https://cdn.baohatinh.vn/a/b.webp', {}, 'image/webp'],
    ['https://cdn.baohatinh.vn/a/b.svg', {}, 'image/svg+xml'],
    ['https://cdn.baohatinh.vn/resize/12345', { imageType: 'image/avif' }, 'image/avif'],
  ])('gives the enclosure of %s its real MIME type', (url, extra, type) => {
    const files = build([
      sample('anh', '2025-06-30', { image: url, imageCaption: 'Chú thích "ảnh" & <b>', ...extra }),
    ]);
    const expectedUrl = new URL(url).href;
    const enclosure = child(
      child(child(checkRss(body(files, 'feeds/rss.xml')), 'channel'), 'item'),
      'enclosure',
    );
    expect(enclosure.attributes).toEqual({ url: expectedUrl, type, length: '0' });
    const entry = child(checkAtom(body(files, 'feeds/atom.xml')), 'entry', NS.atom);
    const link = children(entry, 'link', NS.atom).find((l) => l.attributes.rel === 'enclosure');
    expect(link?.attributes).toEqual({
      rel: 'enclosure',
      href: expectedUrl,
      type,
      title: 'Chú thích "ảnh" & <b>',
    });
    const json = readJsonFeed(body(files, 'feeds/feed.json')).items[0];
    expect(json?.attachments).toEqual([
      { url: expectedUrl, mime_type: type, title: 'Chú thích "ảnh" & <b>' },
    ]);
    expect(json?.image).toBe(expectedUrl);
  });

  it('writes an Atom enclosure without a title when the image has no caption', () => {
    const files = build([sample('anh', '2025-06-30', { image: 'https://cdn.baohatinh.vn/b.gif' })]);
    const entry = child(checkAtom(body(files, 'feeds/atom.xml')), 'entry', NS.atom);
    const link = children(entry, 'link', NS.atom).find((l) => l.attributes.rel === 'enclosure');
    expect(link?.attributes).toEqual({
      rel: 'enclosure',
      href: 'https://cdn.baohatinh.vn/b.gif',
      type: 'image/gif',
    });
  });

  it('writes JSON Feed 1.1 with every author, the language and attachments', () => {
    const files = build([
      sample('json', '2025-06-30', {
        authors: [{ name: 'Thu Hà', url: 'https://baohatinh.vn/tac-gia/thu-ha' }, 'Đức Quang'],
        language: 'en',
        summary: 'Tóm tắt',
      }),
    ]);
    const feed = readJsonFeed(body(files, 'feeds/feed.json'));
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.language).toBe('vi');
    expect(feed.authors).toEqual([{ name: 'Báo Hà Tĩnh' }]);
    expect(feed).not.toHaveProperty('author');
    const [item] = feed.items;
    expect(item?.authors).toEqual([
      { name: 'Thu Hà', url: 'https://baohatinh.vn/tac-gia/thu-ha' },
      { name: 'Đức Quang' },
    ]);
    expect(item).not.toHaveProperty('author');
    expect(item?.language).toBe('en');
    expect(item?.summary).toBe('Tóm tắt');
    expect(item?.date_published).toBe('2025-06-29T17:00:00.000Z');
  });

  it("stamps each feed with its newest item's time, never the build time", () => {
    // GIVEN two articles, the older one updated after the newer was published
    const articles = [
      sample('cu', '2025-06-01T08:00:00+07:00', { updated: '2025-07-02T10:00:00+07:00' }),
      sample('moi', '2025-06-30T08:00:00+07:00'),
    ];
    // WHEN built at two different times
    const first = build(articles, TEST_CONFIG, NOW);
    const second = build([...articles].reverse(), TEST_CONFIG, NOW + 86_400_000);
    // THEN the files are byte-identical and the feed time is the newest change
    for (const [path, file] of first) expect(second.get(path)?.body).toBe(file.body);
    const atom = checkAtom(body(first, 'feeds/atom.xml'));
    expect(child(atom, 'updated', NS.atom).text).toBe('2025-07-02T03:00:00.000Z');
    const channel = child(checkRss(body(first, 'feeds/rss.xml')), 'channel');
    expect(child(channel, 'lastBuildDate').text).toBe('Wed, 02 Jul 2025 03:00:00 GMT');
  });
});

describe('what every feed carries', () => {
  const files = build([
    sample('a', '2025-06-30', { categories: ['Xây dựng Đảng', 'Thời sự'] }),
    sample('b', '2025-06-29', { category: 'Thời sự' }),
  ]);

  it('names its language in all three formats', () => {
    expect(child(child(checkRss(body(files, 'feeds/thoi-su/rss.xml')), 'channel'), 'language').text).toBe(
      'vi',
    );
    expect(checkAtom(body(files, 'feeds/thoi-su/atom.xml')).attributes['xml:lang']).toBe('vi');
    expect(readJsonFeed(body(files, 'feeds/thoi-su/feed.json')).language).toBe('vi');
  });

  it('links to itself and to the page it stands for', () => {
    const channel = child(checkRss(body(files, 'feeds/thoi-su/rss.xml')), 'channel');
    expect(child(channel, 'link').text).toBe('https://baohatinh.vn/thoi-su/');
    expect(child(channel, 'link', NS.atom).attributes).toMatchObject({
      rel: 'self',
      href: 'https://baohatinh.vn/feeds/thoi-su/rss.xml',
      type: 'application/rss+xml',
    });
    const atom = checkAtom(body(files, 'feeds/thoi-su/atom.xml'));
    const links = children(atom, 'link', NS.atom).map((link) => link.attributes);
    expect(links).toContainEqual({ rel: 'self', href: 'https://baohatinh.vn/feeds/thoi-su/atom.xml' });
    expect(links).toContainEqual({ rel: 'alternate', href: 'https://baohatinh.vn/thoi-su/' });
    const json = readJsonFeed(body(files, 'feeds/thoi-su/feed.json'));
    expect(json.feed_url).toBe('https://baohatinh.vn/feeds/thoi-su/feed.json');
    expect(json.home_page_url).toBe('https://baohatinh.vn/thoi-su/');
  });

  it('titles category feeds with the site and the category', () => {
    expect(readJsonFeed(body(files, 'feeds/thoi-su/feed.json')).title).toBe('Báo Hà Tĩnh – Thời sự');
    expect(readJsonFeed(body(files, 'feeds/feed.json')).title).toBe('Báo Hà Tĩnh');
  });

  it('serves each file with its content type', () => {
    expect(files.get('feeds/rss.xml')?.contentType).toBe('application/rss+xml; charset=utf-8');
    expect(files.get('feeds/atom.xml')?.contentType).toBe('application/atom+xml; charset=utf-8');
    expect(files.get('feeds/feed.json')?.contentType).toBe('application/feed+json; charset=utf-8');
    expect(files.get('feeds/index.opml')?.contentType).toBe('text/x-opml; charset=utf-8');
    expect(files.get('feeds/index.html')?.contentType).toBe('text/html; charset=utf-8');
  });
});

describe('item content', () => {
  it('is the Markdown rendered to sanitised HTML with absolute URLs, in all three formats', async () => {
    const markdown = [
      '# Tiêu đề',
      '',
      'Xem [bài trước](../chinh-tri/bai-truoc.html) và ![ảnh](anh/1.jpg "Ảnh").',
      '',
      '<script>alert(1)</script><img src="x.png" onerror="alert(2)"><a href="javascript:alert(3)">x</a>',
      '<iframe src="https://evil.example/"></iframe><meta http-equiv="refresh" content="0">',
    ].join('\n');
    const files = build([sample('noi-dung', '2025-06-30', {}, markdown)]);
    const channel = child(checkRss(body(files, 'feeds/rss.xml')), 'channel');
    const html = child(child(channel, 'item'), 'encoded', NS.content).text;
    expect(html).toContain('<h1>Tiêu đề</h1>');
    expect(html).toContain('href="https://baohatinh.vn/chinh-tri/bai-truoc.html"');
    expect(html).toContain('src="https://baohatinh.vn/xay-dung-dang/anh/1.jpg"');
    expect(html).toContain('src="https://baohatinh.vn/xay-dung-dang/x.png"');
    for (const bad of ['<script', 'alert(1)', 'onerror', 'javascript:', '<iframe', '<meta'])
      expect(html).not.toContain(bad);
    const entry = child(checkAtom(body(files, 'feeds/atom.xml')), 'entry', NS.atom);
    expect(child(entry, 'content', NS.atom).text).toBe(html);
    expect(readJsonFeed(body(files, 'feeds/feed.json')).items[0]?.content_html).toBe(html);
    expect((await readWithFeedParser(body(files, 'feeds/rss.xml'))).items[0]?.description).toContain(
      'Tiêu đề',
    );
  });

  it('uses the summary, or an excerpt of the body when there is none', () => {
    const files = build([
      sample('co-tom-tat', '2025-06-30', { summary: 'Tóm tắt <ngắn> & gọn' }),
      sample(
        'khong-tom-tat',
        '2025-06-29',
        {},
        '**Đậm** và [liên kết](https://a.vn/). <b>HTML</b> thô.\n\nĐoạn hai.',
      ),
    ]);
    const items = children(child(checkRss(body(files, 'feeds/rss.xml')), 'channel'), 'item');
    expect(items.map((item) => child(item, 'description').text)).toEqual([
      'Tóm tắt &lt;ngắn&gt; &amp; gọn',
      'Đậm và liên kết. HTML thô. Đoạn hai.',
    ]);
    const json = readJsonFeed(body(files, 'feeds/feed.json'));
    expect(json.items.map((item) => item.summary)).toEqual([
      'Tóm tắt <ngắn> & gọn',
      'Đậm và liên kết. HTML thô. Đoạn hai.',
    ]);
    const atom = checkAtom(body(files, 'feeds/atom.xml'));
    expect(children(atom, 'entry', NS.atom).map((e) => child(e, 'summary', NS.atom).text)).toEqual([
      'Tóm tắt <ngắn> & gọn',
      'Đậm và liên kết. HTML thô. Đoạn hai.',
    ]);
    expect(children(atom, 'entry', NS.atom).map((e) => child(e, 'summary', NS.atom).attributes.type)).toEqual(
      ['text', 'text'],
    );
  });

  it('lets an article without body or summary through with its title and link', async () => {
    const files = build([sample('trong', '2025-06-30', {}, '')]);
    checkRss(body(files, 'feeds/rss.xml'));
    checkAtom(body(files, 'feeds/atom.xml'));
    expect(readJsonFeed(body(files, 'feeds/feed.json')).items[0]?.content_html).toBe('');
    expect((await readWithFeedParser(body(files, 'feeds/atom.xml'))).items[0]?.link).toBe(
      'https://baohatinh.vn/xay-dung-dang/trong.html',
    );
  });
});

describe('what the W3C feed validator asks beyond the specifications', () => {
  it('writes "&" and "<" in plain text as character references, which read back exactly', async () => {
    const item = article({
      title: 'S&P500 <b> & Lớp 7&8',
      date: '2025-06-30',
      categories: ['Tom & Jerry'],
      authors: ['A&B'],
    });
    const files = build([item]);
    const rss = body(files, 'feeds/rss.xml');
    expect(rss).toContain('<title>S&#x26;P500 &#x3C;b&gt; &#x26; Lớp 7&#x26;8</title>');
    expect(rss).toContain('<category>Tom &#x26; Jerry</category>');
    expect(rss).toContain('<dc:creator>A&#x26;B</dc:creator>');
    const atom = body(files, 'feeds/atom.xml');
    expect(atom).toContain('<title type="text">S&#x26;P500 &#x3C;b&gt; &#x26; Lớp 7&#x26;8</title>');
    // (feedparser drops tag-like text such as "<b>" from titles; the entities it decodes)
    expect((await readWithFeedParser(rss)).items[0]?.title).toBe('S&P500  & Lớp 7&8');
    expect(child(child(child(checkRss(rss), 'channel'), 'item'), 'title').text).toBe('S&P500 <b> & Lớp 7&8');
  });

  it('puts a description before content:encoded even when there is no summary text', () => {
    // GIVEN a body that is only an image, so no excerpt can be taken
    const files = build([sample('chi-anh', '2025-06-30', {}, '![](anh.jpg)')]);
    const item = child(child(checkRss(body(files, 'feeds/rss.xml')), 'channel'), 'item');
    expect(
      item.children.map((c) => c.local).filter((name) => name === 'description' || name === 'encoded'),
    ).toEqual(['description', 'encoded']);
    expect(child(item, 'description').text).toBe('Bài chi-anh');
  });

  it('gives an Atom entry with neither body nor summary its title as summary', () => {
    const files = build([sample('trong', '2025-06-30', {}, '')]);
    const entry = child(checkAtom(body(files, 'feeds/atom.xml')), 'entry', NS.atom);
    expect(child(entry, 'summary', NS.atom).text).toBe('Bài trong');
  });

  it('writes URLs with characters URIs exclude percent-encoded', () => {
    const files = build([
      sample('url', '2025-06-30', {
        link: 'https://baohatinh.vn/tin-tức/a b?x=[1]|^{2}',
        image: 'https://cdn.baohatinh.vn/a.jpg?crop=[0,0]|x',
      }),
    ]);
    const item = child(child(checkRss(body(files, 'feeds/rss.xml')), 'channel'), 'item');
    expect(child(item, 'link').text).toBe(
      'https://baohatinh.vn/tin-t%E1%BB%A9c/a%20b?x=%5B1%5D%7C%5E%7B2%7D',
    );
    expect(child(item, 'enclosure').attributes.url).toBe('https://cdn.baohatinh.vn/a.jpg?crop=%5B0,0%5D%7Cx');
  });

  it('stamps an empty feed with the build time, not 1970', () => {
    const files = build([], TEST_CONFIG, NOW);
    expect(child(checkAtom(body(files, 'feeds/atom.xml')), 'updated', NS.atom).text).toBe(
      '2026-01-01T00:00:00.000Z',
    );
  });
});
