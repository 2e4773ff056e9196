import { mkdir } from 'node:fs/promises';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { createPublishHandler } from '../functions/publish';
import { s3Client } from '../shared/adapters/s3-client';
import { createCommitter } from '../shared/adapters/wiring';
import type { SiteConfig } from '../shared/core/config';
import { ARTICLES_PREFIX, CONTROL_MESSAGES } from '../shared/publishing/layout';
import type { Logger } from '../shared/publishing/ports';
import { type LocalCdn, startLocalCdn } from './cdn';
import { enforceConditionalWrites } from './conditional-writes';
import { LocalEventQueue } from './event-queue';
import { addS3rverCredentials, retainDesFallback } from './s3rver-compat';

export const SOURCE_BUCKET = 'feedgen-articles';
export const OUTPUT_BUCKET = 'feedgen-feeds';

export interface LocalStackOptions {
  readonly config: SiteConfig;
  /** Where the local S3 API keeps its buckets between runs. */
  readonly dataDirectory: string;
  readonly host?: string;
  /** 0 picks a free port (tests). */
  readonly s3Port: number;
  readonly cdnPort: number;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly log: Logger;
  /** How often the tick goes on the queue (the EventBridge schedule: every minute). */
  readonly scheduleIntervalMs?: number;
  /** Batching of the local event queue (see LocalEventQueue); the deployed window is 1 s. */
  readonly batchWindowMs?: number;
  readonly batchSize?: number;
  readonly retryDelayMs?: number;
  /** The publisher's clock (tests move it to bring scheduled articles due). */
  readonly clock?: () => number;
  /** Log each CDN request. */
  readonly logRequests?: (line: string) => void;
}

export interface LocalStack {
  readonly s3Endpoint: string;
  readonly cdn: LocalCdn;
  /** A client for the local S3 API with the stack's credentials. */
  readonly client: S3Client;
  readonly queue: LocalEventQueue;
  /** Uploads every file under articles/ if the bucket has no article yet; returns how many. */
  seed(files: ReadonlyArray<{ name: string; body: Uint8Array }>): Promise<number>;
  stop(): Promise<void>;
}

export class PortTakenError extends Error {
  constructor(
    readonly port: number,
    readonly variable: string,
    what: string,
  ) {
    super(
      `port ${port} for the ${what} is taken (is another feedgen running?); set ${variable} to another port`,
    );
  }
}

/**
 * The whole pipeline on one machine: s3rver as the S3 API (source and output buckets), its
 * object events batched into the publish handler the Lambda runs, a timer for articles that
 * come due, and a CDN in front of the output bucket.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  await mkdir(options.dataDirectory, { recursive: true });
  addS3rverCredentials(options.accessKeyId, options.secretAccessKey);
  const releaseDes = retainDesFallback();
  const server = new S3rver({
    address: host,
    port: options.s3Port,
    silent: true,
    directory: options.dataDirectory,
    configureBuckets: [{ name: SOURCE_BUCKET }, { name: OUTPUT_BUCKET }],
  });
  let s3Port: number;
  try {
    ({ port: s3Port } = await server.run());
  } catch (error) {
    releaseDes();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PortTakenError(options.s3Port, 'FEEDGEN_S3_PORT', 'local S3 API');
    }
    throw error;
  }
  const s3Endpoint = `http://${host}:${s3Port}`;
  const makeClient = (): S3Client =>
    s3Client({
      endpoint: s3Endpoint,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    });
  // The publisher's client makes s3rver honour conditional writes, as S3 does.
  const publisherClient = enforceConditionalWrites(makeClient());
  const client = makeClient();

  const committer = createCommitter({
    client: publisherClient,
    sourceBucket: SOURCE_BUCKET,
    outputBucket: OUTPUT_BUCKET,
    config: options.config,
    log: options.log,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const queue = new LocalEventQueue({
    handler: createPublishHandler({ committer, log: options.log }),
    ...(options.batchWindowMs !== undefined ? { batchWindowMs: options.batchWindowMs } : {}),
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
    onDeadLetter: (message, receives) =>
      options.log.error('an event failed every delivery and was dropped, as into a dead-letter queue', {
        receives,
        body: message.body,
      }),
  });
  server.on('event', (envelope: S3rver.EventEnvelope) => {
    for (const record of envelope.Records as Array<{
      s3: { bucket: { name: string }; object: { key: string } };
    }>) {
      if (record.s3.bucket.name === SOURCE_BUCKET && record.s3.object.key.startsWith(ARTICLES_PREFIX)) {
        queue.sendS3Record(record as never);
      }
    }
  });

  // As EventBridge does: the tick is a message on the same queue, for the same single writer.
  const interval = setInterval(
    () => queue.sendControl(CONTROL_MESSAGES.tick),
    options.scheduleIntervalMs ?? 60_000,
  );
  interval.unref();

  let cdn: LocalCdn;
  try {
    cdn = await startLocalCdn({
      // Through the per-key locks: s3rver would otherwise let a read see half a write.
      client: publisherClient,
      bucket: OUTPUT_BUCKET,
      host,
      port: options.cdnPort,
      ...(options.logRequests ? { log: options.logRequests } : {}),
    });
  } catch (error) {
    clearInterval(interval);
    await server.close();
    releaseDes();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PortTakenError(options.cdnPort, 'FEEDGEN_CDN_PORT', 'local CDN');
    }
    throw error;
  }

  return {
    s3Endpoint,
    cdn,
    client,
    queue,
    async seed(files) {
      const existing = await client.send(
        new ListObjectsV2Command({ Bucket: SOURCE_BUCKET, Prefix: ARTICLES_PREFIX, MaxKeys: 1 }),
      );
      if ((existing.KeyCount ?? 0) > 0) return 0;
      for (const file of files) {
        await client.send(
          new PutObjectCommand({
            Bucket: SOURCE_BUCKET,
            Key: `${ARTICLES_PREFIX}${file.name}`,
            Body: file.body,
            ContentType: file.name.endsWith('.json')
              ? 'application/json; charset=utf-8'
              : 'text/markdown; charset=utf-8',
          }),
        );
      }
      return files.length;
    },
    async stop() {
      clearInterval(interval);
      await queue.stop();
      await cdn.close();
      client.destroy();
      publisherClient.destroy();
      server.removeAllListeners('event');
      await server.close();
      releaseDes();
    },
  };
}
