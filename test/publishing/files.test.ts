import { gunzipSync } from 'node:zlib';
import { md, site, uploadExamples } from './fixtures';

// The files below feeds/ the publisher writes: their types, cache policy and compressed
// copies, the OPML list and feeds page, and which files a change rewrites.

const outputPuts = (calls: readonly string[]): string[] =>
  calls.filter((call) => call.startsWith('PUT ')).map((call) => call.slice(4));

describe('published files', () => {
  it('writes every file with its content type and the feeds cache policy', async () => {
    const s = site();
    await s.upload('articles/a.md', md({ title: 'A', date: '2025-06-30', category: 'Thời sự' }));
    expect(s.output.contentType('feeds/rss.xml')).toBe('application/rss+xml; charset=utf-8');
    expect(s.output.contentType('feeds/thoi-su/atom.xml')).toBe('application/atom+xml; charset=utf-8');
    expect(s.output.contentType('feeds/thoi-su/feed.json')).toBe('application/feed+json; charset=utf-8');
    expect(s.output.contentType('feeds/index.opml')).toBe('text/x-opml; charset=utf-8');
    expect(s.output.contentType('feeds/index.html')).toBe('text/html; charset=utf-8');
    expect(s.output.cacheControl('feeds/rss.xml')).toMatch(/^public, max-age=\d+/);
    s.expectSameAsBuild();
  });

  it('stores a gzip copy of each Atom, JSON Feed and OPML file, and no brotli copy', async () => {
    const s = site();
    await uploadExamples(s);
    const keys = [...s.output.objects.keys()];
    for (const file of ['feeds/atom.xml', 'feeds/thoi-su/feed.json', 'feeds/index.opml']) {
      const copy = s.output.objects.get(`${file}.gz`);
      expect({ file, encoding: s.output.contentEncoding(`${file}.gz`) }).toEqual({ file, encoding: 'gzip' });
      expect(s.output.contentType(`${file}.gz`)).toBe(s.output.contentType(file));
      expect(gunzipSync(copy?.body ?? new Uint8Array()).toString('utf8')).toBe(s.output.text(file));
    }
    // CloudFront compresses RSS and HTML itself.
    expect(keys).not.toContain('feeds/rss.xml.gz');
    expect(keys).not.toContain('feeds/index.html.gz');
    expect(keys.filter((key) => key.endsWith('.br'))).toEqual([]);
    s.expectSameAsBuild();
  });

  it('removes the files of a category left empty and keeps the OPML list and feeds page, without it', async () => {
    // GIVEN the examples
    const s = site();
    await uploadExamples(s);
    expect(s.output.text('feeds/index.opml')).toContain('chuyen-doi-so');
    // WHEN the only article in "Chuyển đổi số" and the only one in "Văn hóa" are deleted
    await s.remove('articles/phat-huy-vai-tro-nguoi-dung-dau-chuyen-doi-so.md');
    await s.remove('articles/ha-tinh-in-dau-chan-nguoi.md');
    // THEN their files are gone and the lists no longer name them
    expect([...s.output.objects.keys()].filter((key) => /chuyen-doi-so|van-hoa/.test(key))).toEqual([]);
    for (const file of ['feeds/index.opml', 'feeds/index.html']) {
      expect(s.output.text(file)).toBeDefined();
      expect(s.output.text(file)).not.toMatch(/chuyen-doi-so|van-hoa/);
    }
    expect(Object.keys(s.manifest().feeds)).not.toContain('van-hoa');
    s.expectSameAsBuild();
  });

  it('keeps the site feed, the OPML list and the feeds page when every article is gone', async () => {
    const s = site();
    await s.upload('articles/a.md', md({ title: 'A', date: '2025-06-30', category: 'Thời sự' }));
    await s.remove('articles/a.md');
    expect(s.output.text('feeds/rss.xml')).not.toContain('<item>');
    expect(s.output.text('feeds/index.opml')).toBeDefined();
    expect(s.output.text('feeds/index.html')).toBeDefined();
    expect(s.output.text('feeds/thoi-su/rss.xml')).toBeUndefined();
    s.expectSameAsBuild();
  });
});

describe('unchanged bytes are not written again', () => {
  it('rewrites only the site feed and the category an upload changes', async () => {
    // GIVEN the examples
    const s = site();
    await uploadExamples(s);
    s.clearCalls();
    // WHEN an article goes into an existing category
    await s.upload('articles/moi.md', md({ title: 'Mới', date: '2025-07-05', category: 'Văn hóa' }));
    // THEN only that category's files and the site feed's are written: no other category, no list
    const written = outputPuts(s.output.calls);
    expect(written.length).toBeGreaterThan(0);
    expect(written.filter((path) => !/^feeds\/(van-hoa\/)?[a-z]+\.(xml|json)(\.gz)?$/.test(path))).toEqual(
      [],
    );
    s.expectSameAsBuild();
  });

  it('rewrites the OPML list and the feeds page when a category comes', async () => {
    const s = site();
    await uploadExamples(s);
    s.clearCalls();
    await s.upload('articles/moi.md', md({ title: 'Mới', date: '2025-07-05', category: 'Thể thao' }));
    expect(outputPuts(s.output.calls)).toEqual(
      expect.arrayContaining(['feeds/index.opml', 'feeds/index.opml.gz', 'feeds/index.html']),
    );
    s.expectSameAsBuild();
  });

  it('writes nothing but the upload itself for the same bytes uploaded again', async () => {
    // GIVEN a published article
    const s = site();
    const text = md({ title: 'A', date: '2025-06-30', category: 'Thời sự' });
    await s.upload('articles/a.md', text);
    s.clearCalls();
    // WHEN the editor uploads the same file again, and its event is delivered twice
    await s.upload('articles/a.md', text);
    await s.apply({ changes: [{ key: 'articles/a.md' }] });
    // THEN no state, report or feed file is written
    expect(outputPuts(s.source.calls)).toEqual(['articles/a.md']);
    expect(outputPuts(s.output.calls)).toEqual([]);
    expect(s.output.calls.filter((call) => call.startsWith('DELETE'))).toEqual([]);
    s.expectSameAsBuild();
  });
});
