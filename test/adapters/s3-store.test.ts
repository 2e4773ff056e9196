import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3Store } from '../../shared/adapters/s3-store';
import { createCommitter } from '../../shared/adapters/wiring';
import { MANIFEST_KEY } from '../../shared/publishing/layout';
import { NOT_MODIFIED, PreconditionFailed } from '../../shared/publishing/ports';
import { TEST_CONFIG } from '../helpers/articles';

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

const noSleep = async (): Promise<void> => {};
const store = () =>
  new S3Store(
    new S3Client({ region: 'us-east-1' }),
    'feedgen-articles',
    { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 },
    noSleep,
  );

function awsError(name: string, status: number, extra: Record<string, unknown> = {}): S3ServiceException {
  return Object.assign(
    new S3ServiceException({
      name,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: status },
    }),
    extra,
  );
}

/** The part of the SDK's response stream the store uses. */
function body(text: string) {
  const bytes = Buffer.from(text, 'utf8');
  // biome-ignore lint/suspicious/noExplicitAny: a stand-in for the SDK's stream mixin
  return { transformToByteArray: async () => new Uint8Array(bytes) } as any;
}

describe('S3Store', () => {
  it('reads an object with its ETag', async () => {
    s3.on(GetObjectCommand, { Bucket: 'feedgen-articles', Key: 'articles/a.md' }).resolves({
      Body: body('xin chào'),
      ETag: '"e1"',
    });
    const object = await store().get('articles/a.md');
    expect(object).not.toBe(NOT_MODIFIED);
    expect(object && object !== NOT_MODIFIED ? Buffer.from(object.body).toString('utf8') : undefined).toBe(
      'xin chào',
    );
  });

  it('says undefined for a missing object and NOT_MODIFIED for a 304', async () => {
    s3.on(GetObjectCommand, { Key: 'articles/none.md' }).rejects(awsError('NoSuchKey', 404));
    s3.on(GetObjectCommand, { Key: 'articles/same.md' }).rejects(awsError('NotModified', 304));
    s3.on(HeadObjectCommand).rejects(awsError('NotFound', 404));
    expect(await store().get('articles/none.md')).toBeUndefined();
    expect(await store().get('articles/same.md', { ifNoneMatch: '"e1"' })).toBe(NOT_MODIFIED);
    expect(s3.commandCalls(GetObjectCommand)[1]?.args[0].input.IfNoneMatch).toBe('"e1"');
    expect(await store().head('articles/none.md')).toBeUndefined();
  });

  it('sends conditional writes and turns 412 and 409 into PreconditionFailed, without retrying', async () => {
    s3.on(PutObjectCommand, { Key: 'state/a.json' }).rejects(awsError('PreconditionFailed', 412));
    s3.on(PutObjectCommand, { Key: 'state/b.json' }).rejects(awsError('ConditionalRequestConflict', 409));
    await expect(
      store().put('state/a.json', '{}', { contentType: 'application/json', ifMatch: '"e1"' }),
    ).rejects.toBeInstanceOf(PreconditionFailed);
    await expect(
      store().put('state/b.json', '{}', { contentType: 'application/json', ifNoneMatch: '*' }),
    ).rejects.toBeInstanceOf(PreconditionFailed);
    const inputs = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(inputs.map((input) => [input.IfMatch, input.IfNoneMatch])).toEqual([
      ['"e1"', undefined],
      [undefined, '*'],
    ]);
  });

  it('turns 404 NoSuchKey on an If-Match write into PreconditionFailed: the object read was deleted since', async () => {
    // GIVEN an S3 that answers a conditional write on a missing key as S3 does
    s3.on(PutObjectCommand, { Key: 'state/gone.json' }).rejects(awsError('NoSuchKey', 404));
    // WHEN a state object read earlier is written with If-Match THEN it is a lost race, not a failure
    await expect(
      store().put('state/gone.json', '{}', { contentType: 'application/json', ifMatch: '"e1"' }),
    ).rejects.toBeInstanceOf(PreconditionFailed);
    // and a plain write that gets 404 (no bucket) stays an error
    s3.on(PutObjectCommand, { Key: 'state/plain.json' }).rejects(awsError('NoSuchBucket', 404));
    await expect(
      store().put('state/plain.json', '{}', { contentType: 'application/json' }),
    ).rejects.not.toBeInstanceOf(PreconditionFailed);
  });

  it('writes the content type and cache policy it is given', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"e2"' });
    expect(
      await store().put('feeds/rss.xml', '<rss/>', {
        contentType: 'application/rss+xml; charset=utf-8',
        cacheControl: 'public, max-age=60',
      }),
    ).toEqual({ etag: '"e2"' });
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'feedgen-articles',
      Key: 'feeds/rss.xml',
      ContentType: 'application/rss+xml; charset=utf-8',
      CacheControl: 'public, max-age=60',
    });
  });

  it.each([
    ['503 SlowDown', awsError('SlowDown', 503)],
    ['500 InternalError', awsError('InternalError', 500)],
    ['a timeout', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })],
    ['a connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
  ])('retries %s with backoff, then succeeds', async (_name, error) => {
    s3.on(PutObjectCommand).rejectsOnce(error).rejectsOnce(error).resolves({ ETag: '"ok"' });
    const delays: number[] = [];
    const s = new S3Store(
      new S3Client({}),
      'b',
      { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
      async (ms) => {
        delays.push(ms);
      },
    );
    expect(await s.put('k', 'x', { contentType: 'text/plain' })).toEqual({ etag: '"ok"' });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(3);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeLessThanOrEqual(200);
  });

  it('gives up after its attempts with a message naming the operation, key and bucket', async () => {
    s3.on(GetObjectCommand).rejects(awsError('SlowDown', 503));
    await expect(store().get('articles/a.md')).rejects.toThrow(
      /GET articles\/a\.md in bucket feedgen-articles failed 4 times/,
    );
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(4);
  });

  it('does not retry a client error', async () => {
    s3.on(PutObjectCommand).rejects(awsError('AccessDenied', 403));
    await expect(store().put('k', 'x', { contentType: 'text/plain' })).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it('lists every page of a prefix', async () => {
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
      Contents: [{ Key: 'state/a', ETag: '"1"', Size: 1 }],
      IsTruncated: true,
      NextContinuationToken: 't2',
    });
    s3.on(ListObjectsV2Command, { ContinuationToken: 't2' }).resolves({
      Contents: [{ Key: 'state/b', ETag: '"2"', Size: 2 }],
      IsTruncated: false,
    });
    const keys: string[] = [];
    for await (const object of store().list('state/')) keys.push(object.key);
    expect(keys).toEqual(['state/a', 'state/b']);
  });

  it('deletes', async () => {
    s3.on(DeleteObjectCommand).resolves({});
    await store().delete('reports/a.md.json');
    expect(s3.commandCalls(DeleteObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'feedgen-articles',
      Key: 'reports/a.md.json',
    });
  });
});

describe('the committer over S3Store, with the SDK mocked', () => {
  it('retries SlowDown bursts, and applies the batch again when it loses the manifest (412)', async () => {
    // GIVEN an S3 where every write first answers 503, and the first manifest write loses a race
    const objects = new Map<string, { body: Buffer; etag: string }>();
    let etagCounter = 0;
    let raced = false;
    s3.on(GetObjectCommand).callsFake(async (input) => {
      const object = objects.get(`${input.Bucket}/${input.Key}`);
      if (!object) throw awsError('NoSuchKey', 404);
      if (input.IfNoneMatch === object.etag) throw awsError('NotModified', 304);
      return { Body: body(object.body.toString('utf8')), ETag: object.etag };
    });
    s3.on(HeadObjectCommand).callsFake(async (input) => {
      const object = objects.get(`${input.Bucket}/${input.Key}`);
      if (!object) throw awsError('NotFound', 404);
      return { ETag: object.etag, ContentLength: object.body.length };
    });
    const failedOnce = new Set<string>();
    s3.on(PutObjectCommand).callsFake(async (input) => {
      const key = `${input.Bucket}/${input.Key}`;
      if (!failedOnce.has(key)) {
        failedOnce.add(key);
        throw awsError('SlowDown', 503);
      }
      if (input.Key === MANIFEST_KEY && !raced) {
        raced = true;
        throw awsError('PreconditionFailed', 412);
      }
      const existing = objects.get(key);
      if (input.IfNoneMatch === '*' && existing) throw awsError('PreconditionFailed', 412);
      if (input.IfMatch !== undefined && existing?.etag !== input.IfMatch)
        throw awsError('PreconditionFailed', 412);
      const etag = `"${++etagCounter}"`;
      objects.set(key, { body: Buffer.from(input.Body as Uint8Array), etag });
      return { ETag: etag };
    });
    s3.on(ListObjectsV2Command).callsFake(async (input) => ({
      Contents: [...objects]
        .filter(([key]) => key.startsWith(`${input.Bucket}/${input.Prefix ?? ''}`))
        .map(([key, object]) => ({ Key: key.slice(`${input.Bucket}/`.length), ETag: object.etag, Size: 1 })),
      IsTruncated: false,
    }));
    s3.on(DeleteObjectCommand).callsFake(async (input) => {
      objects.delete(`${input.Bucket}/${input.Key}`);
      return {};
    });
    objects.set('src/articles/a.md', {
      body: Buffer.from('---\ntitle: A\ndate: 2025-06-30\ncategory: Thời sự\n---\nx'),
      etag: '"a"',
    });
    const committer = createCommitter({
      client: new S3Client({}),
      sourceBucket: 'src',
      outputBucket: 'out',
      config: TEST_CONFIG,
      clock: () => Date.parse('2026-01-01'),
      log: { info: () => {}, warn: () => {}, error: () => {} },
    });
    // WHEN
    const result = await committer.apply({ changes: [{ key: 'articles/a.md' }] });
    // THEN
    expect(result).toMatchObject({
      committed: true,
      attempts: 2,
      outcomes: [{ key: 'articles/a.md', status: 'published', feeds: ['_site', 'thoi-su'] }],
    });
    expect(raced).toBe(true);
    expect(objects.get('out/feeds/thoi-su/rss.xml')?.body.toString('utf8')).toContain('<title>A</title>');
  });
});
