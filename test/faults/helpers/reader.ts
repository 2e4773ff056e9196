import { gunzipSync } from 'node:zlib';
import { checkDocument } from './documents';
import type { Random } from './random';

export interface ReaderReport {
  fetches: number;
  /** Documents received whole and valid. */
  valid: number;
  notFound: number;
  /** Every response that was not a whole, valid document or a 404, with why. */
  failures: string[];
}

/**
 * Feed readers polling over HTTP while the test runs: each fetch picks a path (feeds,
 * stored .gz copies, the OPML list, the page) and an Accept-Encoding, and every 200
 * body must be a whole document that parses strictly ({@link checkDocument}); a 404 is
 * fine (a feed not written yet, or removed). Stops when `stop()` is called.
 */
export function startReaders(options: {
  baseUrl: string;
  paths: () => readonly string[];
  random: Random;
  readers?: number;
  /** Pause between one reader's fetches, so readers do not starve the servers of CPU. */
  pauseMs?: number;
}): { stop(): Promise<ReaderReport> } {
  const report: ReaderReport = { fetches: 0, valid: 0, notFound: 0, failures: [] };
  let stopped = false;
  const fail = (message: string): void => {
    // Enough to tell what went wrong; a broken server must not fill the memory.
    if (report.failures.length < 50) report.failures.push(message);
  };
  const encodings = ['identity', 'gzip', 'br', 'br, gzip'];
  const loop = async (): Promise<void> => {
    while (!stopped) {
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
      const path = options.random.pick(options.paths());
      const encoding = options.random.pick(encodings);
      report.fetches++;
      let status = 0;
      let text = '';
      try {
        // fetch decodes Content-Encoding; the stored copies come as raw bytes and are decoded here.
        const response = await fetch(`${options.baseUrl}/${encodeURI(path)}`, {
          headers: { 'Accept-Encoding': encoding },
        });
        status = response.status;
        const bytes = Buffer.from(await response.arrayBuffer());
        if (status === 404) {
          report.notFound++;
          continue;
        }
        if (status !== 200) {
          fail(`${path}: HTTP ${status} ${bytes.toString('utf8').slice(0, 120)}`);
          continue;
        }
        text = path.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
        checkDocument(path, text);
        report.valid++;
      } catch (error) {
        fail(
          `${path} (HTTP ${status}, ${text.length} characters, Accept-Encoding ${encoding}): ${(error as Error).message.split('\n')[0]}`,
        );
      }
    }
  };
  const loops = Array.from({ length: options.readers ?? 2 }, () => loop());
  let stopping: Promise<ReaderReport> | undefined;
  return {
    stop() {
      stopped = true;
      stopping ??= Promise.all(loops).then(() => report);
      return stopping;
    },
  };
}

/** The documents a site with these category slugs has, and the stored gzip copies. */
export function sitePaths(slugs: readonly string[]): string[] {
  const folders = ['feeds/', ...slugs.map((slug) => `feeds/${slug}/`)];
  return [
    'feeds/index.html',
    'feeds/index.opml',
    'feeds/index.opml.gz',
    ...folders.flatMap((folder) => [
      `${folder}rss.xml`,
      `${folder}atom.xml`,
      `${folder}feed.json`,
      `${folder}atom.xml.gz`,
      `${folder}feed.json.gz`,
    ]),
  ];
}
