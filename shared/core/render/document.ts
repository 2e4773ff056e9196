/** What a feed shows, in any format: the data the renderers take. */
import type { Article } from '../article/article';

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

export const GENERATOR = 'feedgen';
export const DC_NAMESPACE = 'http://purl.org/dc/elements/1.1/';

/** Names shown as RSS/Atom categories: the article's categories, then its tags. */
export function categoryNames(article: Article): string[] {
  return [...new Set([...article.categories.map((category) => category.name), ...article.tags])];
}

export function itemUpdated(article: Article): Date {
  return new Date(article.updated ?? article.published);
}
