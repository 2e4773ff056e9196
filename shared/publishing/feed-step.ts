import type { Article, Category } from '../core/article/article';
import type { SiteConfig } from '../core/config';
import { renderItemFragments } from '../core/render/fragments';
import { toFeedItem } from '../core/render/identity';
import { judgeArticle } from '../core/verdict';
import type { Decision } from './decide';
import { feedsOf } from './decide';
import type { Directory } from './directory';
import { placeAll, placeMembers, type Slot } from './feed-index';
import { SITE_FEED } from './layout';
import { NOT_MODIFIED, type ObjectStore } from './ports';
import {
  type FeedEntry,
  type FeedIndex,
  feedEntry,
  type Manifest,
  type StateStore,
  type WindowItem,
} from './state';

/** An article changed between the directory's read and the render: the batch takes it in and starts over. */
export class ArticleMoved extends Error {
  constructor(readonly keys: readonly string[]) {
    super(`${keys.join(', ')} changed while their feeds were being rendered; they join the batch`);
    this.name = 'ArticleMoved';
  }
}

export const EMPTY_INDEX: FeedIndex = { window: [], tail: [], complete: true, count: 0 };

export interface FeedStepContext {
  readonly state: StateStore;
  readonly source: ObjectStore;
  readonly config: SiteConfig;
  readonly now: number;
}

export interface UpdatedFeeds {
  /** The manifest's feeds after the batch. */
  readonly entries: Record<string, FeedEntry>;
  /** The new index of every feed the batch changed (absent: the feed is gone). */
  readonly indexes: Map<string, FeedIndex | undefined>;
  readonly replaced: string[];
}

/** Applies a decision to the feeds' indexes, renders what enters a window, and writes the new indexes. */
export async function updateFeeds(
  context: FeedStepContext,
  manifest: Manifest,
  directory: Directory,
  decision: Decision,
  /** Names this attempt's objects: see StateStore.write. */
  attempt: string,
  /** A rebuild starts every feed from nothing. */
  fresh: boolean,
): Promise<UpdatedFeeds> {
  const size = context.config.itemsPerFeed;
  const entries: Record<string, FeedEntry> = fresh ? {} : { ...manifest.feeds };
  const indexes = new Map<string, FeedIndex | undefined>();
  const replaced: string[] = [];
  const names = new Set(decision.feeds.keys());
  // The site feed exists from the first commit on, even while it is empty.
  if (!entries[SITE_FEED]) names.add(SITE_FEED);
  await Promise.all(
    [...names].map(async (feed) => {
      const old = fresh ? undefined : feedEntry(manifest, feed);
      const index = old ? await context.state.object<FeedIndex>(old.index) : EMPTY_INDEX;
      const change = decision.feeds.get(feed) ?? { removals: new Set<string>(), additions: [], delta: 0 };
      const count = (old?.count ?? 0) + change.delta;
      let placed = placeMembers(index, { ...change, count }, size);
      if (placed.needsScan)
        placed = placeAll(await scanMembers(directory, feed, index, change.removals), size);
      const window = await renderWindow(context, directory, decision, placed.window);
      if (old) replaced.push(old.index);
      if (feed !== SITE_FEED && placed.count === 0) {
        delete entries[feed];
        indexes.set(feed, undefined);
        return;
      }
      const emptyStamp =
        window.length > 0
          ? undefined
          : index.window.length === 0 && index.emptyStamp
            ? index.emptyStamp
            : context.now;
      const next: FeedIndex = {
        window,
        tail: placed.tail,
        complete: placed.complete,
        count: placed.count,
        ...(emptyStamp !== undefined ? { emptyStamp } : {}),
      };
      indexes.set(feed, next);
      entries[feed] = {
        index: await context.state.write('feeds', feed, attempt, next),
        name: feed === SITE_FEED ? null : categoryName(next, feed),
        count: placed.count,
      };
    }),
  );
  return { entries, indexes, replaced };
}

/** A category is shown under the name its newest article uses. */
export function categoryName(index: FeedIndex, slug: string): string {
  return index.window[0]?.categories.find((category: Category) => category.slug === slug)?.name ?? slug;
}

/** Every member of a feed, from the whole directory: the rare refill the tail cannot serve. */
async function scanMembers(
  directory: Directory,
  feed: string,
  index: FeedIndex,
  removals: ReadonlySet<string>,
): Promise<Slot[]> {
  await directory.loadAll();
  const rendered = new Map(
    index.window.filter((item) => !removals.has(item.key)).map((item) => [item.key, item]),
  );
  const members: Slot[] = [];
  for (const [key, entry] of directory.entries()) {
    if (entry.id === undefined || entry.published === undefined) continue;
    if (!feedsOf(entry).includes(feed) || directory.owner(entry.id) !== key) continue;
    const item = rendered.get(key);
    members.push({ key, published: entry.published, id: entry.id, ...(item ? { item } : {}) });
  }
  return members;
}

/** Every item of a window, rendered; all articles found changed are named at once. */
async function renderWindow(
  context: FeedStepContext,
  directory: Directory,
  decision: Decision,
  slots: readonly Slot[],
): Promise<WindowItem[]> {
  const results = await Promise.allSettled(
    slots.map((slot) => renderSlot(context, directory, decision, slot)),
  );
  const moved = results.flatMap((result) =>
    result.status === 'rejected' && result.reason instanceof ArticleMoved ? result.reason.keys : [],
  );
  const failed = results.find(
    (result) => result.status === 'rejected' && !(result.reason instanceof ArticleMoved),
  );
  if (failed?.status === 'rejected') throw failed.reason;
  if (moved.length > 0) throw new ArticleMoved(moved);
  return results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
}

async function renderSlot(
  context: FeedStepContext,
  directory: Directory,
  decision: Decision,
  slot: Slot,
): Promise<WindowItem> {
  if (slot.item) return slot.item;
  await directory.load([slot.key]);
  const known = decision.articles.get(slot.key);
  const expected = directory.entry(slot.key)?.etag;
  if (known && known.etag === expected) return windowItem(slot, known.article);
  // An item from the tail, or an article whose id came to it: read it (its bytes are the directory's version).
  const found = await context.source.get(slot.key);
  if (found === undefined || found === NOT_MODIFIED || found.etag !== expected)
    throw new ArticleMoved([slot.key]);
  const verdict = judgeArticle(slot.key, found.body, context.config, context.now);
  if (verdict.status !== 'candidate') throw new ArticleMoved([slot.key]);
  return windowItem(slot, verdict.article);
}

function windowItem(slot: Slot, article: Article): WindowItem {
  const item = toFeedItem(article);
  return {
    key: slot.key,
    published: slot.published,
    id: slot.id,
    updated: article.updated ?? article.published,
    categories: article.categories,
    hasContent: item.html !== '',
    fragments: renderItemFragments(item),
  };
}
