import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { enforceConditionalWrites } from '../../local/conditional-writes';
import { S3Store } from '../../shared/adapters/s3-store';
import { PreconditionFailed } from '../../shared/publishing/ports';
import { type S3Harness, startS3 } from '../helpers/s3rver';

// s3rver ignores If-Match and If-None-Match on PutObject (test/s3rver.test.ts); the local
// stack's client answers them as S3 does, which is what fences its writers.

const BUCKET = 'feedgen-articles';
let s3: S3Harness;
beforeAll(async () => {
  s3 = await startS3({ buckets: [BUCKET] });
  enforceConditionalWrites(s3.client);
});
afterAll(async () => {
  await s3?.stop();
});

const write = (Key: string, Body: string, condition: { IfMatch?: string; IfNoneMatch?: string } = {}) =>
  s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body, ...condition }));

async function statusOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
    return 200;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  }
}

async function read(Key: string): Promise<string> {
  const got = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
  return (await got.Body?.transformToString('utf8')) ?? '';
}

describe('conditional writes on s3rver, through the local stack client', () => {
  it('answers 412 to If-Match with another ETag, and writes with the current one', async () => {
    const { ETag } = await write('state/manifest.json', 'one');
    expect(
      await statusOf(write('state/manifest.json', 'two', { IfMatch: '"0123456789abcdef0123456789abcdef"' })),
    ).toBe(412);
    expect(await read('state/manifest.json')).toBe('one');
    expect(await statusOf(write('state/manifest.json', 'two', { IfMatch: ETag }))).toBe(200);
    expect(await read('state/manifest.json')).toBe('two');
  });

  it('answers 412 to If-None-Match: * when the object exists, and creates it when it does not', async () => {
    expect(await statusOf(write('state/new.json', 'first', { IfNoneMatch: '*' }))).toBe(200);
    expect(await statusOf(write('state/new.json', 'second', { IfNoneMatch: '*' }))).toBe(412);
    expect(await read('state/new.json')).toBe('first');
  });

  it('lets exactly one of two writers that read the same ETag write', async () => {
    const { ETag } = await write('state/race.json', 'base');
    const results = await Promise.all(
      ['a', 'b'].map((body) => statusOf(write('state/race.json', body, { IfMatch: ETag }))),
    );
    expect(results.sort()).toEqual([200, 412]);
    expect(['a', 'b']).toContain(await read('state/race.json'));
  });

  it('makes S3Store throw PreconditionFailed for a lost race, a deleted object included', async () => {
    const store = new S3Store(s3.client, BUCKET);
    const { etag } = await store.put('state/s.json', '{}', { contentType: 'application/json' });
    await store.put('state/s.json', '{"a":1}', { contentType: 'application/json', ifMatch: etag });
    await expect(
      store.put('state/s.json', '{"b":1}', { contentType: 'application/json', ifMatch: etag }),
    ).rejects.toEqual(new PreconditionFailed('state/s.json'));
    await store.delete('state/s.json');
    await expect(
      store.put('state/s.json', '{}', { contentType: 'application/json', ifMatch: etag }),
    ).rejects.toBeInstanceOf(PreconditionFailed);
  });
});
