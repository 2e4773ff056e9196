import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { requireEnv, siteConfigFromEnv } from '../shared/adapters/env';
import { embeddedMetrics, jsonLogger } from '../shared/adapters/logger';
import { lambdaS3Client } from '../shared/adapters/s3-client';
import { batchOf, parseSqsEvent } from '../shared/adapters/sqs-events';
import { createCommitter } from '../shared/adapters/wiring';
import type { Committer } from '../shared/publishing/committer';
import { ENV } from '../shared/publishing/layout';
import type { Logger, Metrics } from '../shared/publishing/ports';

export interface PublishDeps {
  readonly committer: Pick<Committer, 'apply'>;
  readonly log: Logger;
  readonly metrics?: Metrics;
}

export type PublishHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * SQS (S3's events, the minute's tick, rebuild requests) → the site's writer, one batch at
 * a time. The batch commits whole or not at all: if it fails, every message goes back to
 * the queue (and to the DLQ after maxReceiveCount); unreadable messages fail alone.
 */
export function createPublishHandler(deps: PublishDeps): PublishHandler {
  return async (event) => {
    const messages = parseSqsEvent(event);
    const invalid = messages.filter((message) => message.kind === 'invalid');
    for (const message of invalid) {
      deps.log.error('unreadable message; it goes to the dead-letter queue after its retries', {
        messageId: message.messageId,
        reason: message.reason,
      });
      deps.metrics?.count('InvalidMessages');
    }
    const valid = messages.filter((message) => message.kind !== 'invalid');
    let failed: readonly { messageId: string }[] = invalid;
    if (valid.some((message) => message.kind !== 'test')) {
      try {
        await deps.committer.apply(batchOf(valid));
      } catch (error) {
        deps.log.error('the batch was not published; its messages go back to the queue', {
          error: (error as Error).message,
          messages: valid.length,
        });
        deps.metrics?.count('FailedBatches');
        failed = messages;
      }
    }
    for (const message of valid) {
      if (message.kind === 'test') deps.log.info('S3 test event received: the notification is set up');
    }
    return { batchItemFailures: failed.map((message) => ({ itemIdentifier: message.messageId })) };
  };
}

let instance: PublishHandler | undefined;

/** Builds the real dependencies once per Lambda environment, on first use. */
function fromEnvironment(): PublishHandler {
  const log = jsonLogger('feedgen-publish');
  const metrics = embeddedMetrics('feedgen');
  const committer = createCommitter({
    client: lambdaS3Client(),
    sourceBucket: requireEnv(ENV.sourceBucket),
    outputBucket: requireEnv(ENV.outputBucket),
    config: siteConfigFromEnv(),
    log,
    metrics,
  });
  return createPublishHandler({ committer, log, metrics });
}

export const handler: PublishHandler = (event) => {
  instance ??= fromEnvironment();
  return instance(event);
};
