import { MemoryStore } from '../../shared/adapters/memory-store';
import { isArticlePath, parseArticle } from '../../shared/core/article/article';
import type { SiteConfig } from '../../shared/core/config';
import { buildSite } from '../../shared/core/site';
import { Committer } from '../../shared/publishing/committer';
import { MANIFEST_KEY, reportKey, SITE_FEED } from '../../shared/publishing/layout';
import type { Manifest } from '../../shared/publishing/state';
import { basePath, decodedText, storedKeys } from './stored-site';

/** The files `feedgen build` makes of the articles a source store holds (rejected ones left out). */
export function buildOf(source: MemoryStore, config: SiteConfig, now: number): Map<string, string> {
  const articles = [...source.objects]
    .filter(([key]) => key.startsWith('articles/') && isArticlePath(key.slice('articles/'.length)))
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

/** The manifest `feedgen rebuild` makes of the same articles, from nothing. */
export async function rebuiltManifest(
  source: MemoryStore,
  config: SiteConfig,
  now: number,
): Promise<Manifest> {
  const copy = new MemoryStore();
  for (const [key, entry] of source.objects) {
    if (key.startsWith('articles/')) await copy.put(key, entry.body, { contentType: entry.contentType });
  }
  const committer = new Committer({
    source: copy,
    output: new MemoryStore(),
    config,
    clock: () => now,
    log: { info: () => {}, warn: () => {}, error: () => {} },
  });
  await committer.apply({ changes: [], rebuild: true });
  return manifestOf(copy);
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
