import { parseArticle } from '../../shared/article';
import type { SiteConfig } from '../../shared/config';
import type { MemoryStore } from '../../shared/adapters/memory-store';
import { buildSite } from '../../shared/site';
import { basePath, decodedText, storedKeys } from './stored-site';

/** The files `feedgen build` makes of the articles a source store holds (rejected ones left out). */
export function buildOf(source: MemoryStore, config: SiteConfig, now: number): Map<string, string> {
  const articles = [...source.objects]
    .filter(([key]) => key.startsWith('articles/'))
    .flatMap(([key, entry]) => {
      const parsed = parseArticle(key, entry.body, config);
      return parsed.ok ? [parsed.article] : [];
    });
  return new Map(buildSite(articles, config, now).files.map((file) => [file.path, file.body]));
}

/**
 * How the published files differ from a from-scratch build: [] when every file (and its
 * compressed copy, decoded) has the same bytes and there is nothing else under feeds/.
 * An empty site feed carries a time stamp, so `stamped` files are compared without it.
 */
export function differences(expected: ReadonlyMap<string, string>, output: MemoryStore): string[] {
  const problems: string[] = [];
  const stored = [...output.objects.keys()].filter((key) => key.startsWith('feeds/')).sort();
  const wanted = storedKeys(expected);
  for (const key of wanted) if (!output.objects.has(key)) problems.push(`${key} missing`);
  for (const key of stored) {
    const want = expected.get(basePath(key));
    if (want === undefined) {
      problems.push(`${key} should not exist`);
      continue;
    }
    const bytes = output.objects.get(key)?.body;
    if (bytes && unstamped(decodedText(key, bytes)) !== unstamped(want)) problems.push(`${key} differs`);
  }
  return problems;
}

/** An empty feed is stamped with the time it was made: leave the stamp out of comparisons. */
function unstamped(text: string): string {
  if (/<item>|<entry>|"id":/.test(text)) return text;
  return text
    .replace(/<lastBuildDate>[^<]*<\/lastBuildDate>/, '')
    .replace(/<updated>[^<]*<\/updated>/, '');
}
