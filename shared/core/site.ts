import type { Article, ArticleProblem, Category } from './article/article';
import type { SiteConfig } from './config';
import { excerpt, renderArticleHtml } from './content';
import { type FeedDocument, type FeedItem, renderAtom, renderJsonFeed, renderRss } from './render/feeds';
import { renderFeedsPage, renderOpml } from './render/index-pages';

export const CONTENT_TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  opml: 'text/x-opml; charset=utf-8',
  html: 'text/html; charset=utf-8',
} as const;

export const FEED_FILE_NAMES = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' } as const;

/** A file of the built site, by its path below the output root (e.g. "feeds/rss.xml"). */
export interface SiteFile {
  readonly path: string;
  readonly body: string;
  readonly contentType: string;
}

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

function compare(a: string, b: string): number {
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
  const newest = items.reduce(
    (latest, { article }) => Math.max(latest, article.updated ?? article.published),
    0,
  );
  const { folder: _folder, ...identity } = feedIdentity(category, config);
  return { ...identity, updated: newest || now, items };
}

/** The three files of one feed. */
export function renderFeedFiles(folder: string, document: FeedDocument): SiteFile[] {
  return [
    { path: `${folder}${FEED_FILE_NAMES.rss}`, body: renderRss(document), contentType: CONTENT_TYPES.rss },
    { path: `${folder}${FEED_FILE_NAMES.atom}`, body: renderAtom(document), contentType: CONTENT_TYPES.atom },
    {
      path: `${folder}${FEED_FILE_NAMES.json}`,
      body: renderJsonFeed(document),
      contentType: CONTENT_TYPES.json,
    },
  ];
}

/** The OPML list and the feeds page, which depend only on the categories there are. */
export function renderIndexFiles(categories: readonly Category[], config: SiteConfig): SiteFile[] {
  return [
    { path: 'feeds/index.opml', body: renderOpml(categories, config), contentType: CONTENT_TYPES.opml },
    { path: 'feeds/index.html', body: renderFeedsPage(categories, config), contentType: CONTENT_TYPES.html },
  ];
}

export interface SiteBuild {
  readonly selection: Selection;
  readonly plans: readonly FeedPlan[];
  readonly files: readonly SiteFile[];
}

/** Builds every feed of the site, the OPML list and the feeds page from validated articles. */
export function buildSite(articles: readonly Article[], config: SiteConfig, now: number): SiteBuild {
  const selection = selectArticles(articles, now);
  const plans = planFeeds(selection.live, config);
  const rendered = new Map<Article, FeedItem>();
  const itemFor = (article: Article): FeedItem => {
    const cached = rendered.get(article);
    if (cached) return cached;
    const item = toFeedItem(article);
    rendered.set(article, item);
    return item;
  };
  const files: SiteFile[] = [];
  for (const plan of plans) {
    const document = feedDocument(plan.category, plan.articles.map(itemFor), config, now);
    files.push(...renderFeedFiles(plan.folder, document));
  }
  const categories = plans.flatMap((plan) => (plan.category ? [plan.category] : []));
  files.push(...renderIndexFiles(categories, config));
  return { selection, plans, files };
}
