import { Feed, type Item } from 'feed';
import type { Article } from './article';
import { escapeXmlText } from './text';
import { XmlSlots } from './xml-slots';

/** One item as the feeds show it: the article, its sanitised HTML and a plain-text summary. */
export interface FeedItem {
  readonly article: Article;
  /** Sanitised HTML with absolute URLs; '' when the article has no body. */
  readonly html: string;
  /** Plain text: the article's summary, or an excerpt of its body; may be ''. */
  readonly summary: string;
}

/** Everything one feed shows, in all three formats. */
export interface FeedDocument {
  readonly title: string;
  readonly description: string;
  /** The HTML page the feed stands for. */
  readonly homePageUrl: string;
  readonly language: string;
  /** Feed-level author: Atom requires one when an entry has none. */
  readonly publisher: string;
  readonly urls: { readonly rss: string; readonly atom: string; readonly json: string };
  /** Newest item's time, epoch ms: never the build time, so the same articles give the same bytes. */
  readonly updated: number;
  /** Newest first. */
  readonly items: readonly FeedItem[];
}

const GENERATOR = 'feedgen';
const DC_NAMESPACE = 'http://purl.org/dc/elements/1.1/';

/** Names shown as RSS/Atom categories: the article's categories, then its tags. */
function categoryNames(article: Article): string[] {
  return [...new Set([...article.categories.map((category) => category.name), ...article.tags])];
}

function itemUpdated(article: Article): Date {
  return new Date(article.updated ?? article.published);
}

/** RSS 2.0. Authors go in dc:creator, since RSS's own <author> must be an e-mail address. */
export function renderRss(document: FeedDocument): string {
  const slots = new XmlSlots();
  const feed = new Feed({
    title: slots.text(document.title),
    description: slots.text(document.description),
    link: document.homePageUrl,
    language: slots.text(document.language),
    updated: new Date(document.updated),
    generator: GENERATOR,
    feedLinks: { rss: document.urls.rss },
  });
  for (const { article, html, summary } of document.items) {
    const item: Item = {
      title: slots.cdataText(article.title),
      link: article.link,
      date: itemUpdated(article),
      published: new Date(article.published),
      category: categoryNames(article).map((name) => ({ name: slots.text(name) })),
    };
    // Without an id `feed` writes the link as a permalink guid; a distinct id is not a permalink.
    if (article.id !== article.link) item.id = slots.text(article.id);
    // The validator wants a description before content:encoded; the title stands in.
    if (summary || html) item.description = slots.cdata(escapeXmlText(summary || article.title));
    if (html) item.content = slots.cdata(html);
    if (article.authors.length > 0) {
      item.extensions = [
        {
          name: 'dc:creator',
          objects: article.authors.map((author) => ({ _text: slots.text(author.name) })) as unknown as Record<
            string,
            unknown
          >,
        },
      ];
    }
    if (article.image) item.image = { url: article.image.url, type: article.image.type, length: 0 };
    feed.addItem(item);
  }
  let xml = slots.fill(feed.rss2());
  // `feed` declares the dc namespace only when some item has content.
  if (!xml.includes('xmlns:dc=')) xml = xml.replace('<rss ', `<rss xmlns:dc="${DC_NAMESPACE}" `);
  return `${xml}\n`;
}

/** Atom 1.0 (RFC 4287): titles and summaries as plain text, content as HTML. */
export function renderAtom(document: FeedDocument): string {
  const slots = new XmlSlots();
  const feed = new Feed({
    id: slots.text(document.urls.atom),
    title: slots.text(document.title),
    description: slots.text(document.description),
    link: document.homePageUrl,
    updated: new Date(document.updated),
    generator: GENERATOR,
    author: { name: slots.text(document.publisher) },
    feedLinks: { atom: document.urls.atom },
  });
  for (const { article, html, summary } of document.items) {
    const item: Item = {
      title: slots.atomText(article.title),
      id: slots.atomId(article.id),
      link: article.link,
      date: itemUpdated(article),
      published: new Date(article.published),
      // `feed` writes no term unless given one, and term is the attribute Atom requires.
      category: categoryNames(article).map((name) => ({ term: slots.attribute(name) })),
      author: article.authors.map((author) => ({
        name: slots.text(author.name),
        ...(author.email ? { email: slots.text(author.email) } : {}),
        ...(author.url ? { link: author.url } : {}),
      })),
    };
    // An entry needs some text: the title stands in when there is neither summary nor body.
    if (summary || !html) item.description = slots.atomText(summary || article.title);
    if (html) item.content = slots.cdata(html);
    if (article.image) {
      item.image = {
        url: article.image.url,
        title: slots.atomEnclosureTitle(article.image.caption, article.image.type),
      };
    }
    feed.addItem(item);
  }
  const xml = slots.fill(feed.atom1());
  const root = '<feed xmlns="http://www.w3.org/2005/Atom">';
  if (!xml.includes(root)) throw new Error('unexpected Atom root element from the feed package');
  return `${xml.replace(root, `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeXmlText(document.language)}">`)}\n`;
}

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
