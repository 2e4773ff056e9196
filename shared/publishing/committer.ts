import { isArticlePath } from '../core/article/article';
import type { SiteConfig } from '../core/config';
import type { StoredFile } from '../core/render/compression';
import { type Decision, decide, type Status } from './decide';
import { Directory } from './directory';
import { ArticleMoved, updateFeeds } from './feed-step';
import { feedFiles, feedOfPath, indexFiles } from './files';
import { ARTICLES_PREFIX, JSON_TYPE, MANIFEST_KEY, reportKey } from './layout';
import { awaitTurn, LEASE_MS, newHolder, REBUILD_LEASE_MS, releaseLease, takeLease } from './lease';
import { mapLimit } from './map-limit';
import { type Clock, type Logger, type Metrics, type ObjectStore, PreconditionFailed } from './ports';
import { type ArticleRead, readArticle } from './read-articles';
import { fileDigests, listPublished, reconcileFiles, reconcileReports, stillCurrent } from './reconciler';
import { planReports } from './reports';
import { type Manifest, StateMoved, StateStore } from './state';

/** What an event said about one key; `size` lets an oversized object be refused unread. */
export interface ChangedKey {
  readonly key: string;
  readonly size?: number;
}

/** One delivery to the writer: S3's events, the minute's tick, a rebuild, or any mix. */
export interface Batch {
  readonly changes: readonly ChangedKey[];
  /** The minute's tick: scheduled articles, the reports check and the clean-up of old state. */
  readonly tick?: boolean;
  /** Build the whole state again from the articles (the bucket is listed). */
  readonly rebuild?: boolean;
}

export interface KeyOutcome {
  readonly key: string;
  readonly status: Status | 'ignored';
  /** The feeds it is listed in now. */
  readonly feeds: readonly string[];
}

export interface BatchResult {
  /** The manifest generation the files now show. */
  readonly generation: number;
  readonly committed: boolean;
  readonly outcomes: readonly KeyOutcome[];
  readonly filesWritten: number;
  readonly filesDeleted: number;
  readonly attempts: number;
}

export interface CommitterOptions {
  /** Holds articles/ (read), state/ and reports/ (read and written). */
  readonly source: ObjectStore;
  /** Holds feeds/ (written). */
  readonly output: ObjectStore;
  readonly config: SiteConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics?: Metrics;
  /** Attempts before the batch fails (and goes back to the queue) when other writers keep committing first. */
  readonly maxAttempts?: number;
  readonly sleep?: (milliseconds: number) => Promise<void>;
  /** Longest wait for another writer's turn before the batch goes back to the queue (default 40 s). */
  readonly maxLeaseWaitMs?: number;
}

/** Superseded state objects are deleted by the first tick this long after: readers of an older manifest finish first. */
export const GARBAGE_GRACE_MS = 5 * 60_000;
const READ_CONCURRENCY = 16;
const MAX_LEASE_WAIT_MS = 40_000;

/**
 * The one writer of a site: applies a whole batch at once. Each changed article is read
 * once, every change is applied to the state in memory, each affected feed is assembled
 * once, and the new state is committed by one conditional write of the manifest; then the
 * files are brought to what the manifest says. A writer that lost its turn gets 412 on the
 * manifest and starts over from the newer state; one that dies anywhere leaves either the
 * old commit or the new one, and the reconciler finishes the files on the next batch or tick.
 */
export class Committer {
  readonly #options: CommitterOptions;
  readonly #state: StateStore;

  constructor(options: CommitterOptions) {
    this.#options = options;
    this.#state = new StateStore(options.source);
  }

  /** `progress` hears how many articles were read of how many (a rebuild reads them all). */
  async apply(batch: Batch, progress?: (read: number, total: number) => void): Promise<BatchResult> {
    const moved = new Set<string>();
    const orphans: string[] = [];
    const maxAttempts = this.#options.maxAttempts ?? 6;
    const started = performance.now();
    const holder = newHolder();
    for (let attempt = 1; ; attempt++) {
      this.#state.takeWritten();
      try {
        const result = {
          ...(await this.#attempt(batch, moved, orphans, progress, holder, attempt)),
          attempts: attempt,
        };
        this.#options.log.info('batch done', {
          generation: result.generation,
          committed: result.committed,
          articles: result.outcomes.length,
          filesWritten: result.filesWritten,
          filesDeleted: result.filesDeleted,
          attempts: attempt,
          milliseconds: Math.round(performance.now() - started),
        });
        return result;
      } catch (error) {
        // Whatever this attempt wrote before it failed is referenced by nothing it committed:
        // the next commit lists it for deletion (the clean-up skips what a manifest references).
        orphans.push(...this.#state.takeWritten());
        if (error instanceof ArticleMoved) for (const key of error.keys) moved.add(key);
        else if (!(error instanceof StateMoved || isManifestConflict(error))) throw error;
        if (attempt >= maxAttempts) {
          throw new Error(
            `gave up after ${attempt} attempts: ${(error as Error).message}; the batch goes back to the queue`,
          );
        }
        this.#options.log.info('applying the batch again', { attempt, reason: (error as Error).message });
        await (this.#options.sleep ?? sleep)(Math.random() * 50 * 2 ** attempt);
      }
    }
  }

  async #attempt(
    batch: Batch,
    moved: ReadonlySet<string>,
    orphans: string[],
    progress: ((read: number, total: number) => void) | undefined,
    /** This apply()'s name in the lease: its own attempts never wait for each other. */
    holder: string,
    attemptNumber: number,
  ): Promise<Omit<BatchResult, 'attempts'>> {
    const { source, output, config, log } = this.#options;
    const now = this.#options.clock();
    const fresh = batch.rebuild === true;
    const { turn, etag } = await this.#takeTurn(batch, holder, attemptNumber, now);
    const { value: manifest } = turn;
    try {
      const { keys, ignored } = await this.#keysOf(batch, moved, manifest, now);
      const directory = new Directory(this.#state, manifest.shards, fresh);
      await directory.load(keys.keys());
      let done = 0;
      const reads = await mapLimit([...keys], READ_CONCURRENCY, async ([key, size]) => {
        const read = await readArticle(source, key, directory.entry(key), size, {
          config,
          now,
          force: fresh,
        });
        progress?.(++done, keys.size);
        // A rebuild keeps no bodies: window items are read again, a few hundred at most.
        return fresh && !read.unchanged ? { ...read, article: undefined } : read;
      });
      const decision = await decide(directory, reads);
      const context = { state: this.#state, source, output, config, log };
      const collect =
        batch.tick === true && manifest.garbage.some((entry) => now - entry.at >= GARBAGE_GRACE_MS);

      const leased = etag !== turn.etag;
      if (
        !fresh &&
        !leased &&
        !directory.changed &&
        decision.feeds.size === 0 &&
        !collect &&
        manifest.generation > 0
      ) {
        // Nothing to commit (a duplicate event, a redelivery): finish what the last commit left,
        // if it is still the last. (A writer holding the lease commits anyway: that releases it.)
        const listed = await listPublished(output);
        if (!(await stillCurrent(context, manifest)))
          return this.#result(manifest.generation, false, keys, ignored, decision, {
            written: [],
            deleted: [],
          });
        const files = await reconcileFiles(context, manifest, new Map(), listed);
        // A later attempt of this batch may find its own commit (its answer was lost), and a
        // redelivered rejected article its report unwritten: the reports are checked then too.
        const rejectedInBatch = [...keys.keys()].some((key) => key in manifest.reports);
        if (batch.tick || attemptNumber > 1 || rejectedInBatch)
          await reconcileReports(context, manifest, directory);
        return this.#result(manifest.generation, false, keys, ignored, decision, files);
      }

      const generation = manifest.generation + 1;
      const attempt = `${generation}-${holder}-${attemptNumber}`;
      const feeds = await updateFeeds(
        { state: this.#state, source, config, now },
        manifest,
        directory,
        decision,
        attempt,
        fresh,
      );
      const rendered = new Map<string, StoredFile>();
      const files: Record<string, string> = fresh ? {} : { ...manifest.files };
      for (const [feed, index] of feeds.indexes) {
        for (const path of Object.keys(files)) if (feedOfPath(path) === feed) delete files[path];
        if (index) for (const file of feedFiles(feed, index, config)) rendered.set(file.path, file);
      }
      if (
        fresh ||
        manifest.generation === 0 ||
        categoryList(feeds.entries) !== categoryList(manifest.feeds)
      ) {
        for (const file of indexFiles(feeds.entries, config)) rendered.set(file.path, file);
      }
      Object.assign(files, fileDigests(rendered.values()));

      const schedule: Record<string, number> = fresh ? {} : { ...manifest.schedule };
      for (const [key, due] of decision.schedule) {
        if (due === undefined) delete schedule[key];
        else schedule[key] = due;
      }
      const reports: Record<string, number> = fresh ? {} : { ...manifest.reports };
      const reportWrites = planReports(decision.reports, reports, now);

      const shards = await directory.write(attempt);
      const replaced = [...shards.replaced, ...feeds.replaced];
      // A rebuild starts from nothing: everything the old manifest pointed to is superseded.
      if (fresh)
        replaced.push(
          ...manifest.shards.flatMap((pointer) => pointer ?? []),
          ...Object.values(manifest.feeds).map((entry) => entry.index),
        );
      let garbage: Manifest['garbage'] = [
        ...manifest.garbage,
        ...[...new Set([...replaced, ...orphans])].map((key) => ({ at: now, key })),
      ];
      const referenced = new Set([
        ...shards.pointers.flatMap((pointer) => pointer ?? []),
        ...Object.values(feeds.entries).map((entry) => entry.index),
      ]);
      garbage = garbage.filter((entry) => !referenced.has(entry.key));
      if (collect) garbage = await this.#collect(garbage, now);

      const next: Manifest = {
        format: 1,
        generation,
        shards: shards.pointers,
        feeds: feeds.entries,
        schedule,
        files,
        reports,
        garbage,
      };
      // Listed before the commit: a newer writer's files can only come after it (see reconcileFiles).
      const listed = await listPublished(output);
      await this.#state.commit(next, etag);
      orphans.length = 0;
      this.#log(decision);

      await mapLimit(reportWrites, 8, async ({ key, body }) => {
        if (body === undefined) await source.delete(reportKey(key));
        else await source.put(reportKey(key), body, { contentType: JSON_TYPE });
      });
      const result = await reconcileFiles(context, next, rendered, listed);
      // After a lost answer, an earlier attempt may have committed reports it never wrote.
      if (batch.tick || fresh || attemptNumber > 1) await reconcileReports(context, next, directory);
      return this.#result(generation, true, keys, ignored, decision, result);
    } catch (error) {
      // A writer that fails (S3 gave up, a bug) gives its turn back, so the next batch need
      // not wait out the lease; one that dies cannot, and is waited out (lease.ts).
      if (etag !== undefined && etag !== turn.etag && !isManifestConflict(error))
        await releaseLease(this.#state, manifest, etag);
      throw error;
    }
  }

  /**
   * Waits for the site's turn (lease.ts). A writer that lost a race takes the lease before
   * it reads anything, so the other writer's next commit cannot make it lose again; so does
   * a rebuild. Without contention the commit alone fences, one request less (and a lease
   * given up on is cleared by that commit, which writes a manifest without one). Taking the lease can
   * itself lose to a commit: that costs no work, so it is tried again, not counted.
   */
  async #takeTurn(
    batch: Batch,
    holder: string,
    attemptNumber: number,
    now: number,
  ): Promise<{ turn: { etag: string | undefined; value: Manifest }; etag: string | undefined }> {
    const fresh = batch.rebuild === true;
    for (let tries = 1; ; tries++) {
      const turn = await awaitTurn(
        this.#state,
        holder,
        this.#options.sleep ?? sleep,
        // Up to 40 s of the function's 60 (a holder commits in seconds; the rest is left for
        // the batch). A rebuild (a person at a terminal) may wait out a whole lease.
        this.#options.maxLeaseWaitMs ?? (fresh ? LEASE_MS + 5_000 : MAX_LEASE_WAIT_MS),
        this.#options.clock,
      );
      if (attemptNumber === 1 && !fresh) return { turn, etag: turn.etag };
      try {
        const lease = { holder, ms: fresh ? REBUILD_LEASE_MS : LEASE_MS, at: now };
        return { turn, etag: await takeLease(this.#state, turn.value, turn.etag, lease) };
      } catch (error) {
        if (!isManifestConflict(error) || tries >= 50) throw error;
      }
    }
  }

  async #keysOf(batch: Batch, moved: ReadonlySet<string>, manifest: Manifest, now: number) {
    const keys = new Map<string, number | undefined>();
    const ignored: string[] = [];
    for (const change of batch.changes) {
      if (isArticleKey(change.key)) keys.set(change.key, change.size);
      else ignored.push(change.key);
    }
    for (const key of moved) if (!keys.has(key)) keys.set(key, undefined);
    // Scheduled articles come due with any batch, not only the tick's.
    for (const [key, due] of Object.entries(manifest.schedule))
      if (due <= now && !keys.has(key)) keys.set(key, undefined);
    if (batch.rebuild) {
      for await (const object of this.#options.source.list(ARTICLES_PREFIX)) {
        if (isArticleKey(object.key) && !keys.has(object.key)) keys.set(object.key, object.size);
      }
    }
    return { keys, ignored };
  }

  /** Deletes superseded objects past their grace period; returns the entries still waiting. */
  async #collect(garbage: Manifest['garbage'], now: number): Promise<Manifest['garbage']> {
    const due = garbage.filter((entry) => now - entry.at >= GARBAGE_GRACE_MS);
    await mapLimit(due, 8, (entry) => this.#state.delete(entry.key));
    return garbage.filter((entry) => now - entry.at < GARBAGE_GRACE_MS);
  }

  #log(decision: Decision): void {
    const { log, metrics } = this.#options;
    for (const [key, { status, feeds }] of decision.statuses) {
      const problems = decision.reports.get(key)?.after;
      if (problems) {
        log.warn('article rejected', {
          key,
          status,
          problems: problems.map((p) => ({ field: p.field, message: p.message })),
          report: reportKey(key),
        });
        metrics?.count('RejectedArticles');
      } else log.info('published', { key, status, feeds });
    }
  }

  #result(
    generation: number,
    committed: boolean,
    keys: ReadonlyMap<string, unknown>,
    ignored: readonly string[],
    decision: Decision,
    files: { written: readonly string[]; deleted: readonly string[] },
  ): Omit<BatchResult, 'attempts'> {
    const outcomes: KeyOutcome[] = [
      ...[...keys.keys()].map((key) => {
        const status = decision.statuses.get(key);
        return { key, status: status?.status ?? ('unchanged' as const), feeds: status?.feeds ?? [] };
      }),
      ...ignored.map((key) => ({ key, status: 'ignored' as const, feeds: [] })),
    ];
    return {
      generation,
      committed,
      outcomes,
      filesWritten: files.written.length,
      filesDeleted: files.deleted.length,
    };
  }
}

/** An article's key: under articles/, and an article path there (as `feedgen build` reads a folder). */
function isArticleKey(key: string): boolean {
  return key.startsWith(ARTICLES_PREFIX) && isArticlePath(key.slice(ARTICLES_PREFIX.length));
}

function isManifestConflict(error: unknown): boolean {
  return error instanceof PreconditionFailed && error.key === MANIFEST_KEY;
}

/** The category list the OPML list and the feeds page show. */
function categoryList(feeds: Manifest['feeds']): string {
  return JSON.stringify(
    Object.entries(feeds)
      .map(([feed, entry]) => [feed, entry.name])
      .sort(),
  );
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

export type { ArticleRead };
