import type { Article } from '../core/article/article';
import type { Directory } from './directory';
import type { Slot } from './feed-index';
import { SITE_FEED } from './layout';
import type { ArticleRead } from './read-articles';
import { type ReportChange, reportProblems } from './reports';
import type { DirEntry } from './state';

/** What a batch changes in each feed. */
export interface FeedChange {
  /** Keys that leave the feed, or change (and come back in additions). */
  readonly removals: Set<string>;
  readonly additions: Slot[];
  /** Change in the number of members. */
  delta: number;
}

export type { ReportChange };

export type Status = 'published' | 'draft' | 'scheduled' | 'rejected' | 'duplicate' | 'deleted' | 'unchanged';

export interface Decision {
  readonly feeds: Map<string, FeedChange>;
  /** Articles whose report may change: why they were and are not shown (undefined: no report). */
  readonly reports: Map<string, ReportChange>;
  /** Articles whose schedule entry changes, and when they are due (undefined: not scheduled). */
  readonly schedule: Map<string, number | undefined>;
  /** Articles read in this batch, so an item entering a window is rendered without a second read. */
  readonly articles: Map<string, { readonly article: Article; readonly etag: string }>;
  /** Per key of the batch, and per article whose id changed hands: what it is now. */
  readonly statuses: Map<string, { readonly status: Status; readonly feeds: readonly string[] }>;
}

/** The feeds an article is listed in when it is shown: the site feed and its categories. */
export function feedsOf(entry: DirEntry | undefined): string[] {
  if (entry?.status !== 'candidate') return [];
  return [SITE_FEED, ...new Set(entry.categories ?? [])];
}

/**
 * Applies what was read to the directory (entries and id claims) and decides, per feed,
 * which members leave and join. An article is shown when it is a candidate and owns its id;
 * a change of owner shows or hides articles the batch did not read, so they are decided too.
 */
export async function decide(directory: Directory, reads: readonly ArticleRead[]): Promise<Decision> {
  const changed = new Map<string, { before: DirEntry | undefined; after: DirEntry | undefined }>();
  const articles: Decision['articles'] = new Map();
  for (const read of reads) {
    if (read.unchanged) continue;
    changed.set(read.key, { before: directory.entry(read.key), after: read.entry });
    if (read.article && read.entry) articles.set(read.key, { article: read.article, etag: read.entry.etag });
  }
  const touchedIds = new Set<string>();
  for (const { before, after } of changed.values()) {
    if (before?.status === 'candidate' && before.id !== undefined) touchedIds.add(before.id);
    if (after?.status === 'candidate' && after.id !== undefined) touchedIds.add(after.id);
  }
  await directory.load(touchedIds);
  const ownerBefore = new Map([...touchedIds].map((id) => [id, directory.owner(id)]));

  for (const [key, { before, after }] of changed) {
    if (before?.status === 'candidate' && before.id !== undefined) directory.removeClaim(before.id, key);
    directory.setEntry(key, after);
    if (after?.status === 'candidate' && after.id !== undefined) directory.addClaim(after.id, key);
  }

  // Articles whose id changed hands are affected although the batch did not read them.
  const affected = new Set(changed.keys());
  for (const id of touchedIds) {
    for (const owner of [ownerBefore.get(id), directory.owner(id)])
      if (owner !== undefined) affected.add(owner);
    // A new owner's waiting articles get a report naming it.
    for (const claimant of directory.claimants(id)) affected.add(claimant);
  }
  await directory.load(affected);

  const decision: Decision = {
    feeds: new Map(),
    reports: new Map(),
    schedule: new Map(),
    articles,
    statuses: new Map(),
  };
  const ownerOf = (entry: DirEntry | undefined, before: boolean): string | undefined => {
    if (entry?.status !== 'candidate' || entry.id === undefined) return undefined;
    return before && ownerBefore.has(entry.id) ? ownerBefore.get(entry.id) : directory.owner(entry.id);
  };
  const feedChange = (feed: string): FeedChange => {
    let change = decision.feeds.get(feed);
    if (!change) {
      change = { removals: new Set(), additions: [], delta: 0 };
      decision.feeds.set(feed, change);
    }
    return change;
  };

  for (const key of affected) {
    const entry = changed.get(key);
    const before = entry ? entry.before : directory.entry(key);
    const after = entry ? entry.after : before;
    const wasShown = before?.status === 'candidate' && ownerOf(before, true) === key;
    const isShown = after?.status === 'candidate' && ownerOf(after, false) === key;
    const oldFeeds = wasShown ? feedsOf(before) : [];
    const newFeeds = isShown ? feedsOf(after) : [];
    const contentChanged = entry !== undefined;
    for (const feed of oldFeeds) {
      const stays = newFeeds.includes(feed);
      if (!stays || contentChanged) feedChange(feed).removals.add(key);
      if (!stays) feedChange(feed).delta--;
    }
    for (const feed of newFeeds) {
      const was = oldFeeds.includes(feed);
      if ((!was || contentChanged) && after?.published !== undefined && after.id !== undefined)
        feedChange(feed).additions.push({ key, published: after.published, id: after.id });
      if (!was) feedChange(feed).delta++;
    }
    decision.reports.set(key, {
      before: reportProblems(key, before, ownerOf(before, true)),
      after: reportProblems(key, after, ownerOf(after, false)),
      rejectedAt: after?.rejectedAt,
    });
    if (contentChanged) decision.schedule.set(key, after?.due);
    if (contentChanged || wasShown !== isShown) {
      decision.statuses.set(key, { status: statusOf(after, isShown), feeds: newFeeds });
    }
  }
  return decision;
}

function statusOf(entry: DirEntry | undefined, shown: boolean): Status {
  if (!entry) return 'deleted';
  if (entry.status === 'candidate') return shown ? 'published' : 'duplicate';
  return entry.status;
}
