import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type Logger, type Metrics, Publisher } from '../shared/publisher';
import { requireEnv, siteConfigFromEnv } from './lib/env';
import { parseSqsEvent } from './lib/events';
import { embeddedMetrics, jsonLogger } from './lib/logger';
import { lambdaS3Client } from './lib/s3-client';
import { S3Store } from './lib/s3-store';

export interface PublishDeps {
  readonly publisher: Pick<Publisher, 'publish'>;
  readonly log: Logger;
  readonly metrics?: Metrics;
}

/**
 * SQS (fed by S3 event notifications) → publisher. Reports partial batch failures: only
 * the messages whose keys failed go back to the queue (and to the DLQ after maxReceiveCount).
 */
export function createPublishHandler(deps: PublishDeps): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (event) => {
    const messages = parseSqsEvent(event);
    const failed = new Set<string>();
    const keysOf = new Map<string, string[]>();
    for (const message of messages) {
      if (message.kind === 'invalid') {
        deps.log.error('unreadable message; it will go to the dead-letter queue after its retries', {
          messageId: message.messageId,
          reason: message.reason,
        });
        deps.metrics?.count('InvalidMessages');
        failed.add(message.messageId);
      } else if (message.kind === 'test') {
        deps.log.info('S3 test event received: the notification is set up', { messageId: message.messageId });
      } else {
        keysOf.set(
          message.messageId,
          message.changes.map((change) => change.key),
        );
      }
    }
    const changes = messages.flatMap((message) => (message.kind === 'changes' ? message.changes : []));
    const outcomes = await deps.publisher.publish(changes);
    const failedKeys = new Set(outcomes.filter((outcome) => !outcome.ok).map((outcome) => outcome.key));
    for (const [messageId, keys] of keysOf) {
      if (keys.some((key) => failedKeys.has(key))) failed.add(messageId);
    }
    return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

let handlerInstance: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;

/** Builds the real dependencies once per Lambda environment, on first use. */
function fromEnvironment(): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const config = siteConfigFromEnv();
  const client = lambdaS3Client();
  const log = jsonLogger('feedgen-publish');
  const metrics = embeddedMetrics('feedgen');
  const publisher = new Publisher({
    source: new S3Store(client, requireEnv('SOURCE_BUCKET')),
    output: new S3Store(client, requireEnv('OUTPUT_BUCKET')),
    config,
    now: () => Date.now(),
    log,
    metrics,
  });
  return createPublishHandler({ publisher, log, metrics });
}

export const handler = (event: SQSEvent): Promise<SQSBatchResponse> => {
  handlerInstance ??= fromEnvironment();
  return handlerInstance(event);
};
