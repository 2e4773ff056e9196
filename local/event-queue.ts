import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { encodeS3Key } from '../shared/adapters/sqs-events';

/** An SQS message as an S3 event notification puts it on the queue: the records as its body. */
export function sqsRecord(messageId: string, s3Records: readonly unknown[], receiveCount = 0): SQSRecord {
  return sqsMessage(messageId, JSON.stringify({ Records: s3Records }), receiveCount);
}

/** An SQS message with this body, as Lambda's event source hands it over. */
export function sqsMessage(messageId: string, body: string, receiveCount = 0): SQSRecord {
  return {
    messageId,
    receiptHandle: messageId,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:feedgen-events',
    awsRegion: 'local',
  };
}

export interface QueueOptions {
  /** The same handler the Lambda runs. */
  readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
  /** As the event source mapping: at most this many messages per batch… */
  readonly batchSize?: number;
  /** …gathered for at most this long. */
  readonly batchWindowMs?: number;
  /** Batches handled at once (Lambda's maximumConcurrency). */
  readonly concurrency?: number;
  /** Receives before a message goes to the dead letters, as the queue's maxReceiveCount. */
  readonly maxReceiveCount?: number;
  /** Delay before a failed message is delivered again (the visibility timeout), per receive. */
  readonly retryDelayMs?: number;
  readonly onDeadLetter?: (message: SQSRecord, receives: number) => void;
}

interface Pending {
  readonly record: SQSRecord;
  receives: number;
}

/**
 * The local stand-in for S3 event notifications → SQS → Lambda: each S3 event record becomes
 * an SQS message with the notification JSON as body (object keys URL-encoded as S3 encodes
 * them), messages are batched and handed to the same handler code the Lambda runs, and the
 * messages it reports failed are delivered again later, up to maxReceiveCount times.
 */
export class LocalEventQueue {
  readonly #options: Required<Omit<QueueOptions, 'onDeadLetter'>> & Pick<QueueOptions, 'onDeadLetter'>;
  readonly #waiting: Pending[] = [];
  readonly #running = new Set<Promise<void>>();
  readonly #delayed = new Set<NodeJS.Timeout>();
  #timer: NodeJS.Timeout | undefined;
  #sequence = 0;
  #stopped = false;
  #inFlight = 0;
  #held = false;
  /** Batches handed to the handler so far (each a Lambda invocation in AWS). */
  deliveries = 0;
  readonly #idleWaiters: Array<() => void> = [];

  constructor(options: QueueOptions) {
    // The deployed event source mapping's settings (infra/constructs/publish-pipeline.ts).
    this.#options = {
      batchSize: 1000,
      batchWindowMs: 1000,
      concurrency: 2,
      maxReceiveCount: 5,
      retryDelayMs: 2000,
      ...options,
    };
  }

  /** Takes a message whose body is given as is: the minute's tick, or a rebuild request. */
  sendControl(body: string): void {
    if (this.#stopped) return;
    this.#waiting.push({ receives: 0, record: sqsMessage(`local-${++this.#sequence}`, body) });
    this.#schedule();
  }

  /** Takes one S3 event record as S3 would send it (a raw key is encoded here). */
  sendS3Record(record: { s3: { object: { key: string } } } & Record<string, unknown>, rawKey = true): void {
    if (this.#stopped) return;
    const encoded = rawKey
      ? {
          ...record,
          s3: { ...record.s3, object: { ...record.s3.object, key: encodeS3Key(record.s3.object.key) } },
        }
      : record;
    const messageId = `local-${++this.#sequence}`;
    this.#waiting.push({ receives: 0, record: sqsRecord(messageId, [encoded]) });
    this.#schedule();
  }

  /**
   * Holds deliveries back (messages gather, as behind a long batching window) until the
   * returned function is called: a deterministic burst for tests.
   */
  hold(): () => void {
    this.#held = true;
    return () => {
      this.#held = false;
      this.#dispatch();
    };
  }

  /** Messages not yet handled: waiting, in a batch under way, or due for another delivery. */
  get backlog(): number {
    return this.#waiting.length + this.#inFlight + this.#delayed.size;
  }

  /** Resolves when nothing is waiting, running or due for another delivery. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops taking messages and waits for the batches under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    for (const timer of this.#delayed) clearTimeout(timer);
    this.#delayed.clear();
    await Promise.all(this.#running);
  }

  #isIdle(): boolean {
    return this.#waiting.length === 0 && this.#running.size === 0 && this.#delayed.size === 0;
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#waiting.length >= this.#options.batchSize) this.#dispatch();
    else if (!this.#timer && this.#waiting.length > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#dispatch();
      }, this.#options.batchWindowMs);
    }
  }

  #dispatch(): void {
    while (
      !this.#stopped &&
      !this.#held &&
      this.#waiting.length > 0 &&
      this.#running.size < this.#options.concurrency
    ) {
      const batch = this.#waiting.splice(0, this.#options.batchSize);
      const run = this.#deliver(batch).finally(() => {
        this.#running.delete(run);
        this.#dispatch();
        this.#schedule();
        if (this.#isIdle()) for (const resolve of this.#idleWaiters.splice(0)) resolve();
      });
      this.#running.add(run);
    }
  }

  async #deliver(batch: Pending[]): Promise<void> {
    this.deliveries++;
    this.#inFlight += batch.length;
    for (const pending of batch) pending.receives++;
    const event: SQSEvent = {
      Records: batch.map(({ record, receives }) => ({
        ...record,
        attributes: { ...record.attributes, ApproximateReceiveCount: String(receives) },
      })),
    };
    let failed: Set<string>;
    try {
      const result = await this.#options.handler(event);
      failed = new Set(result.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch {
      // A handler that throws fails the whole batch, as in Lambda.
      failed = new Set(batch.map((pending) => pending.record.messageId));
    } finally {
      this.#inFlight -= batch.length;
    }
    for (const pending of batch) {
      if (!failed.has(pending.record.messageId)) continue;
      if (pending.receives >= this.#options.maxReceiveCount) {
        this.#options.onDeadLetter?.(pending.record, pending.receives);
        continue;
      }
      const timer = setTimeout(() => {
        this.#delayed.delete(timer);
        this.#waiting.push(pending);
        this.#schedule();
      }, this.#options.retryDelayMs * pending.receives);
      this.#delayed.add(timer);
    }
  }
}
