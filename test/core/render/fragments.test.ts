import fc from 'fast-check';
import { parseArticle } from '../../../shared/core/article/article';
import { DEFAULT_CONFIG } from '../../../shared/core/config';
import type { FeedItem } from '../../../shared/core/render/feeds';
import { renderAtom, renderJsonFeed, renderRss } from '../../../shared/core/render/feeds';
import { assembleFeed, renderItemFragments } from '../../../shared/core/render/fragments';
import { feedDocument, toFeedItem } from '../../../shared/core/render/identity';

const config = {
  ...DEFAULT_CONFIG,
  siteUrl: 'https://baohatinh.vn/',
  feedBaseUrl: 'https://baohatinh.vn/feeds/',
};

function item(
  index: number,
  fields: { title: string; body: string; summary?: string; tag?: string },
): FeedItem {
  const lines = [
    '---',
    `title: ${JSON.stringify(fields.title || 'x')}`,
    `date: 2025-06-${String((index % 28) + 1).padStart(2, '0')}T08:00:00+07:00`,
    'category: Thời sự',
    ...(fields.summary !== undefined ? [`summary: ${JSON.stringify(fields.summary)}`] : []),
    ...(fields.tag ? [`tags: [${JSON.stringify(fields.tag)}]`] : []),
    '---',
    fields.body,
  ];
  const parsed = parseArticle(`articles/bai-${index}.md`, Buffer.from(lines.join('\n')), config);
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => p.message).join('; '));
  return toFeedItem(parsed.article);
}

describe('assembleFeed', () => {
  it('gives the bytes of rendering the whole document, for any items', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            title: fc.string({ minLength: 1 }),
            body: fc.oneof(fc.constant(''), fc.string(), fc.constant('**đậm** <script>x</script> ]]> & <b>')),
            summary: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
            tag: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
          }),
          { maxLength: 6 },
        ),
        (fields) => {
          const items = fields.map((f, i) => item(i, f));
          // GIVEN a category feed's document
          const document = feedDocument(
            { name: 'Thời sự', slug: 'thoi-su' },
            items,
            config,
            Date.UTC(2026, 0, 1),
          );
          // WHEN it is assembled from per-item fragments
          const assembled = assembleFeed(
            document,
            items.map((i) => ({ fragments: renderItemFragments(i), hasContent: i.html !== '' })),
          );
          // THEN each format equals the whole-document render
          expect(assembled.rss).toBe(renderRss(document));
          expect(assembled.atom).toBe(renderAtom(document));
          expect(assembled.json).toBe(renderJsonFeed(document));
        },
      ),
      { numRuns: 60, seed: 12 },
    );
  });
});
