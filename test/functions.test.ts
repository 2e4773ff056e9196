import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { requireEnv, siteConfigFromEnv } from '../shared/adapters/env';
import { decodeS3Key, encodeS3Key, parseMessage } from '../shared/adapters/sqs-events';
import { embeddedMetrics, jsonLogger } from '../shared/adapters/logger';
import { S3Store } from '../shared/adapters/s3-store';
import { createPublishHandler } from '../functions/publish';
import { createScheduleHandler } from '../functions/schedule';
import { MemoryStore } from '../shared/adapters/memory-store';
import type { Logger, Outcome } from '../shared/publisher';
import { Publisher } from '../shared/publisher';
import { NOT_MODIFIED, PreconditionFailed } from '../shared/publishing/ports';
import { TEST_CONFIG } from './helpers/articles';

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

describe('S3 event keys', () => {
  it.each([
    ['articles/H%C3%A0+T%C4%A9nh+%2B+tin.md', 'articles/Hà Tĩnh + tin.md'],
    ['articles/a+b.md', 'articles/a b.md'],
    ['articles/a%2Bb.md', 'articles/a+b.md'],
    ['articles/100%25.md', 'articles/100%.md'],
    ['articles/%C4%90%E1%BA%A3ng+vi%C3%AAn.md', 'articles/Đảng viên.md'],
  ])('decodes %s as S3 encoded it', (encoded, key) => {
    expect(decodeS3Key(encoded)).toBe(key);
    expect(encodeS3Key(key)).toBe(encoded);
  });

  it('decodes whatever it encodes (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (key) => {
        expect(decodeS3Key(encodeS3Key(key))).toBe(key);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

function sqsRecord(messageId: string, body: unknown): SQSRecord {
  return {
    messageId,
    receiptHandle: 'r',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {} as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:ap-southeast-1:123456789012:feedgen-events',
    awsRegion: 'ap-southeast-1',
  };
}

function s3Event(...records: Array<{ eventName: string; key: string; size?: number }>) {
  return {
    Records: records.map(({ eventName, key, size }) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName,
      s3: {
        bucket: { name: 'feedgen-articles' },
        object: { key, ...(size === undefined ? {} : { size }), sequencer: '0055AED6DCD90281E5' },
      },
    })),
  };
}

describe('parseMessage', () => {
  it('reads created, removed and delete-marker records, with sizes of created objects', () => {
    const message = parseMessage(
      sqsRecord(
        'm1',
        s3Event(
          { eventName: 'ObjectCreated:Put', key: 'articles/H%C3%A0+T%C4%A9nh+%2B+tin.md', size: 1200 },
          { eventName: 'ObjectRemoved:Delete', key: 'articles/b.md' },
          { eventName: 'ObjectRemoved:DeleteMarkerCreated', key: 'articles/c.md' },
          { eventName: 'ObjectRestore:Completed', key: 'articles/d.md' },
        ),
      ),
    );
    expect(message).toEqual({
      messageId: 'm1',
      kind: 'changes',
      changes: [
        { key: 'articles/Hà Tĩnh + tin.md', size: 1200 },
        { key: 'articles/b.md' },
        { key: 'articles/c.md' },
      ],
    });
  });

  it('recognises the s3:TestEvent sent when the notification is set up', () => {
    expect(
      parseMessage(
        sqsRecord('m2', { Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'feedgen-articles' }),
      ),
    ).toEqual({
      messageId: 'm2',
      kind: 'test',
    });
  });

  it('calls a message it cannot read invalid, saying why', () => {
    expect(parseMessage(sqsRecord('m3', 'not json'))).toMatchObject({
      kind: 'invalid',
      reason: 'the message body is not JSON',
    });
    expect(parseMessage(sqsRecord('m4', { hello: 1 }))).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/no S3 event Records/),
    });
    expect(
      parseMessage(sqsRecord('m5', s3Event({ eventName: 'ObjectCreated:Put', key: 'articles/%E0%A4.md' }))),
    ).toMatchObject({
      kind: 'invalid',
    });
  });
});

describe('publish handler', () => {
  const logs: string[] = [];
  const log: Logger = jsonLogger('test', (line) => logs.push(line));
  beforeEach(() => {
    logs.length = 0;
  });

  it('reports only the messages whose keys failed, for SQS to deliver again', async () => {
    const publisher = {
      publish: async (changes: readonly { key: string }[]): Promise<Outcome[]> =>
        changes.map(({ key }) =>
          key === 'articles/bad.md'
            ? { key, ok: false, error: 'S3 503' }
            : { key, ok: true, status: 'published' },
        ),
    };
    const handler = createPublishHandler({ publisher, log });
    const event: SQSEvent = {
      Records: [
        sqsRecord('ok', s3Event({ eventName: 'ObjectCreated:Put', key: 'articles/good.md', size: 10 })),
        sqsRecord('fails', s3Event({ eventName: 'ObjectCreated:Put', key: 'articles/bad.md', size: 10 })),
        sqsRecord('test', { Event: 's3:TestEvent' }),
        sqsRecord('garbage', '{'),
      ],
    };
    expect(await handler(event)).toEqual({
      batchItemFailures: [{ itemIdentifier: 'garbage' }, { itemIdentifier: 'fails' }],
    });
    const parsed = logs.map((line) => JSON.parse(line));
    expect(parsed).toContainEqual(
      expect.objectContaining({ level: 'ERROR', messageId: 'garbage', service: 'test' }),
    );
    expect(parsed).toContainEqual(
      expect.objectContaining({ level: 'INFO', message: expect.stringMatching(/test event/) }),
    );
  });

  it('reports a key whose S3 calls keep failing, and the redelivery publishes it', async () => {
    // GIVEN a real publisher over S3 stores whose client fails every other call with 503
    const source = new MemoryStore();
    const output = new MemoryStore();
    await source.put('articles/a.md', '---\ntitle: A\ndate: 2025-06-30\ncategory: Thời sự\n---\nx', {
      contentType: 'text/markdown',
    });
    const flaky = (inner: MemoryStore, failEvery: number) => {
      let calls = 0;
      return new Proxy(inner, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (typeof value !== 'function' || !['get', 'put', 'head', 'delete'].includes(String(property)))
            return value;
          return async (...args: unknown[]) => {
            calls++;
            if (calls % failEvery === 0) throw awsError('SlowDown', 503);
            return value.apply(target, args);
          };
        },
      });
    };
    const publisher = new Publisher({
      source: flaky(source, 1_000_000),
      output,
      config: TEST_CONFIG,
      now: () => Date.parse('2026-01-01'),
      log,
    });
    const handler = createPublishHandler({ publisher, log });
    const event = {
      Records: [sqsRecord('m', s3Event({ eventName: 'ObjectCreated:Put', key: 'articles/a.md', size: 50 }))],
    };
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    // WHEN the output bucket fails every call
    const broken = new Publisher({
      source,
      output: flaky(output, 1),
      config: TEST_CONFIG,
      now: () => Date.parse('2026-01-01'),
      log,
    });
    await source.put('articles/a.md', '---\ntitle: A2\ndate: 2025-06-30\ncategory: Thời sự\n---\nx', {
      contentType: 'text/markdown',
    });
    const result = await createPublishHandler({ publisher: broken, log })(event);
    // THEN the message is reported failed, and the log says which key and why
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm' }] });
    expect(logs.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        key: 'articles/a.md',
        message: expect.stringMatching(/delivered again/),
      }),
    );
    // AND the redelivery, once S3 is back, publishes the new version
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(output.text('feeds/feed.json')).toContain('"title": "A2"');
  });
});

describe('S3Store under the publisher, with the SDK mocked', () => {
  it('retries SlowDown bursts and 412 conflicts until the feeds are written', async () => {
    // GIVEN an S3 where every write first answers 503, and the first state write loses a race (412)
    const objects = new Map<string, { body: Buffer; etag: string }>();
    let etagCounter = 0;
    let raced = false;
    s3.on(GetObjectCommand).callsFake(async (input) => {
      const object = objects.get(input.Key);
      if (!object) throw awsError('NoSuchKey', 404);
      if (input.IfNoneMatch === object.etag) throw awsError('NotModified', 304);
      return { Body: body(object.body.toString('utf8')), ETag: object.etag };
    });
    s3.on(HeadObjectCommand).callsFake(async (input) => {
      const object = objects.get(input.Key);
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
      if (input.Key.startsWith('state/feeds/') && !raced) {
        raced = true;
        throw awsError('PreconditionFailed', 412);
      }
      const existing = objects.get(input.Key);
      if (input.IfNoneMatch === '*' && existing) throw awsError('PreconditionFailed', 412);
      if (input.IfMatch !== undefined && existing?.etag !== input.IfMatch)
        throw awsError('PreconditionFailed', 412);
      const etag = `"${++etagCounter}"`;
      objects.set(input.Key, { body: Buffer.from(input.Body as Uint8Array), etag });
      return { ETag: etag };
    });
    s3.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false });
    s3.on(DeleteObjectCommand).callsFake(async (input) => {
      objects.delete(input.Key);
      return {};
    });
    objects.set('articles/a.md', {
      body: Buffer.from('---\ntitle: A\ndate: 2025-06-30\ncategory: Thời sự\n---\nx'),
      etag: '"a"',
    });
    const client = new S3Client({});
    const fast = { attempts: 5, baseDelayMs: 1, maxDelayMs: 2 };
    const publisher = new Publisher({
      source: new S3Store(client, 'src', fast, noSleep),
      output: new S3Store(client, 'out', fast, noSleep),
      config: TEST_CONFIG,
      now: () => Date.parse('2026-01-01'),
      log: jsonLogger('test', () => {}),
    });
    // WHEN
    const outcomes = await publisher.publish([{ key: 'articles/a.md' }]);
    // THEN
    expect(outcomes).toEqual([{ key: 'articles/a.md', ok: true, status: 'published' }]);
    expect(raced).toBe(true);
    expect(objects.get('feeds/thoi-su/rss.xml')?.body.toString('utf8')).toContain('<title>A</title>');
  });
});

describe('schedule handler', () => {
  it('publishes due articles, checks the category list files, and fails the run if any article could not be published', async () => {
    // GIVEN a publisher with one due article
    let checks = 0;
    const checkIndexFiles = async () => {
      checks++;
    };
    const ok = createScheduleHandler({
      publisher: { publishDue: async () => [{ key: 'a', ok: true, status: 'published' }], checkIndexFiles },
      log: jsonLogger('t', () => {}),
    });
    // WHEN the schedule runs THEN it is published and the index files checked
    expect(await ok()).toEqual({ published: 1 });
    expect(checks).toBe(1);
    // GIVEN one that cannot be published THEN the run fails naming it
    const failing = createScheduleHandler({
      publisher: {
        publishDue: async () => [{ key: 'articles/b.md', ok: false, error: 'x' }],
        checkIndexFiles,
      },
      log: jsonLogger('t', () => {}),
    });
    await expect(failing()).rejects.toThrow(/could not publish 1 scheduled article\(s\): articles\/b\.md/);
  });
});

describe('configuration from the environment', () => {
  it('fails fast naming a missing or empty variable', () => {
    expect(() => requireEnv('SOURCE_BUCKET', {})).toThrow('environment variable SOURCE_BUCKET is not set');
    expect(() => requireEnv('SOURCE_BUCKET', { SOURCE_BUCKET: ' ' })).toThrow(/SOURCE_BUCKET is not set/);
    expect(requireEnv('SOURCE_BUCKET', { SOURCE_BUCKET: 'b' })).toBe('b');
  });

  it('reads the site settings from FEEDGEN_CONFIG, naming it in errors', () => {
    expect(
      siteConfigFromEnv({ FEEDGEN_CONFIG: '{"title":"Báo Hà Tĩnh","siteUrl":"https://baohatinh.vn"}' }),
    ).toMatchObject({
      title: 'Báo Hà Tĩnh',
      feedBaseUrl: 'https://baohatinh.vn/feeds/',
    });
    expect(() => siteConfigFromEnv({ FEEDGEN_CONFIG: '{' })).toThrow(/FEEDGEN_CONFIG is not JSON/);
    expect(() => siteConfigFromEnv({ FEEDGEN_CONFIG: '{"itemsPerFeed":0}' })).toThrow(
      /FEEDGEN_CONFIG: itemsPerFeed/,
    );
  });

  it('writes metrics in the embedded metric format', () => {
    const lines: string[] = [];
    embeddedMetrics('feedgen', (line) => lines.push(line)).count('RejectedArticles');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      RejectedArticles: 1,
      _aws: {
        CloudWatchMetrics: [{ Namespace: 'feedgen', Metrics: [{ Name: 'RejectedArticles', Unit: 'Count' }] }],
      },
    });
  });
});
