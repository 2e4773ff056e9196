/**
 * `npm run bench`: the numbers behind the README's "Performance" section. Writes
 * bench/results/latest.json and bench/results/latest.md. BENCH_SIZES (e.g. "1000,10000")
 * and BENCH_SKIP (e.g. "burst,e2e") narrow a run.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { build as esbuild } from 'esbuild';
import { enforceConditionalWrites } from '../local/conditional-writes';
import { encodeS3Key } from '../shared/adapters/sqs-events';
import { S3Store } from '../shared/adapters/s3-store';
import { createPublishHandler } from '../functions/publish';
import { SOURCE_BUCKET, startLocalStack } from '../local/stack';
import { parseArticle } from '../shared/article';
import { resolveConfig, type SiteConfig } from '../shared/config';
import { MemoryStore } from '../shared/adapters/memory-store';
import { type Logger, Publisher } from '../shared/publisher';
import { rebuildAll } from '../shared/rebuild';
import { buildSite } from '../shared/site';
import { generateArticle, generateArticles } from './generate';

const ROOT = path.resolve(__dirname, '..');
const WORK = process.env.BENCH_DIR ?? '/tmp/feedgen-bench';
const run = promisify(execFile);
const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
const config: SiteConfig = resolveConfig(
  JSON.parse(readFileSync(path.join(ROOT, 'feedgen.config.json'), 'utf8')),
  'feedgen.config.json',
);
const NOW = Date.parse('2026-11-28T00:00:00Z');

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const round = (value: number, digits = 1): number => Number(value.toFixed(digits));
const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Writes the corpus once; later runs reuse it (it is deterministic). */
function corpus(count: number): string {
  const folder = path.join(WORK, `corpus-${count}`);
  const marker = path.join(folder, '.complete');
  if (existsSync(marker)) return folder;
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  for (const article of generateArticles(count)) writeFileSync(path.join(folder, article.name), article.text);
  writeFileSync(marker, '');
  return folder;
}

async function fullBuild(count: number) {
  const articles = corpus(count);
  const out = path.join(WORK, `out-${count}`);
  const walls: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < 5; i++) {
    rmSync(out, { recursive: true, force: true });
    const started = performance.now();
    const { stdout } = await run(process.execPath, [
      path.join(ROOT, 'bench', 'measure-build.js'),
      'build',
      '--articles',
      articles,
      '--out',
      out,
      '--config',
      path.join(ROOT, 'feedgen.config.json'),
    ]);
    walls.push(performance.now() - started);
    rss.push(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}').maxRssKb / 1024);
  }
  return {
    articles: count,
    runs: 5,
    medianMs: Math.round(median(walls)),
    medianPeakRssMiB: Math.round(median(rss)),
  };
}

async function startS3Process(directory: string): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const child = spawn(process.execPath, [path.join(ROOT, 'bench', 's3-server.js'), directory], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`s3 server exited with ${code}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'feedgen', secretAccessKey: 'feedgen' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Per upload, on the Lambda's code path (SQS event → handler → publisher → S3 API): an
 * archive of `count` articles is published (its state built by `rebuildAll` and copied into
 * the local S3 API; the per-article records, which an upload of another article never reads,
 * stay out), then new articles are uploaded one at a time.
 */
async function perUpload(count: number) {
  const memorySource = new MemoryStore();
  const memoryOutput = new MemoryStore();
  for (const article of generateArticles(count)) {
    await memorySource.put(`articles/${article.name}`, article.text, { contentType: 'text/markdown' });
  }
  await rebuildAll({ source: memorySource, output: memoryOutput, config, now: NOW, log: quiet });
  const server = await startS3Process(path.join(WORK, `s3-per-upload-${count}`));
  try {
    const seeding = client(server.endpoint);
    for (const [store, bucket] of [
      [memorySource, 'feedgen-articles'],
      [memoryOutput, 'feedgen-feeds'],
    ] as const) {
      for (const [key, entry] of store.objects) {
        if (key.startsWith('articles/') || key.startsWith('state/articles/')) continue;
        await seeding.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: entry.body,
            ContentType: entry.contentType,
            ...(entry.contentEncoding ? { ContentEncoding: entry.contentEncoding } : {}),
          }),
        );
      }
    }
    let requests = 0;
    const publisherClient = enforceConditionalWrites(client(server.endpoint));
    publisherClient.middlewareStack.add(
      (next) => async (args) => {
        requests++;
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
    const publisher = new Publisher({
      source: new S3Store(publisherClient, 'feedgen-articles'),
      output: new S3Store(publisherClient, 'feedgen-feeds'),
      config,
      now: () => NOW,
      log: quiet,
    });
    const handler = createPublishHandler({ publisher, log: quiet });
    const requestCounts: number[] = [];
    const cpu: number[] = [];
    const wall: number[] = [];
    for (let i = 0; i < 60; i++) {
      // Newer than anything published: the usual upload, which enters the newest window.
      // The same sixty articles at every archive size, so request counts compare.
      const fresh = generateArticle(900_000 + i);
      const date = new Date(Date.UTC(2026, 10, 2, 1, i) + 7 * 3_600_000);
      const text = fresh.text.replace(
        /^date: .*$/m,
        `date: ${date.getUTCDate()}/${date.getUTCMonth() + 1}/${date.getUTCFullYear()} ${date.getUTCHours()}:${String(date.getUTCMinutes()).padStart(2, '0')}`,
      );
      const key = `articles/moi-${i}.md`;
      await seeding.send(
        new PutObjectCommand({
          Bucket: 'feedgen-articles',
          Key: key,
          Body: text,
          ContentType: 'text/markdown',
        }),
      );
      const event: SQSEvent = {
        Records: [
          {
            messageId: `m${i}`,
            receiptHandle: 'r',
            body: JSON.stringify({
              Records: [
                {
                  eventName: 'ObjectCreated:Put',
                  s3: {
                    bucket: { name: 'feedgen-articles' },
                    object: { key: encodeS3Key(key), size: Buffer.byteLength(text) },
                  },
                },
              ],
            }),
            attributes: {} as SQSEvent['Records'][number]['attributes'],
            messageAttributes: {},
            md5OfBody: '',
            eventSource: 'aws:sqs',
            eventSourceARN: 'arn:aws:sqs:local:0:bench',
            awsRegion: 'local',
          },
        ],
      };
      requests = 0;
      const cpuBefore = process.cpuUsage();
      const wallBefore = performance.now();
      const result = await handler(event);
      const used = process.cpuUsage(cpuBefore);
      if (result.batchItemFailures.length > 0) throw new Error(`upload ${key} failed`);
      if (i < 10) continue; // warm-up
      wall.push(performance.now() - wallBefore);
      cpu.push((used.user + used.system) / 1000);
      requestCounts.push(requests);
    }
    seeding.destroy();
    publisherClient.destroy();
    return {
      archive: count,
      uploads: cpu.length,
      s3RequestsPerUpload: [...new Set(requestCounts)],
      medianComputeMs: round(median(cpu)),
      p95ComputeMs: round(percentile(cpu, 95)),
      medianWallMs: round(median(wall)),
    };
  } finally {
    await server.stop();
  }
}

/** Upload → the updated feed served by the local CDN, over the local stack. */
async function endToEnd() {
  const data = path.join(WORK, 's3-e2e');
  rmSync(data, { recursive: true, force: true });
  const stack = await startLocalStack({
    config,
    dataDirectory: data,
    s3Port: 0,
    cdnPort: 0,
    accessKeyId: 'feedgen',
    secretAccessKey: 'feedgen',
    log: quiet,
  });
  try {
    const latencies: number[] = [];
    for (let i = 0; i < 50; i++) {
      const title = `Tin nóng số ${i}`;
      const started = performance.now();
      await stack.client.send(
        new PutObjectCommand({
          Bucket: SOURCE_BUCKET,
          Key: `articles/nong-${i}.md`,
          Body: `---\ntitle: ${title}\ndate: 2026-11-${String(1 + (i % 27)).padStart(2, '0')}T08:${String(i).padStart(2, '0')}+07:00\ncategory: Thời sự\n---\nNội dung ${i}.`,
        }),
      );
      for (;;) {
        const response = await fetch(`${stack.cdn.url}/feeds/thoi-su/rss.xml`);
        if (response.ok && (await response.text()).includes(`<title>${title}</title>`)) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      latencies.push(performance.now() - started);
    }
    return {
      uploads: 50,
      medianMs: Math.round(median(latencies)),
      p95Ms: Math.round(percentile(latencies, 95)),
    };
  } finally {
    await stack.stop();
  }
}

/** Each function bundled as the CDK bundles it; size, and the time to require it. */
async function coldStart() {
  const results = [];
  const bare: number[] = [];
  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    await run(process.execPath, ['-e', '0']);
    bare.push(performance.now() - started);
  }
  for (const name of ['publish', 'schedule']) {
    const outfile = path.join(WORK, 'bundles', `${name}.js`);
    await esbuild({
      entryPoints: [path.join(ROOT, 'functions', `${name}.ts`)],
      bundle: true,
      platform: 'node',
      // As infra/feedgen-function.ts, but for the Node.js on this machine.
      target: `node${process.versions.node.split('.')[0]}`,
      format: 'cjs',
      minify: true,
      sourcemap: 'external',
      mainFields: ['module', 'main'],
      outfile,
      logLevel: 'error',
    });
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      await run(process.execPath, ['-e', `require(${JSON.stringify(outfile)})`]);
      times.push(performance.now() - started);
    }
    results.push({
      function: name,
      bundleKB: Math.round(statSync(outfile).size / 1024),
      medianRequireMs: Math.round(median(times)),
      bareNodeMs: Math.round(median(bare)),
      ratio: round(median(times) / median(bare), 2),
    });
  }
  return results;
}

/** 1,000 uploads at once into the local stack: rebuilds, time to final feeds, nothing lost. */
async function burst() {
  const data = path.join(WORK, 's3-burst');
  rmSync(data, { recursive: true, force: true });
  let batches = 0;
  let published = 0;
  const log: Logger = {
    info: (message) => {
      if (message === 'published') published++;
    },
    warn: () => {},
    error: (message, details) => say(`burst: ${message} ${JSON.stringify(details)}`),
  };
  const stack = await startLocalStack({
    config: { ...config, itemsPerFeed: 50 },
    dataDirectory: data,
    s3Port: 0,
    cdnPort: 0,
    accessKeyId: 'feedgen',
    secretAccessKey: 'feedgen',
    log,
    retryDelayMs: 200,
  });
  const originalIdle = stack.queue.idle.bind(stack.queue);
  try {
    const texts = [...generateArticles(1000, 7)];
    const uploadStarted = performance.now();
    const uploader = client(stack.s3Endpoint);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < texts.length) {
          const article = texts[next++];
          if (!article) break;
          await uploader.send(
            new PutObjectCommand({
              Bucket: SOURCE_BUCKET,
              Key: `articles/${article.name}`,
              Body: article.text,
            }),
          );
        }
      }),
    );
    const uploadSeconds = (performance.now() - uploadStarted) / 1000;
    await originalIdle();
    const finalSeconds = (performance.now() - uploadStarted) / 1000;
    batches = stack.queue.deliveries;
    // Nothing lost: the CDN serves exactly what a from-scratch build of the bucket gives.
    const articles = texts.map((t) => {
      const parsed = parseArticle(`articles/${t.name}`, Buffer.from(t.text), config);
      if (!parsed.ok) throw new Error('generated article rejected');
      return parsed.article;
    });
    const expected = buildSite(articles, { ...config, itemsPerFeed: 50 }, NOW).files;
    let mismatches = 0;
    for (const file of expected) {
      const served = await (
        await fetch(`${stack.cdn.url}/${file.path}`, { headers: { 'Accept-Encoding': 'identity' } })
      ).text();
      if (served !== file.body) mismatches++;
    }
    uploader.destroy();
    return {
      uploads: 1000,
      uploadSeconds: round(uploadSeconds),
      secondsUntilFeedsFinal: round(finalSeconds),
      handlerInvocations: batches,
      articlePublishes: published,
      filesCompared: expected.length,
      filesDifferingFromScratchBuild: mismatches,
    };
  } finally {
    await stack.stop();
  }
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const sizes = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
  };
  const results: Record<string, unknown> = { machine };
  if (!skip.has('build')) {
    results.fullBuild = [];
    for (const count of sizes.filter((n) => n <= 10000)) {
      say(`full build of ${count} articles…`);
      (results.fullBuild as unknown[]).push(await fullBuild(count));
    }
  }
  if (!skip.has('upload')) {
    results.perUpload = [];
    for (const count of sizes) {
      say(`per upload into an archive of ${count}…`);
      (results.perUpload as unknown[]).push(await perUpload(count));
    }
  }
  if (!skip.has('e2e')) {
    say('end to end…');
    results.endToEnd = await endToEnd();
  }
  if (!skip.has('cold')) {
    say('cold start…');
    results.coldStart = await coldStart();
  }
  if (!skip.has('burst')) {
    say('burst of 1,000 uploads…');
    results.burst = await burst();
  }
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench', 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(ROOT, 'bench', 'results', 'latest.md'), markdown(results));
  process.stdout.write(markdown(results));
}

function markdown(results: Record<string, unknown>): string {
  const m = results.machine as Record<string, unknown>;
  const lines = [
    `# feedgen benchmark, ${m.date}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node.js ${m.node}.`,
    '',
  ];
  const table = (title: string, rows: Array<Record<string, unknown>> | undefined, target: string) => {
    if (!rows || rows.length === 0) return;
    const keys = Object.keys(rows[0] ?? {});
    lines.push(
      `## ${title}`,
      '',
      target,
      '',
      `| ${keys.join(' | ')} |`,
      `| ${keys.map(() => '---').join(' | ')} |`,
    );
    for (const row of rows)
      lines.push(
        `| ${keys.map((k) => (Array.isArray(row[k]) ? (row[k] as unknown[]).join(', ') : String(row[k]))).join(' | ')} |`,
      );
    lines.push('');
  };
  table(
    'Full build (`feedgen build`, from disk, median of 5)',
    results.fullBuild as Array<Record<string, unknown>>,
    'Target: 10k articles in at most 800 ms and 200 MiB.',
  );
  table(
    'Per upload (Lambda code path against the local S3 API, warm process)',
    results.perUpload as Array<Record<string, unknown>>,
    'Target: the same request count at every archive size; at most 10 ms median compute.',
  );
  table(
    'End to end (upload → feed served by the local CDN)',
    results.endToEnd ? [results.endToEnd as Record<string, unknown>] : undefined,
    'Target: at most 1 s median.',
  );
  table(
    'Cold start (bundled as the CDK bundles)',
    results.coldStart as Array<Record<string, unknown>>,
    'Targets: at most 600 KB; require at most 2× bare Node.',
  );
  table(
    'Burst (1,000 uploads from 16 clients)',
    results.burst ? [results.burst as Record<string, unknown>] : undefined,
    'Every feed must equal a from-scratch build (0 differing files).',
  );
  return `${lines.join('\n')}\n`;
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
