import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { COMPRESSED_SUFFIXES, PRECOMPRESSED_TYPES } from '../../shared/core/render/compression';
import { CONTENT_TYPES } from '../../shared/core/site';

/** The keys a published site has: every file, and gzip/brotli copies of those CloudFront will not compress. */
export function storedKeys(files: ReadonlyMap<string, string>): string[] {
  const keys: string[] = [];
  for (const path of files.keys()) {
    keys.push(path);
    if (PRECOMPRESSED_TYPES.has(contentTypeOf(path)))
      keys.push(...COMPRESSED_SUFFIXES.map((suffix) => `${path}${suffix}`));
  }
  return keys.sort();
}

export function contentTypeOf(path: string): string {
  if (path.endsWith('rss.xml')) return CONTENT_TYPES.rss;
  if (path.endsWith('atom.xml')) return CONTENT_TYPES.atom;
  if (path.endsWith('feed.json')) return CONTENT_TYPES.json;
  if (path.endsWith('.opml')) return CONTENT_TYPES.opml;
  return CONTENT_TYPES.html;
}

/** The text of a stored object, decompressed when it is a .gz or .br copy. */
export function decodedText(path: string, bytes: Uint8Array): string {
  if (path.endsWith('.gz')) return gunzipSync(bytes).toString('utf8');
  if (path.endsWith('.br')) return brotliDecompressSync(bytes).toString('utf8');
  return Buffer.from(bytes).toString('utf8');
}

/** A copy's path without its .gz/.br suffix. */
export function basePath(path: string): string {
  return path.replace(/\.(gz|br)$/, '');
}
