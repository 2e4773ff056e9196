import fc from 'fast-check';
import { parseArticle } from '../../shared/core/article/article';
import { toFeedItem } from '../../shared/core/render/identity';
import { buildSite } from '../../shared/core/site';
import { cleanLine } from '../../shared/core/text';
import { canonicalId } from '../../shared/core/uris';
import { TEST_CONFIG } from '../helpers/articles';
import { readJsonFeed } from '../helpers/feed-readers';
import { child, children, NS, parseXml } from '../helpers/xml';

// A fixed seed in CI; FC_SEED and FC_RUNS explore further (e.g. FC_RUNS=20000 npm test -- property).
const RUNS = { seed: Number(process.env.FC_SEED ?? 20250630), numRuns: Number(process.env.FC_RUNS ?? 150) };

/** Strings built from the pieces that break XML writers, mixed with arbitrary code points. */
const hostile = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        ']]>',
        '<![CDATA[',
        ']]]]><![CDATA[>',
        '<',
        '>',
        '&',
        '&amp;',
        '&#0;',
        '"',
        "'",
        '\u0000',
        '\u0001',
        '\u000B',
        '\u001F',
        '\uFFFE',
        '\uFFFF',
        '\uD800',
        '\uDFFF',
        '\r\n',
        '\r',
        '\t',
        '\u0085',
        '\u2028',
        '\uFEFF',
        'e\u0302\u0323',
        'Đảng',
        '😀',
        '<script>alert(1)</script>',
        'urn:x-feedgen-slot:0',
        '\u00010\u0001',
      ),
      fc.string({ unit: 'binary', maxLength: 6 }),
    ),
    { maxLength: 10 },
  )
  .map((parts) => parts.join(''));

describe('any text in any field gives well-formed feeds that read back to the same text', () => {
  it('holds for titles, summaries, authors, categories, tags, captions and bodies', () => {
    fc.assert(
      fc.property(
        fc.record({
          title: hostile,
          summary: hostile,
          author: hostile,
          category: hostile,
          tag: hostile,
          caption: hostile,
          body: hostile,
        }),
        (text) => {
          // GIVEN an article whose every text field is hostile (prefixed so required fields are not empty)
          const fields = {
            title: `T${text.title}`,
            date: '2025-06-30T08:00:00+07:00',
            category: `C${text.category}`,
            summary: `S${text.summary}`,
            author: `A${text.author}`,
            tags: [`G${text.tag}`],
            image: 'https://baohatinh.vn/anh/1.jpg',
            imageCaption: `P${text.caption}`,
            slug: 'bai',
            body: text.body,
          };
          const parsed = parseArticle(
            'articles/bai.json',
            Buffer.from(JSON.stringify(fields), 'utf8'),
            TEST_CONFIG,
          );
          if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
          const { article } = parsed;
          const expected = {
            title: cleanLine(fields.title),
            summary: cleanLine(fields.summary),
            author: cleanLine(fields.author),
            categories: [...new Set([cleanLine(fields.category), cleanLine(`G${text.tag}`)])],
            caption: cleanLine(fields.imageCaption),
            html: toFeedItem(article).html,
          };

          // WHEN the site is built
          const files = new Map(
            buildSite([article], TEST_CONFIG, Date.now()).files.map((f) => [f.path, f.body]),
          );
          const folder = `feeds/${article.categories[0]?.slug}/`;

          // THEN a strict XML parser reads every document and gets the same text back
          for (const prefix of ['feeds/', folder]) {
            const rssItem = child(child(parseXml(files.get(`${prefix}rss.xml`) ?? ''), 'channel'), 'item');
            expect(child(rssItem, 'title').text).toBe(expected.title);
            expect(child(rssItem, 'creator', NS.dc).text).toBe(expected.author);
            expect(children(rssItem, 'category').map((c) => c.text)).toEqual(expected.categories);
            expect(children(rssItem, 'encoded', NS.content).map((c) => c.text)).toEqual(
              expected.html ? [expected.html] : [],
            );

            const entry = child(parseXml(files.get(`${prefix}atom.xml`) ?? ''), 'entry', NS.atom);
            expect(child(entry, 'title', NS.atom).text).toBe(expected.title);
            expect(child(entry, 'summary', NS.atom).text).toBe(expected.summary);
            expect(child(child(entry, 'author', NS.atom), 'name', NS.atom).text).toBe(expected.author);
            expect(children(entry, 'category', NS.atom).map((c) => c.attributes.term)).toEqual(
              expected.categories,
            );
            const enclosure = children(entry, 'link', NS.atom).find(
              (link) => link.attributes.rel === 'enclosure',
            );
            expect(enclosure?.attributes.title).toBe(expected.caption);
            expect(enclosure?.attributes.type).toBe('image/jpeg');
            expect(children(entry, 'content', NS.atom).map((c) => c.text)).toEqual(
              expected.html ? [expected.html] : [],
            );

            const json = readJsonFeed(files.get(`${prefix}feed.json`) ?? '');
            expect(json.items[0]).toMatchObject({
              title: expected.title,
              summary: expected.summary,
              tags: expected.categories,
            });
          }
          const opml = parseXml(files.get('feeds/index.opml') ?? '');
          expect(opml.local).toBe('opml');
        },
      ),
      RUNS,
    );
  });

  it('holds for ids: any absolute URI is written in its canonical form, alike in every format', () => {
    const uriTail = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
      .map((s) => s.replace(/[\s<>"{}|\\^`\p{Cc}]/gu, 'x'));
    fc.assert(
      fc.property(
        fc.constantFrom('tag:a.vn,2025:', 'urn:', 'https://a.vn/', 'x-custom:'),
        uriTail,
        (scheme, tail) => {
          const given = cleanLine(`${scheme}${tail}`);
          const canonical = canonicalId(given);
          fc.pre(canonical.ok);
          const id = canonical.ok ? canonical.value : '';
          expect(canonicalId(id)).toEqual({ ok: true, value: id });
          const fields = { title: 'T', date: '2025-06-30', category: 'C', id: given, slug: 'bai' };
          const parsed = parseArticle('articles/bai.json', Buffer.from(JSON.stringify(fields)), TEST_CONFIG);
          if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
          const files = new Map(
            buildSite([parsed.article], TEST_CONFIG, Date.now()).files.map((f) => [f.path, f.body]),
          );
          const entry = child(parseXml(files.get('feeds/atom.xml') ?? ''), 'entry', NS.atom);
          expect(child(entry, 'id', NS.atom).text).toBe(id);
          const rssItem = child(child(parseXml(files.get('feeds/rss.xml') ?? ''), 'channel'), 'item');
          expect(child(rssItem, 'guid').text).toBe(id);
          expect(readJsonFeed(files.get('feeds/feed.json') ?? '').items[0]?.id).toBe(id);
        },
      ),
      RUNS,
    );
  });
});
