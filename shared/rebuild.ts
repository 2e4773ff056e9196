import { type Article, type ArticleProblem, isArticleFile, oversizeProblem } from './article';
import { COMPRESSED_SUFFIXES, withCompressedCopies } from './compression';
import type { SiteConfig } from './config';
import type { FeedItem } from './feeds';
import {
  ARTICLES_PREFIX,
  type ArticleRecord,
  classifyArticle,
  FEED_CACHE_CONTROL,
  type IdClaim,
  JSON_TYPE,
  type Logger,
  type Membership,
  type MonthMember,
  type MonthPartition,
  md5Etag,
  REPORTS_PREFIX,
  type Registry,
  rejectionReport,
  type ShardState,
  SITE_FEED,
  STATE_PREFIX,
  stateKeys,
  storableItem,
} from './publisher';
import {
  compareNewestFirst,
  FEED_FILE_NAMES,
  feedDocument,
  renderFeedFiles,
  renderIndexFiles,
  type SiteFile,
  toFeedItem,
} from './site';
import { NOT_MODIFIED, type ObjectStore } from './store';

export interface RebuildOptions {
  readonly source: ObjectStore;
  readonly output: ObjectStore;
  readonly config: SiteConfig;
  readonly now: number;
  readonly log: Logger;
  /** Called as articles are read: how many so far, and how many are listed so far. */
  readonly onProgress?: (read: number, listed: number) => void;
  /** Requests in flight at once. */
  readonly concurrency?: number;
}

export interface RebuildReport {
  readonly articles: number;
  readonly published: number;
  readonly rejected: number;
  readonly drafts: number;
  readonly scheduled: number;
  readonly feeds: number;
  readonly written: number;
  readonly deleted: number;
}

/** Per feed: the newest `itemsPerFeed` articles seen so far, and every member by month. */
interface FeedBuild {
  readonly top: Article[];
  readonly months: Map<string, Record<string, MonthMember>>;
}

/**
 * Rebuilds every feed and all publisher state from the articles in the source bucket, for
 * migrations and disaster recovery. Articles are streamed: only the newest `itemsPerFeed`
 * of each feed are kept whole (and rendered); of the rest, a key, a date and an id.
 * State, reports and feed files that the articles no longer call for are deleted.
 * Pause the event pipeline while it runs: it does not race live publishers.
 */
export async function rebuildAll(options: RebuildOptions): Promise<RebuildReport> {
  const { source, output, config, now, log } = options;
  const concurrency = options.concurrency ?? 16;
  const feeds = new Map<string, FeedBuild>();
  const records: ArticleRecord[] = [];
  const idHolders = new Map<string, string[]>();
  // A few more than shown, so that duplicates (rejected below) do not leave a window short.
  const keptPerFeed = config.itemsPerFeed + 16;
  const due: Record<string, number> = {};
  const reports = new Map<string, readonly ArticleProblem[]>();
  let articles = 0;
  let drafts = 0;
  let scheduled = 0;
  let read = 0;
  let listed = 0;

  const consider = (key: string, body: Uint8Array, etag: string): void => {
    const verdict = classifyArticle(key, body, config, now);
    if (verdict.status === 'rejected') {
      reports.set(key, verdict.problems);
      if (verdict.retryAt !== undefined) due[key] = verdict.retryAt;
    } else if (verdict.status === 'draft') drafts++;
    else if (verdict.status === 'scheduled') {
      due[key] = verdict.article.published;
      scheduled++;
    } else {
      records.push({ key, memberships: verdict.memberships, id: verdict.article.id });
      const holders = idHolders.get(verdict.article.id) ?? [];
      idHolders.set(verdict.article.id, holders);
      holders.push(key);
      for (const membership of verdict.memberships)
        addMember(feeds, membership, verdict.article, etag, keptPerFeed);
    }
  };

  await forEachLimited(
    listArticles(source, () => listed++),
    concurrency,
    async ({ key, size }) => {
      articles++;
      if (size > config.maxArticleBytes) {
        reports.set(key, [oversizeProblem(key, size, config.maxArticleBytes)]);
      } else {
        const object = await source.get(key);
        if (object !== undefined && object !== NOT_MODIFIED) consider(key, object.body, object.etag);
      }
      options.onProgress?.(++read, listed);
    },
  );

  // State, then the feeds rendered from it.
  const keep = new Set<string>();
  const put = async (key: string, body: string, contentType = JSON_TYPE): Promise<void> => {
    keep.add(key);
    await source.put(key, body, { contentType });
  };
  // One article per id: the first by path, as `feedgen build` decides; the rest are rejected
  // and wait for it in the id's claim.
  const claims: Array<[string, IdClaim]> = [];
  const losers = new Set<string>();
  for (const [id, holders] of idHolders) {
    const [owner, ...waiting] = holders.sort();
    if (owner === undefined) continue;
    claims.push([id, { owner, waiting }]);
    for (const key of waiting) {
      losers.add(key);
      reports.set(key, [
        {
          source: key,
          field: 'id',
          message: `${id} is already the id of ${owner}; give this article its own slug, link or id`,
        },
      ]);
    }
  }
  for (const build of feeds.values()) {
    if (losers.size === 0) break;
    build.top.splice(0, build.top.length, ...build.top.filter((article) => !losers.has(article.source)));
    for (const month of build.months.values()) for (const key of losers) delete month[key];
  }
  for (const build of feeds.values()) build.top.splice(config.itemsPerFeed);
  for (const [feed, build] of [...feeds]) {
    if (feed !== SITE_FEED && build.top.length === 0) feeds.delete(feed);
  }
  const liveRecords = records.filter((record) => !losers.has(record.key));
  const waitingRecords = records
    .filter((record) => losers.has(record.key))
    .map((record) => ({ key: record.key, memberships: [], id: record.id }));
  await forEachLimited([...liveRecords, ...waitingRecords], concurrency, (record) =>
    put(stateKeys.record(record.key), JSON.stringify(record)),
  );
  await forEachLimited(claims, concurrency, ([id, claim]) => put(stateKeys.id(id), JSON.stringify(claim)));
  const monthWrites: Array<[string, MonthPartition]> = [];
  for (const [feed, build] of feeds) {
    for (const [month, members] of build.months)
      monthWrites.push([stateKeys.month(feed, month), { members }]);
  }
  await forEachLimited(monthWrites, concurrency, ([key, partition]) => put(key, JSON.stringify(partition)));

  const files: SiteFile[] = [];
  const categories: Registry['categories'] = {};
  const mutableCategories = categories as Record<string, { name: string; shardRevision: number }>;
  for (const [feed, build] of [...feeds].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const items: FeedItem[] = build.top.map((article) => storableItem(toFeedItem(article)));
    const shard: ShardState = { feed, revision: 1, items };
    await put(stateKeys.shard(feed), JSON.stringify(shard));
    const newest = items[0]?.article;
    const category =
      feed === SITE_FEED
        ? undefined
        : { slug: feed, name: newest?.categories.find((c) => c.slug === feed)?.name ?? feed };
    if (category) mutableCategories[feed] = { name: category.name, shardRevision: 1 };
    files.push(
      ...renderFeedFiles(category ? `feeds/${feed}/` : 'feeds/', feedDocument(category, items, config, now)),
    );
  }
  if (!feeds.has(SITE_FEED)) {
    await put(stateKeys.shard(SITE_FEED), JSON.stringify({ feed: SITE_FEED, revision: 1, items: [] }));
    files.push(...renderFeedFiles('feeds/', feedDocument(undefined, [], config, now)));
  }
  await put(stateKeys.registry, JSON.stringify({ revision: 1, categories } satisfies Registry));
  await put(stateKeys.schedule, JSON.stringify({ due }));
  files.push(
    ...renderIndexFiles(
      Object.entries(categories).flatMap(([slug, value]) =>
        value.name === null ? [] : [{ slug, name: value.name }],
      ),
      config,
    ),
  );
  await forEachLimited([...reports], concurrency, ([key, problems]) =>
    put(stateKeys.report(key), rejectionReport(key, problems, now)),
  );

  let written = 0;
  const stored = files.flatMap(withCompressedCopies);
  await forEachLimited(stored, concurrency, async (file) => {
    const existing = await output.head(file.path);
    if (existing?.etag === md5Etag(file.body)) return;
    await output.put(file.path, file.body, {
      contentType: file.contentType,
      ...(file.contentEncoding ? { contentEncoding: file.contentEncoding } : {}),
      cacheControl: FEED_CACHE_CONTROL,
    });
    written++;
  });

  // What the articles no longer call for.
  const wantedFiles = new Set(stored.map((file) => file.path));
  const feedFileNames = new Set<string>(
    Object.values(FEED_FILE_NAMES).flatMap((name) => [
      name,
      ...COMPRESSED_SUFFIXES.map((suffix) => `${name}${suffix}`),
    ]),
  );
  const stale: Array<[ObjectStore, string]> = [];
  for await (const object of source.list(STATE_PREFIX))
    if (!keep.has(object.key)) stale.push([source, object.key]);
  for await (const object of source.list(REPORTS_PREFIX))
    if (!keep.has(object.key)) stale.push([source, object.key]);
  for await (const object of output.list('feeds/')) {
    const name = object.key.split('/').pop() ?? '';
    if (feedFileNames.has(name) && !wantedFiles.has(object.key)) stale.push([output, object.key]);
  }
  await forEachLimited(stale, concurrency, ([store, key]) => store.delete(key));

  const report: RebuildReport = {
    articles,
    published: liveRecords.length,
    rejected: reports.size,
    drafts,
    scheduled,
    feeds: feeds.size,
    written,
    deleted: stale.length,
  };
  log.info('rebuilt every feed from the source bucket', { ...report });
  return report;
}

function addMember(
  feeds: Map<string, FeedBuild>,
  membership: Membership,
  article: Article,
  etag: string,
  limit: number,
): void {
  let build = feeds.get(membership.feed);
  if (!build) {
    build = { top: [], months: new Map() };
    feeds.set(membership.feed, build);
  }
  let month = build.months.get(membership.month);
  if (!month) {
    month = {};
    build.months.set(membership.month, month);
  }
  month[article.source] = { published: article.published, id: article.id, etag };
  // Keep only the newest `limit` whole; insertion into a short sorted list.
  const top = build.top;
  const last = top.at(-1);
  if (top.length >= limit && last && compareNewestFirst(article, last) >= 0) return;
  let index = top.length;
  while (index > 0 && compareNewestFirst(article, top[index - 1] as Article) < 0) index--;
  top.splice(index, 0, article);
  if (top.length > limit) top.pop();
}

async function* listArticles(
  source: ObjectStore,
  onListed: () => void,
): AsyncIterable<{ key: string; size: number }> {
  for await (const object of source.list(ARTICLES_PREFIX)) {
    if (!isArticleFile(object.key)) continue;
    onListed();
    yield { key: object.key, size: object.size };
  }
}

/** Runs `task` over a stream with at most `limit` at once; reads ahead no more than that. */
async function forEachLimited<T>(
  items: AsyncIterable<T> | Iterable<T>,
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: unknown;
  for await (const item of items as AsyncIterable<T>) {
    if (failure) break;
    const run = task(item).catch((error) => {
      failure ??= error;
    });
    const tracked = run.finally(() => running.delete(tracked));
    running.add(tracked);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure;
}
