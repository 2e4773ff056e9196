import { createHash } from 'node:crypto';
import type { ArticleProblem, Category } from '../core/article/article';
import type { ItemFragments } from '../core/render/fragments';
import { JSON_TYPE, MANIFEST_KEY, OBJECTS_PREFIX } from './layout';
import { NOT_MODIFIED, type ObjectStore, PreconditionFailed } from './ports';

/**
 * The publisher's state: one small mutable manifest, written with If-Match as the commit,
 * pointing to immutable objects (directory shards and feed indexes) that are never
 * changed once written. docs/architecture.md describes the layout and why it is safe.
 */

/**
 * Directory shards: key → entry and id → claimants are split over this many objects. A
 * lone upload reads and writes one or two; a batch of 100 touches about 100 of 128
 * (2 requests per upload); at 100k articles a shard holds ~800 entries (~200 KB).
 */
export const SHARD_COUNT = 128;

/** What the directory knows of one article key. */
export interface DirEntry {
  /** ETag of the version this entry describes. */
  readonly etag: string;
  /**
   * candidate: valid, published and due, so it takes part in its id's ownership (it is
   * shown when it owns the id); draft; scheduled (dated in the future); rejected.
   */
  readonly status: 'candidate' | 'draft' | 'scheduled' | 'rejected';
  readonly published?: number;
  readonly id?: string;
  /** Slugs of its categories (their display names live with the feeds' items). */
  readonly categories?: readonly string[];
  readonly problems?: readonly ArticleProblem[];
  /** When the rejection was decided: the report's time. */
  readonly rejectedAt?: number;
  /** When to look at the article again: its publication time, or an `updated` time to wait for. */
  readonly due?: number;
}

export interface Shard {
  readonly keys: Readonly<Record<string, DirEntry>>;
  /** Each id's candidates in path order: the first one owns it (the rule `feedgen build` applies). */
  readonly ids: Readonly<Record<string, readonly string[]>>;
}

/** A feed member, as the newest-first order needs it. */
export interface Member {
  readonly key: string;
  readonly published: number;
  readonly id: string;
}

/** A member in the feed's window: rendered once, when it entered. */
export interface WindowItem extends Member {
  /** Newest change time: the feed's own updated time is its items' newest. */
  readonly updated: number;
  /** Display names of its categories, for the category list. */
  readonly categories: readonly Category[];
  readonly hasContent: boolean;
  readonly fragments: ItemFragments;
}

/**
 * One feed's index: its newest items, rendered, then a tail of the next members (key and
 * order only) to refill from. `complete` says the two hold every member; otherwise members
 * older than the tail's last exist and a refill past the tail scans the directory.
 */
export interface FeedIndex {
  readonly window: readonly WindowItem[];
  readonly tail: readonly Member[];
  readonly complete: boolean;
  /** Members in all. */
  readonly count: number;
  /** The time an empty site feed shows (it has no newest item to take it from). */
  readonly emptyStamp?: number;
}

export interface FeedEntry {
  /** Object key of the feed's index. */
  readonly index: string;
  /** Category display name (from its newest article); null for the site feed. */
  readonly name: string | null;
  readonly count: number;
}

export interface Manifest {
  readonly format: 1;
  /** Bumped by every commit. */
  readonly generation: number;
  /** Object key of each directory shard; null while a shard is empty. */
  readonly shards: readonly (string | null)[];
  /** The site feed and each category with members, by feed name (SITE_FEED or the slug). */
  readonly feeds: Readonly<Record<string, FeedEntry>>;
  /** Articles to look at again at a time: scheduled ones, or rejected for a future `updated`. */
  readonly schedule: Readonly<Record<string, number>>;
  /** Every published file below feeds/ and the MD5 (hex) its bytes must have. */
  readonly files: Readonly<Record<string, string>>;
  /** Articles that have a report, and the report's time. */
  readonly reports: Readonly<Record<string, number>>;
  /** Objects no longer referenced, with when they were superseded: deleted after a grace period. */
  readonly garbage: readonly { readonly at: number; readonly key: string }[];
  /** The writer whose turn it is, between its lease and its commit (lease.ts). */
  readonly lease?: { readonly holder: string; readonly ms: number; readonly at: number };
}

/** A feed's entry: own properties only (a category may be called "constructor"). */
export function feedEntry(manifest: Manifest, feed: string): FeedEntry | undefined {
  return Object.hasOwn(manifest.feeds, feed) ? manifest.feeds[feed] : undefined;
}

export function emptyManifest(): Manifest {
  return {
    format: 1,
    generation: 0,
    shards: Array.from({ length: SHARD_COUNT }, () => null),
    feeds: {},
    schedule: {},
    files: {},
    reports: {},
    garbage: [],
  };
}

export function emptyShard(): Shard {
  return { keys: {}, ids: {} };
}

/** Which shard holds a key's entry, or an id's claimants. */
export function shardOf(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % SHARD_COUNT;
}

export function md5Hex(body: string | Uint8Array): string {
  return createHash('md5').update(body).digest('hex');
}

/** S3's quoted ETag as a plain hex MD5 (single-part uploads with S3-managed keys). */
export function etagHex(etag: string): string {
  return etag.replace(/"/g, '');
}

/** The state changed under a reader: start the batch over from the newest manifest. */
export class StateMoved extends Error {
  constructor(what: string) {
    super(`${what}: the publisher's state changed while it was read; starting over`);
    this.name = 'StateMoved';
  }
}

/**
 * Reads and writes the state objects. Immutable objects are cached for the life of the
 * process (a warm Lambda keeps them), so a writer that committed the last batch reads
 * only what changed since.
 */
export class StateStore {
  readonly #store: ObjectStore;
  readonly #cache = new Map<string, unknown>();
  #written: string[] = [];
  #manifest: { etag: string; value: Manifest } | undefined;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  /** The newest manifest and its ETag (undefined before the first commit). */
  async manifest(): Promise<{ etag: string | undefined; value: Manifest }> {
    const cached = this.#manifest;
    const found = await this.#store.get(MANIFEST_KEY, cached ? { ifNoneMatch: cached.etag } : {});
    if (found === NOT_MODIFIED && cached) return cached;
    if (found === undefined || found === NOT_MODIFIED) {
      this.#manifest = undefined;
      return { etag: undefined, value: emptyManifest() };
    }
    const value = JSON.parse(Buffer.from(found.body).toString('utf8')) as Manifest;
    this.#manifest = { etag: found.etag, value };
    return this.#manifest;
  }

  /** The commit: succeeds only if nobody committed since `etag` was read; returns the new ETag. */
  async commit(manifest: Manifest, etag: string | undefined): Promise<string> {
    const body = JSON.stringify(manifest);
    try {
      const written = await this.#store.put(MANIFEST_KEY, body, {
        contentType: JSON_TYPE,
        ...(etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag }),
      });
      this.#manifest = { etag: written.etag, value: manifest };
      return written.etag;
    } catch (error) {
      this.#manifest = undefined;
      throw error;
    }
  }

  async object<T>(key: string): Promise<T> {
    if (this.#cache.has(key)) return this.#cache.get(key) as T;
    const found = await this.#store.get(key);
    // Superseded objects are deleted minutes after the commit that replaced them.
    if (found === undefined || found === NOT_MODIFIED) throw new StateMoved(`${key} is gone`);
    const value = JSON.parse(Buffer.from(found.body).toString('utf8')) as T;
    this.#remember(key, value);
    return value;
  }

  /**
   * Writes a new immutable object. Its name is unique to this writer's attempt at this
   * generation (`attempt` is random), so two writers racing for one generation never write
   * the same key, and nothing is hashed to name it (an index is hundreds of kilobytes).
   */
  async write(kind: string, name: string, attempt: string, value: unknown): Promise<string> {
    const body = JSON.stringify(value);
    const key = `${OBJECTS_PREFIX}${kind}/${attempt}-${name}.json`;
    this.#written.push(key);
    await this.#store.put(key, body, { contentType: JSON_TYPE });
    this.#remember(key, value);
    return key;
  }

  /** The objects written since the last call (an attempt's, to list for deletion if it fails). */
  takeWritten(): string[] {
    const written = this.#written;
    this.#written = [];
    return written;
  }

  async delete(key: string): Promise<void> {
    this.#cache.delete(key);
    await this.#store.delete(key);
  }

  #remember(key: string, value: unknown): void {
    this.#cache.set(key, value);
    // Bounded: a shard of a 100k-article site is ~300 KB; 200 objects stay well under 100 MB.
    if (this.#cache.size > 200) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
  }
}

export { PreconditionFailed };
