import { MemoryStore } from '../../shared/adapters/memory-store';
import { isArticlePath, parseArticle } from '../../shared/core/article/article';
import type { SiteConfig } from '../../shared/core/config';
import { buildSite } from '../../shared/core/site';
import { Committer } from '../../shared/publishing/committer';
import { MANIFEST_KEY, reportKey, SITE_FEED } from '../../shared/publishing/layout';
import type { Manifest } from '../../shared/publishing/state';
import { basePath, decodedText, storedKeys } from './stored-site';

/** The files `feedgen build` makes of these articles (rejected ones, and non-article paths, left out). */
export function fromScratch(
  articles: ReadonlyMap<string, Uint8Array>,
  config: SiteConfig,
  now: number,
): Map<string, string> {
  const parsed = [...articles]
    .filter(([key]) => key.startsWith('articles/') && isArticlePath(key.slice('articles/'.length)))
    .flatMap(([key, body]) => {
      const result = parseArticle(key, body, config);
      return result.ok ? [result.article] : [];
    });
  return new Map(buildSite(parsed, config, now).files.map((file) => [file.path, file.body]));
}

/** The articles a source store holds, by key. */
export function articlesOf(source: MemoryStore): Map<string, Uint8Array> {
  return new Map(
    [...source.objects]
      .filter(([key]) => key.startsWith('articles/'))
      .map(([key, entry]) => [key, entry.body]),
  );
}

/** The files `feedgen build` makes of the articles a source store holds. */
export function buildOf(source: MemoryStore, config: SiteConfig, now: number): Map<string, string> {
  return fromScratch(articlesOf(source), config, now);
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
  return text.replace(/<lastBuildDate>[^<]*<\/lastBuildDate>/, '').replace(/<updated>[^<]*<\/updated>/, '');
}

/** What a manifest says the site is, without object names, times or garbage: two writers of the same articles agree on it. */
export function stateSummary(manifest: Manifest): Record<string, unknown> {
  const siteEmpty = (manifest.feeds[SITE_FEED]?.count ?? 0) === 0;
  return {
    feeds: Object.fromEntries(
      Object.entries(manifest.feeds)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([feed, entry]) => [feed, { name: entry.name, count: entry.count }]),
    ),
    schedule: Object.fromEntries(Object.entries(manifest.schedule).sort(([a], [b]) => (a < b ? -1 : 1))),
    reports: Object.keys(manifest.reports).sort(),
    // An empty site feed is stamped with the time it was made.
    files: Object.fromEntries(
      Object.entries(manifest.files)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .filter(([path]) => !(siteEmpty && /^feeds\/[^/]+$/.test(path) && !path.includes('index.'))),
    ),
  };
}

export function manifestOf(source: MemoryStore): Manifest {
  const text = source.text(MANIFEST_KEY);
  if (text === undefined) throw new Error('no manifest: nothing was ever committed');
  return JSON.parse(text) as Manifest;
}

/**
 * What a fresh `feedgen rebuild` makes of these articles, in memory: `state` holds a copy of
 * the articles and the rebuild's state/ and reports/, `output` its feeds/.
 */
export async function rebuildOf(
  articles: ReadonlyMap<string, Uint8Array>,
  config: SiteConfig,
  now: number,
): Promise<{ state: MemoryStore; output: MemoryStore }> {
  const state = new MemoryStore();
  for (const [key, body] of articles) await state.put(key, body, { contentType: 'text/markdown' });
  const output = new MemoryStore();
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  await new Committer({ source: state, output, config, clock: () => now, log: quiet }).apply({
    changes: [],
    rebuild: true,
  });
  return { state, output };
}

/** The manifest `feedgen rebuild` makes of the same articles, from nothing. */
export async function rebuiltManifest(
  source: MemoryStore,
  config: SiteConfig,
  now: number,
): Promise<Manifest> {
  return manifestOf((await rebuildOf(articlesOf(source), config, now)).state);
}

/** The feeds equal a from-scratch build, and the state a rebuild's: [] when both hold. */
export async function siteAndStateDifferences(
  source: MemoryStore,
  output: MemoryStore,
  config: SiteConfig,
  now: number,
): Promise<string[]> {
  const problems = differences(buildOf(source, config, now), output);
  if (source.text(MANIFEST_KEY) === undefined) return problems;
  const actual = JSON.stringify(stateSummary(manifestOf(source)));
  const expected = JSON.stringify(stateSummary(await rebuiltManifest(source, config, now)));
  if (actual !== expected)
    problems.push(`state differs from a rebuild's:\n  actual   ${actual}\n  expected ${expected}`);
  const reports = [...source.objects.keys()].filter((key) => key.startsWith('reports/')).sort();
  const wanted = Object.keys(manifestOf(source).reports).map(reportKey).sort();
  if (JSON.stringify(reports) !== JSON.stringify(wanted))
    problems.push(`reports ${reports} but the manifest lists ${wanted}`);
  return problems;
}
