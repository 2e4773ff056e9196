import { GARBAGE_GRACE_MS } from '../../shared/publishing/committer';
import { OBJECTS_PREFIX } from '../../shared/publishing/layout';
import type { Manifest } from '../../shared/publishing/state';
import { md, NOW, type Site, site, uploadExamples } from './fixtures';

// `feedgen rebuild`: the committer builds the whole state again from the articles
// (`apply({ changes: [], rebuild: true })`) and brings feeds/ and reports/ to it. The
// command itself is tested in cli.test.ts.

const rebuild = (s: Site) => s.fresh().apply({ changes: [], rebuild: true });

/** What a manifest says of the site, without object names, times or garbage. */
function summary(manifest: Manifest) {
  return {
    feeds: Object.fromEntries(
      Object.entries(manifest.feeds).map(([feed, entry]) => [feed, { name: entry.name, count: entry.count }]),
    ),
    schedule: manifest.schedule,
    reports: Object.keys(manifest.reports).sort(),
    files: manifest.files,
  };
}

/** The examples, a rejected, a draft and a scheduled article, and one rejected for a future `updated`. */
async function putMixedArticles(s: Site): Promise<void> {
  await s.put('articles/hong.md', md({ title: 'Hỏng', date: '31/02/2025', category: 'Thời sự' }));
  await s.put('articles/nhap.md', md({ title: 'Nháp', date: '2025-06-01', category: 'Nháp', draft: true }));
  await s.put('articles/sap-toi.md', md({ title: 'Sắp tới', date: '2026-03-01', category: 'Thời sự' }));
  await s.put(
    'articles/sua.md',
    md({ title: 'Sửa', date: '2025-06-01', updated: '2099-01-01', category: 'Thời sự' }),
  );
}

describe('a rebuild', () => {
  it('builds every feed and the state from the articles, and removes what is stale', async () => {
    // GIVEN articles of every kind, and leftovers of deleted articles and a vanished category
    const s = site();
    await uploadExamples(s);
    await putMixedArticles(s);
    await s.source.put('reports/da-xoa.md.json', '{}', { contentType: 'application/json' });
    await s.output.put('feeds/chuyen-muc-cu/rss.xml', '<rss/>', { contentType: 'application/rss+xml' });
    await s.output.put('feeds/chuyen-muc-cu/atom.xml.gz', 'x', { contentType: 'application/atom+xml' });
    await s.output.put('feeds/robots.txt', 'User-agent: *', { contentType: 'text/plain' });
    // WHEN
    const progress: number[] = [];
    const result = await s.fresh().apply({ changes: [], rebuild: true }, (read, total) => {
      progress.push(read);
      expect(total).toBe(13);
    });
    // THEN every article is accounted for, and the feeds equal a build
    const statuses = result.outcomes.map((outcome) => outcome.status);
    expect(statuses.filter((status) => status === 'published')).toHaveLength(9);
    expect(statuses.filter((status) => status !== 'published').sort()).toEqual([
      'draft',
      'rejected',
      'rejected',
      'scheduled',
    ]);
    expect(progress.at(-1)).toBe(13);
    expect(result.filesDeleted).toBe(2);
    expect(s.output.text('feeds/robots.txt')).toBe('User-agent: *');
    await s.output.delete('feeds/robots.txt');
    s.expectSameAsBuild();
    // AND the reports are those of the rejected articles, the schedule their due times
    expect([...s.source.objects.keys()].filter((key) => key.startsWith('reports/'))).toEqual([
      'reports/hong.md.json',
      'reports/sua.md.json',
    ]);
    expect(JSON.parse(s.source.text('reports/hong.md.json') ?? '{}').problems[0].field).toBe('date');
    expect(s.manifest().schedule).toEqual({
      'articles/sap-toi.md': Date.parse('2026-02-28T17:00:00Z'),
      'articles/sua.md': Date.parse('2098-12-31T17:00:00Z'),
    });
  });

  it('after incremental publishing gives the same files and the same feeds, schedule and reports', async () => {
    // GIVEN a site published upload by upload, with deletes and moves on the way
    const s = site();
    await uploadExamples(s);
    await putMixedArticles(s);
    for (const key of ['hong', 'nhap', 'sap-toi', 'sua'])
      await s.apply({ changes: [{ key: `articles/${key}.md` }] });
    await s.remove('articles/ha-tinh-in-dau-chan-nguoi.md');
    await s.upload(
      'articles/bi-thu-34-tinh-uy-thanh-uy.md',
      md({ title: 'Bí thư', date: '30/6/2025', category: 'Kinh tế' }),
    );
    const before = summary(s.manifest());
    const files = new Map([...s.output.objects].map(([key, entry]) => [key, entry.etag]));
    // WHEN it is rebuilt
    const result = await rebuild(s);
    // THEN nothing is written again: same bytes, same state
    expect(result.filesWritten).toBe(0);
    expect(result.filesDeleted).toBe(0);
    expect(new Map([...s.output.objects].map(([key, entry]) => [key, entry.etag]))).toEqual(files);
    expect(summary(s.manifest())).toEqual(before);
    s.expectSameAsBuild();
  });

  it('leaves state the committer carries on from, id claims included', async () => {
    // GIVEN two articles with one id, rebuilt
    const s = site();
    const withId = (title: string) =>
      md({ title, date: '2025-06-30', category: 'Thời sự', id: 'tag:baohatinh.vn,2025:mot' });
    await s.put('articles/a.md', withId('A'));
    await s.put('articles/b.md', withId('B'));
    await rebuild(s);
    expect(JSON.parse(s.source.text('reports/b.md.json') ?? '{}').problems[0]).toMatchObject({ field: 'id' });
    s.expectSameAsBuild();
    // WHEN a third claims the id, and the owner goes
    expect(await s.upload('articles/c.md', withId('C'))).toEqual([
      { key: 'articles/c.md', status: 'duplicate', feeds: [] },
    ]);
    await s.remove('articles/a.md');
    // THEN the first of the rest by path has it
    expect(s.source.text('reports/b.md.json')).toBeUndefined();
    expect(s.source.text('reports/c.md.json')).toContain('already the id of articles/b.md');
    s.expectSameAsBuild();
  });

  it('repairs a site whose state objects were lost', async () => {
    const s = site();
    await uploadExamples(s);
    for (const key of [...s.source.objects.keys()])
      if (key.startsWith(OBJECTS_PREFIX)) await s.source.delete(key);
    await s.output.delete('feeds/thoi-su/rss.xml');
    await rebuild(s);
    s.expectSameAsBuild();
    // and publishing carries on
    await s.upload('articles/moi.md', md({ title: 'Mới', date: '2025-07-05', category: 'Thời sự' }));
    s.expectSameAsBuild();
  });

  it('lets a tick past the grace period delete the directory shards it replaced', async () => {
    // GIVEN a published site, rebuilt
    const s = site();
    await uploadExamples(s);
    const oldShards = s.manifest().shards.filter((pointer): pointer is string => pointer !== null);
    await rebuild(s);
    // WHEN the tick comes after the grace period
    s.setNow(NOW + GARBAGE_GRACE_MS + 1);
    await s.apply({ changes: [], tick: true });
    // THEN the shards of the state before the rebuild are gone, and the site is whole
    expect(oldShards.filter((key) => s.source.objects.has(key))).toEqual([]);
    expect(s.manifest().garbage).toEqual([]);
    s.expectSameAsBuild();
  });
});
