import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { LocalEventQueue } from '../../local/event-queue';
import { parseSqsEvent } from '../../shared/adapters/sqs-events';
import { CONTROL_MESSAGES } from '../../shared/publishing/layout';

// The local stand-in for SQS and the event source mapping, with a fake handler.

const created = (key: string) => ({
  eventName: 'ObjectCreated:Put',
  s3: { bucket: { name: 'feedgen-articles' }, object: { key, size: 1 } },
});

function recorder(
  answer: (event: SQSEvent) => SQSBatchResponse | Promise<SQSBatchResponse> = () => ({
    batchItemFailures: [],
  }),
) {
  const events: SQSEvent[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    events.push(event);
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      return await answer(event);
    } finally {
      running--;
    }
  };
  return { handler, events, mostAtOnce: () => mostAtOnce };
}

describe('LocalEventQueue', () => {
  it('delivers messages sent together as one batch, keys encoded as S3 encodes them', async () => {
    const { handler, events } = recorder();
    const queue = new LocalEventQueue({ handler, batchWindowMs: 10 });
    queue.sendS3Record(created('articles/Hà Tĩnh + tin 100%.md'));
    queue.sendS3Record(created('articles/b.md'));
    queue.sendControl(CONTROL_MESSAGES.tick);
    await queue.idle();
    expect(queue.deliveries).toBe(1);
    expect(events[0]?.Records.map((record) => JSON.parse(record.body).Records?.[0].s3.object.key)).toEqual([
      'articles/H%C3%A0+T%C4%A9nh+%2B+tin+100%25.md',
      'articles/b.md',
      undefined,
    ]);
    // and the handler's parser gets the keys back
    expect(parseSqsEvent(events[0] as SQSEvent).map((message) => message.kind)).toEqual([
      'changes',
      'changes',
      'tick',
    ]);
    expect(parseSqsEvent(events[0] as SQSEvent)[0]).toMatchObject({
      changes: [{ key: 'articles/Hà Tĩnh + tin 100%.md' }],
    });
    await queue.stop();
  });

  it('cuts batches at batchSize and runs at most `concurrency` at once', async () => {
    const { handler, events, mostAtOnce } = recorder();
    const queue = new LocalEventQueue({ handler, batchSize: 3, batchWindowMs: 10, concurrency: 2 });
    for (let i = 0; i < 10; i++) queue.sendS3Record(created(`articles/${i}.md`));
    await queue.idle();
    expect(events.map((event) => event.Records.length)).toEqual([3, 3, 3, 1]);
    expect(mostAtOnce()).toBeLessThanOrEqual(2);
    await queue.stop();
  });

  it('delivers again only the messages reported failed, with their receive count', async () => {
    let first = true;
    const { handler, events } = recorder((event) => {
      const failed = first ? [{ itemIdentifier: event.Records[1]?.messageId ?? '' }] : [];
      first = false;
      return { batchItemFailures: failed };
    });
    const queue = new LocalEventQueue({ handler, batchWindowMs: 1, retryDelayMs: 1 });
    queue.sendS3Record(created('articles/a.md'));
    queue.sendS3Record(created('articles/b.md'));
    await queue.idle();
    expect(
      events.map((event) => event.Records.map((record) => record.attributes.ApproximateReceiveCount)),
    ).toEqual([['1', '1'], ['2']]);
    expect(events[1]?.Records[0]?.messageId).toBe(events[0]?.Records[1]?.messageId);
    await queue.stop();
  });

  it('drops a message into the dead letters after maxReceiveCount deliveries of a handler that always fails', async () => {
    // GIVEN a handler that fails every message, and one that throws
    for (const answer of [
      (event: SQSEvent) => ({
        batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
      }),
      () => {
        throw new Error('handler crashed');
      },
    ]) {
      const { handler, events } = recorder(answer);
      const dead: Array<{ body: string; receives: number }> = [];
      const queue = new LocalEventQueue({
        handler,
        batchWindowMs: 1,
        retryDelayMs: 1,
        maxReceiveCount: 3,
        onDeadLetter: (message, receives) => dead.push({ body: message.body, receives }),
      });
      // WHEN a message is sent
      queue.sendControl(CONTROL_MESSAGES.rebuild);
      await queue.idle();
      // THEN it was delivered three times, then dropped
      expect(events).toHaveLength(3);
      expect(dead).toEqual([{ body: CONTROL_MESSAGES.rebuild, receives: 3 }]);
      await queue.stop();
    }
  });

  it('takes no message once stopped', async () => {
    const { handler, events } = recorder();
    const queue = new LocalEventQueue({ handler, batchWindowMs: 1 });
    await queue.stop();
    queue.sendControl(CONTROL_MESSAGES.tick);
    await queue.idle();
    expect(events).toEqual([]);
  });
});
