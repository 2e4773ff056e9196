import type { Article, Category } from '../article/article';
import type { SiteConfig } from '../config';
import { excerpt, renderArticleHtml } from '../content';
import type { FeedDocument, FeedItem } from './document';

export const FEED_FILE_NAMES = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' } as const;

/** Absolute URLs of a feed folder's three files. */
export function feedUrls(folder: string, config: SiteConfig): FeedDocument['urls'] {
  const base = new URL(encodeURI(folder.replace(/^feeds\//, '')), config.feedBaseUrl);
  return {
    rss: new URL(FEED_FILE_NAMES.rss, base).href,
    atom: new URL(FEED_FILE_NAMES.atom, base).href,
    json: new URL(FEED_FILE_NAMES.json, base).href,
  };
}

/**
 * Renders one article for the feeds. Done only for articles that made it into some feed,
 * and once per article however many feeds show it (the caller's cache).
 */
export function toFeedItem(article: Article): FeedItem {
  return {
    article,
    html: renderArticleHtml(article.body, article.link),
    summary: article.summary ?? excerpt(article.body),
  };
}

/** What a feed is, apart from its items: titles, links and where its files go. */
export type FeedIdentity = Omit<FeedDocument, 'items' | 'updated'> & { readonly folder: string };

/** The identity of the site feed (`category` undefined) or of one category's feed. */
export function feedIdentity(category: Category | undefined, config: SiteConfig): FeedIdentity {
  const folder = category ? `feeds/${category.slug}/` : 'feeds/';
  return {
    folder,
    title: category ? `${config.title} – ${category.name}` : config.title,
    description: category ? `${category.name} – ${config.description}` : config.description,
    homePageUrl: category
      ? new URL(`${encodeURIComponent(category.slug)}/`, config.siteUrl).href
      : config.siteUrl,
    language: config.language,
    publisher: config.title,
    urls: feedUrls(folder, config),
  };
}

/** `now` stamps only a feed with no items, which has no newest item to take the time from. */
export function feedDocument(
  category: Category | undefined,
  items: readonly FeedItem[],
  config: SiteConfig,
  now: number,
): FeedDocument {
  // Any time, 1970 and before included, is an item's; only an empty feed takes `now`.
  const updated =
    items.length > 0 ? Math.max(...items.map(({ article }) => article.updated ?? article.published)) : now;
  const { folder: _folder, ...identity } = feedIdentity(category, config);
  return { ...identity, updated, items };
}
