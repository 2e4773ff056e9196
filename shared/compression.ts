import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { SiteFile } from './site';

/**
 * Content types CloudFront will not compress on the fly (its list has application/rss+xml
 * and text/html, but not these). Their gzip and brotli copies are stored beside them, and
 * the CDN serves the copy a reader accepts (infra/feedgen-stack.ts).
 */
export const PRECOMPRESSED_TYPES = new Set([
  'application/atom+xml; charset=utf-8',
  'application/feed+json; charset=utf-8',
  'text/x-opml; charset=utf-8',
]);

export const COMPRESSED_SUFFIXES = ['.gz', '.br'] as const;

/** A file as stored: its bytes, and the Content-Encoding when they are compressed. */
export interface StoredFile {
  readonly path: string;
  readonly body: string | Uint8Array;
  readonly contentType: string;
  readonly contentEncoding?: 'gzip' | 'br';
}

/**
 * The file, plus its gzip and brotli copies when CloudFront would not compress it.
 * Compression is deterministic for the same bytes, so unchanged feeds give unchanged copies.
 */
export function withCompressedCopies(file: SiteFile): StoredFile[] {
  if (!PRECOMPRESSED_TYPES.has(file.contentType)) return [file];
  const bytes = Buffer.from(file.body, 'utf8');
  return [
    file,
    {
      path: `${file.path}.gz`,
      body: gzipSync(bytes, { level: 1 }),
      contentType: file.contentType,
      contentEncoding: 'gzip',
    },
    {
      path: `${file.path}.br`,
      body: brotliCompressSync(bytes, {
        params: {
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          // This runs for every changed feed on every publish. On a 250 KB feed quality 1
          // takes ~1.3 ms, quality 4 ~2.6 ms and quality 11 ~100 ms, for a few per cent
          // (gzip: level 1 ~1.5 ms, level 6 ~9 ms).
          [constants.BROTLI_PARAM_QUALITY]: 1,
          [constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
        },
      }),
      contentType: file.contentType,
      contentEncoding: 'br',
    },
  ];
}
