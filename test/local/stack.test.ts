import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { main } from '../../cli/main';
import { type LocalStack, PortTakenError, SOURCE_BUCKET, startLocalStack } from '../../local/stack';
import type { Logger } from '../../shared/publishing/ports';
import { TEST_CONFIG } from '../helpers/articles';
import { checkAtom, checkRss, readJsonFeed, readWithFeedParser } from '../helpers/feed-readers';
import { attribute, findAll, parseHtml } from '../helpers/html';
import { children, NS } from '../helpers/xml';

// npm start's stack end to end, on free ports: s3rver, the event queue, the publish handler
// the Lambda runs, the tick on the queue, and the CDN in front of the output bucket.

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples', 'articles');
const lines: string[] = [];
const log: Logger = {
  info: (message, details) => lines.push(`${message} ${JSON.stringify(details ?? {})}`),
  warn: (message, details) => lines.push(`${message} ${JSON.stringify(details ?? {})}`),
  error: (message, details) => lines.push(`ERROR ${message} ${JSON.stringify(details ?? {})}`),
};

let stack: LocalStack;
/** Moves the publisher's clock ahead, so a scheduled article comes due without waiting. */
let clockOffset = 0;
let data: string;
let base: string;

async function start(directory: string): Promise<LocalStack> {
  const started = await startLocalStack({
    config: { ...TEST_CONFIG, feedBaseUrl: 'http://127.0.0.1/feeds/' },
    dataDirectory: directory,
    s3Port: 0,
    cdnPort: 0,
    accessKeyId: 'feedgen',
    secretAccessKey: 'feedgen',
    log,
    batchWindowMs: 50,
    retryDelayMs: 50,
    // The tick goes on the queue every second (every minute when deployed).
    scheduleIntervalMs: 1000,
    clock: () => Date.now() + clockOffset,
  });
  base = started.cdn.url;
  return started;
}

beforeAll(async () => {
  data = mkdtempSync(path.join(tmpdir(), 'feedgen-local-'));
  stack = await start(data);
  const files = readdirSync(EXAMPLES).map((name) => ({
    name,
    body: readFileSync(path.join(EXAMPLES, name)),
  }));
  expect(await stack.seed(files)).toBe(9);
  await stack.queue.idle();
}, 60_000);

afterAll(async () => {
  await stack.stop();
  rmSync(data, { recursive: true, force: true });
});

async function upload(key: string, body: string): Promise<void> {
  await stack.client.send(
    new PutObjectCommand({ Bucket: SOURCE_BUCKET, Key: key, Body: body, ContentType: 'text/markdown' }),
  );
  await stack.queue.idle();
}

/** The bytes as sent, not decoded (fetch would decode them). */
function raw(
  pathname: string,
  acceptEncoding: string,
): Promise<{ body: Buffer; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    httpGet(`${base}${pathname}`, { headers: { 'Accept-Encoding': acceptEncoding } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ body: Buffer.concat(chunks), headers: response.headers }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

async function get(pathname: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}${pathname}`, { headers });
}

describe('the local stack', () => {
  it('serves the example feeds at once, each read by real parsers', async () => {
    for (const folder of ['/feeds/', '/feeds/xay-dung-dang/']) {
      const rss = await (await get(`${folder}rss.xml`)).text();
      checkRss(rss);
      expect((await readWithFeedParser(rss)).items.length).toBeGreaterThan(0);
      checkAtom(await (await get(`${folder}atom.xml`)).text());
      readJsonFeed(await (await get(`${folder}feed.json`)).text());
    }
    expect(
      lines.some((line) => line.startsWith('published') && line.includes('khi-can-bo-xa-lam-bi-thu-thon')),
    ).toBe(true);
  });

  it('publishes uploads through the S3 API, with spaces, "+" and Vietnamese letters in keys', async () => {
    await upload(
      'articles/Hà Tĩnh + tin 1.md',
      '---\ntitle: Tin Hà Tĩnh 1\ndate: 2025-07-10T09:00+07:00\ncategory: Hà Tĩnh\n---\nMột.',
    );
    await upload(
      'articles/Đảng viên+mới.md',
      '---\ntitle: Đảng viên mới\ndate: 2025-07-11T09:00+07:00\ncategory: Hà Tĩnh\n---\nHai.',
    );
    const feed = await readWithFeedParser(await (await get('/feeds/ha-tinh/rss.xml')).text());
    expect(feed.items.map((item) => item.title)).toEqual(['Đảng viên mới', 'Tin Hà Tĩnh 1']);
  });

  it('follows overwrites, moves between categories and deletes', async () => {
    await upload(
      'articles/di-chuyen.md',
      '---\ntitle: Di chuyển\ndate: 2025-07-12\ncategory: Kinh tế\n---\nx',
    );
    expect((await get('/feeds/kinh-te/atom.xml')).status).toBe(200);
    await upload(
      'articles/di-chuyen.md',
      '---\ntitle: Di chuyển (sửa)\ndate: 2025-07-12\ncategory: Thời sự\n---\nx',
    );
    expect((await get('/feeds/kinh-te/atom.xml')).status).toBe(404);
    const news = readJsonFeed(await (await get('/feeds/thoi-su/feed.json')).text());
    expect(news.items.map((item) => item.title)).toContain('Di chuyển (sửa)');
    await stack.client.send(new DeleteObjectCommand({ Bucket: SOURCE_BUCKET, Key: 'articles/di-chuyen.md' }));
    await stack.queue.idle();
    const after = readJsonFeed(await (await get('/feeds/thoi-su/feed.json')).text());
    expect(after.items.map((item) => item.title)).not.toContain('Di chuyển (sửa)');
  });

  it('answers 304 to If-None-Match and If-Modified-Since, and 200 when the feed changed', async () => {
    const first = await get('/feeds/rss.xml', { 'Accept-Encoding': 'identity' });
    const etag = first.headers.get('etag') ?? '';
    const lastModified = first.headers.get('last-modified') ?? '';
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const again = (headers: Record<string, string>) =>
      get('/feeds/rss.xml', { 'Accept-Encoding': 'identity', ...headers });
    expect((await again({ 'If-None-Match': etag })).status).toBe(304);
    expect((await again({ 'If-Modified-Since': lastModified })).status).toBe(304);
    expect((await again({ 'If-None-Match': '"other"' })).status).toBe(200);
    await upload('articles/moi-nhat.md', '---\ntitle: Mới nhất\ndate: 2025-12-31\ncategory: Thời sự\n---\nx');
    expect((await again({ 'If-None-Match': etag })).status).toBe(200);
  });

  it('serves every feed type to a reader that accepts gzip as the same text', async () => {
    for (const file of [
      '/feeds/rss.xml',
      '/feeds/atom.xml',
      '/feeds/feed.json',
      '/feeds/index.html',
      '/feeds/index.opml',
    ]) {
      const plain = await raw(file, 'identity');
      expect(plain.headers['content-encoding']).toBeUndefined();
      for (const accept of ['gzip', 'gzip, deflate, br']) {
        const sent = await raw(file, accept);
        const encoding = sent.headers['content-encoding'];
        const text =
          encoding === 'gzip'
            ? gunzipSync(sent.body).toString('utf8')
            : encoding === 'br'
              ? brotliDecompressSync(sent.body).toString('utf8')
              : sent.body.toString('utf8');
        expect({ file, accept, text }).toEqual({ file, accept, text: plain.body.toString('utf8') });
      }
    }
  });

  it('sends the content types, cache policy, CORS and security headers of the CDK policy', async () => {
    const response = await get('/feeds/xay-dung-dang/atom.xml', { Origin: 'https://partner.example.vn' });
    expect(response.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=60/);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=63072000/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect((await get('/feeds/feed.json')).headers.get('content-type')).toBe(
      'application/feed+json; charset=utf-8',
    );
    expect((await get('/feeds/index.opml')).headers.get('content-type')).toBe('text/x-opml; charset=utf-8');
    const preflight = await fetch(`${base}/feeds/rss.xml`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://partner.example.vn', 'Access-Control-Request-Method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET,HEAD');
    expect((await fetch(`${base}/feeds/rss.xml`, { method: 'POST' })).status).toBe(403);
    const head = await fetch(`${base}/feeds/rss.xml`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
  });

  it('answers 404 for a missing feed', async () => {
    expect((await get('/feeds/khong-co/rss.xml')).status).toBe(404);
    expect((await get('/feeds/khong-co/rss.xml')).headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves a feeds page that lists every category with its three feeds', async () => {
    const page = parseHtml(await (await get('/')).text());
    const rows = findAll(page, (e) => e.tagName === 'tr' && attribute(e, 'data-category') !== undefined);
    expect(rows.map((row) => attribute(row, 'data-category'))).toEqual(
      ['ha-tinh', 'thoi-su', 'van-hoa', 'xay-dung-dang', 'chuyen-doi-so'].sort(),
    );
  });

  it('coalesces a burst of uploads into a few deliveries', async () => {
    // GIVEN the queue at rest, its deliveries held back while the burst arrives (as a batching
    // window does; held, so that a slow machine gives the same burst)
    await stack.queue.idle();
    const before = stack.queue.deliveries;
    const release = stack.queue.hold();
    // WHEN 30 articles are uploaded at once
    const keys = Array.from({ length: 30 }, (_, i) => `articles/loat ${i}.md`);
    await Promise.all(
      keys.map((key, i) =>
        stack.client.send(
          new PutObjectCommand({
            Bucket: SOURCE_BUCKET,
            Key: key,
            Body: `---\ntitle: Loạt ${i}\ndate: 2025-08-01T08:${String(i).padStart(2, '0')}+07:00\ncategory: Thể thao\n---\nx`,
          }),
        ),
      ),
    );
    expect(stack.queue.backlog).toBeGreaterThanOrEqual(30);
    release();
    await stack.queue.idle();
    // THEN one delivery (one Lambda invocation; a minute's tick may come in a second) applied
    // them all, and all are shown
    expect(stack.queue.deliveries - before).toBeLessThanOrEqual(2);
    const sport = readJsonFeed(await (await get('/feeds/the-thao/feed.json')).text());
    expect(sport.items).toHaveLength(30);
  });

  it('publishes a scheduled article with the tick the stack puts on the queue', async () => {
    // GIVEN an article dated an hour ahead, uploaded
    const due = Date.now() + 3_600_000;
    const date = new Date(due).toISOString().replace(/\.\d+Z$/, 'Z');
    await upload('articles/hen-gio.md', `---\ntitle: Hẹn giờ\ndate: ${date}\ncategory: Hẹn giờ\n---\nx`);
    // THEN it is held back
    expect(lines).toContainEqual(
      expect.stringMatching(/^published .*"key":"articles\/hen-gio\.md","status":"scheduled"/),
    );
    expect((await get('/feeds/hen-gio/rss.xml')).status).toBe(404);
    // WHEN its time has passed (the publisher's clock moves two hours on) THEN a tick
    // publishes it, with no other event
    clockOffset = 2 * 3_600_000;
    const shown = async () => (await get('/feeds/hen-gio/rss.xml')).status === 200;
    const deadline = Date.now() + 30_000;
    while (!(await shown()) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await shown()).toBe(true);
    const feed = await readWithFeedParser(await (await get('/feeds/hen-gio/rss.xml')).text());
    expect(feed.items.map((item) => item.title)).toEqual(['Hẹn giờ']);
  }, 60_000);

  it('puts files into the local bucket with `feedgen upload`, and says so', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'feedgen-upload-'));
    try {
      const file = path.join(work, 'Bài tải lên.md');
      require('node:fs').writeFileSync(
        file,
        '---\ntitle: Bài tải lên\ndate: 2025-07-13\ncategory: Văn hóa\n---\nx',
      );
      const stdout: string[] = [];
      const stderr: string[] = [];
      const code = await main(['upload', file, path.join(work, 'missing.md'), path.join(work, 'anh.jpg')], {
        cwd: work,
        stdout: (l) => stdout.push(l),
        stderr: (l) => stderr.push(l),
        now: () => Date.now(),
        s3Client: () => stack.client,
      });
      expect(code).toBe(1);
      expect(stdout).toEqual([`uploaded ${file} to s3://feedgen-articles/articles/Bài tải lên.md`]);
      expect(stderr).toEqual([
        expect.stringMatching(/^could not read .*missing\.md: ENOENT/),
        expect.stringMatching(/^skipped .*anh\.jpg: not an article/),
      ]);
      await stack.queue.idle();
      const culture = readJsonFeed(await (await get('/feeds/van-hoa/feed.json')).text());
      expect(culture.items.map((item) => item.title)).toContain('Bài tải lên');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('keeps its data between restarts, and does not load the examples twice', async () => {
    await stack.stop();
    stack = await start(data);
    expect(await stack.seed([{ name: 'x.md', body: Buffer.from('x') }])).toBe(0);
    const entries = children(checkAtom(await (await get('/feeds/atom.xml')).text()), 'entry', NS.atom);
    expect(entries.length).toBeGreaterThan(9);
  });

  it('says which port is taken and which variable to set', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const other = mkdtempSync(path.join(tmpdir(), 'feedgen-local-'));
    try {
      await expect(
        startLocalStack({
          config: TEST_CONFIG,
          dataDirectory: other,
          s3Port: 0,
          cdnPort: port,
          accessKeyId: 'feedgen',
          secretAccessKey: 'feedgen',
          log,
        }),
      ).rejects.toThrow(new PortTakenError(port, 'FEEDGEN_CDN_PORT', 'local CDN'));
    } finally {
      blocker.close();
      rmSync(other, { recursive: true, force: true });
    }
  });
});
