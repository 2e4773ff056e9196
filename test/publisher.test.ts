import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArticle } from '../shared/article';
import type { SiteConfig } from '../shared/config';
import { MemoryStore } from '../shared/adapters/memory-store';
import { type Logger, type Outcome, Publisher, stateKeys } from '../shared/publisher';
import { buildSite } from '../shared/site';
import { TEST_CONFIG } from './helpers/articles';
import { checkAtom, readJsonFeed, readWithFeedParser } from './helpers/feed-readers';
import { basePath, contentTypeOf, decodedText, storedKeys } from './helpers/stored-site';
import { children, NS } from './helpers/xml';

const EXAMPLES = path.resolve(__dirname, '..', 'examples', 'articles');
const NOW = Date.parse('2026-01-01T00:00:00Z');

function setup(config: SiteConfig = TEST_CONFIG, now = () => NOW) {
  const source = new MemoryStore();
  const output = new MemoryStore();
  const logged: Array<{ level: string; message: string; details?: Record<string, unknown> }> = [];
  const log: Logger = {
    info: (message, details) => logged.push({ level: 'info', message, details }),
    warn: (message, details) => logged.push({ level: 'warn', message, details }),
    error: (message, details) => logged.push({ level: 'error', message, details }),
  };
  const counted: string[] = [];
  const publisher = new Publisher({
    source,
    output,
    config,
    now,
    log,
    metrics: { count: (name) => counted.push(name) },
  });
  const upload = async (key: string, text: string): Promise<Outcome[]> => {
    await source.put(key, text, { contentType: 'text/markdown' });
    return publisher.publish([{ key }]);
  };
  const remove = async (key: string): Promise<Outcome[]> => {
    await source.delete(key);
    return publisher.publish([{ key }]);
  };
  return { source, output, publisher, upload, remove, logged, counted };
}

function md(fields: Record<string, unknown>, body = 'Nội dung.'): string {
  return `---\n${Object.entries(fields)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join('\n')}\n---\n${body}`;
}

/** The files a from-scratch build of the bucket's articles gives. */
function fromScratch(source: MemoryStore, config: SiteConfig = TEST_CONFIG, now = NOW): Map<string, string> {
  const articles = [...source.objects.entries()]
    .filter(([key]) => key.startsWith('articles/'))
    .flatMap(([key, entry]) => {
      const parsed = parseArticle(key, entry.body, config);
      return parsed.ok ? [parsed.article] : [];
    });
  return new Map(buildSite(articles, config, now).files.map((file) => [file.path, file.body]));
}

/** Every stored object's text (compressed copies decompressed). */
function outputFiles(output: MemoryStore): Map<string, string> {
  return new Map(
    [...output.objects.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, entry]) => [key, decodedText(key, entry.body)]),
  );
}

function expectSameAsFromScratch(
  source: MemoryStore,
  output: MemoryStore,
  config: SiteConfig = TEST_CONFIG,
  now = NOW,
): void {
  const expected = fromScratch(source, config, now);
  const actual = outputFiles(output);
  expect([...actual.keys()]).toEqual(storedKeys(expected));
  for (const [file, body] of actual)
    expect({ file, body }).toEqual({ file, body: expected.get(basePath(file)) });
  for (const file of actual.keys()) {
    expect(output.contentType(file)).toBe(contentTypeOf(basePath(file)));
    expect(output.contentEncoding(file)).toBe(
      file.endsWith('.gz') ? 'gzip' : file.endsWith('.br') ? 'br' : undefined,
    );
  }
}

async function uploadExamples(upload: (key: string, text: string) => Promise<Outcome[]>): Promise<void> {
  for (const name of readdirSync(EXAMPLES).sort()) {
    const outcomes = await upload(`articles/${name}`, readFileSync(path.join(EXAMPLES, name), 'utf8'));
    expect(outcomes).toEqual([{ key: `articles/${name}`, ok: true, status: 'published' }]);
  }
}

describe('Publisher', () => {
  it('publishing the examples one upload at a time gives exactly the files of a full build', async () => {
    const { source, output, upload } = setup();
    await uploadExamples(upload);
    expectSameAsFromScratch(source, output);
    const party = await readWithFeedParser(output.text('feeds/xay-dung-dang/rss.xml') ?? '');
    expect(party.items).toHaveLength(9);
  });

  it('writes every file with its content type and a cache policy for feeds', async () => {
    const { output, upload } = setup();
    await upload('articles/a.md', md({ title: 'A', date: '2025-06-30', category: 'Thời sự' }));
    expect(output.contentType('feeds/rss.xml')).toBe('application/rss+xml; charset=utf-8');
    expect(output.contentType('feeds/thoi-su/atom.xml')).toBe('application/atom+xml; charset=utf-8');
    expect(output.contentType('feeds/thoi-su/feed.json')).toBe('application/feed+json; charset=utf-8');
    expect(output.contentType('feeds/index.opml')).toBe('text/x-opml; charset=utf-8');
    expect(output.contentType('feeds/index.html')).toBe('text/html; charset=utf-8');
    expect(output.cacheControl('feeds/rss.xml')).toMatch(/^public, max-age=\d+/);
  });

  it('updates an overwritten article everywhere it is shown', async () => {
    const { source, output, upload } = setup();
    await uploadExamples(upload);
    const key = 'articles/trang-su-moi-ky-vong-moi.md';
    await upload(
      key,
      md({
        title: 'Trang sử mới (cập nhật)',
        date: '2025-07-01T06:00:00+07:00',
        categories: ['Xây dựng Đảng', 'Thời sự'],
      }),
    );
    expectSameAsFromScratch(source, output);
    expect(readJsonFeed(output.text('feeds/thoi-su/feed.json') ?? '').items[0]?.title).toBe(
      'Trang sử mới (cập nhật)',
    );
  });

  it('removes a deleted article from every feed, and a category that is left empty', async () => {
    const { source, output, upload, remove } = setup();
    await uploadExamples(upload);
    // the only article in "Chuyển đổi số" and in "Văn hóa"
    await remove('articles/phat-huy-vai-tro-nguoi-dung-dau-chuyen-doi-so.md');
    await remove('articles/ha-tinh-in-dau-chan-nguoi.md');
    expectSameAsFromScratch(source, output);
    expect(output.text('feeds/chuyen-doi-so/rss.xml')).toBeUndefined();
    expect(output.text('feeds/index.opml')).not.toContain('chuyen-doi-so');
    expect(source.text(stateKeys.record('articles/ha-tinh-in-dau-chan-nguoi.md'))).toBeUndefined();
  });

  it('moves an article between categories, and takes drafts out', async () => {
    const { source, output, upload } = setup();
    await uploadExamples(upload);
    await upload(
      'articles/bi-thu-34-tinh-uy-thanh-uy.md',
      md({ title: 'Bí thư 34', date: '30/6/2025 15:20', category: 'Thời sự' }),
    );
    await upload(
      'articles/lan-toa-tinh-than-hoc-bac.md',
      md({ title: 'Lan tỏa', date: '24/6/2025 7:00', category: 'Xây dựng Đảng', draft: true }),
    );
    expectSameAsFromScratch(source, output);
    const party = readJsonFeed(output.text('feeds/xay-dung-dang/feed.json') ?? '').items.map(
      (item) => item.title,
    );
    expect(party).not.toContain('Bí thư 34');
    expect(party).not.toContain('Lan tỏa');
    expect(
      readJsonFeed(output.text('feeds/thoi-su/feed.json') ?? '').items.map((item) => item.title),
    ).toContain('Bí thư 34');
  });

  it('is unmoved by duplicate and late events: it publishes what the bucket holds now', async () => {
    const { source, output, upload, publisher } = setup();
    await upload('articles/a.md', md({ title: 'Phiên bản 1', date: '2025-06-30', category: 'Thời sự' }));
    await upload('articles/a.md', md({ title: 'Phiên bản 2', date: '2025-06-30', category: 'Thời sự' }));
    const before = outputFiles(output);
    // the first upload's event arrives again, late, twice
    await publisher.publish([{ key: 'articles/a.md' }, { key: 'articles/a.md' }]);
    await publisher.publish([{ key: 'articles/a.md' }]);
    expect(outputFiles(output)).toEqual(before);
    expect(readJsonFeed(output.text('feeds/feed.json') ?? '').items[0]?.title).toBe('Phiên bản 2');
    expectSameAsFromScratch(source, output);
  });

  it('refills a full feed from older articles when one of its items leaves', async () => {
    const config = { ...TEST_CONFIG, itemsPerFeed: 3 };
    const { source, output, upload, remove } = setup(config);
    for (let day = 1; day <= 6; day++) {
      await upload(
        `articles/bai-${day}.md`,
        md({ title: `Bài ${day}`, date: `2025-0${day < 4 ? 5 : 6}-0${day}`, category: 'Thời sự' }),
      );
    }
    const titles = () =>
      readJsonFeed(output.text('feeds/thoi-su/feed.json') ?? '').items.map((item) => item.title);
    expect(titles()).toEqual(['Bài 6', 'Bài 5', 'Bài 4']);
    await remove('articles/bai-5.md');
    expect(titles()).toEqual(['Bài 6', 'Bài 4', 'Bài 3']);
    await upload('articles/bai-6.md', md({ title: 'Bài 6', date: '2025-06-06', category: 'Kinh tế' }));
    expect(titles()).toEqual(['Bài 4', 'Bài 3', 'Bài 2']);
    expectSameAsFromScratch(source, output, config);
  });

  it('holds a future-dated article back and publishes it when it comes due', async () => {
    let now = NOW;
    const { source, output, upload, publisher } = setup(TEST_CONFIG, () => now);
    const outcome = await upload(
      'articles/sap-toi.md',
      md({ title: 'Sắp tới', date: '2026-01-02T08:00:00+07:00', category: 'Thời sự' }),
    );
    expect(outcome).toEqual([{ key: 'articles/sap-toi.md', ok: true, status: 'scheduled' }]);
    expect(output.text('feeds/thoi-su/rss.xml')).toBeUndefined();
    expect(JSON.parse(source.text(stateKeys.schedule) ?? '{}').due).toEqual({
      'articles/sap-toi.md': Date.parse('2026-01-02T01:00:00Z'),
    });
    expect(await publisher.publishDue()).toEqual([]);
    now = Date.parse('2026-01-02T01:00:00Z');
    expect(await publisher.publishDue()).toEqual([
      { key: 'articles/sap-toi.md', ok: true, status: 'published' },
    ]);
    expect(readJsonFeed(output.text('feeds/thoi-su/feed.json') ?? '').items[0]?.title).toBe('Sắp tới');
    expect(JSON.parse(source.text(stateKeys.schedule) ?? '{}').due).toEqual({});
  });

  it('repairs the OPML list, the feeds page and their copies when they no longer match the category list (checkIndexFiles)', async () => {
    // GIVEN a published site whose index files an interrupted older publisher left stale
    const { source, output, upload, publisher } = setup();
    await uploadExamples(upload);
    const good = outputFiles(output);
    for (const path of ['feeds/index.opml', 'feeds/index.opml.br', 'feeds/index.html']) {
      await output.put(path, 'stale', { contentType: 'text/plain' });
    }
    // WHEN the schedule runs
    await publisher.checkIndexFiles();
    // THEN every file is as the list says again, and a second run writes nothing
    expect(outputFiles(output)).toEqual(good);
    expect([...output.objects.keys()].filter((key) => key.startsWith('feeds/index.'))).toEqual(
      expect.arrayContaining(['feeds/index.opml.gz', 'feeds/index.opml.br']),
    );
    output.calls.length = 0;
    await publisher.checkIndexFiles();
    expect(output.calls.filter((call) => !call.startsWith('HEAD '))).toEqual([]);
    expectSameAsFromScratch(source, output);
  });

  it('looks again at an article rejected for an `updated` time in the future when that time comes', async () => {
    // GIVEN an article published 1 December whose `updated` is 2 January, after now (1 January)
    let now = NOW;
    const { source, output, upload, publisher } = setup(TEST_CONFIG, () => now);
    const outcome = await upload(
      'articles/sua.md',
      md({ title: 'Sửa', date: '2025-12-01', updated: '2026-01-02T08:00:00+07:00', category: 'Thời sự' }),
    );
    // THEN it is rejected, says why, and is due again at that time
    expect(outcome).toEqual([{ key: 'articles/sua.md', ok: true, status: 'rejected' }]);
    expect(source.text('reports/sua.md.json')).toContain('"field": "updated"');
    const due = Date.parse('2026-01-02T01:00:00Z');
    expect(JSON.parse(source.text(stateKeys.schedule) ?? '{}').due).toEqual({ 'articles/sua.md': due });
    // WHEN the schedule runs after that time THEN it is published and its report goes
    now = due;
    expect(await publisher.publishDue()).toEqual([{ key: 'articles/sua.md', ok: true, status: 'published' }]);
    expect(readJsonFeed(output.text('feeds/thoi-su/feed.json') ?? '').items[0]?.title).toBe('Sửa');
    expect(source.text('reports/sua.md.json')).toBeUndefined();
    expect(JSON.parse(source.text(stateKeys.schedule) ?? '{}').due).toEqual({});
    expectSameAsFromScratch(source, output, TEST_CONFIG, now);
  });

  it('leaves a rejected article out, reports why in a file editors can read, and removes the report when fixed', async () => {
    const { source, output, upload, logged, counted } = setup();
    await uploadExamples(upload);
    const before = outputFiles(output);
    const outcome = await upload(
      'articles/hong.md',
      md({ title: 'Hỏng', date: '31/02/2025 8:00', category: 'Thời sự' }),
    );
    expect(outcome).toEqual([{ key: 'articles/hong.md', ok: true, status: 'rejected' }]);
    expect(outputFiles(output)).toEqual(before);
    const report = JSON.parse(source.text('reports/hong.md.json') ?? '{}');
    expect(report.problems).toEqual([
      {
        field: 'date',
        message: expect.stringMatching(/"31\/02\/2025 8:00" is not a real date/),
        text: expect.stringMatching(/^date: /),
      },
    ]);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        details: expect.objectContaining({ key: 'articles/hong.md' }),
      }),
    );
    expect(counted).toContain('RejectedArticles');
    await upload('articles/hong.md', md({ title: 'Đã sửa', date: '28/02/2025 8:00', category: 'Thời sự' }));
    expect(source.text('reports/hong.md.json')).toBeUndefined();
    expectSameAsFromScratch(source, output);
  });

  it('rejects an object over the size limit without reading it', async () => {
    const { source, publisher } = setup();
    await source.put('articles/lon.md', Buffer.alloc(2 * 1024 * 1024, 'x'), { contentType: 'text/markdown' });
    source.calls.length = 0;
    const outcome = await publisher.publish([{ key: 'articles/lon.md', size: 2 * 1024 * 1024 }]);
    expect(outcome).toEqual([{ key: 'articles/lon.md', ok: true, status: 'rejected' }]);
    expect(source.calls).toContain('HEAD articles/lon.md');
    expect(source.calls).not.toContain('GET articles/lon.md');
    expect(JSON.parse(source.text('reports/lon.md.json') ?? '{}').problems[0].message).toMatch(
      /2097152 bytes, over the 1048576-byte limit/,
    );
  });

  it('does not trust a stale size: a late event for an oversized version leaves the fixed one published', async () => {
    const { output, upload, publisher } = setup();
    await upload('articles/sua.md', md({ title: 'Đã sửa', date: '2025-06-30', category: 'Thời sự' }));
    // the event of an earlier, oversized upload arrives late
    expect(await publisher.publish([{ key: 'articles/sua.md', size: 5 * 1024 * 1024 }])).toEqual([
      { key: 'articles/sua.md', ok: true, status: 'published' },
    ]);
    expect(readJsonFeed(output.text('feeds/feed.json') ?? '').items.map((item) => item.title)).toEqual([
      'Đã sửa',
    ]);
  });

  it('ignores keys that are not articles', async () => {
    const { publisher, source } = setup();
    expect(await publisher.publish([{ key: 'articles/anh.jpg' }, { key: 'reports/x.json' }])).toEqual([
      { key: 'articles/anh.jpg', ok: true, status: 'ignored' },
      { key: 'reports/x.json', ok: true, status: 'ignored' },
    ]);
    expect(source.calls).toEqual([]);
  });

  it('makes the same number of requests per upload whatever the size of the archive', async () => {
    const counts: number[] = [];
    const verbs: Record<string, number> = {};
    for (const archive of [10, 200]) {
      const { source, output, upload } = setup();
      for (let i = 0; i < archive; i++) {
        const day = String((i % 28) + 1).padStart(2, '0');
        const month = String((i % 12) + 1).padStart(2, '0');
        await upload(
          `articles/cu-${i}.md`,
          md({ title: `Cũ ${i}`, date: `2024-${month}-${day}`, categories: ['Thời sự', 'Kinh tế'] }),
        );
      }
      source.calls.length = 0;
      output.calls.length = 0;
      await upload(
        'articles/moi.md',
        md({ title: 'Mới', date: '2025-06-30', categories: ['Thời sự', 'Kinh tế'] }),
      );
      counts.push(source.calls.length + output.calls.length);
      for (const call of [...source.calls, ...output.calls]) {
        const verb = call.slice(0, call.indexOf(' '));
        verbs[verb] = (verbs[verb] ?? 0) + (archive === 10 ? 1 : 0);
      }
    }
    expect(counts[1]).toBe(counts[0]);
    if (process.env.SHOW_COUNTS) console.log('requests per upload', counts, 'by verb', verbs);
  });

  it('loses nothing when many uploads to one category are published at once', async () => {
    const config = { ...TEST_CONFIG, itemsPerFeed: 150 };
    const { source, output, publisher } = setup(config);
    const keys = Array.from({ length: 60 }, (_, i) => `articles/dong-thoi-${i}.md`);
    await Promise.all(
      keys.map((key, i) =>
        source.put(
          key,
          md({
            title: `Đồng thời ${i}`,
            date: `2025-06-${String((i % 28) + 1).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00`,
            category: 'Thời sự',
          }),
          { contentType: 'text/markdown' },
        ),
      ),
    );
    const outcomes = (await Promise.all(keys.map((key) => publisher.publish([{ key }])))).flat();
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const entries = children(checkAtom(output.text('feeds/thoi-su/atom.xml') ?? ''), 'entry', NS.atom);
    expect(entries).toHaveLength(60);
    expectSameAsFromScratch(source, output, config);
  });

  it('ends with the newest version when an article is overwritten while concurrent publishers run', async () => {
    const { source, output, publisher } = setup();
    const key = 'articles/nong.md';
    const runs: Array<Promise<Outcome[]>> = [];
    for (let version = 1; version <= 12; version++) {
      const category = version % 2 === 0 ? 'Thời sự' : 'Kinh tế';
      await source.put(key, md({ title: `Phiên bản ${version}`, date: '2025-06-30', category }), {
        contentType: 'text/markdown',
      });
      runs.push(publisher.publish([{ key }]));
    }
    await Promise.all(runs);
    await publisher.publish([{ key }]);
    expectSameAsFromScratch(source, output);
    expect(output.text('feeds/kinh-te/rss.xml')).toBeUndefined();
    expect(readJsonFeed(output.text('feeds/feed.json') ?? '').items.map((item) => item.title)).toEqual([
      'Phiên bản 12',
    ]);
  });
});

describe('Publisher and duplicate ids', () => {
  const withId = (title: string) =>
    md({ title, date: '2025-06-30', category: 'Thời sự', id: 'tag:baohatinh.vn,2025:trung' });

  it('takes the id from the later article even when both come in one batch, later one first', async () => {
    const { source, output, publisher } = setup();
    await source.put('articles/b.md', withId('B'), { contentType: 'text/markdown' });
    await source.put('articles/a.md', withId('A'), { contentType: 'text/markdown' });
    await publisher.publish([{ key: 'articles/b.md' }, { key: 'articles/a.md' }]);
    expect(readJsonFeed(output.text('feeds/feed.json') ?? '').items.map((item) => item.title)).toEqual(['A']);
    expectSameAsFromScratch(source, output);
  });

  it('keeps an id with the first article by path, as a full build does, and hands it on when that one goes', async () => {
    const { source, output, upload, remove } = setup();
    // GIVEN b holds the id
    expect(await upload('articles/b.md', withId('B'))).toEqual([
      { key: 'articles/b.md', ok: true, status: 'published' },
    ]);
    // WHEN a (earlier by path) comes with the same id, THEN a takes it and b is taken out
    expect(await upload('articles/a.md', withId('A'))).toEqual([
      { key: 'articles/a.md', ok: true, status: 'published' },
    ]);
    expectSameAsFromScratch(source, output);
    expect(JSON.parse(source.text('reports/b.md.json') ?? '{}').problems[0]).toMatchObject({
      field: 'id',
      message: expect.stringMatching(/already the id of articles\/a\.md/),
    });
    // AND a later one by path is rejected
    expect(await upload('articles/c.md', withId('C'))).toEqual([
      { key: 'articles/c.md', ok: true, status: 'rejected' },
    ]);
    expectSameAsFromScratch(source, output);
    // WHEN a is deleted, THEN b (first of the rest) gets the id back
    await remove('articles/a.md');
    expect(readJsonFeed(output.text('feeds/feed.json') ?? '').items.map((item) => item.title)).toEqual(['B']);
    expectSameAsFromScratch(source, output);
    expect(source.text('reports/b.md.json')).toBeUndefined();
  });
});

describe('Publisher and full windows', () => {
  it('moves an article re-dated into the past out of a full window, bringing in the newer one it hid', async () => {
    const config = { ...TEST_CONFIG, itemsPerFeed: 2 };
    const { source, output, upload } = setup(config);
    await upload('articles/c.md', md({ title: 'C', date: '2025-01-10', category: 'Thời sự' }));
    await upload('articles/b.md', md({ title: 'B', date: '2025-02-10', category: 'Thời sự' }));
    await upload('articles/k.md', md({ title: 'K', date: '2025-03-10', category: 'Thời sự' }));
    await upload('articles/k.md', md({ title: 'K', date: '2024-03-10', category: 'Thời sự' }));
    expect(
      readJsonFeed(output.text('feeds/thoi-su/feed.json') ?? '').items.map((item) => item.title),
    ).toEqual(['B', 'C']);
    expectSameAsFromScratch(source, output, config);
    await upload('articles/k.md', md({ title: 'K', date: '2025-01-20', category: 'Thời sự' }));
    expect(
      readJsonFeed(output.text('feeds/thoi-su/feed.json') ?? '').items.map((item) => item.title),
    ).toEqual(['B', 'K']);
    expectSameAsFromScratch(source, output, config);
  });
});
