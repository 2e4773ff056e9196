// The smallest reproductions of what the fault tests found, one test each, so a fix can be
// checked in milliseconds. Each says what README.md or docs/architecture.md promises.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { createPublishHandler } from '../../functions/publish';
import { sqsRecord } from '../../local/event-queue';
import { SOURCE_BUCKET, startLocalStack } from '../../local/stack';
import { MemoryStore } from '../../shared/adapters/memory-store';
import { type Logger, Publisher } from '../../shared/publisher';
import type { ObjectStore } from '../../shared/publishing/ports';
import { TEST_CONFIG } from '../helpers/articles';
import { seededRandom } from './helpers/random';
import { startReaders } from './helpers/reader';
import { fromScratch, siteDifferences } from './helpers/site-check';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

function md(title: string, date: string, extra = ''): string {
  return `---\ntitle: ${title}\ndate: ${date}\ncategory: Thời sự\n${extra}---\nNội dung ${title}.\n`;
}

type StoreMethod = 'get' | 'head' | 'put' | 'delete';
type Hook = (method: StoreMethod, key: string) => void | Promise<void>;

/**
 * `store` with `before` awaited ahead of each get, head, put and delete, and `after` once
 * one has returned: to make a publisher fail, wait or die at a chosen call.
 */
function hooked(store: MemoryStore, hooks: { before?: Hook; after?: Hook }): MemoryStore {
  const methods = new Set<unknown>(['get', 'head', 'put', 'delete']);
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (!methods.has(property)) return value.bind(target);
      const method = property as StoreMethod;
      return async (key: string, ...rest: unknown[]) => {
        await hooks.before?.(method, key);
        const result = await value.call(target, key, ...rest);
        await hooks.after?.(method, key);
        return result;
      };
    },
  });
}

/**
 * A place where a store call waits: the call runs `reached()` and awaits `released`; the
 * test awaits `paused`, does what must happen meanwhile, then calls `release()`.
 */
function pausePoint() {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached: () => void = () => {};
  const paused = new Promise<void>((resolve) => {
    reached = resolve;
  });
  return { release: () => release(), released, reached: () => reached(), paused };
}

function setup(config = TEST_CONFIG, source: ObjectStore = new MemoryStore()) {
  const memory = source instanceof MemoryStore ? source : undefined;
  const output = new MemoryStore();
  const publisher = new Publisher({ source, output, config, now: () => NOW, log: quiet });
  /** Differences between the output and a from-scratch build of the articles. */
  const differences = (articles: MemoryStore | undefined = memory): string[] => {
    const bodies = new Map(
      [...(articles?.objects ?? [])]
        .filter(([key]) => key.startsWith('articles/'))
        .map(([key, entry]) => [key, entry.body]),
    );
    return siteDifferences(
      fromScratch(bodies, config, NOW),
      new Map([...output.objects].map(([key, entry]) => [key, entry.body])),
    );
  };
  return { publisher, output, differences };
}

describe('found by the fault tests', () => {
  it('an article re-dated to before the oldest item of a full window leaves it for the next newest (shared/publisher.ts #updateShard)', async () => {
    // GIVEN a feed of 3 items out of 5 articles: A (10 June), B, C in the window; D, E older
    const source = new MemoryStore();
    const { publisher, differences } = setup({ ...TEST_CONFIG, itemsPerFeed: 3 }, source);
    for (const [key, date] of [
      ['a', '2025-06-10'],
      ['b', '2025-06-09'],
      ['c', '2025-06-08'],
      ['d', '2025-06-07'],
      ['e', '2025-06-06'],
    ] as const) {
      await source.put(`articles/${key}.md`, md(key.toUpperCase(), date), { contentType: 'text/markdown' });
      await publisher.publish([{ key: `articles/${key}.md` }]);
    }
    // WHEN A is re-dated to 1 June, older than D and E
    await source.put('articles/a.md', md('A', '2025-06-01'), { contentType: 'text/markdown' });
    await publisher.publish([{ key: 'articles/a.md' }]);
    // THEN the window is B, C, D, as a full build makes it (it stays B, C, A)
    expect(differences()).toEqual([]);
  });

  it('a window refilled while an older article is being re-dated shows the newest articles (shared/publisher.ts #backfill)', async () => {
    // Found by the model-based fuzz test (FUZZ_SEED=777 FUZZ_RUNS=1500), shrunk.
    // GIVEN a window of 2: k3 (3 June), k4 (3 June); k0 (1 June) and k1 (2 June) below it
    const source = new MemoryStore();
    const { publisher, differences } = setup({ ...TEST_CONFIG, itemsPerFeed: 2 }, source);
    const put = (key: string, day: number) =>
      source.put(`articles/${key}.md`, md(key.toUpperCase(), `2025-06-0${day}`), {
        contentType: 'text/markdown',
      });
    await put('k3', 3);
    await publisher.publish([{ key: 'articles/k3.md' }]);
    await put('k0', 1);
    await publisher.publish([{ key: 'articles/k0.md' }]);
    await put('k4', 3);
    await put('k1', 2);
    await publisher.publish([{ key: 'articles/k4.md' }, { key: 'articles/k1.md' }]);
    // WHEN k3 is deleted and k1 re-dated to 1 June (its partition entry still says 2 June),
    // and one batch publishes both, the deletion first
    await source.delete('articles/k3.md');
    await put('k1', 1);
    await publisher.publish([{ key: 'articles/k3.md' }, { key: 'articles/k1.md' }]);
    // THEN the window is k4, k0 (k0 and k1 have one date; k0's id sorts first), as a full
    // build makes it; the refill took k1 on its stale 2 June hint, and k1's own publish kept it
    expect(differences()).toEqual([]);
  });

  it('of two articles with one id in one batch, only the first by path is published, whichever came first (shared/publisher.ts publish)', async () => {
    // GIVEN b.md and a.md with the same id, in one SQS batch, b.md first
    const source = new MemoryStore();
    const { publisher, differences } = setup(TEST_CONFIG, source);
    const id = 'id: tag:baohatinh.vn,2025:mot\n';
    await source.put('articles/b.md', md('B', '2025-06-02', id), { contentType: 'text/markdown' });
    await source.put('articles/a.md', md('A', '2025-06-01', id), { contentType: 'text/markdown' });
    // WHEN one publisher takes the batch
    await publisher.publish([{ key: 'articles/b.md' }, { key: 'articles/a.md' }]);
    // THEN only a.md (first by path) is published and b.md is rejected, as `feedgen build` does
    expect(differences()).toEqual([]);
    expect(source.text('reports/b.md.json')).toContain('"field": "id"');
  });

  it('an article waiting for an id is published when the holder goes, even if its first turn fails (shared/publisher.ts publish, #releaseId)', async () => {
    // GIVEN a.md holds an id and b.md (later by path) waits for it, rejected
    const source = new MemoryStore();
    let failReadsOf: string | undefined;
    const flaky = hooked(source, {
      before: (method, key) => {
        if (method === 'get' && key === failReadsOf)
          throw Object.assign(new Error('SlowDown'), {
            name: 'SlowDown',
            $metadata: { httpStatusCode: 503 },
          });
      },
    });
    const { publisher, differences } = setup(TEST_CONFIG, flaky);
    const id = 'id: tag:baohatinh.vn,2025:cho\n';
    await source.put('articles/a.md', md('A', '2025-06-01', id), { contentType: 'text/markdown' });
    await source.put('articles/b.md', md('B', '2025-06-02', id), { contentType: 'text/markdown' });
    await publisher.publish([{ key: 'articles/a.md' }]);
    await publisher.publish([{ key: 'articles/b.md' }]);
    // WHEN a.md is deleted, and S3 fails (once past its retries) as b.md is read for its turn
    await source.delete('articles/a.md');
    failReadsOf = 'articles/b.md';
    const handler = createPublishHandler({ publisher, log: quiet });
    const event: SQSEvent = {
      Records: [
        sqsRecord('delete-a', [
          { eventName: 'ObjectRemoved:Delete', s3: { object: { key: 'articles/a.md' } } },
        ]),
      ],
    };
    const result = await handler(event);
    failReadsOf = undefined;
    // THEN b.md is published, at the latest when SQS delivers the failed message again
    if (result.batchItemFailures.length > 0) await handler(event);
    expect(differences(source)).toEqual([]);
  });

  it("a duplicate's report names the article that holds the id now, after an earlier one took it over (shared/publisher.ts #claimId)", async () => {
    // GIVEN c.md holds an id and d.md, later by path, is rejected for it
    const source = new MemoryStore();
    const { publisher, differences } = setup(TEST_CONFIG, source);
    const id = 'id: tag:baohatinh.vn,2025:chung\n';
    for (const key of ['c', 'd', 'a']) {
      // WHEN a.md, earliest by path, comes last and takes the id over
      await source.put(`articles/${key}.md`, md(key.toUpperCase(), '2025-06-01', id), {
        contentType: 'text/markdown',
      });
      await publisher.publish([{ key: `articles/${key}.md` }]);
    }
    expect(differences()).toEqual([]);
    // THEN both reports name a.md, as `feedgen build` and `feedgen rebuild` say
    const holder = (key: string) =>
      JSON.parse(source.text(`reports/${key}.md.json`) ?? '{}').problems?.[0]?.message;
    expect({ c: holder('c'), d: holder('d') }).toEqual({
      c: expect.stringContaining('already the id of articles/a.md'),
      d: expect.stringContaining('already the id of articles/a.md'),
    });
  });

  it('an article re-uploaded with a future date while its older version is still being published is held back for that date (shared/publisher.ts #reconcile)', async () => {
    // Found by reasoning about the concurrent fuzz test's interleavings: the schedule and the
    // report are plain writes, and the slower publisher's came last.
    // GIVEN publisher A publishing a live version of sap.md, which stops just before it
    // writes the schedule; meanwhile the editor re-uploads it for 2 January 2026 and
    // publisher B publishes that version from start to end
    const source = new MemoryStore();
    const later = md('Sắp', '2026-01-02T08:00:00+07:00');
    let publisherB: Publisher | undefined;
    let interleaved = false;
    const slowA = hooked(source, {
      before: async (method, key) => {
        if (method === 'get' && key === 'state/schedule.json' && !interleaved) {
          interleaved = true;
          await source.put('articles/sap.md', later, { contentType: 'text/markdown' });
          expect(await publisherB?.publish([{ key: 'articles/sap.md' }])).toEqual([
            { key: 'articles/sap.md', ok: true, status: 'scheduled' },
          ]);
        }
      },
    });
    const a = setup(TEST_CONFIG, slowA);
    publisherB = new Publisher({ source, output: a.output, config: TEST_CONFIG, now: () => NOW, log: quiet });
    await source.put('articles/sap.md', md('Sắp', '2025-06-01'), { contentType: 'text/markdown' });
    // WHEN A finishes
    const outcome = await a.publisher.publish([{ key: 'articles/sap.md' }]);
    // THEN the article is due on 2 January, and out of the feeds until then
    expect(interleaved).toBe(true);
    expect(outcome).toEqual([{ key: 'articles/sap.md', ok: true, status: 'scheduled' }]);
    expect(JSON.parse(source.text('state/schedule.json') ?? '{}')).toEqual({
      due: { 'articles/sap.md': Date.parse('2026-01-02T01:00:00Z') },
    });
    expect(a.differences(source)).toEqual([]);
  });

  it("a publisher that saw an article live before its id was taken over does not delete the duplicate's report (shared/publisher.ts #checkClaim)", async () => {
    // Found by a review of the concurrent publisher, reproduced with paused store calls.
    // GIVEN b.md live with an id, and publisher Y (a duplicate event for b.md) paused just
    // before it removes b.md's report
    const source = new MemoryStore();
    const id = 'id: tag:baohatinh.vn,2025:mot\n';
    const { publisher, output, differences } = setup(TEST_CONFIG, source);
    await source.put('articles/b.md', md('B', '2025-06-01', id), { contentType: 'text/markdown' });
    await publisher.publish([{ key: 'articles/b.md' }]);
    const { release, released, reached, paused } = pausePoint();
    const pausing = hooked(source, {
      before: async (method, key) => {
        if (method === 'head' && key === 'reports/b.md.json') {
          reached();
          await released;
        }
      },
    });
    const y = new Publisher({ source: pausing, output, config: TEST_CONFIG, now: () => NOW, log: quiet });
    const yDone = y.publish([{ key: 'articles/b.md' }]);
    await paused;
    // WHEN a.md (earlier by path) arrives with the same id and takes it over, which rejects
    // b.md and writes its report, and then Y goes on
    await source.put('articles/a.md', md('A', '2025-06-02', id), { contentType: 'text/markdown' });
    await publisher.publish([{ key: 'articles/a.md' }]);
    expect(source.text('reports/b.md.json')).toContain('"field": "id"');
    release();
    // THEN Y sees the claim changed and goes round again: b.md is rejected, its report stays
    expect(await yDone).toEqual([{ key: 'articles/b.md', ok: true, status: 'rejected' }]);
    expect(source.text('reports/b.md.json')).toContain('is already the id of articles/a.md');
    expect(differences()).toEqual([]);
  });

  it('a month hint left by a publisher of an old version that then failed costs a read in a refill, never a wrong item (shared/publisher.ts #backfill)', async () => {
    // Found by a review of the concurrent publisher, reproduced with paused store calls.
    // GIVEN a window of 2 (a 10 June, b 9 June) over k (5 June) and c (15 May)
    const source = new MemoryStore();
    const config = { ...TEST_CONFIG, itemsPerFeed: 2 };
    const { publisher, output, differences } = setup(config, source);
    const put = (key: string, date: string) =>
      source.put(`articles/${key}.md`, md(key.toUpperCase(), date), { contentType: 'text/markdown' });
    for (const [key, date] of [
      ['a', '2025-06-10'],
      ['b', '2025-06-09'],
      ['c', '2025-05-15'],
      ['k', '2025-06-05'],
    ] as const) {
      await put(key, date);
      await publisher.publish([{ key: `articles/${key}.md` }]);
    }
    // WHEN publisher A, with k's June version, pauses before it writes k's June hint; k is
    // re-dated to April and published by another publisher; then A writes its hint and dies
    const { release, released, reached, paused } = pausePoint();
    let hinted = false;
    let dead = false;
    const dying = hooked(source, {
      before: async (method, key) => {
        if (dead) throw new Error('simulated crash');
        if (method === 'get' && key === 'state/months/_site/2025-06.json' && !hinted) {
          hinted = true;
          reached();
          await released;
        }
      },
      // It dies right after writing the hint, before it can see the article changed.
      after: (method, key) => {
        if (method === 'put' && key === 'state/months/_site/2025-06.json') dead = true;
      },
    });
    const a = new Publisher({ source: dying, output, config, now: () => NOW, log: quiet });
    const aDone = a.publish([{ key: 'articles/k.md' }]);
    await paused;
    await put('k', '2025-04-10');
    await publisher.publish([{ key: 'articles/k.md' }]);
    release();
    expect((await aDone)[0]?.ok).toBe(false);
    const june = () => JSON.parse(source.text('state/months/_site/2025-06.json') ?? '{}').members ?? {};
    expect(Object.keys(june())).toContain('articles/k.md');
    // and a leaves the window, so it is refilled from the partitions
    await source.delete('articles/a.md');
    await publisher.publish([{ key: 'articles/a.md' }]);
    // THEN the window is b, c, as a full build makes it: the refill read k, found it in
    // April, and went on to c (the stale entry stays; taking it out is not safe against
    // the same bytes being uploaded again meanwhile)
    expect(differences()).toEqual([]);
    expect(Object.keys(june()).sort()).toEqual(['articles/b.md', 'articles/k.md']);
  });

  it('a publisher emptying a category does not leave it without the files a newer article gave it (shared/publisher.ts #applyFiles, overtaken)', async () => {
    // Found by a review of the concurrent publisher, reproduced with paused store calls.
    // GIVEN x.md alone in Thời sự, deleted, and publisher A about to delete the category's
    // feeds (S3 has no conditional delete)
    const source = new MemoryStore();
    const { publisher, output, differences } = setup(TEST_CONFIG, source);
    await source.put('articles/x.md', md('X', '2025-05-10'), { contentType: 'text/markdown' });
    await publisher.publish([{ key: 'articles/x.md' }]);
    await source.delete('articles/x.md');
    const { release, released, reached, paused } = pausePoint();
    let waited = false;
    const pausing = hooked(output, {
      before: async (method, key) => {
        if (method === 'delete' && !waited && key.startsWith('feeds/thoi-su/')) {
          waited = true;
          reached();
          await released;
        }
      },
    });
    const a = new Publisher({ source, output: pausing, config: TEST_CONFIG, now: () => NOW, log: quiet });
    const aDone = a.publish([{ key: 'articles/x.md' }]);
    await paused;
    // WHEN y.md is published into Thời sự from start to end, and then A deletes
    await source.put('articles/y.md', md('Y', '2025-06-10'), { contentType: 'text/markdown' });
    await publisher.publish([{ key: 'articles/y.md' }]);
    release();
    expect(await aDone).toEqual([{ key: 'articles/x.md', ok: true, status: 'deleted' }]);
    // THEN A, seeing a newer state, writes its files back: the category's feeds show y.md
    expect(output.text('feeds/thoi-su/rss.xml')).toContain('<title>Y</title>');
    expect(differences()).toEqual([]);
  });

  it("npm start's CDN never serves half a feed while the publisher writes it (local/stack.ts, local/cdn.ts)", async () => {
    // GIVEN the local stack as `npm start` runs it, with big feeds (100 long items)
    const data = mkdtempSync(path.join(tmpdir(), 'feedgen-torn-'));
    const stack = await startLocalStack({
      config: { ...TEST_CONFIG, itemsPerFeed: 100 },
      dataDirectory: data,
      s3Port: 0,
      cdnPort: 0,
      accessKeyId: 'feedgen',
      secretAccessKey: 'feedgen',
      log: quiet,
      batchWindowMs: 10,
    });
    // AND readers fetching the site feeds over the CDN all the while
    const reading = startReaders({
      baseUrl: stack.cdn.url,
      paths: () => ['feeds/rss.xml', 'feeds/atom.xml', 'feeds/feed.json', 'feeds/thoi-su/rss.xml'],
      random: seededRandom(4),
      readers: 3,
      pauseMs: 2,
    });
    try {
      // WHEN articles are published one after another
      for (let i = 0; i < 10; i++) {
        await stack.client.send(
          new PutObjectCommand({
            Bucket: SOURCE_BUCKET,
            Key: `articles/bai-${i}.md`,
            Body:
              md(`Bài ${i}`, `2025-06-${String((i % 28) + 1).padStart(2, '0')}`, '') +
              'Đoạn văn dài. '.repeat(400),
          }),
        );
        await stack.queue.idle();
      }
    } finally {
      const report = await reading.stop();
      await stack.stop();
      rmSync(data, { recursive: true, force: true });
      // THEN every document a reader got was whole (CloudFront never serves half an S3 object)
      expect(report.failures).toEqual([]);
      expect(report.valid).toBeGreaterThan(20);
    }
  }, 60_000);
});
