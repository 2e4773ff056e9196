import { Feed } from 'feed';
import { escapeXmlText } from '../text';
import { categoryNames, type FeedDocument, itemUpdated } from './document';

interface JsonFeedAuthor {
  name: string;
  url?: string;
}

/**
 * JSON Feed 1.1. `feed` writes version 1 (one `author`, no `language`, no attachments);
 * its output is upgraded here field by field.
 */
export function renderJsonFeed(document: FeedDocument): string {
  const feed = new Feed({
    title: document.title,
    description: document.description,
    link: document.homePageUrl,
    updated: new Date(document.updated),
    feedLinks: { json: document.urls.json },
  });
  for (const { article, html, summary } of document.items) {
    feed.addItem({
      title: article.title,
      id: article.id,
      link: article.link,
      date: itemUpdated(article),
      published: new Date(article.published),
      ...(summary ? { description: summary } : {}),
      content: html || (summary ? `<p>${escapeXmlText(summary)}</p>` : ''),
      ...(article.image ? { image: article.image.url } : {}),
    });
  }
  const legacy = JSON.parse(feed.json1()) as {
    title: string;
    home_page_url?: string;
    feed_url?: string;
    description?: string;
    items: Array<Record<string, unknown>>;
  };
  const upgraded = {
    version: 'https://jsonfeed.org/version/1.1',
    title: legacy.title,
    home_page_url: legacy.home_page_url,
    feed_url: legacy.feed_url,
    description: legacy.description,
    language: document.language,
    authors: [{ name: document.publisher }],
    items: legacy.items.map((legacyItem, index) => {
      const source = document.items[index];
      if (!source) throw new Error('feed package returned more items than it was given');
      const { article } = source;
      const authors: JsonFeedAuthor[] = article.authors.map((author) => ({
        name: author.name,
        ...(author.url ? { url: author.url } : {}),
      }));
      const tags = categoryNames(article);
      return {
        id: article.id,
        url: legacyItem.url,
        title: legacyItem.title,
        content_html: legacyItem.content_html ?? '',
        ...(legacyItem.summary !== undefined ? { summary: legacyItem.summary } : {}),
        ...(legacyItem.image !== undefined ? { image: legacyItem.image } : {}),
        date_published: legacyItem.date_published,
        date_modified: legacyItem.date_modified,
        ...(authors.length > 0 ? { authors } : {}),
        ...(tags.length > 0 ? { tags } : {}),
        ...(article.language ? { language: article.language } : {}),
        ...(article.image
          ? {
              attachments: [
                {
                  url: article.image.url,
                  mime_type: article.image.type,
                  ...(article.image.caption ? { title: article.image.caption } : {}),
                },
              ],
            }
          : {}),
      };
    }),
  };
  return `${JSON.stringify(upgraded, null, 2)}\n`;
}
