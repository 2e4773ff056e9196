import { createHash } from 'node:crypto';
import {
  type Article,
  type ArticleProblem,
  formatProblem,
  isArticleFile,
  oversizeProblem,
  parseArticle,
} from './article';
import { COMPRESSED_SUFFIXES, type StoredFile, withCompressedCopies } from './compression';
import type { SiteConfig } from './config';
import type { FeedItem } from './feeds';
import {
  compareNewestFirst,
  FEED_FILE_NAMES,
  feedDocument,
  renderFeedFiles,
  renderIndexFiles,
  type SiteFile,
  toFeedItem,
} from './site';
import { NOT_MODIFIED, type ObjectStore, PreconditionFailed } from './store';

/**
 * The incremental publisher: given the keys of articles that changed, brings every feed
 * they are (or were) in up to date, with a number of storage requests that does not grow
 * with the number of articles already published. docs/architecture.md explains the state
 * it keeps and why concurrent publishers cannot lose an article or publish an old version.
 */

export const ARTICLES_PREFIX = 'articles/';
export const STATE_PREFIX = 'state/';
export const REPORTS_PREFIX = 'reports/';
/** The site-wide feed's name among the category slugs (which never contain "_"). */
export const SITE_FEED = '_site';
export const FEED_CACHE_CONTROL = 'public, max-age=60, s-maxage=30, stale-while-revalidate=300';

export interface Logger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export interface Metrics {
  count(name: string, value?: number): void;
}

export interface PublisherOptions {
  /** Holds articles/ (read), state/ and reports/ (read and write). */
  readonly source: ObjectStore;
  /** Holds feeds/ (written). */
  readonly output: ObjectStore;
  readonly config: SiteConfig;
  readonly now: () => number;
  readonly log: Logger;
  readonly metrics?: Metrics;
  /** Rounds of optimistic retries before a key is reported failed (and redelivered). */
  readonly maxRounds?: number;
  /** Waits out a backoff between retries (tests that schedule every step replace it). */
  readonly sleep?: (milliseconds: number) => Promise<void>;
}

/** What an event said about one key; `size` lets an oversized object be refused unread. */
export interface ChangedKey {
  readonly key: string;
  readonly size?: number;
}

export type Outcome =
  | { readonly key: string; readonly ok: true; readonly status: Status }
  | { readonly key: string; readonly ok: false; readonly error: string };

type Status = 'published' | 'draft' | 'scheduled' | 'rejected' | 'deleted' | 'ignored';

/** One feed an article belongs to, and the month partition that lists it there. */
export interface Membership {
  readonly feed: string;
  readonly month: string;
}

/** The article's own record: which feeds it may be listed in (a superset while a change is under way). */
export interface ArticleRecord {
  readonly key: string;
  readonly memberships: readonly Membership[];
  /** The id the article holds a claim on (see #claimId). */
  readonly id?: string;
}

/** Which article holds an id, and the later ones (by path) that want it. */
export interface IdClaim {
  readonly owner: string;
  readonly waiting: readonly string[];
}

/** A feed's state: its window of newest items, ready to render. */
export interface ShardState {
  readonly feed: string;
  /** Bumped by every write, so that a writer whose If-Match saw an older state always loses. */
  readonly revision: number;
  readonly items: readonly FeedItem[];
}

/**
 * One article's entry in a month partition: where the version with this ETag sorts. The
 * ETag tells a publisher whether an entry is its own version's, so that one holding an old
 * view of an article never overwrites or removes the entry of a newer one (see #updateHints).
 */
export interface MonthMember {
  readonly published: number;
  readonly id: string;
  /** Absent in partitions written before the ETag was kept: treated as another version's. */
  readonly etag?: string;
}

/** A month partition: every member of one feed published in one month (hints for backfill). */
export interface MonthPartition {
  readonly members: Readonly<Record<string, MonthMember>>;
}

/** The categories that have feeds, for the OPML list and the feeds page. */
export interface Registry {
  readonly revision: number;
  /** A category whose feed went empty keeps a null name, so its revision still orders updates. */
  readonly categories: Readonly<
    Record<string, { readonly name: string | null; readonly shardRevision: number }>
  >;
}

export interface Schedule {
  readonly due: Readonly<Record<string, number>>;
}

interface Desired {
  readonly status: 'live' | 'draft' | 'scheduled' | 'rejected' | 'deleted';
  /** The id a live article holds, or one rejected as a duplicate waits for. */
  readonly wantsId?: string;
  /** For a duplicate: the article that holds the id, as its report says. */
  readonly heldBy?: string;
  readonly etag: string | undefined;
  readonly item: FeedItem | undefined;
  readonly memberships: readonly Membership[];
  readonly problems: readonly ArticleProblem[];
  readonly publishAt: number | undefined;
}

export const JSON_TYPE = 'application/json; charset=utf-8';

export const stateKeys = {
  record: (key: string) => `${STATE_PREFIX}articles/${createHash('sha256').update(key).digest('hex')}.json`,
  shard: (feed: string) => `${STATE_PREFIX}feeds/${feed}.json`,
  monthPrefix: (feed: string) => `${STATE_PREFIX}months/${feed}/`,
  month: (feed: string, month: string) => `${STATE_PREFIX}months/${feed}/${month}.json`,
  registry: `${STATE_PREFIX}categories.json`,
  schedule: `${STATE_PREFIX}schedule.json`,
  /** reports/<path>.json; for a path too long for an S3 key, reports/_long/<sha256>.json. */
  report: (key: string) => {
    const readable = `${REPORTS_PREFIX}${key.slice(ARTICLES_PREFIX.length)}.json`;
    return Buffer.byteLength(readable) <= 1024
      ? readable
      : `${REPORTS_PREFIX}_long/${createHash('sha256').update(key).digest('hex')}.json`;
  },
  id: (id: string) => `${STATE_PREFIX}ids/${createHash('sha256').update(id).digest('hex')}.json`,
};

export function monthOf(millis: number): string {
  return new Date(millis).toISOString().slice(0, 7);
}

function decode<T>(body: Uint8Array): T {
  return JSON.parse(Buffer.from(body).toString('utf8')) as T;
}

export function md5Etag(body: string | Uint8Array): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/** Only text fields survive the trip through JSON state; the body is not kept (the HTML is). */
export function storableItem(item: FeedItem): FeedItem {
  return { ...item, article: { ...item.article, body: '' } };
}

export type Verdict =
  | {
      readonly status: 'rejected';
      readonly problems: readonly ArticleProblem[];
      /** When the rejection no longer holds (an `updated` time in the future): look again then. */
      readonly retryAt?: number;
    }
  | { readonly status: 'draft'; readonly article: Article }
  | { readonly status: 'scheduled'; readonly article: Article }
  | { readonly status: 'live'; readonly article: Article; readonly memberships: readonly Membership[] };

/** What an article's bytes say should happen to it at `now`: the rules `feedgen build` applies too. */
export function classifyArticle(key: string, body: Uint8Array, config: SiteConfig, now: number): Verdict {
  const parsed = parseArticle(key, body, config);
  if (!parsed.ok) return { status: 'rejected', problems: parsed.problems };
  const article = parsed.article;
  if (article.draft) return { status: 'draft', article };
  if (article.updated !== undefined && article.updated > now && article.published <= now) {
    const message = `${new Date(article.updated).toISOString()} is in the future; updated is when the article last changed`;
    return {
      status: 'rejected',
      problems: [{ source: key, field: 'updated', message }],
      retryAt: article.updated,
    };
  }
  if (article.published > now) return { status: 'scheduled', article };
  const month = monthOf(article.published);
  return {
    status: 'live',
    article,
    memberships: [{ feed: SITE_FEED, month }, ...article.categories.map((c) => ({ feed: c.slug, month }))],
  };
}

class Retry extends Error {}

export class Publisher {
  readonly #source: ObjectStore;
  readonly #output: ObjectStore;
  readonly #config: SiteConfig;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #metrics: Metrics | undefined;
  readonly #maxRounds: number;
  readonly #sleep: (milliseconds: number) => Promise<void>;

  constructor(options: PublisherOptions) {
    this.#source = options.source;
    this.#output = options.output;
    this.#config = options.config;
    this.#now = options.now;
    this.#log = options.log;
    this.#metrics = options.metrics;
    this.#maxRounds = options.maxRounds ?? 8;
    this.#sleep = options.sleep ?? sleep;
  }

  /**
   * Brings the feeds up to date with the current state of `changes` (the event only says
   * which keys to look at; what is published is what the bucket holds now, so duplicate
   * and out-of-order events are harmless). Keys that could not be completed are reported
   * failed, for the queue to deliver again; everything they did is safe to redo.
   */
  async publish(changes: readonly ChangedKey[]): Promise<Outcome[]> {
    const sizes = new Map<string, number | undefined>();
    for (const change of changes) sizes.set(change.key, change.size);
    const outcomes: Outcome[] = [];
    // Articles to publish again because an id they wait for was freed or taken from them.
    // One set per call: calls may run at once on one instance (npm start takes two batches
    // at a time), and a failed follow-up must bring back its own batch.
    const followUps = new Set<string>();
    for (const [key, size] of sizes) {
      if (!key.startsWith(ARTICLES_PREFIX) || !isArticleFile(key)) {
        outcomes.push({ key, ok: true, status: 'ignored' });
        continue;
      }
      outcomes.push(await this.#publishKey(key, size, followUps));
    }
    // Articles whose id claim changed hands: their turn now (their own events came and went).
    let followUpFailed = false;
    for (let round = 0; followUps.size > 0 && round < 10; round++) {
      const keys = [...followUps];
      followUps.clear();
      for (const key of keys) {
        const outcome = await this.#publishKey(key, undefined, followUps);
        if (!outcome.ok) {
          followUpFailed = true;
          this.#log.error('could not republish an article whose id claim changed', { key });
        }
      }
    }
    // Deliver the batch again: its articles' claims name who must still be republished.
    if (followUpFailed) {
      return outcomes.map((outcome) =>
        outcome.ok && outcome.status !== 'ignored'
          ? { key: outcome.key, ok: false, error: 'an article sharing its id could not be republished' }
          : outcome,
      );
    }
    return outcomes;
  }

  /** Publishes the scheduled articles whose time has come. */
  async publishDue(): Promise<Outcome[]> {
    const schedule = await this.#readJson<Schedule>(stateKeys.schedule);
    const now = this.#now();
    const due = Object.entries(schedule?.value.due ?? {})
      .filter(([, at]) => at <= now)
      .map(([key]) => ({ key }));
    if (due.length > 0) this.#log.info('publishing scheduled articles', { keys: due.map((d) => d.key) });
    return this.publish(due);
  }

  async #publishKey(key: string, size: number | undefined, followUps: Set<string>): Promise<Outcome> {
    const started = performance.now();
    let extra: readonly Membership[] = [];
    for (let round = 1; round <= this.#maxRounds; round++) {
      try {
        const outcome = await this.#reconcile(key, size, extra, followUps);
        this.#log.info('published', {
          key,
          status: outcome.status,
          feeds: outcome.feeds,
          milliseconds: Math.round(performance.now() - started),
        });
        return { key, ok: true, status: outcome.status };
      } catch (error) {
        if (error instanceof RetryWith) {
          extra = error.memberships;
          this.#metrics?.count('ConflictRetries');
          await this.#sleep(Math.min(1000, 20 * 2 ** round) * Math.random());
          continue;
        }
        this.#log.error('could not publish; the event will be delivered again', {
          key,
          error: (error as Error).message,
        });
        return { key, ok: false, error: (error as Error).message };
      }
    }
    this.#log.error('gave up after repeated conflicts; the event will be delivered again', { key });
    return { key, ok: false, error: 'too many concurrent changes' };
  }

  async #reconcile(
    key: string,
    size: number | undefined,
    extra: readonly Membership[],
    followUps: Set<string>,
  ): Promise<{ status: Status; feeds: string[] }> {
    // 1. The record first, then the article: a change committed by anyone after we read the
    //    record makes our record write fail, and we start again with fresh reads.
    const recordKey = stateKeys.record(key);
    const stored = await this.#readJson<ArticleRecord>(recordKey);
    const previous = stored?.value.memberships ?? [];
    const previousId = stored?.value.id;
    let desired = await this.#evaluate(key, size, followUps);
    const touched = unionMemberships(previous, extra, desired.memberships);

    // 2. Intent: the record names every feed the article may be in before any is touched,
    //    so a crash between here and the end leaves a record that covers the repair.
    let recordEtag = stored?.etag;
    let recordId = previousId;
    const claimed = desired.status === 'live' ? desired.item?.article.id : undefined;
    if (!sameMemberships(touched, previous) || (claimed !== undefined && claimed !== previousId)) {
      recordId = previousId ?? claimed;
      recordEtag = await this.#writeRecord(
        recordKey,
        key,
        touched,
        stored?.etag,
        touched,
        // The old id stays until the commit releases it, so a crash in between still frees it.
        previousId ?? claimed,
      );
    }

    // 3. Every feed it was or will be in.
    const feeds = [...new Set(touched.map((m) => m.feed))].sort();
    for (const feed of feeds) {
      desired = await this.#updateShard(feed, key, size, desired, touched, followUps);
    }

    // 4. Commit: the record now says exactly where the article is, and which id it holds.
    const holds = desired.status === 'live' ? desired.item?.article.id : desired.wantsId;
    // While waiters have still to be handed the id, the record keeps it: if their turn fails,
    // the redelivered event finds it here and hands the id over again.
    const handing =
      previousId !== undefined && previousId !== holds
        ? await this.#releaseId(previousId, key, followUps)
        : false;
    const keepId = holds ?? (handing ? previousId : undefined);
    if (!sameMemberships(desired.memberships, touched) || recordEtag === undefined || keepId !== recordId) {
      if (desired.memberships.length === 0 && keepId === undefined) {
        await this.#deleteRecord(recordKey, recordEtag, touched);
      } else {
        await this.#writeRecord(recordKey, key, desired.memberships, recordEtag, touched, keepId);
      }
    }
    await this.#updateReport(key, desired);
    await this.#updateSchedule(key, desired);
    // The verdict rests on the article's bytes and on its id claim, and the record, the
    // report and the schedule are written without a revision a newer publisher would bump
    // (the windows have one). So check both again: if either changed since we read it, a
    // newer publisher may have written before us; go round again. If one changes after this
    // check, the publisher that changes it republishes the article after our writes.
    const again = unionMemberships(touched, desired.memberships);
    await this.#checkClaim(desired, key, again);
    if ((await this.#source.head(key))?.etag !== desired.etag) throw new RetryWith(again);
    return { status: desired.status === 'live' ? 'published' : desired.status, feeds };
  }

  async #writeRecord(
    recordKey: string,
    key: string,
    memberships: readonly Membership[],
    etag: string | undefined,
    touched: readonly Membership[],
    id?: string,
  ): Promise<string> {
    const record: ArticleRecord = { key, memberships, ...(id !== undefined ? { id } : {}) };
    try {
      const result = await this.#source.put(recordKey, JSON.stringify(record), {
        contentType: JSON_TYPE,
        ...(etag === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: etag }),
      });
      return result.etag;
    } catch (error) {
      if (error instanceof PreconditionFailed) throw new RetryWith(touched);
      throw error;
    }
  }

  async #deleteRecord(
    recordKey: string,
    etag: string | undefined,
    touched: readonly Membership[],
  ): Promise<void> {
    // S3 has no conditional delete: check, then delete. A record written in between by a
    // concurrent publisher is recreated by that publisher's own commit, which follows it.
    const current = await this.#source.head(recordKey);
    if (current && current.etag !== etag) throw new RetryWith(touched);
    if (current) await this.#source.delete(recordKey);
  }

  /** What the article's current bytes say should be published. */
  async #evaluate(key: string, size: number | undefined, followUps: Set<string>): Promise<Desired> {
    const empty = { item: undefined, memberships: [], problems: [], publishAt: undefined };
    // The event's size is of the version it announced; a later upload may have replaced it.
    const current =
      size !== undefined && size > this.#config.maxArticleBytes
        ? await this.#source.head(key)
        : { size, etag: undefined };
    if (size !== undefined && current?.size === undefined)
      return { ...empty, status: 'deleted', etag: undefined };
    if (current?.size !== undefined && current.size > this.#config.maxArticleBytes) {
      return {
        ...empty,
        status: 'rejected',
        etag: current.etag,
        problems: [oversizeProblem(key, current.size, this.#config.maxArticleBytes)],
      };
    }
    const object = await this.#source.get(key);
    if (object === undefined || object === NOT_MODIFIED)
      return { ...empty, status: 'deleted', etag: undefined };
    return this.#claimId(key, this.#evaluateBytes(key, object.body, object.etag), followUps);
  }

  #evaluateBytes(key: string, body: Uint8Array, etag: string): Desired {
    const verdict = classifyArticle(key, body, this.#config, this.#now());
    const empty = { etag, item: undefined, memberships: [], problems: [], publishAt: undefined };
    switch (verdict.status) {
      case 'rejected':
        // A rejection that time ends goes in the schedule, like a held-back article.
        return { ...empty, status: 'rejected', problems: verdict.problems, publishAt: verdict.retryAt };
      case 'draft':
        return { ...empty, status: 'draft' };
      case 'scheduled':
        return { ...empty, status: 'scheduled', publishAt: verdict.article.published };
      case 'live':
        return {
          ...empty,
          status: 'live',
          item: storableItem(toFeedItem(verdict.article)),
          memberships: verdict.memberships,
        };
    }
  }

  /**
   * Read the feed's state, then the article (conditionally: usually a 304), then write the
   * state with If-Match. Reading the article after the state means any publisher that
   * committed before our read had older or equal bytes than ours; one that commits after
   * our read makes our write fail. So the window never goes back to an older version.
   */
  async #updateShard(
    feed: string,
    key: string,
    size: number | undefined,
    desired: Desired,
    touched: readonly Membership[],
    followUps: Set<string>,
  ): Promise<Desired> {
    let current = desired;
    // The hints before the window: a refill that reads the window after our write must find
    // the article where this version of it is (see #backfill). They are written before the
    // window's read, to keep the partitions' read-modify-write out of the window's, and
    // again only if the article changed by the time the window is read.
    await this.#updateHints(feed, key, current, touched);
    let hinted = current.etag;
    for (let attempt = 1; ; attempt++) {
      const stored = await this.#readJson<ShardState>(stateKeys.shard(feed));
      current = await this.#refresh(key, size, current, followUps);
      if (!current.memberships.every((m) => touched.some((t) => t.feed === m.feed && t.month === m.month))) {
        // The article changed under us to join feeds not in the plan: go round again.
        throw new RetryWith(unionMemberships(touched, current.memberships));
      }
      // The verdict rests on the id claim too: checked between the window's read and write,
      // as the bytes are, so a publisher that took the id over republishes this article
      // after our write, or makes it fail. (A check only at the end would leave a window
      // placed on an old claim if we died first, outside what the record then names.)
      await this.#checkClaim(current, key, unionMemberships(touched, current.memberships));
      if (current.etag !== hinted) {
        await this.#updateHints(feed, key, current, touched);
        hinted = current.etag;
      }
      const previousItems = stored?.value.items ?? [];
      const limit = this.#config.itemsPerFeed;
      const byAge = (a: FeedItem, b: FeedItem): number => compareNewestFirst(a.article, b.article);
      const mine =
        current.item && current.memberships.some((m) => m.feed === feed) ? current.item : undefined;
      const rest = previousItems.filter((item) => item.article.source !== key);
      let items: FeedItem[];
      const threshold = previousItems.at(-1)?.article;
      if (previousItems.length < limit || !threshold) {
        // The window holds every member: it stays complete.
        items = mine ? [...rest, mine].sort(byAge) : rest;
      } else {
        // A full window: members outside it are all older than its last item, so the article
        // is placed for sure only if it is not older than that; below it, ask the partitions.
        const placed = mine && compareNewestFirst(mine.article, threshold) <= 0;
        items = placed ? [...rest, mine].sort(byAge) : rest;
        if (items.length < limit) {
          items = await this.#backfill(feed, items, key, followUps);
          if (mine && !placed) items = [...items, mine].sort(byAge);
        }
      }
      items = items.slice(0, limit);
      const next: ShardState = { feed, revision: (stored?.value.revision ?? 0) + 1, items };
      let etag: string;
      try {
        ({ etag } = await this.#source.put(stateKeys.shard(feed), JSON.stringify(next), {
          contentType: JSON_TYPE,
          ...(stored ? { ifMatch: stored.etag } : { ifNoneMatch: '*' as const }),
        }));
      } catch (error) {
        if (error instanceof PreconditionFailed && attempt < 20) {
          this.#metrics?.count('ConflictRetries');
          await this.#sleep(Math.min(500, 10 * 2 ** attempt) * Math.random());
          continue;
        }
        throw error;
      }
      await this.#publishFeed(next, etag);
      if (feed !== SITE_FEED) await this.#updateRegistry(next);
      // The site's first window: the OPML list and the page exist from then on, as in a
      // build, even while no category has a feed.
      else if (!stored) await this.#createRegistry();
      return current;
    }
  }

  /** The article again, if it changed since we read it (a cheap 304 otherwise). */
  async #refresh(
    key: string,
    size: number | undefined,
    desired: Desired,
    followUps: Set<string>,
  ): Promise<Desired> {
    if (desired.etag === undefined) return this.#evaluate(key, size, followUps);
    const object = await this.#source.get(key, { ifNoneMatch: desired.etag });
    if (object === NOT_MODIFIED) return desired;
    if (object === undefined)
      return { ...desired, status: 'deleted', etag: undefined, item: undefined, memberships: [] };
    return this.#claimId(key, this.#evaluateBytes(key, object.body, object.etag), followUps);
  }

  /**
   * An id belongs to one article: the first by path among those that have it, as in
   * `feedgen build`. A live article claims its id in state/ids/; a later one (by path) is
   * rejected and waits; an earlier one takes the id over and the holder is published again
   * (and rejected). Claims of articles that no longer have the id are taken over.
   */
  async #claimId(key: string, desired: Desired, followUps: Set<string>): Promise<Desired> {
    const id = desired.status === 'live' ? desired.item?.article.id : undefined;
    if (id === undefined) return desired;
    const claimKey = stateKeys.id(id);
    for (let attempt = 1; ; attempt++) {
      const stored = await this.#readJson<IdClaim>(claimKey);
      const claim = stored?.value;
      let next: IdClaim;
      let verdict: Desired = desired;
      let handOver: readonly string[] = [];
      if (claim?.owner === key) {
        for (const waiter of claim.waiting) followUps.add(waiter);
        return desired;
      }
      if (!claim) {
        next = { owner: key, waiting: [] };
      } else if (!(await this.#holdsId(claim.owner, id))) {
        next = { owner: key, waiting: claim.waiting.filter((k) => k !== key) };
        handOver = next.waiting;
      } else if (key < claim.owner) {
        next = { owner: key, waiting: [...claim.waiting.filter((k) => k !== key), claim.owner] };
        // The old holder is taken out; the others' reports must name the new holder.
        handOver = next.waiting;
      } else {
        verdict = {
          ...desired,
          status: 'rejected',
          wantsId: id,
          heldBy: claim.owner,
          item: undefined,
          memberships: [],
          problems: [
            {
              source: key,
              field: 'id',
              message: `${id} is already the id of ${claim.owner}; give this article its own slug, link or id`,
            },
          ],
        };
        if (claim.waiting.includes(key)) return verdict;
        next = { owner: claim.owner, waiting: [...claim.waiting, key] };
      }
      try {
        await this.#scheduleFollowUps(handOver);
        await this.#source.put(claimKey, JSON.stringify(next), {
          contentType: JSON_TYPE,
          ...(stored ? { ifMatch: stored.etag } : { ifNoneMatch: '*' as const }),
        });
        for (const waiter of handOver) followUps.add(waiter);
        return verdict;
      } catch (error) {
        if (!(error instanceof PreconditionFailed) || attempt >= 20) throw error;
        await this.#sleep(Math.min(500, 10 * 2 ** attempt) * Math.random());
      }
    }
  }

  /** Throws RetryWith unless the id's claim still has the owner the verdict assumed. */
  async #checkClaim(desired: Desired, key: string, touched: readonly Membership[]): Promise<void> {
    const live = desired.status === 'live' ? desired.item?.article.id : undefined;
    const id = live ?? desired.wantsId;
    if (id === undefined) return;
    const owner = (await this.#readJson<IdClaim>(stateKeys.id(id)))?.value.owner;
    if (owner !== (live !== undefined ? key : desired.heldBy)) throw new RetryWith(touched);
  }

  /** Whether the article at `key` is live now with `id`. */
  async #holdsId(key: string, id: string): Promise<boolean> {
    const object = await this.#source.get(key);
    if (object === undefined || object === NOT_MODIFIED) return false;
    const verdict = classifyArticle(key, object.body, this.#config, this.#now());
    return verdict.status === 'live' && verdict.article.id === id;
  }

  /** `key` no longer holds `id`: free it, and let the articles waiting for it try again. */
  /** Returns whether articles were waiting for the id and have been queued to take it. */
  async #releaseId(id: string, key: string, followUps: Set<string>): Promise<boolean> {
    const claimKey = stateKeys.id(id);
    for (let attempt = 1; ; attempt++) {
      const stored = await this.#readJson<IdClaim>(claimKey);
      if (!stored) return false;
      const claim = stored.value;
      if (claim.owner !== key && !claim.waiting.includes(key)) return false;
      const waiting = claim.waiting.filter((k) => k !== key);
      // The first waiter published next takes the claim over: its holder no longer has the id.
      const handOver = claim.owner === key ? waiting : [];
      try {
        await this.#scheduleFollowUps(handOver);
        await this.#source.put(claimKey, JSON.stringify({ owner: claim.owner, waiting } satisfies IdClaim), {
          contentType: JSON_TYPE,
          ifMatch: stored.etag,
        });
        for (const waiter of handOver) followUps.add(waiter);
        return claim.owner === key && waiting.length > 0;
      } catch (error) {
        if (!(error instanceof PreconditionFailed) || attempt >= 20) throw error;
        await this.#sleep(Math.min(500, 10 * 2 ** attempt) * Math.random());
      }
    }
  }

  /**
   * Refills a window that lost an item from the month partitions, newest month first.
   * Partitions are hints: each candidate is read, and placed where its current bytes put it.
   * A hint can be stale in two ways. Newer than the article (it was re-dated into the past,
   * or left the feed): the read tells, and the scan goes on until no unread hint can beat
   * the last item kept. Older than the article: its publisher has not reached this feed yet
   * (hints are written before the window, see #updateHints), and it will place the article
   * itself, after this write or by making this write fail.
   */
  async #backfill(
    feed: string,
    items: FeedItem[],
    excludeKey: string,
    followUps: Set<string>,
  ): Promise<FeedItem[]> {
    const limit = this.#config.itemsPerFeed;
    const shown = new Set(items.map((item) => item.article.source));
    const oldest = items.at(-1)?.article;
    const prefix = stateKeys.monthPrefix(feed);
    const months: string[] = [];
    for await (const object of this.#source.list(prefix)) {
      const month = object.key.slice(prefix.length).replace(/\.json$/, '');
      // Newer months hold only items of the window (every member outside it is older than
      // its last item), or hints newer than their articles, whose publishers are under way.
      if (!oldest || month <= monthOf(oldest.published)) months.push(month);
    }
    months.sort().reverse();
    const byAge = (a: FeedItem, b: FeedItem): number => compareNewestFirst(a.article, b.article);
    let result = [...items].sort(byAge);
    /** Whether every article ordered after `hint` is certainly below the window. */
    const settled = (hint: { published: number; id: string; source: string }): boolean => {
      const last = result[limit - 1]?.article;
      return last !== undefined && compareNewestFirst(last, hint) < 0;
    };
    for (const month of months) {
      const last = result[limit - 1]?.article;
      if (last && monthOf(last.published) > month) break;
      const partition = await this.#readJson<MonthPartition>(stateKeys.month(feed, month));
      const candidates = Object.entries(partition?.value.members ?? {})
        .filter(([candidate]) => candidate !== excludeKey && !shown.has(candidate))
        .map(([source, hint]) => ({ source, published: hint.published, id: hint.id }))
        .sort(compareNewestFirst);
      for (const candidate of candidates) {
        if (settled(candidate)) break;
        const desired = await this.#evaluate(candidate.source, undefined, followUps);
        shown.add(candidate.source);
        if (desired.item && desired.memberships.some((m) => m.feed === feed)) {
          result = [...result, desired.item].sort(byAge).slice(0, limit);
        }
      }
    }
    this.#metrics?.count('Backfills');
    return result;
  }

  /**
   * Makes the article's hints in `feed`'s month partitions match `current`: listed in the
   * month it is published in, if it is a member, and in no other month the plan touches.
   * An entry of another version may be a newer one's, written by a publisher that read the
   * article after we did: before changing it, check that our version is still the article's
   * (a HEAD), and go round again if not. So the entry of the article's current version, once
   * its publisher has written it, is changed only by a publisher of a newer version.
   */
  async #updateHints(
    feed: string,
    key: string,
    current: Desired,
    touched: readonly Membership[],
  ): Promise<void> {
    const article = current.item?.article;
    const wanted = current.memberships.find((m) => m.feed === feed);
    const months = new Set(touched.filter((m) => m.feed === feed).map((m) => m.month));
    if (wanted) months.add(wanted.month);
    for (const month of [...months].sort()) {
      const add = article !== undefined && wanted?.month === month;
      const partitionKey = stateKeys.month(feed, month);
      for (let attempt = 1; ; attempt++) {
        const stored = await this.#readJson<MonthPartition>(partitionKey);
        const members = { ...(stored?.value.members ?? {}) };
        const present = members[key];
        if (add ? present?.etag === current.etag : !present) break;
        // After the read: a newer version's entry written since makes our PUT fail.
        if (
          present &&
          present.etag !== current.etag &&
          (await this.#source.head(key))?.etag !== current.etag
        ) {
          throw new RetryWith(unionMemberships(touched, current.memberships));
        }
        if (add) members[key] = { published: article.published, id: article.id, etag: current.etag };
        else delete members[key];
        try {
          await this.#source.put(partitionKey, JSON.stringify({ members }), {
            contentType: JSON_TYPE,
            ...(stored ? { ifMatch: stored.etag } : { ifNoneMatch: '*' as const }),
          });
          break;
        } catch (error) {
          if (!(error instanceof PreconditionFailed) || attempt >= 20) throw error;
          await this.#sleep(Math.min(500, 10 * 2 ** attempt) * Math.random());
        }
      }
    }
  }

  /**
   * Writes the feed's files for our committed state, unless a newer one was committed
   * first. A newer publisher that found its bytes already in place left them alone, so if
   * we then replaced them, nobody else will put them back: after writing, a publisher whose
   * state has been overtaken checks whether the newest state's files are what it replaced,
   * and if so writes them, on the same terms. (When they are not, the newer publisher saw
   * other bytes and writes after us.)
   */
  async #publishFeed(committed: ShardState, committedEtag: string): Promise<void> {
    const stateKey = stateKeys.shard(committed.feed);
    let plan = this.#feedFiles(committed);
    let stateEtag = committedEtag;
    for (let round = 1; ; round++) {
      const replaced = await this.#applyFiles(plan, stateKey, stateEtag);
      if (replaced.length === 0 || (await this.#stillCurrent(stateKey, stateEtag))) return;
      const latest = await this.#readJson<ShardState>(stateKey);
      if (!latest) return;
      const next = this.#feedFiles(latest.value);
      if (!overtaken(replaced, next)) return;
      if (round >= 20) throw new Error(`${stateKey} kept changing while its feeds were written`);
      plan = next;
      stateEtag = latest.etag;
    }
  }

  /** The files a feed's window makes: each stored path and its bytes; none for an empty category. */
  #feedFiles(shard: ShardState): FilePlan {
    const newest = shard.items[0]?.article;
    const category =
      shard.feed === SITE_FEED
        ? undefined
        : {
            slug: shard.feed,
            name: newest?.categories.find((c) => c.slug === shard.feed)?.name ?? shard.feed,
          };
    const folder = category ? `feeds/${shard.feed}/` : 'feeds/';
    if (category && shard.items.length === 0) {
      // An empty category's feeds go away (readers get 404, as for any missing feed).
      const paths = Object.values(FEED_FILE_NAMES).flatMap((name) => [
        ...COMPRESSED_SUFFIXES.map((suffix) => `${folder}${name}${suffix}`),
        `${folder}${name}`,
      ]);
      return { paths, files: [] };
    }
    const document = feedDocument(category, shard.items, this.#config, this.#now());
    const files = storedFiles(renderFeedFiles(folder, document));
    return { paths: files.map((file) => file.path), files, volatile: shard.items.length === 0 };
  }

  /**
   * Makes `plan.paths` hold `plan.files` (and nothing where it has none), only while
   * `stateKey` still has the ETag our commit gave it. The order is HEAD every path, check the
   * state once, then PUT (with If-Match on what we saw) or DELETE what differs, compressed
   * copies before their file: a newer publisher that wrote a file after our HEAD makes our
   * If-Match fail (and our re-check stop us); one that commits after our check writes after
   * us, unless its bytes were already there when it looked (see #publishFeed). Copies are
   * compared like their files, since a publisher stopped between a copy and its file leaves
   * a copy of other bytes under an unchanged file. Returns what each changed path held before.
   */
  async #applyFiles(plan: FilePlan, stateKey: string, stateEtag: string): Promise<Replaced[]> {
    const wanted = wantedEtags(plan);
    const replaced: Replaced[] = [];
    for (let attempt = 1; ; attempt++) {
      const existing = await Promise.all(plan.paths.map((path) => this.#output.head(path)));
      const changed = plan.paths.flatMap((path, index) =>
        existing[index]?.etag === wanted.get(path) ? [] : [{ path, before: existing[index]?.etag }],
      );
      if (changed.length === 0) return replaced;
      if (!(await this.#stillCurrent(stateKey, stateEtag))) return replaced;
      try {
        for (const { path, before } of changed) {
          const file = plan.files.find((candidate) => candidate.path === path);
          // Noted before the request: a write whose answer is lost may still have happened.
          replaced.push({ path, before, deleted: !file });
          if (file) {
            await this.#output.put(path, file.body, {
              contentType: file.contentType,
              ...(file.contentEncoding ? { contentEncoding: file.contentEncoding } : {}),
              cacheControl: FEED_CACHE_CONTROL,
              ...(before ? { ifMatch: before } : { ifNoneMatch: '*' as const }),
            });
          } else {
            // S3 has no conditional delete: this may remove a newer publisher's file, which
            // the check after writing puts back (see overtaken).
            await this.#output.delete(path);
          }
        }
        return replaced;
      } catch (error) {
        if (!(error instanceof PreconditionFailed) || attempt >= 20) throw error;
      }
    }
  }

  async #stillCurrent(stateKey: string, etag: string): Promise<boolean> {
    return (await this.#source.head(stateKey))?.etag === etag;
  }

  /**
   * Keeps the list of categories (for the OPML list and the page) in step with a category's
   * feed. Each entry records the newest window revision it reflects, and every window
   * commit moves it forward, even when the name stays: so an entry only ever moves to a
   * newer window, and a publisher that read an older window can never undo a newer one.
   * (Skipping unchanged names saved a write, but then the one that changes a name from an
   * older revision had to re-read the window afterwards, and dying before that left the
   * list wrong.) The OPML list and the page are written only when the names change.
   */
  async #updateRegistry(shard: ShardState): Promise<void> {
    const name = shard.items[0]?.article.categories.find((c) => c.slug === shard.feed)?.name;
    for (let attempt = 1; ; attempt++) {
      const stored = await this.#readJson<Registry>(stateKeys.registry);
      const categories = { ...(stored?.value.categories ?? {}) };
      const entry = categories[shard.feed];
      if (entry && entry.shardRevision >= shard.revision) return;
      if (!entry && name === undefined) return;
      const renamed = (entry?.name ?? undefined) !== name;
      categories[shard.feed] = { name: name ?? null, shardRevision: shard.revision };
      const next: Registry = { revision: (stored?.value.revision ?? 0) + 1, categories };
      let etag: string;
      try {
        ({ etag } = await this.#source.put(stateKeys.registry, JSON.stringify(next), {
          contentType: JSON_TYPE,
          ...(stored ? { ifMatch: stored.etag } : { ifNoneMatch: '*' as const }),
        }));
      } catch (error) {
        if (!(error instanceof PreconditionFailed) || attempt >= 20) throw error;
        await this.#sleep(Math.min(500, 10 * 2 ** attempt) * Math.random());
        continue;
      }
      if (renamed) await this.#publishIndex(next, etag);
      return;
    }
  }

  /**
   * Brings the OPML list and the feeds page in line with the category list. Publishers keep
   * them so as they go; this repairs what one that died between writing an older list's
   * files and checking the list again left behind. Run by the schedule, every minute.
   */
  async checkIndexFiles(): Promise<void> {
    const stored = await this.#readJson<Registry>(stateKeys.registry);
    if (stored) return this.#publishIndex(stored.value, stored.etag);
    // A publisher died between the site's first window and the list's creation.
    if (await this.#source.head(stateKeys.shard(SITE_FEED))) await this.#createRegistry();
  }

  /** Creates an empty category list, and its files, unless there is a list already. */
  async #createRegistry(): Promise<void> {
    const empty: Registry = { revision: 1, categories: {} };
    let etag: string;
    try {
      ({ etag } = await this.#source.put(stateKeys.registry, JSON.stringify(empty), {
        contentType: JSON_TYPE,
        ifNoneMatch: '*',
      }));
    } catch (error) {
      // Someone else made the list: they write its files.
      if (error instanceof PreconditionFailed) return;
      throw error;
    }
    await this.#publishIndex(empty, etag);
  }

  /**
   * Writes the OPML list and the page for `registry`, committed with `etag`. The list is
   * written on every window commit, and only a writer that changed a name writes the files,
   * so while the list moves on under us we carry on with the newest one, until our files
   * are the current list's. Under a long burst we give up after some rounds: the schedule's
   * minute (checkIndexFiles) finishes the job.
   */
  async #publishIndex(committed: Registry, committedEtag: string): Promise<void> {
    let plan = this.#indexFiles(committed);
    let etag = committedEtag;
    for (let round = 1; round <= 20; round++) {
      await this.#applyFiles(plan, stateKeys.registry, etag);
      if (await this.#stillCurrent(stateKeys.registry, etag)) return;
      const latest = await this.#readJson<Registry>(stateKeys.registry);
      if (!latest) return;
      plan = this.#indexFiles(latest.value);
      etag = latest.etag;
    }
    this.#log.warn(
      'the category list kept changing while its files were written; the schedule will finish them',
      {
        key: stateKeys.registry,
      },
    );
  }

  #indexFiles(registry: Registry): FilePlan {
    const list = Object.entries(registry.categories).flatMap(([slug, value]) =>
      value.name === null ? [] : [{ slug, name: value.name }],
    );
    const files = storedFiles(renderIndexFiles(list, this.#config));
    return { paths: files.map((file) => file.path), files };
  }

  /** A rejected article gets a report editors can read; any other outcome removes it. */
  async #updateReport(key: string, desired: Desired): Promise<void> {
    const reportKey = stateKeys.report(key);
    if (desired.status === 'rejected') {
      this.#metrics?.count('RejectedArticles');
      this.#log.warn('article rejected; it is left out of the feeds', {
        key,
        problems: desired.problems.map((problem) => ({ field: problem.field, message: problem.message })),
      });
      await this.#source.put(reportKey, rejectionReport(key, desired.problems, this.#now()), {
        contentType: JSON_TYPE,
      });
    } else if (await this.#source.head(reportKey)) {
      await this.#source.delete(reportKey);
    }
  }

  /**
   * Puts articles whose turn a claim change gives them in the schedule, due now, before the
   * change is written: they are published again at the end of this call, and if that fails
   * or we die first, the schedule's next minute does it (a redelivery of our batch might not
   * lead back to the claim, when a refill's read of another article changed it). Their own
   * publish takes the entry out again.
   */
  async #scheduleFollowUps(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const now = this.#now();
    await this.#changeSchedule((due) => {
      if (keys.every((key) => (due[key] ?? Number.POSITIVE_INFINITY) <= now)) return false;
      for (const key of keys) due[key] = Math.min(due[key] ?? now, now);
      return true;
    });
  }

  async #updateSchedule(key: string, desired: Desired): Promise<void> {
    await this.#changeSchedule((due) => {
      if (desired.publishAt === undefined) {
        if (due[key] === undefined) return false;
        delete due[key];
      } else {
        if (due[key] === desired.publishAt) return false;
        due[key] = desired.publishAt;
      }
      return true;
    });
  }

  /** Read-modify-write of the schedule; `change` edits a copy and says whether to write it. */
  async #changeSchedule(change: (due: Record<string, number>) => boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const stored = await this.#readJson<Schedule>(stateKeys.schedule);
      const due = { ...(stored?.value.due ?? {}) };
      if (!change(due)) return;
      try {
        await this.#source.put(stateKeys.schedule, JSON.stringify({ due }), {
          contentType: JSON_TYPE,
          ...(stored ? { ifMatch: stored.etag } : { ifNoneMatch: '*' as const }),
        });
        return;
      } catch (error) {
        if (!(error instanceof PreconditionFailed) || attempt >= 20) throw error;
        await this.#sleep(Math.min(500, 10 * 2 ** attempt) * Math.random());
      }
    }
  }

  async #readJson<T>(key: string): Promise<{ value: T; etag: string } | undefined> {
    const object = await this.#source.get(key);
    if (object === undefined || object === NOT_MODIFIED) return undefined;
    return { value: decode<T>(object.body), etag: object.etag };
  }
}

/** Paths a writer manages, and the files it wants there (a path without one should not exist). */
interface FilePlan {
  readonly paths: readonly string[];
  readonly files: readonly StoredFile[];
  /** The bytes depend on when they are rendered (an empty feed carries the time). */
  readonly volatile?: boolean;
}

/** A path a writer changed (or tried to), and the ETag it had before (undefined: there was nothing). */
interface Replaced {
  readonly path: string;
  readonly before: string | undefined;
  /** Deleted: S3 has no conditional delete, so it may have been a newer writer's file. */
  readonly deleted: boolean;
}

/** Each file with its compressed copies, copies first (a reader of the file finds copies at least as new). */
function storedFiles(files: readonly SiteFile[]): StoredFile[] {
  return files.flatMap((file) => withCompressedCopies(file).reverse());
}

function wantedEtags(plan: FilePlan): Map<string, string> {
  return new Map(plan.files.map((file) => [file.path, md5Etag(file.body)]));
}

/**
 * Whether a writer of `newer` could have left one of the `replaced` paths alone because it
 * held what `newer` wants there when it looked: our write then replaced its bytes for good.
 */
function overtaken(replaced: readonly Replaced[], newer: FilePlan): boolean {
  // An empty site feed is stamped with the time it is rendered: ours cannot stand for theirs.
  if (newer.volatile) return true;
  const wanted = wantedEtags(newer);
  return replaced.some(({ path, before, deleted }) => deleted || wanted.get(path) === before);
}

class RetryWith extends Retry {
  constructor(readonly memberships: readonly Membership[]) {
    super('retry');
  }
}

/** The report object editors read for a rejected article. */
export function rejectionReport(key: string, problems: readonly ArticleProblem[], now: number): string {
  const report = {
    article: key,
    rejectedAt: new Date(now).toISOString(),
    problems: problems.map((problem) => ({
      field: problem.field ?? null,
      message: problem.message,
      text: formatProblem(problem),
    })),
    help: 'Fix the article and upload it again; this report disappears when the article is accepted or deleted.',
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

function unionMemberships(...lists: ReadonlyArray<readonly Membership[]>): Membership[] {
  const seen = new Map<string, Membership>();
  for (const list of lists) for (const m of list) seen.set(`${m.feed}\u0000${m.month}`, m);
  return [...seen.values()].sort((a, b) => compareText(a.feed, b.feed) || compareText(a.month, b.month));
}

function sameMemberships(a: readonly Membership[], b: readonly Membership[]): boolean {
  const left = unionMemberships(a);
  const right = unionMemberships(b);
  return (
    left.length === right.length &&
    left.every((m, i) => m.feed === right[i]?.feed && m.month === right[i]?.month)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

export type { Article };
