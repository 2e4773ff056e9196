import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { displayPath, loadConfig } from '../cli/files';
import { ConfigError } from '../shared/core/config';
import type { Logger } from '../shared/publishing/ports';
import { PortTakenError, SOURCE_BUCKET, startLocalStack } from './stack';

/** Log lines for people at a terminal: what happened, to which article, how long it took. */
function humanLogger(write: (line: string) => void): Logger {
  const time = (): string => new Date().toTimeString().slice(0, 8);
  const describe = (message: string, details: Record<string, unknown> = {}): string => {
    if (message === 'published') {
      const feeds =
        (details.feeds as string[] | undefined)?.map((f) => (f === '_site' ? 'site' : f)).join(', ') ||
        'none';
      return `${details.status} ${details.key} → feeds: ${feeds}`;
    }
    if (message === 'batch done') {
      const what = details.committed ? `commit ${details.generation}` : 'no change';
      return `batch of ${details.articles} article(s): ${what}, ${details.filesWritten} file(s) written, ${details.filesDeleted} removed (${details.milliseconds} ms)`;
    }
    if (message.startsWith('article rejected')) {
      const problems = (details.problems as Array<{ field?: string; message: string }> | undefined) ?? [];
      return `rejected ${details.key}: ${problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ')}`;
    }
    const rest = Object.entries(details)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    return rest ? `${message} (${rest})` : message;
  };
  return {
    info: (message, details) => write(`${time()} ${describe(message, details)}`),
    warn: (message, details) => write(`${time()} ${describe(message, details)}`),
    error: (message, details) => write(`${time()} ERROR ${describe(message, details)}`),
  };
}

function port(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new ConfigError(name, undefined, `"${text}" is not a port number (0–65535)`);
  }
  return value;
}

async function main(): Promise<number> {
  const cwd = process.cwd();
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const s3Port = port('FEEDGEN_S3_PORT', 4569);
  const cdnPort = port('FEEDGEN_CDN_PORT', 8080);
  const dataDirectory = path.resolve(cwd, process.env.FEEDGEN_DATA_DIR ?? '.feedgen/s3');
  const accessKeyId = process.env.FEEDGEN_S3_ACCESS_KEY ?? 'feedgen';
  const secretAccessKey = process.env.FEEDGEN_S3_SECRET_KEY ?? 'feedgen';
  const { config: fileConfig, source } = loadConfig(process.env.FEEDGEN_CONFIG_FILE, cwd);
  // Feeds link to themselves where the local CDN serves them; article links stay the site's.
  const feedBaseUrl = process.env.FEEDGEN_FEED_BASE_URL ?? `http://127.0.0.1:${cdnPort}/feeds/`;
  const config = { ...fileConfig, feedBaseUrl: new URL(feedBaseUrl).href };
  const log = humanLogger(say);

  const stack = await startLocalStack({
    config,
    dataDirectory,
    s3Port,
    cdnPort,
    accessKeyId,
    secretAccessKey,
    log,
    ...(process.env.FEEDGEN_LOG_REQUESTS ? { logRequests: (line: string) => say(`cdn ${line}`) } : {}),
  });
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping (finishing the rebuilds under way)…`);
    await stack.stop();
    say('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('Ctrl-C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const examples = path.join(cwd, 'examples', 'articles');
  let seeded = 0;
  try {
    const files = readdirSync(examples)
      .filter((name) => /\.(md|markdown|json)$/i.test(name))
      .map((name) => ({ name, body: readFileSync(path.join(examples, name)) }));
    seeded = await stack.seed(files);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (seeded > 0) {
    say(`First start: loading the ${seeded} example articles from examples/articles/ …`);
    await stack.queue.idle();
  }
  const cdn = stack.cdn.url;
  say('');
  say(`feedgen is running (settings: ${source}; data: ${displayPath(dataDirectory, cwd)})`);
  say(`  Feeds page   ${cdn}/feeds/index.html`);
  say(`  OPML         ${cdn}/feeds/index.opml`);
  say(`  Site feeds   ${cdn}/feeds/rss.xml  ${cdn}/feeds/atom.xml  ${cdn}/feeds/feed.json`);
  say(
    `  S3 API       ${stack.s3Endpoint}  (bucket ${SOURCE_BUCKET}, access key ${accessKeyId}, secret ${secretAccessKey})`,
  );
  say('');
  say('Upload an article (in another terminal):');
  say('  npx feedgen upload examples/articles/khi-can-bo-xa-lam-bi-thu-thon.md');
  say('Each batch is logged below. Ctrl-C stops.');
  say('');
  return 0;
}

main().catch((error) => {
  if (error instanceof PortTakenError || error instanceof ConfigError) {
    process.stderr.write(`feedgen: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`feedgen: could not start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
