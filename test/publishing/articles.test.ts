import { Committer } from '../../shared/publishing/committer';
import { TEST_CONFIG } from '../helpers/articles';
import { readWithFeedParser } from '../helpers/feed-readers';
import { md, NOW, silent, site, titles, uploadExamples } from './fixtures';

// What an article's upload, overwrite or delete does to the feeds, each compared with a
// from-scratch build. The basics (one upload, a mixed batch, refills, the tick, a duplicate
// event) are in committer.test.ts.

describe('publishing articles one upload at a time', () => {
  it('gives exactly the files of a full build for the examples', async () => {
    const s = site();
    await uploadExamples(s);
    s.expectSameAsBuild();
    const party = await readWithFeedParser(s.output.text('feeds/xay-dung-dang/rss.xml') ?? '');
    expect(party.items).toHaveLength(9);
  });

  it('updates an overwritten article everywhere it is shown', async () => {
    // GIVEN the examples
    const s = site();
    await uploadExamples(s);
    // WHEN one is overwritten with a new title and a second category
    const key = 'articles/trang-su-moi-ky-vong-moi.md';
    const outcome = await s.upload(
      key,
      md({
        title: 'Trang sử mới (cập nhật)',
        date: '2025-07-01T06:00:00+07:00',
        categories: ['Xây dựng Đảng', 'Thời sự'],
      }),
    );
    // THEN it is shown with the new title in both categories and the site feed
    expect(outcome).toEqual([{ key, status: 'published', feeds: ['_site', 'xay-dung-dang', 'thoi-su'] }]);
    s.expectSameAsBuild();
    expect(titles(s.output, 'feeds/thoi-su/')[0]).toBe('Trang sử mới (cập nhật)');
    expect(titles(s.output, 'feeds/xay-dung-dang/')[0]).toBe('Trang sử mới (cập nhật)');
  });

  it('moves an article re-dated into the past out of a full window, bringing in the newer one it hid', async () => {
    const config = { ...TEST_CONFIG, itemsPerFeed: 2 };
    const s = site(config);
    await s.upload('articles/c.md', md({ title: 'C', date: '2025-01-10', category: 'Thời sự' }));
    await s.upload('articles/b.md', md({ title: 'B', date: '2025-02-10', category: 'Thời sự' }));
    await s.upload('articles/k.md', md({ title: 'K', date: '2025-03-10', category: 'Thời sự' }));
    await s.upload('articles/k.md', md({ title: 'K', date: '2024-03-10', category: 'Thời sự' }));
    expect(titles(s.output, 'feeds/thoi-su/')).toEqual(['B', 'C']);
    s.expectSameAsBuild();
    await s.upload('articles/k.md', md({ title: 'K', date: '2025-01-20', category: 'Thời sự' }));
    expect(titles(s.output, 'feeds/thoi-su/')).toEqual(['B', 'K']);
    s.expectSameAsBuild();
  });

  it('shows a category under the name its newest article gives it', async () => {
    // GIVEN a category spelled two ways that make the same slug
    const s = site();
    await s.upload('articles/cu.md', md({ title: 'Cũ', date: '2025-06-01', category: 'Thời sự' }));
    await s.upload('articles/moi.md', md({ title: 'Mới', date: '2025-06-02', category: 'Thời Sự' }));
    // THEN the newest article's spelling names it, in its feeds and the OPML list
    expect(s.manifest().feeds['thoi-su']?.name).toBe('Thời Sự');
    expect(s.output.text('feeds/index.opml')).toContain('Thời Sự');
    s.expectSameAsBuild();
    // WHEN the newest goes THEN the older spelling names it again
    await s.remove('articles/moi.md');
    expect(s.manifest().feeds['thoi-su']?.name).toBe('Thời sự');
    expect(s.output.text('feeds/index.opml')).not.toContain('Thời Sự');
    s.expectSameAsBuild();
  });

  it('publishes what the bucket holds now, whatever the size a late event gives', async () => {
    // GIVEN a fixed article published
    const s = site();
    await s.upload('articles/sua.md', md({ title: 'Đã sửa', date: '2025-06-30', category: 'Thời sự' }));
    // WHEN the event of an earlier, oversized upload arrives late
    const result = await s.apply({ changes: [{ key: 'articles/sua.md', size: 5 * 1024 * 1024 }] });
    // THEN the fixed version stays published
    expect(result.outcomes).toEqual([{ key: 'articles/sua.md', status: 'unchanged', feeds: [] }]);
    expect(titles(s.output)).toEqual(['Đã sửa']);
    s.expectSameAsBuild();
  });

  it('ignores keys that are not articles, without reading them', async () => {
    const s = site();
    const result = await s.apply({ changes: [{ key: 'articles/anh.jpg' }, { key: 'reports/x.json' }] });
    expect(result.outcomes).toEqual([
      { key: 'articles/anh.jpg', status: 'ignored', feeds: [] },
      { key: 'reports/x.json', status: 'ignored', feeds: [] },
    ]);
    expect(s.source.calls.filter((call) => call.includes('anh.jpg') || call.includes('x.json'))).toEqual([]);
  });

  it('ends with the newest version when an article is overwritten while several writers run', async () => {
    // GIVEN twelve versions uploaded, each event applied by a writer of its own, all at once
    const s = site();
    const key = 'articles/nong.md';
    const runs: Promise<unknown>[] = [];
    for (let version = 1; version <= 12; version++) {
      const category = version % 2 === 0 ? 'Thời sự' : 'Kinh tế';
      await s.put(key, md({ title: `Phiên bản ${version}`, date: '2025-06-30', category }));
      // As SQS does, a batch whose writer gave up is delivered again.
      const deliver = async (): Promise<unknown> => {
        for (;;) {
          try {
            return await s.fresh().apply({ changes: [{ key }] });
          } catch {}
        }
      };
      runs.push(deliver());
    }
    await Promise.all(runs);
    // THEN the files show the last version only
    await s.apply({ changes: [] });
    s.expectSameAsBuild();
    expect(s.output.text('feeds/kinh-te/rss.xml')).toBeUndefined();
    expect(titles(s.output)).toEqual(['Phiên bản 12']);
  });
});

describe('articles held back', () => {
  it('publishes a future-dated article with the first batch after its time, not only the tick', async () => {
    // GIVEN an article dated tomorrow
    const s = site();
    const due = Date.parse('2026-01-02T01:00:00Z');
    const outcome = await s.upload(
      'articles/sap-toi.md',
      md({ title: 'Sắp tới', date: '2026-01-02T08:00:00+07:00', category: 'Thời sự' }),
    );
    expect(outcome).toEqual([{ key: 'articles/sap-toi.md', status: 'scheduled', feeds: [] }]);
    expect(s.output.text('feeds/thoi-su/rss.xml')).toBeUndefined();
    expect(s.manifest().schedule).toEqual({ 'articles/sap-toi.md': due });
    s.expectSameAsBuild();
    // WHEN another upload's batch comes before its time THEN it stays back
    await s.upload('articles/khac.md', md({ title: 'Khác', date: '2025-12-31', category: 'Kinh tế' }));
    expect(titles(s.output)).toEqual(['Khác']);
    // WHEN one comes after THEN it is published with it
    s.setNow(due);
    const result = await s.upload(
      'articles/khac-2.md',
      md({ title: 'Khác 2', date: '2025-12-30', category: 'Kinh tế' }),
    );
    expect(result).toContainEqual({
      key: 'articles/sap-toi.md',
      status: 'published',
      feeds: ['_site', 'thoi-su'],
    });
    expect(titles(s.output, 'feeds/thoi-su/')).toEqual(['Sắp tới']);
    expect(s.manifest().schedule).toEqual({});
    s.expectSameAsBuild();
  });

  it('looks again at an article rejected for an `updated` time in the future when that time comes', async () => {
    // GIVEN an article published 1 December whose `updated` is 2 January, after now (1 January)
    const s = site();
    const outcome = await s.upload(
      'articles/sua.md',
      md({ title: 'Sửa', date: '2025-12-01', updated: '2026-01-02T08:00:00+07:00', category: 'Thời sự' }),
    );
    // THEN it is rejected, says why, and is due again at that time
    expect(outcome).toEqual([{ key: 'articles/sua.md', status: 'rejected', feeds: [] }]);
    expect(s.source.text('reports/sua.md.json')).toContain('"field": "updated"');
    const due = Date.parse('2026-01-02T01:00:00Z');
    expect(s.manifest().schedule).toEqual({ 'articles/sua.md': due });
    // WHEN the tick comes after that time THEN it is published and its report goes
    s.setNow(due);
    const result = await s.apply({ changes: [], tick: true });
    expect(result.outcomes).toEqual([
      { key: 'articles/sua.md', status: 'published', feeds: ['_site', 'thoi-su'] },
    ]);
    expect(titles(s.output, 'feeds/thoi-su/')).toEqual(['Sửa']);
    expect(s.source.text('reports/sua.md.json')).toBeUndefined();
    expect(s.manifest().schedule).toEqual({});
    s.expectSameAsBuild();
  });
});

describe('rejected articles', () => {
  it('leaves a rejected article out, logs and counts it, and reports why in a file editors can read', async () => {
    // GIVEN the examples published
    const s = site();
    await uploadExamples(s);
    s.clearCalls();
    // WHEN an article with an impossible date is uploaded
    const outcome = await s.upload(
      'articles/hong.md',
      md({ title: 'Hỏng', date: '31/02/2025 8:00', category: 'Thời sự' }),
    );
    // THEN no feed file is written, and the report says which field and why
    expect(outcome).toEqual([{ key: 'articles/hong.md', status: 'rejected', feeds: [] }]);
    expect(s.output.calls.filter((call) => !call.startsWith('LIST'))).toEqual([]);
    const report = JSON.parse(s.source.text('reports/hong.md.json') ?? '{}');
    expect(report).toMatchObject({ article: 'articles/hong.md', rejectedAt: new Date(NOW).toISOString() });
    expect(report.problems).toEqual([
      {
        field: 'date',
        message: expect.stringMatching(/"31\/02\/2025 8:00" is not a real date/),
        text: expect.stringMatching(/^date: /),
      },
    ]);
    expect(s.logged).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        details: expect.objectContaining({ key: 'articles/hong.md', report: 'reports/hong.md.json' }),
      }),
    );
    expect(s.counted).toContain('RejectedArticles');
    s.expectSameAsBuild();
  });

  it('refuses an object over the size limit by the size its event gives, without reading it', async () => {
    const s = site();
    await s.put('articles/lon.md', Buffer.alloc(2 * 1024 * 1024, 'x'));
    s.clearCalls();
    const result = await s.apply({ changes: [{ key: 'articles/lon.md', size: 2 * 1024 * 1024 }] });
    expect(result.outcomes).toEqual([{ key: 'articles/lon.md', status: 'rejected', feeds: [] }]);
    expect(s.source.calls).toContain('HEAD articles/lon.md');
    expect(s.source.calls).not.toContain('GET articles/lon.md');
    expect(JSON.parse(s.source.text('reports/lon.md.json') ?? '{}').problems[0].message).toMatch(
      /2097152 bytes, over the 1048576-byte limit/,
    );
    s.expectSameAsBuild();
  });
});

describe('duplicate ids', () => {
  const withId = (title: string): string =>
    md({ title, date: '2025-06-30', category: 'Thời sự', id: 'tag:baohatinh.vn,2025:trung' });

  it('gives the id to the first article by path even when both come in one batch, the later one first', async () => {
    const s = site();
    await s.put('articles/b.md', withId('B'));
    await s.put('articles/a.md', withId('A'));
    const result = await s.apply({ changes: [{ key: 'articles/b.md' }, { key: 'articles/a.md' }] });
    expect(result.outcomes).toEqual([
      { key: 'articles/b.md', status: 'duplicate', feeds: [] },
      { key: 'articles/a.md', status: 'published', feeds: ['_site', 'thoi-su'] },
    ]);
    expect(titles(s.output)).toEqual(['A']);
    s.expectSameAsBuild();
  });

  it('hands the id to an earlier path that comes later, and reports every article that waits for it', async () => {
    // GIVEN b holds the id
    const s = site();
    expect(await s.upload('articles/b.md', withId('B'))).toEqual([
      { key: 'articles/b.md', status: 'published', feeds: ['_site', 'thoi-su'] },
    ]);
    // WHEN a (earlier by path) comes with the same id THEN a takes it and b is taken out
    expect(await s.upload('articles/a.md', withId('A'))).toEqual([
      { key: 'articles/a.md', status: 'published', feeds: ['_site', 'thoi-su'] },
    ]);
    expect(titles(s.output)).toEqual(['A']);
    expect(s.logged).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        details: expect.objectContaining({ key: 'articles/b.md', status: 'duplicate' }),
      }),
    );
    expect(JSON.parse(s.source.text('reports/b.md.json') ?? '{}').problems[0]).toMatchObject({
      field: 'id',
      message: expect.stringMatching(/already the id of articles\/a\.md/),
    });
    s.expectSameAsBuild();
    // AND a later one by path waits too
    expect(await s.upload('articles/c.md', withId('C'))).toEqual([
      { key: 'articles/c.md', status: 'duplicate', feeds: [] },
    ]);
    expect(s.source.text('reports/c.md.json')).toContain('already the id of articles/a.md');
    s.expectSameAsBuild();
  });
});

describe('a writer of its own per batch', () => {
  it('carries on from the state another writer committed', async () => {
    // GIVEN the examples published by one writer
    const s = site();
    await uploadExamples(s);
    // WHEN another writer (a cold Lambda) applies the next upload
    await s.put('articles/moi.md', md({ title: 'Mới', date: '2025-07-05', category: 'Chuyển đổi số' }));
    const other = new Committer({
      source: s.source,
      output: s.output,
      config: TEST_CONFIG,
      clock: () => NOW,
      log: silent,
    });
    await other.apply({ changes: [{ key: 'articles/moi.md' }] });
    // THEN the first writer carries on from it
    await s.remove('articles/trang-su-moi-ky-vong-moi.md');
    expect(titles(s.output, 'feeds/chuyen-doi-so/')).toContain('Mới');
    s.expectSameAsBuild();
  });
});
