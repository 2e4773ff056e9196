import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { createPublishHandler } from '../functions/publish';
import { sqsRecord } from '../local/event-queue';
import { MemoryStore } from '../shared/adapters/memory-store';
import { createCommitter } from '../shared/adapters/wiring';
import { Committer } from '../shared/publishing/committer';
import { CATEGORIES, generateArticle, generateArticles } from './generate';
import {
  client,
  config,
  countRequests,
  median,
  NOW,
  percentile,
  quiet,
  round,
  startS3Process,
  total,
  WORK,
} from './util';

/**
 * What one upload costs on the Lambda's code path (SQS event → handler → committer → S3 API),
 * in S3 requests and in CPU time of this process (the SDK included; the S3 API runs in a
 * process of its own), on top of an archive of `count` articles. Uploads are counted too:
 * the editor's PUT is one request per upload.
 */
export async function publishCost(count: number) {
  // The archive's state, built by a rebuild in memory and copied to the S3 API: an upload
  // of a new article never reads the other articles, so they stay out.
  const memory = { source: new MemoryStore(), output: new MemoryStore() };
  for (const article of generateArticles(count))
    await memory.source.put(`articles/${article.name}`, article.text, { contentType: 'text/markdown' });
  await new Committer({ ...memory, config, clock: () => NOW, log: quiet }).apply({
    changes: [],
    rebuild: true,
  });
  const server = await startS3Process(path.join(WORK, `s3-publish-cost-${count}`));
  const seeding = client(server.endpoint);
  // The gateway in the S3 process gives s3rver S3's conditional writes: no emulation here.
  const writerClient = client(server.endpoint);
  const counts = countRequests(writerClient);
  try {
    for (const [store, bucket] of [
      [memory.source, 'feedgen-articles'],
      [memory.output, 'feedgen-feeds'],
    ] as const) {
      for (const [key, entry] of store.objects) {
        if (key.startsWith('articles/')) continue;
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
    const writer = () =>
      createCommitter({
        client: writerClient,
        sourceBucket: 'feedgen-articles',
        outputBucket: 'feedgen-feeds',
        config,
        clock: () => NOW,
        log: quiet,
      });
    let uploaded = 0;
    /** Uploads `n` new articles (newer than the archive), one category each, over `categories`. */
    const upload = async (n: number, categories: number): Promise<SQSEvent> => {
      const records = [];
      for (let i = 0; i < n; i++) {
        const index = uploaded++;
        const fresh = generateArticle(900_000 + index);
        const date = new Date(Date.UTC(2026, 10, 2, 1, index) + 7 * 3_600_000);
        const text = fresh.text
          .replace(
            /^date: .*$/m,
            `date: ${date.getUTCDate()}/${date.getUTCMonth() + 1}/${date.getUTCFullYear()} ${date.getUTCHours()}:${String(date.getUTCMinutes()).padStart(2, '0')}`,
          )
          .replace(/^categories: .*$/m, `categories: [${CATEGORIES[index % categories]}]`);
        const key = `articles/moi-${index}.md`;
        await seeding.send(
          new PutObjectCommand({
            Bucket: 'feedgen-articles',
            Key: key,
            Body: text,
            ContentType: 'text/markdown',
          }),
        );
        records.push(
          sqsRecord(`m${index}`, [
            {
              eventName: 'ObjectCreated:Put',
              s3: { bucket: { name: 'feedgen-articles' }, object: { key, size: Buffer.byteLength(text) } },
            },
          ]),
        );
      }
      return { Records: records };
    };
    const measure = async (handler: ReturnType<typeof createPublishHandler>, event: SQSEvent) => {
      counts.clear();
      const cpuBefore = process.cpuUsage();
      const wallBefore = performance.now();
      const result = await handler(event);
      const used = process.cpuUsage(cpuBefore);
      if (result.batchItemFailures.length > 0) throw new Error('a benchmark batch failed');
      const uploads = event.Records.length;
      return {
        requests: (total(counts) + uploads) / uploads,
        byVerb: Object.fromEntries([...counts].sort()),
        cpuMs: (used.user + used.system) / 1000 / uploads,
        wallMs: performance.now() - wallBefore,
      };
    };

    // A lone upload into one category, on a warm writer (a Lambda that ran the last batch)…
    const warm = createPublishHandler({ committer: writer(), log: quiet });
    const lone = [];
    for (let i = 0; i < 40; i++) {
      const m = await measure(warm, await upload(1, 1));
      if (i >= 10) lone.push(m);
    }
    // …and on a new writer each time (a new Lambda instance: nothing cached).
    const cold = [];
    for (let i = 0; i < 10; i++)
      cold.push(await measure(createPublishHandler({ committer: writer(), log: quiet }), await upload(1, 1)));
    // Batches of 10 and 100 uploads into 5 categories, as the queue hands them over.
    const batches: Record<string, ReturnType<typeof summary>> = {};
    for (const size of [10, 100]) {
      const runs = [];
      for (let i = 0; i < 5; i++) runs.push(await measure(warm, await upload(size, 5)));
      batches[size] = summary(runs);
    }
    return {
      archive: count,
      lone: summary(lone),
      loneNewWriter: summary(cold),
      batch10: batches[10],
      batch100: batches[100],
    };
  } finally {
    seeding.destroy();
    writerClient.destroy();
    await server.stop();
  }
}

function summary(
  runs: ReadonlyArray<{ requests: number; byVerb: Record<string, number>; cpuMs: number; wallMs: number }>,
) {
  const requests = runs.map((run) => run.requests);
  return {
    runs: runs.length,
    requestsPerUpload: round(median(requests), 2),
    requestsMax: round(Math.max(...requests), 2),
    byVerb: runs[Math.floor((runs.length - 1) / 2)]?.byVerb ?? {},
    cpuMsPerUpload: round(median(runs.map((run) => run.cpuMs)), 2),
    cpuMsP95: round(
      percentile(
        runs.map((run) => run.cpuMs),
        95,
      ),
      2,
    ),
    wallMsPerBatch: Math.round(median(runs.map((run) => run.wallMs))),
  };
}
