import type { Article, ArticleProblem, Category } from './article/article';
import type { SiteConfig } from './config';

/**
 * The one set of rules for what a site shows: which articles are published, which feeds
 * they are in, and in what order. `feedgen build` applies them to all articles at once;
 * the publisher (shared/publishing/) applies the same rules one batch at a time.
 */

/** Which articles are published now, and why the others are not. */
export interface Selection {
  readonly live: readonly Article[];
  readonly drafts: readonly Article[];
  /** Dated in the future: held back until their date. */
  readonly scheduled: readonly Article[];
  /** Rejected: an earlier file (by path) already has their id, or `updated` is in the future. */
  readonly rejected: readonly ArticleProblem[];
}

/** One feed's place in the site: the whole site (`category` undefined) or one category. */
export interface FeedPlan {
  readonly category: Category | undefined;
  /** Path of the feed's folder below the output root, with a trailing slash. */
  readonly folder: string;
  readonly articles: readonly Article[];
  /** Articles in the category in all, before the items-per-feed cut. */
  readonly total: number;
}

/** Newest first; equal times ordered by id, then source, so every build orders alike. */
export function compareNewestFirst(
  a: Pick<Article, 'published' | 'id' | 'source'>,
  b: Pick<Article, 'published' | 'id' | 'source'>,
): number {
  return b.published - a.published || compare(a.id, b.id) || compare(a.source, b.source);
}

/** Code-unit order: how paths and ids are ordered everywhere (the first by path owns an id). */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Splits articles into published, draft and scheduled; rejects duplicate ids and future `updated` times. */
export function selectArticles(articles: readonly Article[], now: number): Selection {
  const bySource = [...articles].sort((a, b) => compare(a.source, b.source));
  const owners = new Map<string, Article>();
  const live: Article[] = [];
  const drafts: Article[] = [];
  const scheduled: Article[] = [];
  const rejected: ArticleProblem[] = [];
  for (const article of bySource) {
    if (article.draft) {
      drafts.push(article);
      continue;
    }
    // An id is settled among published articles: a held-back one takes part when it comes
    // due, as the incremental publisher sees it then.
    if (article.published > now) {
      scheduled.push(article);
      continue;
    }
    const owner = owners.get(article.id);
    if (owner) {
      rejected.push({
        source: article.source,
        field: 'id',
        message: `${article.id} is already the id of ${owner.source}; give this article its own slug, link or id`,
      });
      continue;
    }
    if (article.updated !== undefined && article.updated > now) {
      rejected.push({
        source: article.source,
        field: 'updated',
        message: `${new Date(article.updated).toISOString()} is in the future; updated is when the article last changed`,
      });
      continue;
    }
    owners.set(article.id, article);
    live.push(article);
  }
  return { live, drafts, scheduled, rejected };
}

/**
 * Decides which articles go in which feed: the site-wide feed and one per category, each
 * the newest `itemsPerFeed`. Category names that differ only in case or accents share a
 * slug and so a feed; it is shown under the name its newest article uses (so a corrected
 * spelling shows at once, and the incremental publisher can tell it from the feed alone).
 */
export function planFeeds(live: readonly Article[], config: SiteConfig): FeedPlan[] {
  const sorted = [...live].sort(compareNewestFirst);
  const members = new Map<string, { name: string; articles: Article[] }>();
  for (const article of sorted) {
    for (const category of article.categories) {
      // Articles are visited newest first, so the first name seen is the newest article's.
      const entry = members.get(category.slug) ?? { name: category.name, articles: [] };
      members.set(category.slug, entry);
      entry.articles.push(article);
    }
  }
  const plans: FeedPlan[] = [
    {
      category: undefined,
      folder: 'feeds/',
      articles: sorted.slice(0, config.itemsPerFeed),
      total: sorted.length,
    },
  ];
  for (const slug of [...members.keys()].sort(compare)) {
    const { name, articles } = members.get(slug) ?? { name: slug, articles: [] };
    plans.push({
      category: { name, slug },
      folder: `feeds/${slug}/`,
      articles: articles.slice(0, config.itemsPerFeed),
      total: articles.length,
    });
  }
  return plans;
}
