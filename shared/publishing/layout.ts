import { createHash } from 'node:crypto';

/**
 * Where everything lives, written once: bucket prefixes, state keys, environment variable
 * names and the queue's control messages. infra/, local/, cli/ and bench/ import these
 * rather than retyping them.
 */

/** Editors upload under this prefix of the source bucket; only it triggers publishing. */
export const ARTICLES_PREFIX = 'articles/';
/** Rejection reports, beside the articles, readable by editors. */
export const REPORTS_PREFIX = 'reports/';
/** The publisher's state, in the source bucket: never under articles/, so writing it triggers nothing. */
export const STATE_PREFIX = 'state/';
/** What the CDN serves, in the output bucket. */
export const FEEDS_PREFIX = 'feeds/';

/** The one mutable state object: every commit is a conditional write of it. */
export const MANIFEST_KEY = `${STATE_PREFIX}manifest.json`;
/** Immutable, content-addressed state objects the manifest points to. */
export const OBJECTS_PREFIX = `${STATE_PREFIX}objects/`;

export const ENV = {
  sourceBucket: 'SOURCE_BUCKET',
  outputBucket: 'OUTPUT_BUCKET',
  siteConfig: 'FEEDGEN_CONFIG',
} as const;

/**
 * Bodies of the control messages that share the publish queue with S3's events, so the
 * minute's tick and a rebuild go through the same single writer as uploads.
 */
export const CONTROL_MESSAGES = {
  tick: JSON.stringify({ feedgen: 'tick' }),
  rebuild: JSON.stringify({ feedgen: 'rebuild' }),
} as const;

export const FEED_CACHE_CONTROL = 'public, max-age=60, s-maxage=30, stale-while-revalidate=300';
export const JSON_TYPE = 'application/json; charset=utf-8';

/** The site-wide feed's name among the category slugs (which never contain "_"). */
export const SITE_FEED = '_site';

/** reports/<path>.json; for a path too long for an S3 key, reports/_long/<sha256>.json. */
export function reportKey(articleKey: string): string {
  const readable = `${REPORTS_PREFIX}${articleKey.slice(ARTICLES_PREFIX.length)}.json`;
  return Buffer.byteLength(readable) <= 1024
    ? readable
    : `${REPORTS_PREFIX}_long/${createHash('sha256').update(articleKey).digest('hex')}.json`;
}

/** The folder of a feed's files below the output root: feeds/ or feeds/<slug>/. */
export function feedFolder(feed: string): string {
  return feed === SITE_FEED ? FEEDS_PREFIX : `${FEEDS_PREFIX}${feed}/`;
}
