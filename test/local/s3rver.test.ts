// Proves test/helpers/s3rver.ts and pins down how s3rver 3.7 (the fake S3 the integration
// tests run against) behaves where it matters to us, including where it differs from
// real S3. File:line references are into node_modules/s3rver. Its event notifications are
// pinned down in test/local/s3rver-events.test.ts, and how local/conditional-writes.ts makes
// it honour conditional writes in test/local/conditional-writes.test.ts.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { type S3Harness, startS3 } from '../helpers/s3rver';

const BUCKET = 'feeds';
const RSS_TYPE = 'application/rss+xml; charset=utf-8';
const VIETNAMESE = '<title>Báo Hà Tĩnh — Tin tức, thời sự: “Đường ven biển” đã thông xe</title>\n';

/** The rejection of `promise`, or a failure if it resolves. */
async function rejectionOf(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the S3 call to fail, but it succeeded');
}

describe('startS3 lifecycle', () => {
  test('listens on a free 127.0.0.1 port, creates the buckets and removes its temp directory on stop', async () => {
    const s3 = await startS3({ buckets: ['one', 'two'] });
    let stopped = false;
    try {
      expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(Number(new URL(s3.endpoint).port)).toBeGreaterThan(0);
      expect(s3.directory.startsWith(tmpdir())).toBe(true);
      expect(readdirSync(s3.directory).sort()).toEqual(['one', 'two']);
      await s3.client.send(new PutObjectCommand({ Bucket: 'two', Key: 'k', Body: 'v' }));
      await s3.stop();
      stopped = true;
      expect(existsSync(s3.directory)).toBe(false);
      await s3.stop(); // idempotent
    } finally {
      if (!stopped) await s3.stop();
    }
  });

  test('keeps a given directory, and a second server on it sees the data', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'feedgen-s3rver-given-'));
    try {
      const first = await startS3({ directory, buckets: [BUCKET] });
      try {
        expect(first.directory).toBe(directory);
        await first.client.send(
          new PutObjectCommand({ Bucket: BUCKET, Key: 'kept.txt', Body: 'still here' }),
        );
      } finally {
        await first.stop();
      }
      expect(existsSync(directory)).toBe(true);

      const second = await startS3({ directory });
      try {
        const got = await second.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'kept.txt' }));
        expect(await got.Body?.transformToString()).toBe('still here');
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test('two servers run side by side on different ports', async () => {
    const [a, b] = await Promise.all([startS3({ buckets: ['x'] }), startS3({ buckets: ['x'] })]);
    try {
      expect(a.endpoint).not.toBe(b.endpoint);
      await a.client.send(new PutObjectCommand({ Bucket: 'x', Key: 'only-in-a', Body: 'a' }));
      const listed = await b.client.send(new ListObjectsV2Command({ Bucket: 'x' }));
      expect(listed.KeyCount).toBe(0);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test('a throwing event listener does not fail the S3 request; stop() rethrows its error', async () => {
    const s3 = await startS3({ buckets: [BUCKET] });
    let stopError: unknown;
    try {
      s3.onEvent(() => {
        throw new Error('listener bug');
      });
      const put = await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'v' }));
      expect(put.$metadata.httpStatusCode).toBe(200);
    } finally {
      stopError = await s3.stop().then(
        () => undefined,
        (err: unknown) => err,
      );
    }
    expect(stopError).toEqual(new Error('listener bug'));
  });
});

describe('s3rver through @aws-sdk/client-s3', () => {
  let s3: S3Harness;

  beforeAll(async () => {
    s3 = await startS3({ buckets: [BUCKET] });
  });

  afterAll(async () => {
    await s3?.stop();
  });

  test('PutObject/GetObject/HeadObject keep bytes, Content-Type, Cache-Control and metadata', async () => {
    const Key = 'feeds/rss.xml';
    const put = await s3.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key,
        Body: VIETNAMESE,
        ContentType: RSS_TYPE,
        CacheControl: 'public, max-age=300',
        Metadata: { revision: '3' },
      }),
    );
    const md5 = createHash('md5').update(VIETNAMESE, 'utf8').digest('hex');
    expect(put.ETag).toBe(`"${md5}"`);

    const got = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    expect(bytes.equals(Buffer.from(VIETNAMESE, 'utf8'))).toBe(true);
    expect(got.ContentType).toBe(RSS_TYPE);
    expect(got.CacheControl).toBe('public, max-age=300');
    expect(got.Metadata).toEqual({ revision: '3' });
    expect(got.ETag).toBe(put.ETag);
    expect(got.ContentLength).toBe(Buffer.byteLength(VIETNAMESE, 'utf8'));

    const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key }));
    expect(head.ETag).toBe(put.ETag);
    expect(head.Metadata).toEqual({ revision: '3' });
    expect(head.ContentType).toBe(RSS_TYPE);
    expect(head.CacheControl).toBe('public, max-age=300');
    expect(head.LastModified).toBeInstanceOf(Date);
  });

  test('GetObject/HeadObject with If-None-Match equal to the ETag answer 304, as real S3 does', async () => {
    const Key = 'conditional/get.xml';
    const { ETag } = await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: VIETNAMESE }));
    expect(ETag).toMatch(/^"[0-9a-f]{32}"$/);

    // s3rver does implement If-None-Match on GET/HEAD (lib/controllers/object.js:165-172;
    // HEAD goes through the same getObject controller): it answers 304 with no body, which
    // the SDK turns into a thrown error whose $metadata.httpStatusCode is 304 (its `name`
    // is the generic 'Unknown' in SDK 3.1175, so test the status, not the name).
    // (s3rver opens the object's read stream before this check and never closes it on
    // 304, lib/controllers/object.js:146 and 170-171: one leaked fd per 304 until exit.)
    const notModified = await rejectionOf(
      s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key, IfNoneMatch: ETag })),
    );
    expect(notModified.$metadata?.httpStatusCode).toBe(304);
    const headNotModified = await rejectionOf(
      s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key, IfNoneMatch: ETag })),
    );
    expect(headNotModified.$metadata?.httpStatusCode).toBe(304);
    // '*' matches any existing object too.
    const star = await rejectionOf(
      s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key, IfNoneMatch: '*' })),
    );
    expect(star.$metadata?.httpStatusCode).toBe(304);

    // A different ETag gets the object.
    const changed = await s3.client.send(
      new GetObjectCommand({ Bucket: BUCKET, Key, IfNoneMatch: '"00000000000000000000000000000000"' }),
    );
    expect(changed.$metadata.httpStatusCode).toBe(200);
    expect(await changed.Body?.transformToString()).toBe(VIETNAMESE);

    // But the comparison is a plain string equality with the quoted ETag: the same ETag
    // without its quotes does NOT match, and s3rver answers 200 with the body. So code
    // under test must send the ETag exactly as S3 returned it (quotes included).
    const unquoted = await s3.client.send(
      new GetObjectCommand({ Bucket: BUCKET, Key, IfNoneMatch: ETag?.replace(/"/g, '') }),
    );
    expect(unquoted.$metadata.httpStatusCode).toBe(200);
    await unquoted.Body?.transformToString();
  });

  test('conditional writes are ignored: PutObject with a wrong If-Match or If-None-Match: * overwrites', async () => {
    const Key = 'conditional/put.xml';
    const first = await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'first' }));

    // Real S3 answers 412 PreconditionFailed here. s3rver's putObject controller
    // (lib/controllers/object.js:464-497) never reads If-Match / If-None-Match, so the
    // write succeeds and replaces the object.
    const wrongIfMatch = await s3.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key,
        Body: 'second',
        IfMatch: '"0123456789abcdef0123456789abcdef"',
      }),
    );
    expect(wrongIfMatch.$metadata.httpStatusCode).toBe(200);
    expect(wrongIfMatch.ETag).not.toBe(first.ETag);
    const afterIfMatch = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
    expect(await afterIfMatch.Body?.transformToString()).toBe('second');

    // Same for create-only writes (If-None-Match: *) on an existing key: real S3 says 412.
    const createOnly = await s3.client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'third', IfNoneMatch: '*' }),
    );
    expect(createOnly.$metadata.httpStatusCode).toBe(200);
    const afterIfNoneMatch = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
    expect(await afterIfNoneMatch.Body?.transformToString()).toBe('third');
  });

  test('keys with spaces, +, % and Vietnamese letters round-trip through Put/Get/ListObjectsV2', async () => {
    const keys = [
      'keys/articles/Hà Tĩnh + tin 100%.md',
      'keys/articles/a b.md',
      'keys/articles/c+d.md',
      'keys/articles/%2B looks-encoded.md',
      'keys/articles/tiếng Việt/đường ven biển.md',
      'keys/articles/?#&=;.md',
    ];
    for (const [i, Key] of keys.entries()) {
      await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: `body ${i} ${Key}` }));
    }
    for (const [i, Key] of keys.entries()) {
      const got = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
      expect(await got.Body?.transformToString()).toBe(`body ${i} ${Key}`);
    }
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'keys/' }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([...keys].sort());
    expect(listed.KeyCount).toBe(keys.length);
    // A '+' in a key is not a space: 'c+d.md' and 'c d.md' are different objects.
    const space = await rejectionOf(
      s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'keys/articles/c d.md' })),
    );
    expect(space.name).toBe('NoSuchKey');
  });

  test('ListObjectsV2 pages with MaxKeys and ContinuationToken', async () => {
    const keys = ['page/0.md', 'page/1.md', 'page/2.md', 'page/3.md', 'page/4.md'];
    for (const Key of keys) await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: Key }));

    // Works only thanks to the harness's DES fallback: s3rver's continuation tokens use
    // single DES (lib/controllers/bucket.js:13-38), which Node 17+/OpenSSL 3 refuse, so
    // without it the first truncated page is a 500 InternalError.
    const pages: Array<{ keys: string[]; truncated: boolean | undefined; token: string | undefined }> = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await s3.client.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'page/', MaxKeys: 2, ContinuationToken }),
      );
      pages.push({
        keys: (page.Contents ?? []).map((o) => o.Key ?? ''),
        truncated: page.IsTruncated,
        token: page.NextContinuationToken,
      });
      ContinuationToken = page.NextContinuationToken;
    } while (ContinuationToken && pages.length < 10);

    expect(pages.map((p) => p.keys)).toEqual([
      ['page/0.md', 'page/1.md'],
      ['page/2.md', 'page/3.md'],
      ['page/4.md'],
    ]);
    expect(pages.map((p) => p.truncated)).toEqual([true, true, false]);
    expect(pages[0]?.token).toEqual(expect.any(String));
    expect(pages[2]?.token).toBeUndefined();
  });

  test('listing order is by file-system walk, not by key bytes as in S3 — and pagination can skip keys', async () => {
    // s3rver stores 'dir/a/b.md' as directory 'a' and 'dir/a.md' as file 'a.md._S3rver_object'
    // and lists by walking the tree in readdir order (lib/stores/filesystem.js:160-212,
    // lib/utils.js:9-19), so every key under 'dir/a/' comes before 'dir/a.md'. S3 sorts by
    // UTF-8 bytes: '.' (0x2E) < '/' (0x2F), so 'dir/a.md' comes first.
    for (const Key of ['order/a/b.md', 'order/a.md']) {
      await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: Key }));
    }
    const all = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'order/' }));
    expect((all.Contents ?? []).map((o) => o.Key)).toEqual(['order/a/b.md', 'order/a.md']);

    // Continuing after 'order/a/b.md' drops every key that sorts before it ('order/a.md'),
    // so paging over such a prefix loses objects. Keep such layouts out of paged listings.
    const first = await s3.client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'order/', MaxKeys: 1 }),
    );
    expect((first.Contents ?? []).map((o) => o.Key)).toEqual(['order/a/b.md']);
    expect(first.IsTruncated).toBe(true);
    const second = await s3.client.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        Prefix: 'order/',
        MaxKeys: 1,
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    expect(second.Contents ?? []).toEqual([]);
    expect(second.IsTruncated).toBe(false);
  });

  test('DeleteObject, then GetObject fails with NoSuchKey and HeadObject with NotFound', async () => {
    const Key = 'delete/me.md';
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'bye' }));
    const deleted = await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);

    const get = await rejectionOf(s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key })));
    expect(get).toBeInstanceOf(NoSuchKey);
    expect(get.name).toBe('NoSuchKey');
    expect(get.$metadata?.httpStatusCode).toBe(404);

    const head = await rejectionOf(s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key })));
    expect(head.name).toBe('NotFound');
    expect(head.$metadata?.httpStatusCode).toBe(404);

    // Deleting a missing key succeeds, as in S3.
    const again = await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key }));
    expect(again.$metadata.httpStatusCode).toBe(204);
  });

  test('an object bigger than 1 MiB round-trips, from a Buffer and from a stream', async () => {
    const body = randomBytes(1024 * 1024 + 123_457);
    const md5 = createHash('md5').update(body).digest('hex');

    const put = await s3.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'big/buffer.bin',
        Body: body,
        ContentType: 'application/octet-stream',
      }),
    );
    expect(put.ETag).toBe(`"${md5}"`);
    const got = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big/buffer.bin' }));
    expect(got.ContentLength).toBe(body.length);
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(body)).toBe(true);

    // A stream body (with a known length) is where the SDK's default aws-chunked upload
    // would be stored with its chunk framing; with the harness's WHEN_REQUIRED checksum
    // settings it is sent as plain bytes.
    const chunks = [body.subarray(0, 500_000), body.subarray(500_000)];
    await s3.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'big/stream.bin',
        Body: Readable.from(chunks),
        ContentLength: body.length,
      }),
    );
    const gotStream = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big/stream.bin' }));
    expect(gotStream.ETag).toBe(`"${md5}"`);
    expect(Buffer.from((await gotStream.Body?.transformToByteArray()) ?? []).equals(body)).toBe(true);
  });
});
