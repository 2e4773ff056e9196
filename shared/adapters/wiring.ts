import type { S3Client } from '@aws-sdk/client-s3';
import type { SiteConfig } from '../core/config';
import { Committer } from '../publishing/committer';
import type { Clock, Logger, Metrics } from '../publishing/ports';
import { S3Store } from './s3-store';

export interface WiringOptions {
  readonly client: S3Client;
  readonly sourceBucket: string;
  readonly outputBucket: string;
  readonly config: SiteConfig;
  readonly log: Logger;
  readonly metrics?: Metrics;
  readonly clock?: Clock;
}

/**
 * The one composition root: the Lambda, `npm start`, `feedgen rebuild` and the bench build
 * the site's writer here, so its ports are wired alike everywhere.
 */
export function createCommitter(options: WiringOptions): Committer {
  return new Committer({
    source: new S3Store(options.client, options.sourceBucket),
    output: new S3Store(options.client, options.outputBucket),
    config: options.config,
    clock: options.clock ?? Date.now,
    log: options.log,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
}
