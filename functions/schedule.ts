import { type Logger, Publisher } from '../shared/publisher';
import { requireEnv, siteConfigFromEnv } from './lib/env';
import { embeddedMetrics, jsonLogger } from './lib/logger';
import { lambdaS3Client } from './lib/s3-client';
import { S3Store } from './lib/s3-store';

export interface ScheduleDeps {
  readonly publisher: Pick<Publisher, 'publishDue' | 'checkIndexFiles'>;
  readonly log: Logger;
}

/**
 * Run by a schedule (EventBridge every minute in AWS, a timer locally): publishes the
 * articles held back for a future date whose time has come, and checks that the OPML list
 * and the feeds page match the category list. Fails the invocation if any article could
 * not be published, so the failure shows in the function's error alarm; the next run tries
 * them again.
 */
export function createScheduleHandler(deps: ScheduleDeps): () => Promise<{ published: number }> {
  return async () => {
    const outcomes = await deps.publisher.publishDue();
    await deps.publisher.checkIndexFiles();
    const failed = outcomes.filter((outcome) => !outcome.ok);
    if (failed.length > 0) {
      throw new Error(
        `could not publish ${failed.length} scheduled article(s): ${failed.map((o) => o.key).join(', ')}`,
      );
    }
    return { published: outcomes.length };
  };
}

let handlerInstance: (() => Promise<{ published: number }>) | undefined;

function fromEnvironment(): () => Promise<{ published: number }> {
  const client = lambdaS3Client();
  const log = jsonLogger('feedgen-schedule');
  const publisher = new Publisher({
    source: new S3Store(client, requireEnv('SOURCE_BUCKET')),
    output: new S3Store(client, requireEnv('OUTPUT_BUCKET')),
    config: siteConfigFromEnv(),
    now: () => Date.now(),
    log,
    metrics: embeddedMetrics('feedgen'),
  });
  return createScheduleHandler({ publisher, log });
}

export const handler = (): Promise<{ published: number }> => {
  handlerInstance ??= fromEnvironment();
  return handlerInstance();
};
