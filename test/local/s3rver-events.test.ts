// How s3rver 3.7 emits S3 event notifications, which the local stack turns into the queue's
// messages (see test/s3rver.test.ts for the rest of its behaviour). File:line references
// are into node_modules/s3rver.
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type S3Harness, type S3rverEventRecord, startS3 } from '../helpers/s3rver';

const BUCKET = 'feeds';

/** How real S3 writes `s3.object.key` in event notifications (form-urlencoded UTF-8). */
function realS3EventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

let s3: S3Harness;
beforeAll(async () => {
  s3 = await startS3({ buckets: [BUCKET] });
});
afterAll(async () => {
  await s3?.stop();
});

describe('S3 event notifications', () => {
  let records: S3rverEventRecord[];
  let unsubscribe: (() => void) | undefined;

  beforeEach(() => {
    records = [];
    unsubscribe = s3.onEvent((record) => records.push(record as S3rverEventRecord));
  });

  afterEach(() => {
    unsubscribe?.();
  });

  test('PutObject and DeleteObject emit ObjectCreated:Put / ObjectRemoved:Delete records', async () => {
    const Key = 'articles/Hà Tĩnh + tin.md';
    const Body = '# Hà Tĩnh\n';
    const before = Date.now();
    const put = await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
    // Emitted synchronously inside the request handler (lib/controllers/object.js:36-44,
    // 478-485), so it has arrived by the time the SDK call resolves.
    expect(records).toHaveLength(1);
    const created = records[0] as S3rverEventRecord;
    expect(created).toMatchObject({
      eventVersion: '2.0',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1', // hard-coded (lib/models/event.js:45)
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'testConfigId',
        // Note the spaces: real S3 says 'arn:aws:s3:::feeds' (lib/models/event.js:69).
        bucket: { name: BUCKET, arn: `arn:aws:s3: : :${BUCKET}` },
        object: {
          size: Buffer.byteLength(Body, 'utf8'),
          // The ETag without its quotes, like real S3's event eTag.
          eTag: put.ETag?.replace(/"/g, ''),
        },
      },
    });
    expect(Date.parse(created.eventTime)).toBeGreaterThanOrEqual(before - 1);

    // The key is the raw key (ctx.params.key after @koa/router's decodeURIComponent,
    // lib/controllers/object.js:478-485), NOT URL-encoded the way real S3 writes it
    // (form-urlencoded UTF-8: space -> '+', '+' -> '%2B', 'à' -> '%C3%A0').
    expect(created.s3.object.key).toBe(Key);
    expect(created.s3.object.key).not.toBe(realS3EventKey(Key));
    expect(realS3EventKey(Key)).toBe('articles/H%C3%A0+T%C4%A9nh+%2B+tin.md');
    // So the decoding a handler needs for real S3 events mangles s3rver's keys:
    const decodeLikeForRealS3 = (k: string) => decodeURIComponent(k.replace(/\+/g, ' '));
    expect(decodeLikeForRealS3(realS3EventKey(Key))).toBe(Key);
    expect(decodeLikeForRealS3(created.s3.object.key)).toBe('articles/Hà Tĩnh   tin.md');
    expect(() => decodeLikeForRealS3('articles/tin 100%.md')).toThrow(URIError);

    // sequencer is present, but it is just Date.now() in upper-case hex
    // (lib/models/event.js:13-15): millisecond resolution, so two events on a key in
    // the same millisecond get the same sequencer (real S3's is unique per key, longer).
    const putSequencer = created.s3.object.sequencer;
    expect(putSequencer).toMatch(/^[0-9A-F]+$/);
    const putMs = Number.parseInt(putSequencer, 16);
    expect(putMs).toBeGreaterThanOrEqual(before);
    expect(putMs).toBeLessThanOrEqual(Date.now());

    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key }));
    expect(records).toHaveLength(2);
    const removed = records[1] as S3rverEventRecord;
    expect(removed.eventName).toBe('ObjectRemoved:Delete');
    expect(removed.s3.bucket.name).toBe(BUCKET);
    expect(removed.s3.object.key).toBe(Key);
    // No size or eTag on deletes (as in S3), but a sequencer.
    expect(Object.keys(removed.s3.object).sort()).toEqual(['key', 'sequencer']);
    expect(removed.s3.object.sequencer).toMatch(/^[0-9A-F]+$/);
    expect(Number.parseInt(removed.s3.object.sequencer, 16)).toBeGreaterThanOrEqual(putMs);

    // Deleting a key that does not exist emits nothing (lib/controllers/object.js:110-117).
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key }));
    expect(records).toHaveLength(2);
  });

  test('overwrites emit ObjectCreated:Put again; unsubscribing stops delivery', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'events/x.md', Body: 'one' }));
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'events/x.md', Body: 'two!' }));
    expect(records.map((r) => [r.eventName, r.s3.object.key, r.s3.object.size])).toEqual([
      ['ObjectCreated:Put', 'events/x.md', 3],
      ['ObjectCreated:Put', 'events/x.md', 4],
    ]);
    unsubscribe?.();
    unsubscribe = undefined;
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'events/x.md' }));
    expect(records).toHaveLength(2);
  });
});
