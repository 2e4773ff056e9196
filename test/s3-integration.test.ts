import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { enforceConditionalWrites } from '../local/conditional-writes';
import { encodeS3Key } from '../shared/adapters/sqs-events';
import { jsonLogger } from '../shared/adapters/logger';
import { S3Store } from '../shared/adapters/s3-store';
import { createPublishHandler } from '../functions/publish';
import { sqsRecord } from '../local/event-queue';
import type { SiteConfig } from '../shared/config';
import { Publisher } from '../shared/publisher';
import { TEST_CONFIG } from './helpers/articles';
import { checkAtom, checkRss, readJsonFeed, readWithFeedParser } from './helpers/feed-readers';
import { type S3Harness, type S3rverEventRecord, startS3 } from './helpers/s3rver';
import { children, NS } from './helpers/xml';

const SOURCE = 'feedgen-articles';
const OUTPUT = 'feedgen-feeds';
const EXAMPLES = path.resolve(__dirname, '..', 'examples', 'articles');

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

function publisherFor(config: SiteConfig = TEST_CONFIG): Publisher {
  const logger = jsonLogger('test', (l) => {
    if (process.env.DEBUG_PUBLISH && l.includes('ERROR')) console.log(l);
  });
  return new Publisher({
    source: new S3Store(s3.client, SOURCE),
    output: new S3Store(s3.client, OUTPUT),
    config,
    now: () => Date.parse('2026-01-01T00:00:00Z'),
    log: logger,
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
    new PutObjectCommand({
      Bucket: SOURCE,
      Key: key,
      Body: body,
      ContentType: 'text/markdown; charset=utf-8',
    }),
  );
}

async function read(
  key: string,
): Promise<{ body: string; contentType?: string; cacheControl?: string; etag?: string }> {
  const response = await s3.client.send(new GetObjectCommand({ Bucket: OUTPUT, Key: key }));
  return {
    body: (await response.Body?.transformToString('utf8')) ?? '',
    contentType: response.ContentType,
    cacheControl: response.CacheControl,
    etag: response.ETag,
  };
}

async function exists(key: string): Promise<boolean> {
  try {
    await s3.client.send(new HeadObjectCommand({ Bucket: OUTPUT, Key: key }));
    return true;
  } catch {
    return false;
  }
}

describe('publishing through a real S3 API (s3rver)', () => {
  it('publishes uploads, overwrites and deletes from S3 events, keys with spaces, "+" and Vietnamese letters included', async () => {
    const handler = createPublishHandler({ publisher: publisherFor(), log: jsonLogger('test', () => {}) });
    for (const name of readdirSync(EXAMPLES))
      await put(`articles/${name}`, readFileSync(path.join(EXAMPLES, name), 'utf8'));
    await put(
      'articles/Hà Tĩnh + tin 100%.md',
      '---\ntitle: Tin Hà Tĩnh\ndate: 2025-07-02T08:00+07:00\ncategory: Hà Tĩnh\n---\nNội dung.',
    );
    for (const event of drainEvents()) expect(await handler(event)).toEqual({ batchItemFailures: [] });

    const site = await read('feeds/rss.xml');
    expect(site.contentType).toBe('application/rss+xml; charset=utf-8');
    expect(site.cacheControl).toMatch(/max-age=/);
    checkRss(site.body);
    expect((await readWithFeedParser(site.body)).items.map((item) => item.title)).toContain('Tin Hà Tĩnh');
    const local = await read('feeds/ha-tinh/atom.xml');
    expect(local.contentType).toBe('application/atom+xml; charset=utf-8');
    expect(children(checkAtom(local.body), 'entry', NS.atom)).toHaveLength(1);
    expect(readJsonFeed((await read('feeds/xay-dung-dang/feed.json')).body).items).toHaveLength(9);
    expect((await read('feeds/index.html')).contentType).toBe('text/html; charset=utf-8');
    expect((await read('feeds/index.opml')).body).toContain('feeds/ha-tinh/rss.xml');

    // an overwrite moves the article to another category; a delete removes one
    const etagBefore = (await read('feeds/xay-dung-dang/rss.xml')).etag;
    await put(
      'articles/Hà Tĩnh + tin 100%.md',
      '---\ntitle: Tin Hà Tĩnh (sửa)\ndate: 2025-07-02T08:00+07:00\ncategory: Thời sự\n---\nNội dung.',
    );
    await s3.client.send(
      new DeleteObjectCommand({ Bucket: SOURCE, Key: 'articles/trang-su-moi-ky-vong-moi.md' }),
    );
    for (const event of drainEvents()) expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(await exists('feeds/ha-tinh/rss.xml')).toBe(false);
    const news = readJsonFeed((await read('feeds/thoi-su/feed.json')).body).items.map((item) => item.title);
    expect(news).toContain('Tin Hà Tĩnh (sửa)');
    expect(news).not.toContain('Trang sử mới, kỳ vọng mới');
    expect((await read('feeds/xay-dung-dang/rss.xml')).etag).not.toBe(etagBefore);

    // a duplicate delivery changes nothing, and unchanged files keep their ETags
    const etags = await Promise.all(
      ['feeds/rss.xml', 'feeds/thoi-su/rss.xml', 'feeds/index.html'].map(async (k) => (await read(k)).etag),
    );
    await handler({ Records: drainEvents().flatMap((e) => e.Records) });
    await publisherFor().publish([{ key: 'articles/Hà Tĩnh + tin 100%.md' }]);
    expect(
      await Promise.all(
        ['feeds/rss.xml', 'feeds/thoi-su/rss.xml', 'feeds/index.html'].map(async (k) => (await read(k)).etag),
      ),
    ).toEqual(etags);
  });

  it('keeps every one of 100 concurrent uploads to one category, with publishers running in parallel', async () => {
    const config = { ...TEST_CONFIG, itemsPerFeed: 120 };
    const keys = Array.from({ length: 100 }, (_, i) => `articles/dong thoi + ${i}.md`);
    await Promise.all(
      keys.map((key, i) =>
        put(
          key,
          `---\ntitle: Bài đồng thời ${i}\ndate: 2025-06-${String((i % 28) + 1).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}+07:00\ncategory: Xây dựng Đảng\n---\nNội dung ${i}.`,
        ),
      ),
    );
    // ten Lambda instances, each with its own publisher, each taking batches of ten
    const batches = drainEvents(10);
    expect(batches).toHaveLength(10);
    // As SQS does, messages reported failed (publishers that lost too many races) are
    // delivered again, to any instance, until none fails.
    let pending = batches;
    for (let delivery = 1; pending.length > 0; delivery++) {
      expect(delivery).toBeLessThanOrEqual(5);
      const results = await Promise.all(
        pending.map((event) =>
          createPublishHandler({
            publisher: publisherFor(config),
            log: jsonLogger('test', (l) => {
              if (process.env.DEBUG_PUBLISH) console.log(l);
            }),
          })(event),
        ),
      );
      pending = results
        .map((result, index) => {
          const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
          return {
            Records: (pending[index]?.Records ?? []).filter((record) => failed.has(record.messageId)),
          };
        })
        .filter((event) => event.Records.length > 0);
    }
    for (const file of ['feeds/xay-dung-dang/rss.xml', 'feeds/rss.xml']) {
      const parsed = await readWithFeedParser((await read(file)).body);
      expect(new Set(parsed.items.map((item) => item.title))).toEqual(
        new Set(keys.map((_, i) => `Bài đồng thời ${i}`)),
      );
    }
    expect(
      children(checkAtom((await read('feeds/xay-dung-dang/atom.xml')).body), 'entry', NS.atom),
    ).toHaveLength(100);
    expect(readJsonFeed((await read('feeds/xay-dung-dang/feed.json')).body).items).toHaveLength(100);
  }, 120_000);
});
