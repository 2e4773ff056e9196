// Regressions a read-only review of the committer found, each reproduced first: a stale
// event size, a dead rebuild's lease, a category named like an Object member, objects of a
// failed attempt, an article from before 1970, a delete racing a newer writer, dot-files.
import { MemoryStore } from '../../shared/adapters/memory-store';
import { Committer } from '../../shared/publishing/committer';
import { MANIFEST_KEY } from '../../shared/publishing/layout';
import type { ObjectStore } from '../../shared/publishing/ports';
import { markdownFile, TEST_CONFIG } from '../helpers/articles';
import { interceptStore } from '../helpers/intercept-store';
import { buildOf, differences, manifestOf, siteAndStateDifferences } from '../helpers/site-compare';

const silent = { info: () => {}, warn: () => {}, error: () => {} };

function setup(config = TEST_CONFIG) {
  const source = new MemoryStore();
  const output = new MemoryStore();
  const clock = { now: Date.UTC(2026, 0, 1) };
  const writer = (store: ObjectStore = source, out: ObjectStore = output) =>
    new Committer({
      source: store,
      output: out,
      config,
      clock: () => clock.now,
      log: silent,
      sleep: async () => {},
    });
  const put = (slug: string, fields: Record<string, unknown>, body = 'Nội dung.') =>
    source.put(`articles/${slug}.md`, markdownFile({ title: slug, ...fields }, body), {
      contentType: 'text/markdown',
    });
  const keys = (...slugs: string[]) => ({ changes: slugs.map((slug) => ({ key: `articles/${slug}.md` })) });
  const same = () => siteAndStateDifferences(source, output, config, clock.now);
  return { source, output, clock, writer, put, keys, same, config };
}

it('an event whose size is out of date does not reject the smaller version the bucket now holds', async () => {
  const s = setup({ ...TEST_CONFIG, maxArticleBytes: 2000 });
  await s.put('a', { date: '2025-06-01', category: 'X' }, 'x'.repeat(5000));
  const bigSize = s.source.objects.get('articles/a.md')?.body.byteLength;
  await s.put('a', { date: '2025-06-01', category: 'X' }, 'nhỏ');
  const result = await s.writer().apply({ changes: [{ key: 'articles/a.md', size: bigSize }] });
  expect(result.outcomes.map((o) => o.status)).toEqual(['published']);
  expect(await s.same()).toEqual([]);
});

it('a rebuild that died holding the lease is waited out by the clock, not for ever', async () => {
  const s = setup();
  await s.put('a', { date: '2025-06-01', category: 'X' });
  await s.writer().apply(s.keys('a'));
  let manifestPuts = 0;
  const dying = interceptStore(s.source, async (label, call) => {
    if (label === `PUT ${MANIFEST_KEY}` && ++manifestPuts >= 2) throw new Error('killed (Lambda timeout)');
    return call();
  });
  await expect(s.writer(dying).apply({ changes: [], rebuild: true })).rejects.toThrow('killed');
  expect(manifestOf(s.source).lease).toBeDefined();
  await s.put('b', { date: '2025-06-02', category: 'X' });
  // within the rebuild's lease the batch goes back to the queue; after it, it is published
  await expect(s.writer().apply(s.keys('b'))).rejects.toThrow(/held the site/);
  s.clock.now += 16 * 60_000;
  expect((await s.writer().apply(s.keys('b'))).outcomes.map((o) => o.status)).toEqual(['published']);
  expect(manifestOf(s.source).lease).toBeUndefined();
  expect(await s.same()).toEqual([]);
});

it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty'])(
  'a category called %s is a category like any other',
  async (name) => {
    const s = setup();
    await s.put('a', { date: '2025-06-01', category: name });
    expect((await s.writer().apply(s.keys('a'))).attempts).toBe(1);
    expect(await s.same()).toEqual([]);
  },
);

it('what a failed attempt wrote is collected by a later tick', async () => {
  const s = setup({ ...TEST_CONFIG, itemsPerFeed: 1 });
  await s.put('c1', { date: '2025-06-10', category: 'C' });
  await s.put('s1', { date: '2025-06-05', category: 'S' });
  await s.writer().apply(s.keys('c1', 's1'));
  // s1 changes (its event still on the way), then a batch deletes c1 (the site feed refills
  // with s1: the attempt finds it changed and starts over) and adds d in a new category
  await s.put('s1', { date: '2025-06-05', category: 'S' }, 'sửa');
  await s.source.delete('articles/c1.md');
  await s.put('d', { date: '2025-05-01', category: 'D' });
  const writer = s.writer();
  expect((await writer.apply(s.keys('c1', 'd'))).attempts).toBe(2);
  await writer.apply(s.keys('s1'));
  for (let i = 0; i < 3; i++) {
    s.clock.now += 10 * 60_000;
    await writer.apply({ changes: [], tick: true });
  }
  const manifest = manifestOf(s.source);
  const known = new Set([
    ...manifest.shards.flatMap((pointer) => pointer ?? []),
    ...Object.values(manifest.feeds).map((entry) => entry.index),
    ...manifest.garbage.map((entry) => entry.key),
  ]);
  expect(
    [...s.source.objects.keys()].filter((key) => key.startsWith('state/objects/') && !known.has(key)),
  ).toEqual([]);
  expect(await s.same()).toEqual([]);
});

it('a feed whose newest article is from before 1970 shows that article’s time, as a build does', async () => {
  const s = setup();
  await s.put('lich-su', { date: '1965-05-19', category: 'Lịch sử' });
  await s.writer().apply(s.keys('lich-su'));
  expect(s.output.text('feeds/rss.xml')).toContain(
    '<lastBuildDate>Tue, 18 May 1965 16:00:00 GMT</lastBuildDate>',
  );
  expect(await s.same()).toEqual([]);
});

it('an older writer emptying a category does not leave a newer writer’s files of it deleted', async () => {
  const s = setup();
  await s.put('a', { date: '2025-06-01', category: 'A' });
  await s.put('c', { date: '2025-06-02', category: 'C' });
  await s.writer().apply(s.keys('a', 'c'));
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached = (): void => {};
  const atDelete = new Promise<void>((resolve) => {
    reached = resolve;
  });
  let first = true;
  const slowOutput = interceptStore(s.output, async (label, call) => {
    if (first && label.startsWith('DELETE feeds/c/')) {
      first = false;
      reached();
      await gate;
    }
    return call();
  });
  // writer A empties C and is held just before its first delete
  await s.source.delete('articles/c.md');
  const a = s.writer(s.source, slowOutput).apply(s.keys('c'));
  await atDelete;
  // writer B puts C back and writes its files
  await s.put('c', { date: '2025-06-02', category: 'C' }, 'trở lại');
  await s.writer().apply(s.keys('c'));
  release();
  await a;
  expect(differences(buildOf(s.source, s.config, s.clock.now), s.output)).toEqual([]);
});

it('dot-files and node_modules under articles/ are not articles, as feedgen build skips them', async () => {
  const s = setup();
  await s.put('a', { date: '2025-06-01', category: 'X' });
  for (const key of [
    'articles/.an.md',
    'articles/._a.md',
    'articles/.git/b.md',
    'articles/node_modules/c.md',
  ])
    await s.source.put(key, markdownFile({ title: 'x', date: '2025-06-02', category: 'X' }), {
      contentType: 'text/markdown',
    });
  const result = await s.writer().apply({
    changes: [
      'articles/a.md',
      'articles/.an.md',
      'articles/._a.md',
      'articles/.git/b.md',
      'articles/node_modules/c.md',
    ].map((key) => ({ key })),
  });
  expect(result.outcomes.map((o) => o.status)).toEqual([
    'published',
    'ignored',
    'ignored',
    'ignored',
    'ignored',
  ]);
  expect([...s.source.objects.keys()].filter((key) => key.startsWith('reports/'))).toEqual([]);
  await s.writer().apply({ changes: [], rebuild: true });
  expect(differences(buildOf(s.source, s.config, s.clock.now), s.output)).toEqual([]);
});
