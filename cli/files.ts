import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  isArticleFile,
  isSkippedName,
  oversizeProblem,
  type ParseResult,
  parseArticle,
} from '../shared/core/article/article';
import { ConfigError, DEFAULT_CONFIG, resolveConfig, type SiteConfig } from '../shared/core/config';
import { FEED_FILE_NAMES } from '../shared/core/render/identity';
import type { SiteFile } from '../shared/core/site';

export const CONFIG_FILE_NAME = 'feedgen.config.json';

/** Reads the site settings: the named file, else ./feedgen.config.json, else the defaults. */
export function loadConfig(
  explicitPath: string | undefined,
  cwd: string,
): { config: SiteConfig; source: string } {
  const file = explicitPath ? path.resolve(cwd, explicitPath) : path.join(cwd, CONFIG_FILE_NAME);
  if (!explicitPath && !existsSync(file)) return { config: DEFAULT_CONFIG, source: 'built-in defaults' };
  const shown = displayPath(file, cwd);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      shown,
      undefined,
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(shown, undefined, `is not valid JSON: ${(error as Error).message}`);
  }
  return { config: resolveConfig(raw, shown), source: shown };
}

/** A path as the user would type it: relative to the working folder when inside it. */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** Every article file below `root`, sorted; dot-files and dot-folders are skipped. */
export async function findArticleFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries) {
      if (isSkippedName(entry.name)) continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && isArticleFile(entry.name)) found.push(full);
    }
  };
  await walk(root);
  return found.sort();
}

/**
 * Reads and parses one article; a file over the size limit is rejected without being read.
 * Synchronous on purpose: for thousands of small files, promise-based reads spend more time
 * in bookkeeping than in the system calls.
 */
export function readArticle(file: string, source: string, config: SiteConfig): ParseResult {
  const descriptor = openSync(file, 'r');
  try {
    const { size } = fstatSync(descriptor);
    if (size > config.maxArticleBytes) {
      return {
        ok: false,
        problems: [oversizeProblem(source, size, config.maxArticleBytes)],
      };
    }
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const read = readSync(descriptor, bytes, filled, size - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return parseArticle(source, bytes.subarray(0, filled), config);
  } finally {
    closeSync(descriptor);
  }
}

export interface WriteReport {
  readonly written: number;
  readonly unchanged: number;
  readonly removed: number;
}

/**
 * Writes the site below `outRoot`. A file whose bytes are unchanged is left alone (its
 * mtime, and so HTTP validators, stay put); each write goes to a temporary file first and
 * is renamed into place, so a reader never sees half a feed. Feed files of categories
 * that no longer exist are removed.
 */
export async function writeSite(outRoot: string, files: readonly SiteFile[]): Promise<WriteReport> {
  let written = 0;
  let unchanged = 0;
  const wanted = new Set(files.map((file) => path.join(outRoot, file.path)));
  for (const file of files) {
    const target = path.join(outRoot, file.path);
    const existing = await readFile(target, 'utf8').catch(() => undefined);
    if (existing === file.body) {
      unchanged++;
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, file.body, 'utf8');
    await rename(temporary, target);
    written++;
  }
  const removed = await removeStaleFeeds(path.join(outRoot, 'feeds'), wanted);
  return { written, unchanged, removed };
}

async function removeStaleFeeds(feedsRoot: string, wanted: ReadonlySet<string>): Promise<number> {
  let removed = 0;
  const feedFileNames = new Set<string>(Object.values(FEED_FILE_NAMES));
  const entries = await readdir(feedsRoot, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const folder = path.join(feedsRoot, entry.name);
    for (const name of await readdir(folder)) {
      const file = path.join(folder, name);
      if (feedFileNames.has(name) && !wanted.has(file)) {
        await rm(file);
        removed++;
      }
    }
    if ((await readdir(folder)).length === 0) await rmdir(folder);
  }
  return removed;
}

export async function isDirectory(folder: string): Promise<boolean> {
  try {
    return (await stat(folder)).isDirectory();
  } catch {
    return false;
  }
}
