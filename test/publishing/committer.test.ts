import { MemoryStore } from '../../shared/adapters/memory-store';
import { Committer } from '../../shared/publishing/committer';
import { MANIFEST_KEY } from '../../shared/publishing/layout';
import type { Manifest } from '../../shared/publishing/state';
import { markdownFile, TEST_CONFIG } from '../helpers/articles';
import { buildOf, differences } from '../helpers/site-compare';

const NOW = Date.UTC(2025, 6, 1, 12);
const silent = { info: () => {}, warn: () => {}, error: () => {} };

function site(config = TEST_CONFIG) {
  const source = new MemoryStore();
  const output = new MemoryStore();
  let now = NOW;
  const committer = new Committer({
    source,
    output,
    config,
    clock: () => now,
    log: silent,
    sleep: async () => {},
  });
  const upload = (slug: string, fields: Record<string, unknown> = {}, body = 'Nội dung.') =>
    source.put(
      `articles/${slug}.md`,
      markdownFile(
        { title: `Bài ${slug}`, date: '2025-06-30T08:00:00+07:00', category: 'Thời sự', slug, ...fields },
        body,
      ),
      { contentType: 'text/markdown' },
    );
  const publish = (...keys: string[]) =>
    committer.apply({ changes: keys.map((key) => ({ key: `articles/${key}.md` })) });
  const expectSameAsBuild = () => expect(differences(buildOf(source, config, now), output)).toEqual([]);
  const manifest = () => JSON.parse(source.text(MANIFEST_KEY) ?? '{}') as Manifest;
  return {
    source,
    output,
    committer,
    upload,
    publish,
    expectSameAsBuild,
    manifest,
    setNow: (t: number) => (now = t),
  };
}

describe('Committer', () => {
  it('publishes an upload into the site feed and its category, as feedgen build would', async () => {
    // GIVEN an article in the bucket
    const s = site();
    await s.upload('bai-1');
    // WHEN its event is applied
    const result = await s.publish('bai-1');
    // THEN the feeds equal a from-scratch build
    expect(result.outcomes).toEqual([
      { key: 'articles/bai-1.md', status: 'published', feeds: ['_site', 'thoi-su'] },
    ]);
    s.expectSameAsBuild();
  });

  it('coalesces a batch: one commit and one write per changed file', async () => {
    const s = site();
    for (let i = 0; i < 30; i++)
      await s.upload(`bai-${i}`, {
        category: ['Thời sự', 'Kinh tế', 'Văn hóa'][i % 3],
        date: `2025-06-${10 + (i % 20)}T08:00:00+07:00`,
      });
    s.source.calls.length = 0;
    const result = await s.publish(...Array.from({ length: 30 }, (_, i) => `bai-${i}`));
    expect(result.committed).toBe(true);
    expect(s.source.calls.filter((call) => call === `PUT ${MANIFEST_KEY}`)).toHaveLength(1);
    const puts = s.output.calls.filter((call) => call.startsWith('PUT '));
    expect(new Set(puts).size).toBe(puts.length);
    s.expectSameAsBuild();
  });

  it('takes an article out of every feed it left: deleted, moved, made a draft', async () => {
    const s = site();
    await s.upload('a', { category: 'Kinh tế' });
    await s.upload('b');
    await s.upload('c');
    await s.publish('a', 'b', 'c');
    await s.source.delete('articles/a.md');
    await s.upload('b', { category: 'Văn hóa' });
    await s.upload('c', { draft: true });
    const result = await s.publish('a', 'b', 'c');
    expect(result.outcomes.map((o) => o.status)).toEqual(['deleted', 'published', 'draft']);
    s.expectSameAsBuild();
    expect(Object.keys(s.manifest().feeds).sort()).toEqual(['_site', 'van-hoa']);
  });

  it('refills a full window from the tail, and from a scan of the directory past it', async () => {
    const config = { ...TEST_CONFIG, itemsPerFeed: 3 };
    const s = site(config);
    const keys = Array.from({ length: 25 }, (_, i) => `bai-${String(i).padStart(2, '0')}`);
    for (const [i, key] of keys.entries())
      await s.upload(key, { date: `2025-06-${String(1 + i).padStart(2, '0')}T08:00:00+07:00` });
    await s.publish(...keys);
    // 25 members: window 3 + tail 12; 10 are below the tail's horizon.
    for (const key of keys.slice(8).reverse()) {
      await s.source.delete(`articles/${key}.md`);
      await s.publish(key);
      s.expectSameAsBuild();
    }
  });

  it('a duplicate id waits for its owner and takes the id when the owner goes', async () => {
    const s = site();
    await s.upload('a', { id: 'tag:baohatinh.vn,2025:x' });
    await s.upload('b', { id: 'tag:baohatinh.vn,2025:x', title: 'Bài sau' });
    await s.publish('b');
    await s.publish('a');
    s.expectSameAsBuild();
    expect(s.source.text('reports/b.md.json')).toContain('is already the id of articles/a.md');
    await s.source.delete('articles/a.md');
    await s.publish('a');
    s.expectSameAsBuild();
    expect(s.source.objects.has('reports/b.md.json')).toBe(false);
  });

  it('reports a rejected article by file, field and line, and deletes the report once it is fixed', async () => {
    const s = site();
    await s.source.put(
      'articles/hong.md',
      Buffer.from('---\ntitle: Hỏng\ndate: 31/02/2025 8:00\ncategory: X\n---\n'),
      {
        contentType: 'text/markdown',
      },
    );
    await s.publish('hong');
    const report = JSON.parse(s.source.text('reports/hong.md.json') ?? '{}');
    expect(report.article).toBe('articles/hong.md');
    expect(report.problems[0].field).toBe('date');
    expect(report.problems[0].text).toMatch(/31\/02\/2025/);
    s.expectSameAsBuild();
    await s.upload('hong');
    await s.publish('hong');
    expect(s.source.objects.has('reports/hong.md.json')).toBe(false);
    s.expectSameAsBuild();
  });

  it('holds a future article back and publishes it with the first batch after its time', async () => {
    const s = site();
    await s.upload('sau', { date: '2025-07-02T08:00:00+07:00' });
    await s.publish('sau');
    expect(s.manifest().schedule).toEqual({ 'articles/sau.md': Date.parse('2025-07-02T08:00:00+07:00') });
    s.expectSameAsBuild();
    s.setNow(Date.parse('2025-07-02T08:00:00+07:00'));
    const result = await s.committer.apply({ changes: [], tick: true });
    expect(result.outcomes).toEqual([
      { key: 'articles/sau.md', status: 'published', feeds: ['_site', 'thoi-su'] },
    ]);
    s.expectSameAsBuild();
  });

  it('a duplicate event writes nothing, and repairs files a dead writer left behind', async () => {
    const s = site();
    await s.upload('a');
    await s.publish('a');
    await s.output.delete('feeds/thoi-su/atom.xml.gz');
    await s.output.put('feeds/rss.xml', 'stale', { contentType: 'application/rss+xml; charset=utf-8' });
    s.source.calls.length = 0;
    s.output.calls.length = 0;
    const result = await s.publish('a');
    expect(result.committed).toBe(false);
    expect(s.source.calls.filter((c) => c.startsWith('PUT'))).toEqual([]);
    expect(s.output.calls.filter((c) => c.startsWith('PUT')).sort()).toEqual([
      'PUT feeds/rss.xml',
      'PUT feeds/thoi-su/atom.xml.gz',
    ]);
    s.expectSameAsBuild();
  });
});
