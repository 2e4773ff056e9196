import type { SiteConfig } from '../core/config';
import { type StoredFile, withCompressedCopies } from '../core/render/compression';
import { assembleFeed } from '../core/render/fragments';
import { FEED_FILE_NAMES, feedIdentity } from '../core/render/identity';
import { CONTENT_TYPES, renderIndexFiles, type SiteFile } from '../core/site';
import { categoryName } from './feed-step';
import { FEEDS_PREFIX, SITE_FEED } from './layout';
import type { FeedEntry, FeedIndex } from './state';

/** A feed's three files and their compressed copies, from its index: the same bytes as `feedgen build`. */
export function feedFiles(feed: string, index: FeedIndex, config: SiteConfig): StoredFile[] {
  const category = feed === SITE_FEED ? undefined : { slug: feed, name: categoryName(index, feed) };
  const { folder, ...identity } = feedIdentity(category, config);
  // As feedDocument: the newest item's time, whatever it is; the stamp only when empty.
  const updated =
    index.window.length > 0 ? Math.max(...index.window.map((item) => item.updated)) : (index.emptyStamp ?? 0);
  const assembled = assembleFeed({ ...identity, updated }, index.window);
  const files: SiteFile[] = [
    { path: `${folder}${FEED_FILE_NAMES.rss}`, body: assembled.rss, contentType: CONTENT_TYPES.rss },
    { path: `${folder}${FEED_FILE_NAMES.atom}`, body: assembled.atom, contentType: CONTENT_TYPES.atom },
    { path: `${folder}${FEED_FILE_NAMES.json}`, body: assembled.json, contentType: CONTENT_TYPES.json },
  ];
  return files.flatMap(withCompressedCopies);
}

/** The OPML list and the feeds page, from the categories the manifest lists. */
export function indexFiles(entries: Readonly<Record<string, FeedEntry>>, config: SiteConfig): StoredFile[] {
  const categories = Object.entries(entries)
    .filter(([feed]) => feed !== SITE_FEED)
    .map(([slug, entry]) => ({ slug, name: entry.name ?? slug }))
    .sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  return renderIndexFiles(categories, config).flatMap(withCompressedCopies);
}

/** The feed whose index renders a path, or undefined for the OPML list and the feeds page. */
export function feedOfPath(path: string): string | undefined {
  const rest = path.slice(FEEDS_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash >= 0) return rest.slice(0, slash);
  return /^(rss\.xml|atom\.xml|feed\.json)(\.gz)?$/.test(rest) ? SITE_FEED : undefined;
}
