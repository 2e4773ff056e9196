import { type Article, type ArticleProblem, oversizeProblem } from '../core/article/article';
import type { SiteConfig } from '../core/config';
import { judgeArticle } from '../core/verdict';
import { NOT_MODIFIED, type ObjectStore } from './ports';
import type { DirEntry } from './state';

/** What reading one key found: the same version as the directory's, or a new entry (undefined: gone). */
export type ArticleRead =
  | { readonly key: string; readonly unchanged: true }
  | {
      readonly key: string;
      readonly unchanged: false;
      readonly entry: DirEntry | undefined;
      /** The parsed article, when it is a candidate (kept to render it without a second read). */
      readonly article?: Article;
    };

export interface ReadOptions {
  readonly config: SiteConfig;
  readonly now: number;
  /** Read the bytes even when the directory has this version (a rebuild). */
  readonly force: boolean;
}

/**
 * Reads one article as the bucket holds it now (the event only names the key, so duplicate
 * and late events are harmless). A version the directory already has costs a 304, unless a
 * time it waits for has come.
 */
export async function readArticle(
  source: ObjectStore,
  key: string,
  old: DirEntry | undefined,
  eventSize: number | undefined,
  options: ReadOptions,
): Promise<ArticleRead> {
  const { config, now } = options;
  const waiting = old?.due !== undefined && old.due <= now;
  const known = old !== undefined && !waiting && !options.force ? old.etag : undefined;
  if (eventSize !== undefined && eventSize > config.maxArticleBytes) {
    // Refused unread when it is still that large: the event may be older than the object,
    // so the HEAD decides (and gives the version).
    const head = await source.head(key);
    if (!head) return { key, unchanged: false, entry: undefined };
    if (head.size > config.maxArticleBytes) {
      if (head.etag === known) return { key, unchanged: true };
      return rejected(key, head.etag, [oversizeProblem(key, head.size, config.maxArticleBytes)], old, now);
    }
  }
  const found = await source.get(key, known !== undefined ? { ifNoneMatch: known } : {});
  if (found === NOT_MODIFIED) return { key, unchanged: true };
  if (found === undefined) return { key, unchanged: false, entry: undefined };
  if (found.body.byteLength > config.maxArticleBytes)
    return rejected(
      key,
      found.etag,
      [oversizeProblem(key, found.body.byteLength, config.maxArticleBytes)],
      old,
      now,
    );
  const verdict = judgeArticle(key, found.body, config, now);
  const etag = found.etag;
  switch (verdict.status) {
    case 'rejected': {
      const read = rejected(key, etag, verdict.problems, old, now);
      return verdict.due === undefined ? read : { ...read, entry: { ...read.entry, due: verdict.due } };
    }
    case 'draft':
      return { key, unchanged: false, entry: { etag, status: 'draft' } };
    case 'scheduled':
    case 'candidate': {
      const { article } = verdict;
      const entry: DirEntry = {
        etag,
        status: verdict.status,
        published: article.published,
        id: article.id,
        categories: article.categories.map((category) => category.slug),
        ...(verdict.status === 'scheduled' ? { due: verdict.due } : {}),
      };
      return { key, unchanged: false, entry, ...(verdict.status === 'candidate' ? { article } : {}) };
    }
  }
}

function rejected(
  key: string,
  etag: string,
  problems: readonly ArticleProblem[],
  old: DirEntry | undefined,
  now: number,
): { key: string; unchanged: false; entry: DirEntry } {
  // The same rejection read again keeps its time, so its report does not change.
  const same =
    old?.status === 'rejected' &&
    old.etag === etag &&
    JSON.stringify(old.problems) === JSON.stringify(problems);
  return {
    key,
    unchanged: false,
    entry: { etag, status: 'rejected', problems, rejectedAt: same ? (old.rejectedAt ?? now) : now },
  };
}
