import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { createPublishHandler } from '../../functions/publish';
import { enforceConditionalWrites } from '../../local/conditional-writes';
import { sqsRecord } from '../../local/event-queue';
import { jsonLogger } from '../../shared/adapters/logger';
import { MemoryStore } from '../../shared/adapters/memory-store';
import { S3Store } from '../../shared/adapters/s3-store';
import { encodeS3Key } from '../../shared/adapters/sqs-events';
import { createCommitter } from '../../shared/adapters/wiring';
import type { SiteConfig } from '../../shared/core/config';
import { Committer } from '../../shared/publishing/committer';
import { MANIFEST_KEY } from '../../shared/publishing/layout';
import { type ObjectStore, PreconditionFailed } from '../../shared/publishing/ports';
import { TEST_CONFIG } from '../helpers/articles';
import { checkRss, readWithFeedParser } from '../helpers/feed-readers';
import { type S3Harness, type S3rverEventRecord, startS3 } from '../helpers/s3rver';
import { buildOf, differences } from '../helpers/site-compare';

// The publish handler and the committer against a real S3 API (s3rver), whose client is made
// to honour conditional writes as S3 does (local/conditional-writes.ts), as npm start does.

const SOURCE = 'feedgen-articles';
const OUTPUT = 'feedgen-feeds';
const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples', 'articles');
const NOW = Date.parse('2026-01-01T00:00:00Z');
const quiet = jsonLogger('test', (line) => {
  if (process.env.DEBUG_PUBLISH) console.log(line);
});

let s3: S3Harness;
let captured: S3rverEventRecord[];

beforeEach(async () => {
  s3 = await startS3({ buckets: [SOURCE, OUTPUT] });
  enforceConditionalWrites(s3.client);
  captured = [];
  s3.onEvent((record) => {
    const event = record as S3rverEventRecord;
    if (event.s3.bucket.name === SOURCE && event.s3.object.key.startsWith('articles/')) captured.push(event);
  });
});
afterEach(async () => {
  await s3.stop();
});

/** One Lambda's writer: a committer of its own over the s3rver buckets. */
function committerFor(config: SiteConfig = TEST_CONFIG): Committer {
  return createCommitter({
    client: s3.client,
    sourceBucket: SOURCE,
    outputBucket: OUTPUT,
    config,
    clock: () => NOW,
    log: quiet,
  });
}

/** What S3 would send through SQS for the events captured so far (keys encoded as S3 does), in batches. */
function drainEvents(batchSize = 10): SQSEvent[] {
  const records = captured.splice(0);
  const batches: SQSEvent[] = [];
  for (let i = 0; i < records.length; i += batchSize) {
    batches.push({
      Records: records.slice(i, i + batchSize).map((record, j) =>
        sqsRecord(`m-${i + j}`, [
          {
            ...record,
            s3: { ...record.s3, object: { ...record.s3.object, key: encodeS3Key(record.s3.object.key) } },
          },
        ]),
      ),
    });
  }
  return batches;
}

async function put(key: string, body: string): Promise<void> {
  await s3.client.send(
    new PutObjectCommand({ Bucket: SOURCE, Key: key, Body: body, ContentType: 'text/markdown' }),
  );
}

/** A bucket's objects under a prefix, copied into memory with their headers. */
async function snapshot(bucket: string, prefix: string): Promise<MemoryStore> {
  const copy = new MemoryStore();
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  for (const { Key } of listed.Contents ?? []) {
    const got = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key }));
    await copy.put(Key ?? '', (await got.Body?.transformToByteArray()) ?? new Uint8Array(), {
      contentType: got.ContentType ?? '',
      ...(got.ContentEncoding ? { contentEncoding: got.ContentEncoding } : {}),
      ...(got.CacheControl ? { cacheControl: got.CacheControl } : {}),
    });
  }
  return copy;
}

/** How feeds/ differs from a from-scratch build of articles/: [] when the same. */
async function differencesFromBuild(config: SiteConfig = TEST_CONFIG): Promise<string[]> {
  return differences(
    buildOf(await snapshot(SOURCE, 'articles/'), config, NOW),
    await snapshot(OUTPUT, 'feeds/'),
  );
}

async function etags(): Promise<Map<string, string | undefined>> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: OUTPUT, Prefix: 'feeds/' }));
  return new Map((listed.Contents ?? []).map((object) => [object.Key ?? '', object.ETag]));
}

describe('publishing through a real S3 API (s3rver)', () => {
  it('publishes uploads, overwrites and deletes from S3 events, keys with spaces, "+" and Vietnamese letters included', async () => {
    // GIVEN the examples and an article whose key S3 must encode
    const handler = createPublishHandler({ committer: committerFor(), log: quiet });
    for (const name of readdirSync(EXAMPLES))
      await put(`articles/${name}`, readFileSync(path.join(EXAMPLES, name), 'utf8'));
    const key = 'articles/Hà Tĩnh + tin 100%.md';
    await put(
      key,
      '---\ntitle: Tin Hà Tĩnh\ndate: 2025-07-02T08:00+07:00\ncategory: Hà Tĩnh\n---\nNội dung.',
    );
    // WHEN their events are delivered THEN the feeds equal a build, with their types and cache policy
    for (const event of drainEvents()) expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(await differencesFromBuild()).toEqual([]);
    const stored = await snapshot(OUTPUT, 'feeds/');
    const copies = [...stored.objects.keys()].filter((file) => file.endsWith('.gz'));
    expect(copies).toContain('feeds/xay-dung-dang/atom.xml.gz');
    expect(copies.map((file) => stored.contentEncoding(file))).toEqual(copies.map(() => 'gzip'));
    const site = await s3.client.send(new GetObjectCommand({ Bucket: OUTPUT, Key: 'feeds/rss.xml' }));
    expect(site.ContentType).toBe('application/rss+xml; charset=utf-8');
    expect(site.CacheControl).toMatch(/max-age=/);
    const rss = (await site.Body?.transformToString('utf8')) ?? '';
    checkRss(rss);
    expect((await readWithFeedParser(rss)).items.map((item) => item.title)).toContain('Tin Hà Tĩnh');

    // WHEN the article moves to another category and another is deleted
    await put(
      key,
      '---\ntitle: Tin Hà Tĩnh (sửa)\ndate: 2025-07-02T08:00+07:00\ncategory: Thời sự\n---\nNội dung.',
    );
    await s3.client.send(
      new DeleteObjectCommand({ Bucket: SOURCE, Key: 'articles/trang-su-moi-ky-vong-moi.md' }),
    );
    for (const event of drainEvents()) expect(await handler(event)).toEqual({ batchItemFailures: [] });
    // THEN the category left empty is gone and the rest equals a build
    expect([...(await etags()).keys()].filter((file) => file.startsWith('feeds/ha-tinh/'))).toEqual([]);
    expect(await differencesFromBuild()).toEqual([]);

    // WHEN the same events are delivered again THEN no file changes
    const before = await etags();
    await put(
      key,
      '---\ntitle: Tin Hà Tĩnh (sửa)\ndate: 2025-07-02T08:00+07:00\ncategory: Thời sự\n---\nNội dung.',
    );
    await handler({ Records: drainEvents().flatMap((event) => event.Records) });
    await committerFor().apply({ changes: [{ key }] });
    expect(await etags()).toEqual(before);
  });

  it('keeps every one of 100 concurrent uploads applied by two writers at once', async () => {
    // GIVEN 100 uploads at once, their events in ten batches
    const config = { ...TEST_CONFIG, itemsPerFeed: 120 };
    const keys = Array.from({ length: 100 }, (_, i) => `articles/dong thoi + ${i}.md`);
    const two = (n: number) => String(n).padStart(2, '0');
    await Promise.all(
      keys.map((key, i) =>
        put(
          key,
          `---\ntitle: Bài đồng thời ${i}\ndate: 2025-06-${two((i % 28) + 1)}T${two(i % 24)}:${two(i % 60)}+07:00\ncategory: ${i % 2 ? 'Xây dựng Đảng' : 'Thời sự'}\n---\nNội dung ${i}.`,
        ),
      ),
    );
    const batches = drainEvents(10);
    expect(batches).toHaveLength(10);
    // WHEN two Lambdas, each with its own writer, take the batches in turn, at the same time;
    // as SQS does, a batch reported failed is delivered again, to either
    const lambdas = [0, 1].map(() => createPublishHandler({ committer: committerFor(config), log: quiet }));
    const queue = [...batches];
    let deliveries = 0;
    await Promise.all(
      lambdas.map(async (handler) => {
        for (let event = queue.shift(); event; event = queue.shift()) {
          deliveries++;
          expect(deliveries).toBeLessThanOrEqual(40);
          const failed = new Set((await handler(event)).batchItemFailures.map((f) => f.itemIdentifier));
          const again = event.Records.filter((record) => failed.has(record.messageId));
          if (again.length > 0) queue.push({ Records: again });
        }
      }),
    );
    // THEN after a batch of nothing (which finishes what any writer left) the feeds equal a build
    await committerFor(config).apply({ changes: [] });
    expect(await differencesFromBuild(config)).toEqual([]);
    const site = await snapshot(OUTPUT, 'feeds/rss.xml');
    expect(
      new Set((await readWithFeedParser(site.text('feeds/rss.xml') ?? '')).items.map((item) => item.title)),
    ).toEqual(new Set(keys.map((_, i) => `Bài đồng thời ${i}`)));
  }, 120_000);

  it('makes a writer that lost its turn get 412 on the manifest and apply its batch again', async () => {
    // GIVEN writer A, whose first manifest write waits until writer B has committed
    const sourceStore = new S3Store(s3.client, SOURCE);
    const conflicts: unknown[] = [];
    let first = true;
    await put('articles/a.md', '---\ntitle: A\ndate: 2025-06-30\ncategory: Thời sự\n---\nx');
    await put('articles/b.md', '---\ntitle: B\ndate: 2025-06-29\ncategory: Kinh tế\n---\nx');
    const writerB = committerFor();
    const gated: ObjectStore = {
      get: (key, options) => sourceStore.get(key, options),
      head: (key) => sourceStore.head(key),
      delete: (key) => sourceStore.delete(key),
      list: (prefix) => sourceStore.list(prefix),
      put: async (key, body, options) => {
        if (key === MANIFEST_KEY && first) {
          first = false;
          await writerB.apply({ changes: [{ key: 'articles/b.md' }] });
        }
        try {
          return await sourceStore.put(key, body, options);
        } catch (error) {
          conflicts.push(error);
          throw error;
        }
      },
    };
    const writerA = new Committer({
      source: gated,
      output: new S3Store(s3.client, OUTPUT),
      config: TEST_CONFIG,
      clock: () => NOW,
      log: quiet,
    });
    // WHEN A applies its batch
    const result = await writerA.apply({ changes: [{ key: 'articles/a.md' }] });
    // THEN S3 refused its first commit, and A applied the batch again over B's commit
    expect(conflicts).toEqual([new PreconditionFailed(MANIFEST_KEY)]);
    expect(result).toMatchObject({ committed: true, attempts: 2 });
    expect(await differencesFromBuild()).toEqual([]);
  });
});
