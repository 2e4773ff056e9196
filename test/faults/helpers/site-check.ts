// What the fault tests compare and check: the output bucket against a from-scratch build of
// the source bucket's articles (as test/helpers/site-compare.ts does), the committer's state
// against the state a fresh `feedgen rebuild` (a Committer applying {rebuild: true}) makes of
// the same articles, and single documents as a reader would get them (strict parse, no script).
import type { S3Client } from '@aws-sdk/client-s3';
import type { MemoryStore } from '../../../shared/adapters/memory-store';
import { S3Store } from '../../../shared/adapters/s3-store';
import type { SiteConfig } from '../../../shared/core/config';
import { FEEDS_PREFIX, MANIFEST_KEY, REPORTS_PREFIX } from '../../../shared/publishing/layout';
import { NOT_MODIFIED, type ObjectStore } from '../../../shared/publishing/ports';
import { etagHex, type Manifest, type Shard } from '../../../shared/publishing/state';
import { fromScratch, rebuildOf } from '../../helpers/site-compare';
import { basePath, decodedText, storedKeys } from '../../helpers/stored-site';

export const SOURCE = 'feedgen-articles';
export const OUTPUT = 'feedgen-feeds';

/** Every object under `prefix`, read whole. */
export async function readAll(store: ObjectStore, prefix: string): Promise<Map<string, Uint8Array>> {
  const keys: string[] = [];
  for await (const object of store.list(prefix)) keys.push(object.key);
  const result = new Map<string, Uint8Array>();
  for (const key of keys) {
    const object = await store.get(key);
    if (object !== undefined && object !== NOT_MODIFIED) result.set(key, object.body);
  }
  return result;
}

/** Item titles of an RSS document, for readable differences. */
function titles(text: string): string[] {
  return [...text.matchAll(/<item>\s*<title>([^<]*)<\/title>/g)].map((match) =>
    (match[1] ?? '')
      .replace(/&#x3C;/g, '<')
      .replace(/&#x26;/g, '&')
      .replace(/&gt;/g, '>'),
  );
}

/**
 * Differences between the stored feed files and the expected site (bodies decoded, .gz
 * copies included): [] when they are the same; else one line per feed folder that differs,
 * naming the files and, from the RSS feed, which items are shown that should not be and
 * which are missing.
 */
export function siteDifferences(
  expected: ReadonlyMap<string, string>,
  stored: ReadonlyMap<string, Uint8Array>,
): string[] {
  const byFolder = new Map<string, string[]>();
  const note = (key: string, what: string): void => {
    const folder = key.slice(0, key.lastIndexOf('/') + 1);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), `${key.slice(folder.length)} ${what}`]);
  };
  const actual = [...stored.keys()].filter((key) => key.startsWith(FEEDS_PREFIX)).sort();
  for (const key of storedKeys(expected)) if (!stored.has(key)) note(key, 'missing');
  for (const key of actual)
    if (!expected.has(basePath(key)) || key.endsWith('.br')) note(key, 'should not exist');
  const detail = new Map<string, string>();
  for (const key of actual) {
    const want = expected.get(basePath(key));
    const bytes = stored.get(key);
    if (want === undefined || bytes === undefined) continue;
    let text: string;
    try {
      text = decodedText(key, bytes);
    } catch (error) {
      note(key, `cannot be decoded (${(error as Error).message})`);
      continue;
    }
    if (text === want) continue;
    note(key, 'differs');
    if (key.endsWith('rss.xml')) {
      const shown = titles(text);
      const should = titles(want);
      const extra = shown.filter((title) => !should.includes(title));
      const missing = should.filter((title) => !shown.includes(title));
      detail.set(
        key.slice(0, key.lastIndexOf('/') + 1),
        extra.length + missing.length === 0
          ? 'same items, other order or text'
          : `shows ${JSON.stringify(extra)} but not ${JSON.stringify(missing)}`,
      );
    }
  }
  return [...byFolder].map(
    ([folder, files]) =>
      `${folder}: ${files.filter((f) => !/\.gz differs$/.test(f)).join(', ')}${
        detail.has(folder) ? `; ${detail.get(folder)}` : ''
      }`,
  );
}

/** What a fresh `feedgen rebuild` makes of the source's articles (an S3 bucket or a store), in memory. */
export async function rebuildReference(
  source: S3Client | ObjectStore,
  config: SiteConfig,
  now: number,
): Promise<{ state: MemoryStore; output: MemoryStore }> {
  return rebuildOf(
    await readAll('send' in source ? new S3Store(source, SOURCE) : source, 'articles/'),
    config,
    now,
  );
}

/** The manifest, the directory shards it points to and the reports: what {@link normalisedState} reads. */
export async function stateObjects(source: ObjectStore): Promise<Map<string, Uint8Array>> {
  const objects = await readAll(source, REPORTS_PREFIX);
  const found = await source.get(MANIFEST_KEY);
  if (found === undefined || found === NOT_MODIFIED) return objects;
  objects.set(MANIFEST_KEY, found.body);
  for (const pointer of json<Manifest>(found.body)?.shards ?? []) {
    const shard = pointer === null ? undefined : await source.get(pointer);
    if (pointer !== null && shard !== undefined && shard !== NOT_MODIFIED) objects.set(pointer, shard.body);
  }
  return objects;
}

function json<T>(bytes: Uint8Array | undefined): T | undefined {
  return bytes === undefined ? undefined : (JSON.parse(Buffer.from(bytes).toString('utf8')) as T);
}

/**
 * The committer's state as two writers must agree on it, from the manifest, its directory
 * shards and reports/ (other keys, articles/ and superseded objects, are ignored): each
 * feed's name and count, the schedule, the articles with a report and each report's problems,
 * and the directory (every key's version, status, id, categories and times, rejection times
 * aside, and each id's claimants). Content-addressed object names and report times are left out.
 */
export function normalisedState(objects: ReadonlyMap<string, Uint8Array>): Record<string, unknown> {
  const manifest = json<Manifest>(objects.get(MANIFEST_KEY));
  if (!manifest) return { manifest: 'missing' };
  const directory: Record<string, unknown> = {};
  const ids: Record<string, unknown> = {};
  for (const pointer of manifest.shards) {
    if (pointer === null) continue;
    const shard = json<Shard>(objects.get(pointer));
    if (!shard) {
      directory[pointer] = 'shard missing';
      continue;
    }
    for (const [key, { rejectedAt: _, ...entry }] of Object.entries(shard.keys)) directory[key] = entry;
    Object.assign(ids, shard.ids);
  }
  const reports: Record<string, unknown> = {};
  for (const [key, bytes] of objects) {
    if (!key.startsWith(REPORTS_PREFIX)) continue;
    const report = json<{ article: string; problems: unknown[] }>(bytes);
    reports[key] = report && { article: report.article, problems: report.problems };
  }
  return sortedKeys({
    feeds: Object.fromEntries(
      Object.entries(manifest.feeds).map(([feed, e]) => [feed, { name: e.name, count: e.count }]),
    ),
    schedule: manifest.schedule,
    reported: Object.keys(manifest.reports).sort(),
    reports,
    files: Object.keys(manifest.files).sort(),
    directory,
    ids,
  }) as Record<string, unknown>;
}

/** The same value with every object's keys in order, so key order does not count as a difference. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}

/** Differences between a committer's normalised state and a rebuild's: [] when they agree. */
export function stateDifferences(
  actual: Record<string, unknown>,
  reference: Record<string, unknown>,
): string[] {
  const problems: string[] = [];
  for (const part of [...new Set([...Object.keys(actual), ...Object.keys(reference)])].sort()) {
    const a = (actual[part] ?? {}) as Record<string, unknown>;
    const r = (reference[part] ?? {}) as Record<string, unknown>;
    if (typeof a !== 'object' || typeof r !== 'object' || Array.isArray(a) || Array.isArray(r)) {
      if (JSON.stringify(a) !== JSON.stringify(r))
        problems.push(`${part}: committer has ${abbreviate(a)}, rebuild has ${abbreviate(r)}`);
      continue;
    }
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(r)])].sort()) {
      if (JSON.stringify(a[key]) !== JSON.stringify(r[key]))
        problems.push(
          `${part} ${key}: committer has ${abbreviate(a[key])}, rebuild has ${abbreviate(r[key])}`,
        );
    }
  }
  return problems;
}

function abbreviate(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Files below feeds/ whose ETag is not the MD5 the manifest records, and ours it does not list. */
export async function manifestFileProblems(source: ObjectStore, output: ObjectStore): Promise<string[]> {
  const found = await source.get(MANIFEST_KEY);
  if (found === undefined || found === NOT_MODIFIED) return ['no manifest'];
  const files = json<Manifest>(found.body)?.files ?? {};
  const listed = new Map<string, string>();
  for await (const object of output.list(FEEDS_PREFIX)) listed.set(object.key, etagHex(object.etag));
  return [
    ...Object.entries(files)
      .filter(([path, md5]) => listed.get(path) !== md5)
      .map(([path]) => `${path}: not the bytes the manifest records`),
    ...[...listed.keys()].filter((path) => !(path in files)).map((path) => `${path}: not in the manifest`),
  ];
}

/**
 * Everything a fault test requires of a site at rest, [] when it holds: the feeds equal a
 * from-scratch build of the source's articles, every file is the one the manifest records,
 * and the state, reports and feeds equal those a fresh rebuild makes of the same articles.
 */
export async function siteProblems(
  source: ObjectStore,
  output: ObjectStore,
  config: SiteConfig,
  now: number,
): Promise<string[]> {
  const expected = fromScratch(await readAll(source, 'articles/'), config, now);
  const reference = await rebuildReference(source, config, now);
  return [
    ...siteDifferences(expected, await readAll(output, FEEDS_PREFIX)).map(
      (p) => `against feedgen build: ${p}`,
    ),
    ...siteDifferences(expected, await readAll(reference.output, FEEDS_PREFIX)).map(
      (p) => `the rebuild itself against feedgen build: ${p}`,
    ),
    ...(await manifestFileProblems(source, output)),
    ...stateDifferences(
      normalisedState(await stateObjects(source)),
      normalisedState(await stateObjects(reference.state)),
    ).map((p) => `state against a rebuild: ${p}`),
  ];
}

export { fromScratch } from '../../helpers/site-compare';
export { checkDocument, dangersInHtml, isUnsafeUrl } from './documents';
