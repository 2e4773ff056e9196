/**
 * The three feed formats, one pure renderer file each (rss.ts, atom.ts, json-feed.ts), over
 * one document type (document.ts). Each works around a defect of the `feed` package where it
 * has one; test/core/render/feeds.test.ts has a test for each.
 */
export { renderAtom } from './atom';
export type { FeedDocument, FeedItem } from './document';
export { renderJsonFeed } from './json-feed';
export { renderRss } from './rss';
