import type { Article, Category } from './article/article';
import type { SiteConfig } from './config';
import { type FeedDocument, type FeedItem, renderAtom, renderJsonFeed, renderRss } from './render/feeds';
import { FEED_FILE_NAMES, feedDocument, toFeedItem } from './render/identity';
import { renderFeedsPage, renderOpml } from './render/index-pages';
import { type FeedPlan, planFeeds, type Selection, selectArticles } from './rules';

export const CONTENT_TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  opml: 'text/x-opml; charset=utf-8',
  html: 'text/html; charset=utf-8',
} as const;

/** A file of the built site, by its path below the output root (e.g. "feeds/rss.xml"). */
export interface SiteFile {
  readonly path: string;
  readonly body: string;
  readonly contentType: string;
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
