// Requirement: the writer can die at any step of a batch (every storage call, before the
// request or after it took effect with the answer lost) and the batch's redelivery leaves
// the feeds equal to a from-scratch build and the state equal to a rebuild's; a reader
// never sees a partial or invalid document, before or after the redelivery.
//
// Kill points are storage calls counted deterministically (helpers/dying-store.ts), not
// timers: the same test kills at the same step on an idle or a busy machine.
import { startLocalCdn } from '../../local/cdn';
import { enforceConditionalWrites } from '../../local/conditional-writes';
import { MemoryStore } from '../../shared/adapters/memory-store';
import { S3Store } from '../../shared/adapters/s3-store';
import { type Batch, Committer, GARBAGE_GRACE_MS } from '../../shared/publishing/committer';
import type { ObjectStore } from '../../shared/publishing/ports';
import { markdownFile, TEST_CONFIG } from '../helpers/articles';
import { startS3 } from '../helpers/s3rver';
import { buildOf, differences, siteAndStateDifferences } from '../helpers/site-compare';
import { decodedText } from '../helpers/stored-site';
import { countingPlan, dyingStore, Killed, type KillPlan, killPlan } from './helpers/dying-store';
import { seededRandom } from './helpers/random';
import { sitePaths, startReaders } from './helpers/reader';
import { checkDocument } from './helpers/site-check';

const BASE = Date.parse('2026-01-01T00:00:00Z');
// Small windows, so a delete refills from the tail.
const CONFIG = { ...TEST_CONFIG, itemsPerFeed: 3 };
const silent = { info: () => {}, warn: () => {}, error: () => {} };

function article(slug: string, fields: Record<string, unknown> = {}): Buffer {
  return markdownFile(
    { title: `Bài ${slug}`, date: '2025-12-01T08:00:00+07:00', category: 'Thời sự', slug, ...fields },
    `Nội dung ${slug}.`,
  );
}

function committer(source: ObjectStore, output: ObjectStore, now: number): Committer {
  return new Committer({
    source,
    output,
    config: CONFIG,
    clock: () => now,
    log: silent,
    sleep: async () => {},
  });
}

/**
 * A site of 12 articles in three categories, one held back until BASE + 1 h, then a batch
 * (an hour later, with the minute's tick) that touches every part of the state: a new
 * article, a move between categories, a delete that refills a window and one that empties a
 * category, a second article with a taken id, a rejected upload, the held-back article
 * coming due, and the clean-up of superseded state.
 */
async function scenario(): Promise<{ source: MemoryStore; output: MemoryStore; batch: Batch; now: number }> {
  const source = new MemoryStore();
  const output = new MemoryStore();
  const put = (key: string, body: Buffer) =>
    source.put(`articles/${key}.md`, body, { contentType: 'text/markdown' });
  const categories = ['Thời sự', 'Kinh tế', 'Văn hóa'];
  for (let i = 0; i < 12; i++)
    await put(
      `bai-${i}`,
      article(`bai-${i}`, {
        category: categories[i % 3],
        date: `2025-12-${String(i + 1).padStart(2, '0')}T08:00:00+07:00`,
      }),
    );
  await put('mot-minh', article('mot-minh', { category: 'Thể thao' }));
  await put('hen-gio', article('hen-gio', { date: new Date(BASE + 3_600_000).toISOString() }));
  const keys = [...source.objects.keys()].filter((key) => key.startsWith('articles/'));
  await committer(source, output, BASE).apply({ changes: keys.map((key) => ({ key })) });
  await put('moi', article('moi', { date: '2025-12-20T08:00:00+07:00' }));
  await put('bai-4', article('bai-4', { category: 'Văn hóa', date: '2025-12-05T08:00:00+07:00' }));
  await source.delete('articles/bai-11.md');
  await source.delete('articles/mot-minh.md');
  await put('trung-id', article('trung-id', { id: 'https://baohatinh.vn/thoi-su/bai-0.html' }));
  await source.put(
    'articles/hong.md',
    Buffer.from('---\ntitle: Hỏng\ndate: 31/02/2025\ncategory: X\n---\n'),
    { contentType: 'text/markdown' },
  );
  const batch: Batch = {
    changes: ['moi', 'bai-4', 'bai-11', 'mot-minh', 'trung-id', 'hong'].map((slug) => ({
      key: `articles/${slug}.md`,
    })),
    tick: true,
  };
  return { source, output, batch, now: BASE + GARBAGE_GRACE_MS + 3_600_000 };
}

async function clone(store: MemoryStore): Promise<MemoryStore> {
  const copy = new MemoryStore();
  for (const [key, entry] of store.objects) copy.objects.set(key, { ...entry });
  return copy;
}

/** Every published document parses whole and strictly, as a reader would take it. */
function unreadable(output: MemoryStore): string[] {
  const problems: string[] = [];
  for (const [key, entry] of output.objects) {
    try {
      checkDocument(key, decodedText(key, entry.body));
    } catch (error) {
      problems.push(`${key}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return problems;
}

describe('a writer killed at every step of a batch', () => {
  let steps: number;
  let base: Awaited<ReturnType<typeof scenario>>;

  beforeAll(async () => {
    base = await scenario();
    const plan = countingPlan();
    const source = await clone(base.source);
    const output = await clone(base.output);
    await committer(dyingStore(source, plan), dyingStore(output, plan), base.now).apply(base.batch);
    steps = plan.calls;
    expect(await siteAndStateDifferences(source, output, CONFIG, base.now)).toEqual([]);
  });

  it('has a step for every part of the state (the scenario reaches them all)', () => {
    expect(steps).toBeGreaterThan(30);
  });

  for (const afterEffect of [false, true]) {
    it(`loses nothing when it dies ${afterEffect ? 'after' : 'before'} a request takes effect, at any step, once the batch is delivered again`, async () => {
      const failures: string[] = [];
      for (let at = 0; at < steps; at++) {
        const source = await clone(base.source);
        const output = await clone(base.output);
        const plan: KillPlan = killPlan(at, afterEffect);
        // WHEN the writer dies at this step
        await expect(
          committer(dyingStore(source, plan), dyingStore(output, plan), base.now).apply(base.batch),
        ).rejects.toBeInstanceOf(Killed);
        // THEN readers meanwhile get whole documents (old or new)
        const partial = unreadable(output);
        // AND a new writer (SQS delivers the batch again) finishes the work
        await committer(source, output, base.now).apply(base.batch);
        const wrong = [...partial, ...(await siteAndStateDifferences(source, output, CONFIG, base.now))];
        if (wrong.length > 0) failures.push(`killed at ${plan.log.at(-1)} (step ${at}): ${wrong.join('; ')}`);
      }
      expect(failures).toEqual([]);
    }, 120_000);
  }

  it('a death after the commit is finished by the next batch of any other article, without a redelivery', async () => {
    for (let at = 0; at < steps; at++) {
      const source = await clone(base.source);
      const output = await clone(base.output);
      const plan = killPlan(at, true);
      await committer(dyingStore(source, plan), dyingStore(output, plan), base.now)
        .apply(base.batch)
        .catch(() => {});
      if (
        !plan.log.slice(0, at).includes('PUT state/manifest.json') &&
        plan.log[at] !== 'PUT state/manifest.json'
      )
        continue;
      // The redelivery is lost; an unrelated upload's batch runs instead, then the minute's tick.
      await source.put('articles/khac.md', article('khac'), { contentType: 'text/markdown' });
      await committer(source, output, base.now).apply({ changes: [{ key: 'articles/khac.md' }] });
      await committer(source, output, base.now).apply({ changes: [], tick: true });
      expect(await siteAndStateDifferences(source, output, CONFIG, base.now)).toEqual([]);
    }
  }, 120_000);
});

describe('a writer killed at every step, over a real S3 API, with readers polling the CDN', () => {
  it('no reader ever gets a partial or invalid document, and each redelivery repairs the site', async () => {
    const s3 = await startS3({ buckets: ['src', 'out'] });
    // As npm start does: s3rver made to honour conditional writes and whole-object reads.
    const client = enforceConditionalWrites(s3.client);
    const cdn = await startLocalCdn({ client, bucket: 'out', host: '127.0.0.1', port: 0 });
    const source = new S3Store(client, 'src');
    const output = new S3Store(client, 'out');
    const memory = { source: new MemoryStore(), output: new MemoryStore() };
    try {
      // GIVEN the scenario's site on s3rver
      const { source: seeded, now } = await scenario();
      const keys: string[] = [];
      for (const [key, entry] of seeded.objects) {
        if (!key.startsWith('articles/')) continue;
        keys.push(key);
        await source.put(key, entry.body, { contentType: entry.contentType });
        await memory.source.put(key, entry.body, { contentType: entry.contentType });
      }
      await committer(source, output, now).apply({ changes: keys.map((key) => ({ key })) });
      // A batch of this shape (two articles changed, the tick) has this many steps.
      const change = async (round: number): Promise<Batch> => {
        for (const [slug, category] of [
          ['bai-1', 'Kinh tế'],
          ['bai-2', round % 2 ? 'Văn hóa' : 'Thời sự'],
        ] as const) {
          const body = article(slug, { category, title: `Bài ${slug}, lần ${round}` });
          await source.put(`articles/${slug}.md`, body, { contentType: 'text/markdown' });
          await memory.source.put(`articles/${slug}.md`, body, { contentType: 'text/markdown' });
        }
        return { changes: [{ key: 'articles/bai-1.md' }, { key: 'articles/bai-2.md' }], tick: true };
      };
      const counting = countingPlan();
      await committer(dyingStore(source, counting), dyingStore(output, counting), now).apply(await change(0));
      const steps = counting.calls;
      const readers = startReaders({
        baseUrl: cdn.url.replace(/\/$/, ''),
        // As readers ask for them: the CDN picks the stored gzip copy by Accept-Encoding.
        paths: () =>
          sitePaths(['thoi-su', 'kinh-te', 'van-hoa', 'the-thao']).filter((p) => !/\.(gz|br)$/.test(p)),
        random: seededRandom(7),
        readers: 2,
      });
      // WHEN the writer dies at each step of such a batch, after or before the request, and
      // each batch is delivered again
      for (let at = 0; at < steps; at++) {
        const batch = await change(at + 1);
        const plan = killPlan(at, at % 2 === 1);
        await expect(
          committer(dyingStore(source, plan), dyingStore(output, plan), now).apply(batch),
        ).rejects.toBeInstanceOf(Killed);
        await committer(source, output, now).apply(batch);
      }
      const report = await readers.stop();
      // THEN no reader got a partial document, and the site is what a build makes
      expect(report.failures).toEqual([]);
      expect(report.valid).toBeGreaterThan(0);
      for await (const object of output.list('feeds/')) {
        const found = await output.get(object.key);
        if (found && typeof found === 'object')
          await memory.output.put(object.key, found.body, { contentType: 'x' });
      }
      expect(differences(buildOf(memory.source, CONFIG, now), memory.output)).toEqual([]);
    } finally {
      await cdn.close();
      client.destroy();
      await s3.stop();
    }
  }, 180_000);
});
