import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { main } from '../cli/main';
import { jsonLogger } from '../shared/adapters/logger';
import { S3Store } from '../shared/adapters/s3-store';
import { parseArticle } from '../shared/article';
import { resolveConfig } from '../shared/config';
import { Publisher } from '../shared/publisher';
import { buildSite } from '../shared/site';
import { type S3Harness, startS3 } from './helpers/s3rver';
import { basePath, decodedText, storedKeys } from './helpers/stored-site';

const ROOT = path.resolve(__dirname, '..');
const EXAMPLES = path.join(ROOT, 'examples', 'articles');
const SOURCE = 'feedgen-articles';
const OUTPUT = 'feedgen-feeds';
const NOW = Date.parse('2026-01-01T00:00:00Z');
const config = resolveConfig(
  JSON.parse(readFileSync(path.join(ROOT, 'feedgen.config.json'), 'utf8')),
  'feedgen.config.json',
);

let s3: S3Harness;
let work: string;
beforeEach(async () => {
  s3 = await startS3({ buckets: [SOURCE, OUTPUT] });
  work = mkdtempSync(path.join(tmpdir(), 'feedgen-rebuild-'));
  cpSync(path.join(ROOT, 'feedgen.config.json'), path.join(work, 'feedgen.config.json'));
});
afterEach(async () => {
  await s3.stop();
  rmSync(work, { recursive: true, force: true });
});

async function put(bucket: string, key: string, body: string): Promise<void> {
  await s3.client.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/plain' }),
  );
}

async function list(bucket: string, prefix: string): Promise<string[]> {
  const response = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (response.Contents ?? []).map((object) => object.Key ?? '').sort();
}

async function text(bucket: string, key: string): Promise<string> {
  const response = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await response.Body?.transformToString('utf8')) ?? '';
}

async function rebuild(extra: string[] = []) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const progress: string[] = [];
  const code = await main(
    ['rebuild', '--bucket', SOURCE, '--output-bucket', OUTPUT, '--endpoint', s3.endpoint, ...extra],
    {
      cwd: work,
      stdout: (line) => stdout.push(line),
      stderr: (line) => stderr.push(line),
      now: () => NOW,
      s3Client: () => s3.client,
      progress: (line) => progress.push(line),
    },
  );
  return { code, stdout, stderr, progress };
}

/** What `feedgen build` makes of the bucket's articles. */
async function fromScratch(): Promise<Map<string, string>> {
  const articles = [];
  for (const key of await list(SOURCE, 'articles/')) {
    const parsed = parseArticle(key, Buffer.from(await text(SOURCE, key), 'utf8'), config);
    if (parsed.ok) articles.push(parsed.article);
  }
  return new Map(buildSite(articles, config, NOW).files.map((file) => [file.path, file.body]));
}

async function expectOutputIsFromScratch(): Promise<void> {
  const expected = await fromScratch();
  const keys = await list(OUTPUT, 'feeds/');
  expect(keys).toEqual(storedKeys(expected));
  for (const key of keys) {
    const response = await s3.client.send(new GetObjectCommand({ Bucket: OUTPUT, Key: key }));
    const body = decodedText(key, (await response.Body?.transformToByteArray()) ?? new Uint8Array());
    expect({ key, body }).toEqual({ key, body: expected.get(basePath(key)) });
    expect(response.ContentEncoding).toBe(
      key.endsWith('.gz') ? 'gzip' : key.endsWith('.br') ? 'br' : undefined,
    );
  }
}

describe('feedgen rebuild', () => {
  it('rebuilds every feed and the state from the source bucket, and removes what is stale', async () => {
    // GIVEN the examples, a rejected, a draft and a scheduled article, and stale leftovers
    for (const name of readdirSync(EXAMPLES))
      await put(SOURCE, `articles/${name}`, readFileSync(path.join(EXAMPLES, name), 'utf8'));
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
    await put(
      SOURCE,
      'articles/sua.md',
      '---\ntitle: Sửa\ndate: 2025-06-01\nupdated: 2099-01-01\ncategory: Thời sự\n---\n',
    );
    await put(SOURCE, 'state/feeds/cu.json', '{}');
    await put(SOURCE, 'reports/da-xoa.md.json', '{}');
    await put(OUTPUT, 'feeds/chuyen-muc-cu/rss.xml', '<rss/>');

    // WHEN
    const result = await rebuild();

    // THEN
    expect(result.stderr).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stdout.join('')).toMatch(
      /from 13 articles .*: 9 published, 2 rejected \(see reports\/\), 1 drafts, 1 held back; 5 feeds/,
    );
    await expectOutputIsFromScratch();
    expect(await list(SOURCE, 'reports/')).toEqual(['reports/hong.md.json', 'reports/sua.md.json']);
    expect(JSON.parse(await text(SOURCE, 'reports/hong.md.json')).problems[0].field).toBe('date');
    expect(JSON.parse(await text(SOURCE, 'state/schedule.json')).due).toEqual({
      'articles/sap-toi.md': Date.parse('2026-02-28T17:00:00Z'),
      // rejected for its `updated` time: looked at again then
      'articles/sua.md': Date.parse('2098-12-31T17:00:00Z'),
    });
    expect(await list(SOURCE, 'state/feeds/')).not.toContain('state/feeds/cu.json');
    expect(result.progress.length).toBeGreaterThan(0);
  });

  it('leaves state the publisher carries on from', async () => {
    for (const name of readdirSync(EXAMPLES))
      await put(SOURCE, `articles/${name}`, readFileSync(path.join(EXAMPLES, name), 'utf8'));
    expect((await rebuild()).code).toBe(0);
    const publisher = new Publisher({
      source: new S3Store(s3.client, SOURCE),
      output: new S3Store(s3.client, OUTPUT),
      config,
      now: () => NOW,
      log: jsonLogger('test', () => {}),
    });
    await put(
      SOURCE,
      'articles/moi.md',
      '---\ntitle: Mới\ndate: 2025-07-05\ncategory: Chuyển đổi số\n---\nx',
    );
    await s3.client.send(
      new PutObjectCommand({
        Bucket: SOURCE,
        Key: 'articles/lan-toa-tinh-than-hoc-bac.md',
        Body: '---\ntitle: Lan tỏa\ndate: 24/6/2025\ncategory: Văn hóa\n---\n',
      }),
    );
    expect(
      await publisher.publish([{ key: 'articles/moi.md' }, { key: 'articles/lan-toa-tinh-than-hoc-bac.md' }]),
    ).toEqual([
      { key: 'articles/moi.md', ok: true, status: 'published' },
      { key: 'articles/lan-toa-tinh-than-hoc-bac.md', ok: true, status: 'published' },
    ]);
    await expectOutputIsFromScratch();
  });

  it('keeps an id with the first article by path, and the publisher carries the claim on', async () => {
    const withId = (title: string) =>
      `---\ntitle: ${title}\ndate: 2025-06-30\ncategory: Thời sự\nid: tag:baohatinh.vn,2025:mot\n---\nx`;
    await put(SOURCE, 'articles/a.md', withId('A'));
    await put(SOURCE, 'articles/b.md', withId('B'));
    expect((await rebuild()).code).toBe(0);
    await expectOutputIsFromScratch();
    expect(JSON.parse(await text(SOURCE, 'reports/b.md.json')).problems[0]).toMatchObject({ field: 'id' });
    const publisher = new Publisher({
      source: new S3Store(s3.client, SOURCE),
      output: new S3Store(s3.client, OUTPUT),
      config,
      now: () => NOW,
      log: jsonLogger('test', () => {}),
    });
    await put(SOURCE, 'articles/c.md', withId('C'));
    expect(await publisher.publish([{ key: 'articles/c.md' }])).toEqual([
      { key: 'articles/c.md', ok: true, status: 'rejected' },
    ]);
    await s3.client.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: 'articles/a.md' }));
    await publisher.publish([{ key: 'articles/a.md' }]);
    await expectOutputIsFromScratch();
  });

  it('needs both buckets', async () => {
    const stderr: string[] = [];
    const io = { cwd: work, stdout: () => {}, stderr: (l: string) => stderr.push(l), now: () => NOW };
    expect(await main(['rebuild', '--output-bucket', OUTPUT], io)).toBe(2);
    expect(await main(['rebuild', '--bucket', SOURCE], io)).toBe(2);
    expect(stderr.join('\n')).toMatch(
      /rebuild needs --bucket SOURCE[\s\S]*rebuild needs --output-bucket OUTPUT/,
    );
  });

  it('says what failed and that it can be run again when S3 cannot be reached', async () => {
    const endpoint = s3.endpoint;
    await s3.stop();
    const stderr: string[] = [];
    const code = await main(
      ['rebuild', '--bucket', SOURCE, '--output-bucket', OUTPUT, '--endpoint', endpoint],
      {
        cwd: work,
        stdout: () => {},
        stderr: (l) => stderr.push(l),
        now: () => NOW,
      },
    );
    expect(code).toBe(1);
    expect(stderr.join('')).toMatch(/^feedgen: rebuild failed: .*run it again/);
    s3 = await startS3({ buckets: [SOURCE, OUTPUT] });
  }, 60_000);
});
