import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Choice } from '../shared/adapters/s3-client';
import type { Article, ArticleProblem } from '../shared/core/article/article';
import { formatProblem, isArticleFile } from '../shared/core/article/article';
import { ConfigError, type SiteConfig } from '../shared/core/config';
import { parseArticleDate } from '../shared/core/dates';
import { buildSite } from '../shared/core/site';
import { displayPath, findArticleFiles, isDirectory, loadConfig, readArticle, writeSite } from './files';

export const EXIT = { ok: 0, rejected: 1, failed: 1, usage: 2 } as const;

export interface Console {
  readonly cwd: string;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  /** Current time, epoch ms (tests pin it). */
  readonly now: () => number;
  /** The S3 client for `rebuild` and `upload` (tests pass one for their local S3 API). */
  readonly s3Client?: (options: S3Choice) => S3Client;
  /** Progress updates for a terminal: a line redrawn in place; absent when not a terminal. */
  readonly progress?: (line: string) => void;
}

const USAGE = `Usage:
  feedgen build --articles DIR --out DIR [--config FILE] [--strict] [--now DATE]
      Builds every feed from the articles in DIR (and its subfolders) into OUT/feeds/.
  feedgen validate DIR [--config FILE]
      Checks the articles in DIR and writes nothing.
  feedgen upload FILE... [--bucket NAME] [--endpoint URL] [--prefix articles/]
      Puts articles into the local stack's bucket (npm start), or into a real bucket with
      --bucket NAME (credentials from the usual AWS environment variables or profile).
  feedgen rebuild --bucket SOURCE --output-bucket OUTPUT [--endpoint URL] [--region R] [--config FILE]
      Rebuilds every feed and all publisher state from the articles in s3://SOURCE/articles/
      (for migrations and disaster recovery; pause the event pipeline while it runs).
      Credentials come from the usual AWS environment variables or profile.

Options:
  --config FILE  site settings (default: ./feedgen.config.json if present, else built-in defaults)
  --strict       exit with status 1 if any article was rejected (the feeds are still written)
  --now DATE     treat DATE as the current time: articles dated later are held back
  -h, --help     show this help

Exit status: 0 feeds written (or all articles valid), 1 articles rejected under --strict
(or by validate) or the build failed, 2 usage or configuration error.`;

class UsageError extends Error {}

/** Runs the CLI; returns the exit status. */
export async function main(argv: readonly string[], io: Console): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      io.stdout(USAGE);
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    if (command === 'build') return await build(rest, io);
    if (command === 'validate') return await validate(rest, io);
    if (command === 'rebuild') return await rebuild(rest, io);
    if (command === 'upload') return await upload(rest, io);
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`feedgen: ${error.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      io.stderr(`feedgen: configuration error: ${error.message}`);
      return EXIT.usage;
    }
    throw error;
  }
}

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

function parse(
  args: readonly string[],
  options: OptionSpec,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

interface LoadedArticles {
  readonly articles: Article[];
  readonly rejected: ArticleProblem[][];
  readonly warnings: ArticleProblem[];
  readonly fileCount: number;
}

async function loadArticles(folder: string, config: SiteConfig, io: Console): Promise<LoadedArticles> {
  const root = path.resolve(io.cwd, folder);
  if (!(await isDirectory(root)))
    throw new UsageError(`articles folder "${folder}" does not exist or is not a folder`);
  const files = await findArticleFiles(root);
  const results = files.map((file) => readArticle(file, displayPath(file, io.cwd), config));
  const articles: Article[] = [];
  const rejected: ArticleProblem[][] = [];
  const warnings: ArticleProblem[] = [];
  for (const result of results) {
    if (result.ok) {
      articles.push(result.article);
      warnings.push(...result.warnings);
    } else rejected.push([...result.problems]);
  }
  return { articles, rejected, warnings, fileCount: files.length };
}

function reportProblems(
  loaded: { rejected: ArticleProblem[][]; warnings: ArticleProblem[] },
  io: Console,
): void {
  for (const problems of loaded.rejected) {
    const source = problems[0]?.source ?? '?';
    io.stderr(`rejected ${source}: ${problems.map(formatProblem).join('; ')}`);
  }
  for (const warning of loaded.warnings) io.stderr(`warning ${warning.source}: ${formatProblem(warning)}`);
}

async function build(args: readonly string[], io: Console): Promise<number> {
  const { values, positionals } = parse(args, {
    articles: { type: 'string' },
    out: { type: 'string' },
    config: { type: 'string' },
    strict: { type: 'boolean' },
    now: { type: 'string' },
  });
  if (values.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const articlesFolder = values.articles as string | undefined;
  const outFolder = values.out as string | undefined;
  if (!articlesFolder) throw new UsageError('build needs --articles DIR');
  if (!outFolder) throw new UsageError('build needs --out DIR');
  const started = performance.now();
  const { config } = loadConfig(values.config as string | undefined, io.cwd);
  const now = values.now === undefined ? io.now() : parseNow(values.now as string, config);

  const loaded = await loadArticles(articlesFolder, config, io);
  const site = buildSite(loaded.articles, config, now);
  for (const duplicate of site.selection.rejected) loaded.rejected.push([duplicate]);
  reportProblems(loaded, io);
  for (const article of site.selection.scheduled) {
    io.stderr(
      `held back ${article.source}: dated ${new Date(article.published).toISOString()}, in the future`,
    );
  }

  const outRoot = path.resolve(io.cwd, outFolder);
  let report: Awaited<ReturnType<typeof writeSite>>;
  try {
    report = await writeSite(outRoot, site.files);
  } catch (error) {
    io.stderr(`feedgen: could not write the feeds to ${outFolder}: ${(error as Error).message}`);
    return EXIT.failed;
  }
  const categories = site.plans.length - 1;
  const milliseconds = Math.round(performance.now() - started);
  io.stdout(
    `Wrote ${path.join(displayPath(outRoot, io.cwd), 'feeds')}: ${site.selection.live.length} articles in ` +
      `${categories} ${categories === 1 ? 'category' : 'categories'}, ${site.files.length} files ` +
      `(${report.written} changed, ${report.unchanged} unchanged, ${report.removed} removed); ` +
      `${loaded.rejected.length} rejected, ${site.selection.drafts.length} drafts, ` +
      `${site.selection.scheduled.length} held back; ${milliseconds} ms.`,
  );
  return values.strict && loaded.rejected.length > 0 ? EXIT.rejected : EXIT.ok;
}

async function validate(args: readonly string[], io: Console): Promise<number> {
  const { values, positionals } = parse(args, { config: { type: 'string' }, articles: { type: 'string' } });
  if (values.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const folder = (values.articles as string | undefined) ?? positionals[0];
  if (!folder) throw new UsageError('validate needs the articles folder: feedgen validate DIR');
  if (positionals.length > (values.articles ? 0 : 1))
    throw new UsageError(`unexpected argument "${positionals.at(-1)}"`);
  const { config } = loadConfig(values.config as string | undefined, io.cwd);
  const loaded = await loadArticles(folder, config, io);
  const site = buildSite(loaded.articles, { ...config, itemsPerFeed: 1 }, io.now());
  for (const duplicate of site.selection.rejected) loaded.rejected.push([duplicate]);
  reportProblems(loaded, io);
  const valid = loaded.fileCount - loaded.rejected.length;
  io.stdout(`${valid} of ${loaded.fileCount} articles valid, ${loaded.rejected.length} rejected.`);
  return loaded.rejected.length > 0 ? EXIT.rejected : EXIT.ok;
}

function parseNow(text: string, config: SiteConfig): number {
  const parsed = parseArticleDate(text, config.timezone);
  if (!parsed.ok) throw new UsageError(`--now: ${parsed.reason}`);
  return parsed.value.toMillis();
}

async function rebuild(args: readonly string[], io: Console): Promise<number> {
  const { values, positionals } = parse(args, {
    bucket: { type: 'string' },
    'output-bucket': { type: 'string' },
    endpoint: { type: 'string' },
    region: { type: 'string' },
    config: { type: 'string' },
  });
  if (values.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const bucket = values.bucket as string | undefined;
  const outputBucket = values['output-bucket'] as string | undefined;
  if (!bucket) throw new UsageError('rebuild needs --bucket SOURCE (the bucket with articles/)');
  if (!outputBucket)
    throw new UsageError('rebuild needs --output-bucket OUTPUT (the bucket CloudFront serves)');
  const { config } = loadConfig(values.config as string | undefined, io.cwd);
  const endpoint = values.endpoint as string | undefined;
  const region = values.region as string | undefined;
  // S3 code loads only for the commands that use it: `build` starts faster without it.
  const { createCommitter } =
    require('../shared/adapters/wiring') as typeof import('../shared/adapters/wiring');
  const client = (io.s3Client ?? (await defaultS3Client()))({
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
  });
  const started = performance.now();
  let lastDrawn = 0;
  try {
    // The same writer the Lambda runs, so a rebuild commits (or loses its turn) like any batch.
    const committer = createCommitter({
      client,
      sourceBucket: bucket,
      outputBucket,
      config,
      clock: io.now,
      log: { info: () => {}, warn: () => {}, error: (message) => io.stderr(`feedgen: ${message}`) },
    });
    const result = await committer.apply({ changes: [], rebuild: true }, (read, listed) => {
      const now = performance.now();
      if (!io.progress || now - lastDrawn < 100) return;
      lastDrawn = now;
      io.progress(progressBar(read, listed));
    });
    io.progress?.('');
    const count = (...statuses: string[]): number =>
      result.outcomes.filter((outcome) => statuses.includes(outcome.status)).length;
    io.stdout(
      `Rebuilt s3://${outputBucket}/feeds from ${result.outcomes.length} articles in s3://${bucket}/articles: ` +
        `${count('published')} published, ${count('rejected', 'duplicate')} rejected (see reports/), ${count('draft')} drafts, ` +
        `${count('scheduled')} held back; ${result.filesWritten} files written, ` +
        `${result.filesDeleted} stale files removed; ${Math.round(performance.now() - started)} ms.`,
    );
    return EXIT.ok;
  } catch (error) {
    io.progress?.('');
    io.stderr(
      `feedgen: rebuild failed: ${(error as Error).message}. Nothing was lost: run it again when S3 answers.`,
    );
    return EXIT.failed;
  }
}

function progressBar(done: number, listed: number): string {
  const width = 30;
  const filled = listed > 0 ? Math.min(width, Math.round((done / listed) * width)) : 0;
  return `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${listed} articles read`;
}

async function defaultS3Client(): Promise<(options: S3Choice) => S3Client> {
  const { s3Client } =
    require('../shared/adapters/s3-client') as typeof import('../shared/adapters/s3-client');
  return s3Client;
}

const LOCAL_ENDPOINT = 'http://127.0.0.1:4569';
const LOCAL_BUCKET = 'feedgen-articles';

async function upload(args: readonly string[], io: Console): Promise<number> {
  const { values, positionals } = parse(args, {
    bucket: { type: 'string' },
    endpoint: { type: 'string' },
    region: { type: 'string' },
    prefix: { type: 'string' },
  });
  if (values.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  if (positionals.length === 0)
    throw new UsageError('upload needs at least one article file: feedgen upload FILE...');
  const bucket = (values.bucket as string | undefined) ?? LOCAL_BUCKET;
  // Without --bucket, the local stack; with it, real S3 unless --endpoint says otherwise.
  const endpoint =
    (values.endpoint as string | undefined) ??
    (values.bucket === undefined ? (process.env.FEEDGEN_S3_ENDPOINT ?? LOCAL_ENDPOINT) : undefined);
  const prefix = ((values.prefix as string | undefined) ?? 'articles/').replace(/^\/+/, '');
  if (!prefix.startsWith('articles/'))
    throw new UsageError('--prefix must be under articles/, where uploads are published');
  const local = endpoint !== undefined && values.bucket === undefined;
  const { PutObjectCommand } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
  const client = (io.s3Client ?? (await defaultS3Client()))({
    ...(endpoint ? { endpoint } : {}),
    ...(values.region ? { region: values.region as string } : {}),
    ...(local
      ? {
          credentials: {
            accessKeyId: process.env.FEEDGEN_S3_ACCESS_KEY ?? 'feedgen',
            secretAccessKey: process.env.FEEDGEN_S3_SECRET_KEY ?? 'feedgen',
          },
        }
      : {}),
  });
  let failures = 0;
  for (const file of positionals) {
    const name = path.basename(file);
    if (!isArticleFile(name)) {
      io.stderr(`skipped ${file}: not an article (.md, .markdown or .json)`);
      failures++;
      continue;
    }
    let body: Buffer;
    try {
      body = await readFile(path.resolve(io.cwd, file));
    } catch (error) {
      io.stderr(
        `could not read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
      failures++;
      continue;
    }
    const key = `${prefix.endsWith('/') ? prefix : `${prefix}/`}${name}`;
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: name.toLowerCase().endsWith('.json')
            ? 'application/json; charset=utf-8'
            : 'text/markdown; charset=utf-8',
        }),
      );
      io.stdout(`uploaded ${file} to s3://${bucket}/${key}`);
    } catch (error) {
      const reason = (error as Error).message || (error as Error).name;
      const hint = local
        ? ` (is the local stack running? start it with npm start; endpoint ${endpoint})`
        : '';
      io.stderr(`could not upload ${file} to s3://${bucket}/${key}: ${reason}${hint}`);
      failures++;
    }
  }
  return failures > 0 ? EXIT.failed : EXIT.ok;
}
