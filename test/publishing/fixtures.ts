import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MemoryStore } from '../../shared/adapters/memory-store';
import type { SiteConfig } from '../../shared/core/config';
import { type Batch, type BatchResult, Committer, type KeyOutcome } from '../../shared/publishing/committer';
import { FEED_CACHE_CONTROL, MANIFEST_KEY } from '../../shared/publishing/layout';
import type { Logger } from '../../shared/publishing/ports';
import type { Manifest } from '../../shared/publishing/state';
import { TEST_CONFIG } from '../helpers/articles';
import { buildOf, differences } from '../helpers/site-compare';
import { basePath, contentTypeOf } from '../helpers/stored-site';

/** A site over in-memory buckets and the committer that publishes it, for the publishing tests. */

export const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples', 'articles');
export const NOW = Date.parse('2026-01-01T00:00:00Z');
export const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** An article file: front matter written as JSON (which is YAML too), then the body. */
export function md(fields: Record<string, unknown>, body = 'Nội dung.'): string {
  return `---\n${Object.entries(fields)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join('\n')}\n---\n${body}`;
}

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly details: Record<string, unknown> | undefined;
}

export function site(config: SiteConfig = TEST_CONFIG, start = NOW) {
  const source = new MemoryStore();
  const output = new MemoryStore();
  const logged: LogLine[] = [];
  const counted: string[] = [];
  let now = start;
  const log: Logger = {
    info: (message, details) => logged.push({ level: 'info', message, details }),
    warn: (message, details) => logged.push({ level: 'warn', message, details }),
    error: (message, details) => logged.push({ level: 'error', message, details }),
  };
  /** A committer of its own: a cold Lambda, with nothing cached. */
  const fresh = (): Committer =>
    new Committer({
      source,
      output,
      config,
      clock: () => now,
      log,
      metrics: { count: (name) => counted.push(name) },
      sleep: async () => {},
    });
  const committer = fresh();
  const apply = (batch: Batch): Promise<BatchResult> => committer.apply(batch);
  const put = async (key: string, text: string | Uint8Array): Promise<void> => {
    await source.put(key, text, { contentType: 'text/markdown; charset=utf-8' });
  };
  /** Uploads an article and applies its event, as S3 sends it (with the size). */
  const upload = async (key: string, text: string): Promise<KeyOutcome[]> => {
    await put(key, text);
    return [...(await apply({ changes: [{ key, size: Buffer.byteLength(text) }] })).outcomes];
  };
  const remove = async (key: string): Promise<KeyOutcome[]> => {
    await source.delete(key);
    return [...(await apply({ changes: [{ key }] })).outcomes];
  };
  const manifest = (): Manifest => JSON.parse(source.text(MANIFEST_KEY) ?? 'null') as Manifest;
  /** The feeds equal a from-scratch build, and every file has its type, encoding and cache policy. */
  const expectSameAsBuild = (): void => {
    expect(differences(buildOf(source, config, now), output)).toEqual([]);
    for (const key of output.objects.keys()) {
      expect({ key, type: output.contentType(key) }).toEqual({ key, type: contentTypeOf(basePath(key)) });
      expect({ key, encoding: output.contentEncoding(key) }).toEqual({
        key,
        encoding: key.endsWith('.gz') ? 'gzip' : undefined,
      });
      expect({ key, cache: output.cacheControl(key) }).toEqual({ key, cache: FEED_CACHE_CONTROL });
    }
  };
  const clearCalls = (): void => {
    source.calls.length = 0;
    output.calls.length = 0;
  };
  return {
    source,
    output,
    logged,
    counted,
    committer,
    fresh,
    apply,
    put,
    upload,
    remove,
    manifest,
    expectSameAsBuild,
    clearCalls,
    now: () => now,
    setNow: (time: number) => {
      now = time;
    },
  };
}

export type Site = ReturnType<typeof site>;

/** Uploads the example articles one at a time; each is published. */
export async function uploadExamples(s: Site): Promise<void> {
  for (const name of readdirSync(EXAMPLES).sort()) {
    const key = `articles/${name}`;
    expect(await s.upload(key, readFileSync(path.join(EXAMPLES, name), 'utf8'))).toEqual([
      { key, status: 'published', feeds: expect.arrayContaining(['_site']) },
    ]);
  }
}

/** Titles of a feed's items, newest first, from its JSON Feed. */
export function titles(output: MemoryStore, folder = 'feeds/'): string[] {
  const text = output.text(`${folder}feed.json`);
  if (text === undefined) return [];
  return (JSON.parse(text) as { items: { title?: string }[] }).items.map((item) => item.title ?? '');
}
