import type { SiteConfig } from '../core/config';
import type { StoredFile } from '../core/render/compression';
import type { Directory } from './directory';
import { feedFiles, feedOfPath, indexFiles } from './files';
import { FEED_CACHE_CONTROL, FEEDS_PREFIX, JSON_TYPE, REPORTS_PREFIX, reportKey } from './layout';
import { type Logger, type ObjectStore, PreconditionFailed } from './ports';
import { reportBody, reportProblems } from './reports';
import { etagHex, type FeedIndex, feedEntry, type Manifest, md5Hex, type StateStore } from './state';

export interface ReconcileContext {
  readonly state: StateStore;
  readonly source: ObjectStore;
  readonly output: ObjectStore;
  readonly config: SiteConfig;
  readonly log: Logger;
}

/** What is published below feeds/: key → ETag. One LIST for a site's few hundred files. */
export async function listPublished(output: ObjectStore): Promise<Map<string, string>> {
  const listed = new Map<string, string>();
  for await (const object of output.list(FEEDS_PREFIX)) listed.set(object.key, object.etag);
  return listed;
}

/** Names of the files the publisher writes below feeds/ (others there are left alone). */
const OUR_FILES = /(^|\/)(rss\.xml|atom\.xml|feed\.json|index\.opml|index\.html)(\.gz|\.br)?$/;

/**
 * Brings the published files to what the manifest says, whatever happened before: a
 * writer that died after its commit, a late write of an older writer, a lost answer. One
 * LIST compares every file's ETag with the MD5 the manifest holds; only files that differ
 * are written, each with If-Match on the ETag listed, so a file a newer writer has written
 * since is never overwritten with older bytes.
 */
export async function reconcileFiles(
  context: ReconcileContext,
  manifest: Manifest,
  rendered: ReadonlyMap<string, StoredFile>,
  /**
   * What was published, listed BEFORE this manifest was committed (or before it was found
   * still current): a listing taken later could show a newer writer's files, and writing
   * this manifest's over them would put older feeds back.
   */
  listed: ReadonlyMap<string, string>,
): Promise<{ written: string[]; deleted: string[] }> {
  const wrong = Object.entries(manifest.files)
    .filter(([path, md5]) => etagHex(listed.get(path) ?? '') !== md5)
    .map(([path]) => path);
  const bodies = await filesFor(context, manifest, wrong, rendered);
  const written: string[] = [];
  for (const path of wrong) {
    const file = bodies.get(path);
    if (!file) throw new Error(`no rendering for ${path}, which the manifest lists`);
    const etag = listed.get(path);
    try {
      await put(context.output, file, etag);
      written.push(path);
    } catch (error) {
      if (!(error instanceof PreconditionFailed)) throw error;
      // Someone wrote it since the LIST: a newer writer (then it is theirs to finish), or
      // an older one's late write (then ours must win).
      if (!(await stillCurrent(context, manifest))) return { written, deleted: [] };
      const now = await context.output.head(path);
      await put(context.output, file, now?.etag);
      written.push(path);
    }
  }
  const extra = [...listed.keys()].filter(
    (path) => !Object.hasOwn(manifest.files, path) && OUR_FILES.test(path),
  );
  const deleted: string[] = [];
  // A newer commit may have added the category whose files look extra here.
  if (extra.length > 0 && (await stillCurrent(context, manifest))) {
    for (const path of extra) {
      await context.output.delete(path);
      deleted.push(path);
    }
    // S3 has no conditional delete: a newer writer may have written one of these files
    // between the check and the delete. If a newer commit exists now, finish its files
    // (listed first, then the manifest read: a listing never newer than the manifest).
    if (!(await stillCurrent(context, manifest))) {
      const listedAgain = await listPublished(context.output);
      const newest = (await context.state.manifest()).value;
      const again = await reconcileFiles(context, newest, new Map(), listedAgain);
      return { written: [...written, ...again.written], deleted: [...deleted, ...again.deleted] };
    }
  }
  return { written, deleted };
}

export async function stillCurrent(context: ReconcileContext, manifest: Manifest): Promise<boolean> {
  return (await context.state.manifest()).value.generation === manifest.generation;
}

function put(output: ObjectStore, file: StoredFile, etag: string | undefined): Promise<unknown> {
  return output.put(file.path, file.body, {
    contentType: file.contentType,
    ...(file.contentEncoding ? { contentEncoding: file.contentEncoding } : {}),
    cacheControl: FEED_CACHE_CONTROL,
    ...(etag === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: etag }),
  });
}

/** The bytes of the given paths: from this batch's renders, or rendered again from the indexes. */
async function filesFor(
  context: ReconcileContext,
  manifest: Manifest,
  paths: readonly string[],
  rendered: ReadonlyMap<string, StoredFile>,
): Promise<Map<string, StoredFile>> {
  const bodies = new Map<string, StoredFile>();
  const feeds = new Set<string>();
  let index = false;
  for (const path of paths) {
    const file = rendered.get(path);
    if (file) bodies.set(path, file);
    else {
      const feed = feedOfPath(path);
      if (feed === undefined) index = true;
      else feeds.add(feed);
    }
  }
  for (const feed of feeds) {
    const entry = feedEntry(manifest, feed);
    if (!entry) continue;
    const files = feedFiles(feed, await context.state.object<FeedIndex>(entry.index), context.config);
    for (const file of files) bodies.set(file.path, file);
  }
  if (index) for (const file of indexFiles(manifest.feeds, context.config)) bodies.set(file.path, file);
  return bodies;
}

/** The MD5 of each file, as the manifest keeps them. */
export function fileDigests(files: Iterable<StoredFile>): Record<string, string> {
  const digests: Record<string, string> = {};
  for (const file of files) digests[file.path] = md5Hex(file.body);
  return digests;
}

/**
 * Brings reports/ to what the manifest and directory say (the minute's check, and after a
 * rebuild): a report written or deleted by a writer that then died is mended here.
 */
export async function reconcileReports(
  context: ReconcileContext,
  manifest: Manifest,
  directory: Directory,
): Promise<{ written: number; deleted: number }> {
  const keys = Object.keys(manifest.reports);
  await directory.load(keys);
  const ids = keys.flatMap((key) => directory.entry(key)?.id ?? []);
  await directory.load(ids);
  const expected = new Map<string, string>();
  for (const key of keys) {
    const entry = directory.entry(key);
    const problems = reportProblems(
      key,
      entry,
      entry?.id === undefined ? undefined : directory.owner(entry.id),
    );
    const at = manifest.reports[key];
    if (problems && at !== undefined) expected.set(reportKey(key), reportBody(key, problems, at));
  }
  const listed = new Map<string, string>();
  for await (const object of context.source.list(REPORTS_PREFIX)) listed.set(object.key, object.etag);
  let written = 0;
  let deleted = 0;
  for (const [path, body] of expected) {
    if (etagHex(listed.get(path) ?? '') === md5Hex(body)) continue;
    await context.source.put(path, body, { contentType: JSON_TYPE });
    written++;
  }
  const extra = [...listed.keys()].filter((path) => !expected.has(path));
  if (extra.length > 0 && !(await stillCurrent(context, manifest))) return { written, deleted };
  for (const path of extra) {
    await context.source.delete(path);
    deleted++;
  }
  return { written, deleted };
}
