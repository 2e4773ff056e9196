import type { Article } from '../../shared/core/article/article';
import { compareNewestFirst, planFeeds, selectArticles } from '../../shared/core/rules';
import { buildSite } from '../../shared/core/site';
import { sample, TEST_CONFIG } from '../helpers/articles';
import { checkAtom, readJsonFeed } from '../helpers/feed-readers';
import { attribute, findAll, parseHtml, textOf } from '../helpers/html';
import { child, children, NS, parseXml } from '../helpers/xml';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('selectArticles', () => {
  it('keeps drafts and future-dated articles out, and says which is which', () => {
    const live = sample('live', '2025-06-30');
    const draft = sample('draft', '2025-06-30', { draft: true });
    const future = sample('future', '2026-06-30');
    const selection = selectArticles([future, draft, live], NOW);
    expect(selection.live).toEqual([live]);
    expect(selection.drafts).toEqual([draft]);
    expect(selection.scheduled).toEqual([future]);
  });

  it('rejects an article whose id is taken by a file earlier in path order, naming both', () => {
    const first = {
      ...sample('a', '2025-06-30', { id: 'tag:baohatinh.vn,2025:1' }),
      source: 'articles/a.md',
    };
    const second = {
      ...sample('b', '2025-07-01', { id: 'tag:baohatinh.vn,2025:1' }),
      source: 'articles/b.md',
    };
    const selection = selectArticles([second, first], NOW);
    expect(selection.live).toEqual([first]);
    expect(selection.rejected).toEqual([
      {
        source: 'articles/b.md',
        field: 'id',
        message: expect.stringMatching(/tag:baohatinh\.vn,2025:1 is already the id of articles\/a\.md/),
      },
    ]);
  });

  it('settles an id among published articles: one held back takes part when it comes due', () => {
    // GIVEN a.md held back until 2099 and b.md published, with one id
    const held = {
      ...sample('a', '2099-01-01', { id: 'tag:baohatinh.vn,2025:1' }),
      source: 'articles/a.md',
    };
    const published = {
      ...sample('b', '2025-07-01', { id: 'tag:baohatinh.vn,2025:1' }),
      source: 'articles/b.md',
    };
    // WHEN selected now THEN b.md is live and a.md waits, neither rejected
    const now = selectArticles([held, published], NOW);
    expect(now).toEqual({ live: [published], drafts: [], scheduled: [held], rejected: [] });
    // WHEN selected after a.md comes due THEN a.md, first by path, has the id
    const later = selectArticles([held, published], Date.parse('2099-01-02T00:00:00Z'));
    expect(later.live).toEqual([held]);
    expect(later.rejected).toEqual([expect.objectContaining({ source: 'articles/b.md', field: 'id' })]);
  });

  it('rejects an updated time in the future, naming the field', () => {
    const article = sample('tuong-lai', '2025-06-30', { updated: '2099-01-01' });
    const selection = selectArticles([article], NOW);
    expect(selection.live).toEqual([]);
    expect(selection.rejected).toEqual([
      {
        source: 'articles/tuong-lai.md',
        field: 'updated',
        message: expect.stringMatching(/2098-12-31T17:00:00\.000Z is in the future/),
      },
    ]);
  });

  it('does not count a draft as the owner of an id', () => {
    const draft = {
      ...sample('a', '2025-06-30', { draft: true }),
      source: 'articles/a.md',
      id: 'tag:x,2025:1',
    };
    const live = { ...sample('b', '2025-06-30'), source: 'articles/b.md', id: 'tag:x,2025:1' };
    expect(selectArticles([draft, live], NOW).live).toEqual([live]);
  });
});

describe('planFeeds', () => {
  it('orders newest first and breaks ties by id, whatever the input order', () => {
    const articles = [
      sample('c', '2025-06-30T08:00'),
      sample('a', '2025-06-30T08:00'),
      sample('old', '2025-01-01'),
      sample('b', '2025-06-30T08:00'),
      sample('new', '2025-07-01'),
    ];
    const expected = ['new', 'a', 'b', 'c', 'old'];
    for (const order of [
      articles,
      [...articles].reverse(),
      [articles[2], articles[0], articles[4], articles[1], articles[3]],
    ]) {
      const [site] = planFeeds(order as Article[], TEST_CONFIG);
      expect(site?.articles.map((a) => a.slug)).toEqual(expected);
    }
    expect([...articles].sort(compareNewestFirst).map((a) => a.slug)).toEqual(expected);
  });

  it('keeps the newest itemsPerFeed in each feed', () => {
    const articles = Array.from({ length: 60 }, (_, i) =>
      sample(
        `bai-${i}`,
        `2025-06-${String((i % 28) + 1).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00`,
      ),
    );
    const plans = planFeeds(articles, TEST_CONFIG);
    expect(plans.map((plan) => plan.articles.length)).toEqual([50, 50]);
    expect(plans[0]?.total).toBe(60);
    const sorted = [...articles].sort(compareNewestFirst).slice(0, 50);
    expect(plans[0]?.articles).toEqual(sorted);
    expect(planFeeds(articles, { ...TEST_CONFIG, itemsPerFeed: 7 })[1]?.articles).toHaveLength(7);
  });

  it('makes one feed per category slug, named as its newest article names it', () => {
    const plans = planFeeds(
      [
        sample('a', '2025-06-30', { category: 'Thời sự' }),
        sample('b', '2025-06-29', { category: 'Thời Sự' }),
        sample('c', '2025-06-28', { category: 'Thoi su' }),
        sample('d', '2025-06-27', { category: 'Xây dựng Đảng' }),
      ],
      TEST_CONFIG,
    );
    expect(plans.map((plan) => [plan.folder, plan.category?.name, plan.articles.length])).toEqual([
      ['feeds/', undefined, 4],
      ['feeds/thoi-su/', 'Thời sự', 3],
      ['feeds/xay-dung-dang/', 'Xây dựng Đảng', 1],
    ]);
  });
});

describe('buildSite', () => {
  const articles = [
    sample('a', '2025-06-30T08:00+07:00', { categories: ['Xây dựng Đảng', 'Thời sự'] }),
    sample('b', '2025-06-29', { category: 'Thời sự', updated: '2025-07-03T00:00+07:00' }),
    sample('c', '2025-06-28', { category: 'Văn hóa & "Xã hội" <b>' }),
    sample('draft', '2025-06-30', { draft: true, category: 'Nháp' }),
  ];
  const site = buildSite(articles, TEST_CONFIG, NOW);
  const file = (path: string): string => {
    const found = site.files.find((f) => f.path === path);
    if (!found) throw new Error(`no ${path}`);
    return found.body;
  };

  it('writes the site feeds, three files per category, the OPML and the page', () => {
    expect(site.files.map((f) => f.path).sort()).toEqual(
      [
        'feeds/rss.xml',
        'feeds/atom.xml',
        'feeds/feed.json',
        ...['thoi-su', 'van-hoa-xa-hoi-b', 'xay-dung-dang'].flatMap((slug) => [
          `feeds/${slug}/rss.xml`,
          `feeds/${slug}/atom.xml`,
          `feeds/${slug}/feed.json`,
        ]),
        'feeds/index.opml',
        'feeds/index.html',
      ].sort(),
    );
  });

  it('puts an article in the feed of each of its categories and in the site feed', () => {
    const entries = (path: string) =>
      children(checkAtom(file(path)), 'entry', NS.atom).map((e) => child(e, 'title', NS.atom).text);
    expect(entries('feeds/atom.xml')).toEqual(['Bài a', 'Bài b', 'Bài c']);
    expect(entries('feeds/thoi-su/atom.xml')).toEqual(['Bài a', 'Bài b']);
    expect(entries('feeds/xay-dung-dang/atom.xml')).toEqual(['Bài a']);
    expect(readJsonFeed(file('feeds/thoi-su/feed.json')).items[1]?.date_modified).toBe(
      '2025-07-02T17:00:00.000Z',
    );
  });

  it('lists every feed in OPML 2.0, grouped by format, with absolute URLs', () => {
    const opml = parseXml(file('feeds/index.opml'));
    expect(opml.attributes.version).toBe('2.0');
    expect(child(child(opml, 'head'), 'title').text).toBe('Báo Hà Tĩnh');
    // (no dateCreated: the list changes only when categories do, not with every article)
    expect(children(child(opml, 'head'), 'dateCreated')).toHaveLength(0);
    const groups = children(child(opml, 'body'), 'outline');
    expect(groups.map((g) => g.attributes.text)).toEqual(['RSS 2.0', 'Atom 1.0', 'JSON Feed 1.1']);
    const rss = children(groups[0] ?? opml, 'outline');
    expect(rss.map((o) => o.attributes.xmlUrl)).toEqual([
      'https://baohatinh.vn/feeds/rss.xml',
      'https://baohatinh.vn/feeds/thoi-su/rss.xml',
      'https://baohatinh.vn/feeds/van-hoa-xa-hoi-b/rss.xml',
      'https://baohatinh.vn/feeds/xay-dung-dang/rss.xml',
    ]);
    expect(rss[2]?.attributes).toMatchObject({
      type: 'rss',
      text: 'Báo Hà Tĩnh – Văn hóa & "Xã hội" <b>',
      htmlUrl: 'https://baohatinh.vn/van-hoa-xa-hoi-b/',
    });
    expect(children(groups[2] ?? opml, 'outline').map((o) => o.attributes.xmlUrl)).toContain(
      'https://baohatinh.vn/feeds/thoi-su/feed.json',
    );
  });

  it('writes a feeds page listing every category with its three feeds, and autodiscovery links', () => {
    const page = parseHtml(file('feeds/index.html'));
    expect(attribute(page, 'lang')).toBe('vi');
    const rows = findAll(
      page,
      (e) =>
        e.tagName === 'tr' &&
        (attribute(e, 'data-category') !== undefined || attribute(e, 'data-site') !== undefined),
    );
    expect(rows.map((row) => textOf(findAll(row, (e) => e.tagName === 'th')[0] ?? row))).toEqual([
      'Tất cả tin',
      'Thời sự',
      'Văn hóa & "Xã hội" <b>',
      'Xây dựng Đảng',
    ]);
    const hrefs = findAll(rows[2] ?? page, (e) => e.tagName === 'a').map((a) => attribute(a, 'href'));
    expect(hrefs).toEqual([
      'van-hoa-xa-hoi-b/rss.xml',
      'van-hoa-xa-hoi-b/atom.xml',
      'van-hoa-xa-hoi-b/feed.json',
    ]);
    const discovery = findAll(page, (e) => e.tagName === 'link' && attribute(e, 'rel') === 'alternate');
    expect(discovery).toHaveLength(12);
    expect(discovery.map((l) => attribute(l, 'type'))).toContain('application/feed+json');
    expect(discovery.slice(0, 3).map((l) => [attribute(l, 'type'), attribute(l, 'href')])).toEqual([
      ['application/rss+xml', 'rss.xml'],
      ['application/atom+xml', 'atom.xml'],
      ['application/feed+json', 'feed.json'],
    ]);
    expect(findAll(page, (e) => e.tagName === 'a' && attribute(e, 'href') === 'index.opml')).toHaveLength(1);
  });

  it('writes valid, empty site feeds when nothing is published', () => {
    const empty = buildSite([], TEST_CONFIG, NOW);
    const atom = empty.files.find((f) => f.path === 'feeds/atom.xml')?.body ?? '';
    expect(children(checkAtom(atom), 'entry', NS.atom)).toHaveLength(0);
    expect(readJsonFeed(empty.files.find((f) => f.path === 'feeds/feed.json')?.body ?? '').items).toEqual([]);
  });
});
