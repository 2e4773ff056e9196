import type { SQSEvent } from 'aws-lambda';
import { createPublishHandler } from '../../functions/publish';
import { sqsMessage, sqsRecord } from '../../local/event-queue';
import { jsonLogger } from '../../shared/adapters/logger';
import { MemoryStore } from '../../shared/adapters/memory-store';
import { type Batch, type BatchResult, Committer } from '../../shared/publishing/committer';
import { CONTROL_MESSAGES } from '../../shared/publishing/layout';
import type { ObjectStore } from '../../shared/publishing/ports';
import { markdownFile, TEST_CONFIG } from '../helpers/articles';
import { buildOf, differences } from '../helpers/site-compare';

const NOW = Date.parse('2026-01-01T00:00:00Z');

/** An SQS message as an S3 event notification puts it on the queue (the key given as S3 encodes it). */
const s3Message = (messageId: string, eventName: string, key: string, size?: number) =>
  sqsRecord(messageId, [
    {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName,
      s3: { bucket: { name: 'feedgen-articles' }, object: { key, ...(size === undefined ? {} : { size }) } },
    },
  ]);
const created = (messageId: string, key: string, size = 10) =>
  s3Message(messageId, 'ObjectCreated:Put', key, size);
const testEvent = (messageId: string) =>
  sqsMessage(
    messageId,
    JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'feedgen-articles' }),
  );
const failures = (...ids: string[]) => ({
  batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })),
});

/** A committer that records its batches, and fails when told to. */
function fakeCommitter(fail = false) {
  const batches: Batch[] = [];
  return {
    batches,
    apply: async (batch: Batch): Promise<BatchResult> => {
      batches.push(batch);
      if (fail) throw new Error('S3 503 after 5 attempts');
      return { generation: 1, committed: true, outcomes: [], filesWritten: 0, filesDeleted: 0, attempts: 1 };
    },
  };
}

let logs: Array<Record<string, unknown>>;
let counted: string[];
const log = jsonLogger('test', (line) => logs.push(JSON.parse(line)));
const metrics = { count: (name: string) => counted.push(name) };
beforeEach(() => {
  logs = [];
  counted = [];
});

describe('publish handler', () => {
  it('hands the committer the decoded keys and sizes of S3 events', async () => {
    const committer = fakeCommitter();
    const handler = createPublishHandler({ committer, log });
    const event: SQSEvent = {
      Records: [
        created('m1', 'articles/H%C3%A0+T%C4%A9nh+%2B+tin+100%25.md', 1200),
        s3Message('m2', 'ObjectRemoved:Delete', 'articles/a+b.md'),
      ],
    };
    expect(await handler(event)).toEqual(failures());
    expect(committer.batches).toEqual([
      {
        changes: [{ key: 'articles/Hà Tĩnh + tin 100%.md', size: 1200 }, { key: 'articles/a b.md' }],
        tick: false,
        rebuild: false,
      },
    ]);
  });

  it('logs an S3 test event and calls no committer for a delivery of test events', async () => {
    const committer = fakeCommitter();
    expect(await createPublishHandler({ committer, log })({ Records: [testEvent('t')] })).toEqual(failures());
    expect(committer.batches).toEqual([]);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'INFO', message: expect.stringMatching(/test event/) }),
    );
  });

  it('fails an unreadable message alone, and publishes the rest', async () => {
    // GIVEN a delivery with a good event, a test event and two unreadable messages
    const committer = fakeCommitter();
    const handler = createPublishHandler({ committer, log, metrics });
    const event: SQSEvent = {
      Records: [
        created('ok', 'articles/good.md'),
        testEvent('test'),
        sqsMessage('garbage', '{'),
        created('badkey', 'articles/%E0%A4.md'),
      ],
    };
    // WHEN THEN only the unreadable ones go back to the queue
    expect(await handler(event)).toEqual(failures('garbage', 'badkey'));
    expect(committer.batches).toEqual([
      { changes: [{ key: 'articles/good.md', size: 10 }], tick: false, rebuild: false },
    ]);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'ERROR', messageId: 'garbage', service: 'test' }),
    );
    expect(counted).toEqual(['InvalidMessages', 'InvalidMessages']);
  });

  it('fails every message of the delivery when the batch cannot be applied', async () => {
    const committer = fakeCommitter(true);
    const handler = createPublishHandler({ committer, log, metrics });
    const event: SQSEvent = {
      Records: [
        created('a', 'articles/a.md'),
        sqsMessage('tick', CONTROL_MESSAGES.tick),
        sqsMessage('garbage', '{'),
      ],
    };
    expect(await handler(event)).toEqual(failures('a', 'tick', 'garbage'));
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'ERROR', error: 'S3 503 after 5 attempts', messages: 2 }),
    );
    expect(counted).toContain('FailedBatches');
  });

  it('turns the tick and rebuild messages into the batch tick and rebuild', async () => {
    const committer = fakeCommitter();
    const handler = createPublishHandler({ committer, log });
    expect(await handler({ Records: [sqsMessage('t', CONTROL_MESSAGES.tick)] })).toEqual(failures());
    expect(await handler({ Records: [sqsMessage('r', CONTROL_MESSAGES.rebuild)] })).toEqual(failures());
    expect(committer.batches).toEqual([
      { changes: [], tick: true, rebuild: false },
      { changes: [], tick: false, rebuild: true },
    ]);
  });

  it('applies a mixed delivery as ONE batch', async () => {
    const committer = fakeCommitter();
    const handler = createPublishHandler({ committer, log });
    const event: SQSEvent = {
      Records: [
        created('a', 'articles/a.md', 1),
        sqsMessage('t', CONTROL_MESSAGES.tick),
        testEvent('test'),
        s3Message('b', 'ObjectRemoved:Delete', 'articles/b.md'),
        created('c', 'articles/c.md', 3),
      ],
    };
    expect(await handler(event)).toEqual(failures());
    expect(committer.batches).toEqual([
      {
        changes: [
          { key: 'articles/a.md', size: 1 },
          { key: 'articles/b.md' },
          { key: 'articles/c.md', size: 3 },
        ],
        tick: true,
        rebuild: false,
      },
    ]);
  });
});

describe('publish handler with the real committer', () => {
  const article = (title: string) => markdownFile({ title, date: '2025-06-30', category: 'Thời sự' }, 'x');
  /** A store whose calls all fail while `broken` is set. */
  function breakable(inner: MemoryStore): ObjectStore & { broken: boolean } {
    const failing = async (): Promise<never> => {
      throw Object.assign(new Error('SlowDown'), { name: 'SlowDown' });
    };
    const store = {
      broken: false,
      get: (...args: Parameters<MemoryStore['get']>) => (store.broken ? failing() : inner.get(...args)),
      head: (key: string) => (store.broken ? failing() : inner.head(key)),
      put: (...args: Parameters<MemoryStore['put']>) => (store.broken ? failing() : inner.put(...args)),
      delete: (key: string) => (store.broken ? failing() : inner.delete(key)),
      list: (prefix: string) => inner.list(prefix),
    };
    return store;
  }

  it('publishes S3 events, fails the whole delivery while the output bucket fails, and publishes it when delivered again', async () => {
    // GIVEN a committer over in-memory buckets, the output one breakable
    const source = new MemoryStore();
    const output = new MemoryStore();
    const flaky = breakable(output);
    const committer = new Committer({
      source,
      output: flaky,
      config: TEST_CONFIG,
      clock: () => NOW,
      log,
      sleep: async () => {},
    });
    const handler = createPublishHandler({ committer, log });
    await source.put('articles/Hà Tĩnh + tin.md', article('A'), { contentType: 'text/markdown' });
    const event = { Records: [created('m', 'articles/H%C3%A0+T%C4%A9nh+%2B+tin.md', 50)] };
    expect(await handler(event)).toEqual(failures());
    expect(differences(buildOf(source, TEST_CONFIG, NOW), output)).toEqual([]);
    // WHEN the article is overwritten while the output bucket fails every call
    await source.put('articles/Hà Tĩnh + tin.md', article('A2'), { contentType: 'text/markdown' });
    flaky.broken = true;
    // THEN the message goes back to the queue, and the log says why
    expect(await handler(event)).toEqual(failures('m'));
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'ERROR', error: expect.stringMatching(/SlowDown/) }),
    );
    // AND the redelivery, once S3 is back, publishes the new version
    flaky.broken = false;
    expect(await handler(event)).toEqual(failures());
    expect(output.text('feeds/feed.json')).toContain('"title": "A2"');
    expect(differences(buildOf(source, TEST_CONFIG, NOW), output)).toEqual([]);
  });
});
