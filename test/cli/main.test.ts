import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { main } from '../../cli/main';
import { checkAtom, checkRss, readJsonFeed, readWithFeedParser } from '../helpers/feed-readers';
import { startS3 } from '../helpers/s3rver';
import { children, NS } from '../helpers/xml';

const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLES = path.join(ROOT, 'examples', 'articles');
const NOW = Date.parse('2026-01-01T00:00:00Z');

interface Run {
  code: number;
  stdout: string[];
  stderr: string[];
}

async function run(argv: string[], cwd: string): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(argv, {
    cwd,
    stdout: (l) => stdout.push(l),
    stderr: (l) => stderr.push(l),
    now: () => NOW,
  });
  return { code, stdout, stderr };
}

let work: string;
beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'feedgen-cli-'));
  cpSync(path.join(ROOT, 'feedgen.config.json'), path.join(work, 'feedgen.config.json'));
  cpSync(EXAMPLES, path.join(work, 'articles'), { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const read = (file: string): string => readFileSync(path.join(work, file), 'utf8');

describe('feedgen build', () => {
  it('builds every feed of the examples, each read back by real parsers', async () => {
    const result = await run(['build', '--articles', 'articles', '--out', 'site'], work);
    expect(result).toMatchObject({ code: 0, stderr: [] });
    expect(result.stdout.join('\n')).toMatch(/9 articles in 4 categories, 17 files/);
    for (const folder of [
      'feeds',
      'feeds/xay-dung-dang',
      'feeds/thoi-su',
      'feeds/van-hoa',
      'feeds/chuyen-doi-so',
    ]) {
      checkRss(read(`site/${folder}/rss.xml`));
      checkAtom(read(`site/${folder}/atom.xml`));
      readJsonFeed(read(`site/${folder}/feed.json`));
      expect((await readWithFeedParser(read(`site/${folder}/rss.xml`))).items.length).toBeGreaterThan(0);
    }
    const party = await readWithFeedParser(read('site/feeds/xay-dung-dang/atom.xml'));
    expect(party.items).toHaveLength(9);
    expect(party.items.map((item) => item.title)).toContain('Khi cán bộ xã làm bí thư thôn');
    expect(existsSync(path.join(work, 'site/feeds/index.opml'))).toBe(true);
    expect(existsSync(path.join(work, 'site/feeds/index.html'))).toBe(true);
  });

  it('leaves out a bad article with one line naming the file and field, and publishes the rest', async () => {
    writeFileSync(
      path.join(work, 'articles/hong.md'),
      '---\ntitle: Hỏng\ndate: 31/02/2025 8:00\ncategory: Thời sự\n---\nx',
    );
    writeFileSync(path.join(work, 'articles/rong.md'), '');
    const result = await run(['build', '--articles', 'articles', '--out', 'site'], work);
    expect(result.code).toBe(0);
    expect(result.stderr).toEqual([
      expect.stringMatching(/^rejected articles\/hong\.md: date: "31\/02\/2025 8:00" is not a real date/),
      'rejected articles/rong.md: the file is empty',
    ]);
    expect(result.stdout.join('')).toMatch(/9 articles .* 2 rejected/);
    expect((await readWithFeedParser(read('site/feeds/rss.xml'))).items).toHaveLength(9);
  });

  it('exits 1 under --strict when an article was rejected, still writing the feeds', async () => {
    writeFileSync(
      path.join(work, 'articles/khong-ten.md'),
      '---\ndate: 2025-06-30\ncategory: Thời sự\n---\nx',
    );
    const result = await run(['build', '--articles', 'articles', '--out', 'site', '--strict'], work);
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual(['rejected articles/khong-ten.md: title: is required']);
    expect(existsSync(path.join(work, 'site/feeds/rss.xml'))).toBe(true);
  });

  it('exits 0 under --strict when every article is good', async () => {
    expect((await run(['build', '--articles', 'articles', '--out', 'site', '--strict'], work)).code).toBe(0);
  });

  it.each([
    [['build', '--out', 'site'], /needs --articles/],
    [['build', '--articles', 'articles'], /needs --out/],
    [['build', '--articles', 'nowhere', '--out', 'site'], /"nowhere" does not exist/],
    [['build', '--articles', 'articles', '--out', 'site', '--colour'], /Unknown option '--colour'/],
    [['publish'], /unknown command "publish"/],
    [
      ['build', '--articles', 'articles', '--out', 'site', '--now', 'hôm qua'],
      /--now: "hôm qua" is not a date/,
    ],
    [[], /Usage:/],
  ])('exits 2 on a usage error: %j', async (argv, message) => {
    const result = await run(argv, work);
    expect(result.code).toBe(2);
    expect([...result.stderr, ...result.stdout].join('\n')).toMatch(message);
  });

  it('exits 2 naming the file and the setting when the configuration is wrong', async () => {
    writeFileSync(
      path.join(work, 'feedgen.config.json'),
      JSON.stringify({ timezone: 'Asia/Hanoi_City', siteUrl: 'https://a.vn' }),
    );
    const result = await run(['build', '--articles', 'articles', '--out', 'site'], work);
    expect(result.code).toBe(2);
    expect(result.stderr).toEqual([
      expect.stringMatching(
        /^feedgen: configuration error: feedgen\.config\.json: timezone: "Asia\/Hanoi_City" is not an IANA time zone/,
      ),
    ]);
    writeFileSync(path.join(work, 'other.json'), '{ "itemsPerFeed": 0 }');
    const other = await run(
      ['build', '--articles', 'articles', '--out', 'site', '--config', 'other.json'],
      work,
    );
    expect(other.code).toBe(2);
    expect(other.stderr.join('')).toMatch(
      /other\.json: itemsPerFeed: must be a whole number from 1 to 10000/,
    );
  });

  it('reads the settings file: title, URLs and items per feed', async () => {
    writeFileSync(
      path.join(work, 'feedgen.config.json'),
      JSON.stringify({
        title: 'Tin Hà Tĩnh',
        siteUrl: 'https://tin.example.vn/',
        itemsPerFeed: 2,
        articleUrlTemplate: 'bai/{yyyy}/{MM}/{slug}',
      }),
    );
    expect((await run(['build', '--articles', 'articles', '--out', 'site'], work)).code).toBe(0);
    const feed = readJsonFeed(read('site/feeds/feed.json'));
    expect(feed.title).toBe('Tin Hà Tĩnh');
    expect(feed.feed_url).toBe('https://tin.example.vn/feeds/feed.json');
    expect(feed.items.map((item) => item.url)).toEqual([
      'https://tin.example.vn/bai/2025/07/trang-su-moi-ky-vong-moi',
      'https://tin.example.vn/bai/2025/06/bi-thu-34-tinh-uy-thanh-uy',
    ]);
  });

  it('holds back future-dated articles until --now reaches them', async () => {
    writeFileSync(
      path.join(work, 'articles/sap-toi.md'),
      '---\ntitle: Sắp tới\ndate: 2026-02-01T08:00+07:00\ncategory: Thời sự\n---\nx',
    );
    const before = await run(['build', '--articles', 'articles', '--out', 'site'], work);
    expect(before.stderr).toEqual([
      expect.stringMatching(/^held back articles\/sap-toi\.md: dated 2026-02-01T01:00:00\.000Z/),
    ]);
    expect(
      (await readWithFeedParser(read('site/feeds/thoi-su/rss.xml'))).items.map((i) => i.title),
    ).not.toContain('Sắp tới');
    const after = await run(
      ['build', '--articles', 'articles', '--out', 'site', '--now', '2026-02-01T08:00+07:00'],
      work,
    );
    expect(after.stderr).toEqual([]);
    expect((await readWithFeedParser(read('site/feeds/thoi-su/rss.xml'))).items[0]?.title).toBe('Sắp tới');
  });

  it('rewrites only what changed and removes the feeds of categories that are gone', async () => {
    await run(['build', '--articles', 'articles', '--out', 'site'], work);
    const untouched = path.join(work, 'site/feeds/van-hoa/../xay-dung-dang/rss.xml');
    const past = new Date('2020-01-01T00:00:00Z');
    utimesSync(untouched, past, past);
    // the only article in "Chuyển đổi số" leaves it
    rmSync(path.join(work, 'articles/phat-huy-vai-tro-nguoi-dung-dau-chuyen-doi-so.md'));
    const second = await run(['build', '--articles', 'articles', '--out', 'site'], work);
    expect(second.stdout.join('')).toMatch(/3 removed/);
    expect(existsSync(path.join(work, 'site/feeds/chuyen-doi-so'))).toBe(false);
    // the party feed lost an item, so it was rewritten; the culture feed did not change
    expect(statSync(untouched).mtime.getTime()).not.toBe(past.getTime());
    const culture = path.join(work, 'site/feeds/van-hoa/rss.xml');
    utimesSync(culture, past, past);
    await run(['build', '--articles', 'articles', '--out', 'site'], work);
    expect(statSync(culture).mtime.getTime()).toBe(past.getTime());
  });

  it('builds byte-identical files from the same articles', async () => {
    await run(['build', '--articles', 'articles', '--out', 'one'], work);
    await run(['build', '--articles', 'articles', '--out', 'two'], work);
    for (const file of [
      'feeds/rss.xml',
      'feeds/atom.xml',
      'feeds/feed.json',
      'feeds/index.opml',
      'feeds/index.html',
    ]) {
      expect(read(`two/${file}`)).toBe(read(`one/${file}`));
    }
  });

  it('reads articles in subfolders and ignores other files', async () => {
    mkdirSync(path.join(work, 'articles/2025/06'), { recursive: true });
    writeFileSync(
      path.join(work, 'articles/2025/06/con.md'),
      '---\ntitle: Trong thư mục con\ndate: 2025-06-30\ncategory: Thời sự\n---\nx',
    );
    writeFileSync(path.join(work, 'articles/anh.jpg'), 'not an article');
    writeFileSync(path.join(work, 'articles/.nhap.md'), 'hidden');
    const result = await run(['build', '--articles', 'articles', '--out', 'site'], work);
    expect(result.stderr).toEqual([]);
    const entries = children(checkAtom(read('site/feeds/thoi-su/atom.xml')), 'entry', NS.atom);
    expect(entries).toHaveLength(3);
  });
});

describe('feedgen validate', () => {
  it('exits 0 and writes nothing when every article is valid', async () => {
    const result = await run(['validate', 'articles'], work);
    expect(result).toMatchObject({ code: 0, stdout: ['9 of 9 articles valid, 0 rejected.'], stderr: [] });
    expect(existsSync(path.join(work, 'site'))).toBe(false);
  });

  it('exits 1 with a line for each rejected article', async () => {
    writeFileSync(
      path.join(work, 'articles/xau.md'),
      Buffer.from([0x2d, 0x2d, 0x2d, 0x0a, 0x74, 0x3a, 0xff, 0x0a]),
    );
    writeFileSync(
      path.join(work, 'articles/trung.md'),
      readFileSync(path.join(work, 'articles/lan-toa-tinh-than-hoc-bac.md')),
    );
    writeFileSync(
      path.join(work, 'articles/trung-lap.md'),
      '---\ntitle: Trùng\ndate: 2025-06-30\ncategory: Thời sự\nid: https://baohatinh.vn/xay-dung-dang/bi-thu-34-tinh-uy-thanh-uy.html\n---\n',
    );
    const result = await run(['validate', 'articles'], work);
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([
      'rejected articles/xau.md: is not valid UTF-8 (first bad byte at offset 6, line 2); save the file as UTF-8',
      expect.stringMatching(
        /^rejected articles\/trung-lap\.md: id: https:\/\/baohatinh\.vn\/xay-dung-dang\/bi-thu-34-tinh-uy-thanh-uy\.html is already the id of articles\/bi-thu-34-tinh-uy-thanh-uy\.md/,
      ),
    ]);
    expect(result.stdout).toEqual(['10 of 12 articles valid, 2 rejected.']);
  });
});

describe('feedgen rebuild', () => {
  const SOURCE = 'feedgen-articles';
  const OUTPUT = 'feedgen-feeds';
  const io = (stdout: string[], stderr: string[]) => ({
    cwd: work,
    stdout: (line: string) => stdout.push(line),
    stderr: (line: string) => stderr.push(line),
    now: () => NOW,
  });

  it('rebuilds the feeds from the source bucket and prints what it did', async () => {
    // GIVEN the examples, a rejected, a draft and a scheduled article, and a stale feed file
    const s3 = await startS3({ buckets: [SOURCE, OUTPUT] });
    try {
      const put = (Bucket: string, Key: string, Body: string | Buffer) =>
        s3.client.send(new PutObjectCommand({ Bucket, Key, Body }));
      for (const name of readdirSync(EXAMPLES))
        await put(SOURCE, `articles/${name}`, readFileSync(path.join(EXAMPLES, name)));
      await put(SOURCE, 'articles/hong.md', '---\ntitle: Hỏng\ndate: 31/02/2025\ncategory: Thời sự\n---\n');
      await put(
        SOURCE,
        'articles/nhap.md',
        '---\ntitle: Nháp\ndate: 2025-06-01\ncategory: Nháp\ndraft: true\n---\n',
      );
      await put(
        SOURCE,
        'articles/sap-toi.md',
        '---\ntitle: Sắp tới\ndate: 2026-03-01\ncategory: Thời sự\n---\n',
      );
      await put(OUTPUT, 'feeds/chuyen-muc-cu/rss.xml', '<rss/>');
      // WHEN
      const stdout: string[] = [];
      const stderr: string[] = [];
      const progress: string[] = [];
      const code = await main(
        ['rebuild', '--bucket', SOURCE, '--output-bucket', OUTPUT, '--endpoint', s3.endpoint],
        {
          ...io(stdout, stderr),
          s3Client: () => s3.client,
          progress: (line) => progress.push(line),
        },
      );
      // THEN
      expect({ code, stderr }).toEqual({ code: 0, stderr: [] });
      expect(stdout).toEqual([
        expect.stringMatching(
          /^Rebuilt s3:\/\/feedgen-feeds\/feeds from 12 articles in s3:\/\/feedgen-articles\/articles: 9 published, 1 rejected \(see reports\/\), 1 drafts, 1 held back; 28 files written, 1 stale files removed; \d+ ms\.$/,
        ),
      ]);
      expect(progress.at(-1)).toBe('');
      const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: OUTPUT, Prefix: 'feeds/' }));
      const keys = (listed.Contents ?? []).map((object) => object.Key);
      expect(keys).toContain('feeds/xay-dung-dang/rss.xml');
      expect(keys).not.toContain('feeds/chuyen-muc-cu/rss.xml');
    } finally {
      await s3.stop();
    }
  });

  it('needs both buckets', async () => {
    const stderr: string[] = [];
    expect(await main(['rebuild', '--output-bucket', OUTPUT], io([], stderr))).toBe(2);
    expect(await main(['rebuild', '--bucket', SOURCE], io([], stderr))).toBe(2);
    expect(stderr.join('\n')).toMatch(
      /rebuild needs --bucket SOURCE[\s\S]*rebuild needs --output-bucket OUTPUT/,
    );
  });

  it('says what failed and that it can be run again when S3 cannot be reached', async () => {
    const s3 = await startS3({ buckets: [SOURCE, OUTPUT] });
    const endpoint = s3.endpoint;
    await s3.stop();
    const stderr: string[] = [];
    const code = await main(
      ['rebuild', '--bucket', SOURCE, '--output-bucket', OUTPUT, '--endpoint', endpoint],
      io([], stderr),
    );
    expect(code).toBe(1);
    expect(stderr.join('')).toMatch(/^feedgen: rebuild failed: .*run it again/);
  }, 60_000);
});

describe('the installed command', () => {
  const execFileAsync = promisify(execFile);

  it('runs as `feedgen build` from the bin script, with exit codes', async () => {
    const bin = path.join(ROOT, 'bin', 'feedgen.js');
    const { stdout } = await execFileAsync(
      process.execPath,
      [bin, 'build', '--articles', 'articles', '--out', 'site'],
      { cwd: work },
    );
    expect(stdout).toMatch(/^Wrote site\/feeds: 9 articles/);
    await expect(execFileAsync(process.execPath, [bin, 'build'], { cwd: work })).rejects.toMatchObject({
      code: 2,
    });
  });
});
