import { type Article, type ArticleProblem, parseArticle } from './article/article';
import type { SiteConfig } from './config';

/**
 * What an article's bytes say should happen to it at `now`: the rules `feedgen build`
 * applies (shared/site.ts selectArticles), one article at a time. Whether a candidate is
 * shown also depends on the other articles with its id: the first by path owns it.
 */
export type Verdict =
  | {
      readonly status: 'rejected';
      readonly problems: readonly ArticleProblem[];
      /** When the rejection no longer holds (an `updated` time in the future): look again then. */
      readonly due?: number;
    }
  | { readonly status: 'draft'; readonly article: Article }
  | { readonly status: 'scheduled'; readonly article: Article; readonly due: number }
  | { readonly status: 'candidate'; readonly article: Article };

export function judgeArticle(key: string, body: Uint8Array, config: SiteConfig, now: number): Verdict {
  const parsed = parseArticle(key, body, config);
  if (!parsed.ok) return { status: 'rejected', problems: parsed.problems };
  const article = parsed.article;
  if (article.draft) return { status: 'draft', article };
  if (article.published > now) return { status: 'scheduled', article, due: article.published };
  if (article.updated !== undefined && article.updated > now) {
    const message = `${new Date(article.updated).toISOString()} is in the future; updated is when the article last changed`;
    return {
      status: 'rejected',
      problems: [{ source: key, field: 'updated', message }],
      due: article.updated,
    };
  }
  return { status: 'candidate', article };
}

/** The problem of an article whose id an earlier one (by path) holds. */
export function duplicateProblem(key: string, id: string, owner: string): ArticleProblem {
  return {
    source: key,
    field: 'id',
    message: `${id} is already the id of ${owner}; give this article its own slug, link or id`,
  };
}
