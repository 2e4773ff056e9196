// An in-process s3rver (a fake S3 REST API on the file system) for integration tests
// with @aws-sdk/client-s3. See test/s3rver.test.ts for what s3rver does and does not
// do like real S3.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { retainDesFallback } from '../../local/s3rver-compat';

export interface StartS3Options {
  /** Buckets to create before the server listens. */
  buckets?: string[];
  /** Where s3rver keeps its data; kept on stop(). A fresh temp directory, removed on stop(), by default. */
  directory?: string;
}

export interface S3Harness {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** A client for `endpoint` (path-style, fixed S3RVER credentials, no retries). */
  client: S3Client;
  /** The data directory s3rver writes to. */
  directory: string;
  /**
   * Calls `listener` with every S3 event record s3rver emits (ObjectCreated:Put/Post/Copy,
   * ObjectRemoved:Delete), synchronously while the request is handled, so before the
   * SDK call that caused it resolves. Returns the unsubscribe function. Records are as
   * s3rver makes them, not as real S3 does: `s3.object.key` is the raw key, not
   * URL-encoded (see test/s3rver.test.ts). A listener that throws does not fail the
   * S3 request; its error is rethrown by stop().
   */
  onEvent(listener: (record: unknown) => void): () => void;
  /** Closes the client and the server, removes the temp directory (not a given one). */
  stop(): Promise<void>;
}

/** The shape of the records s3rver 3.7 emits (node_modules/s3rver/lib/models/event.js). */
export interface S3rverEventRecord {
  eventVersion: string;
  eventSource: string;
  awsRegion: string;
  eventTime: string;
  eventName: string;
  s3: {
    s3SchemaVersion: string;
    configurationId: string;
    bucket: { name: string; arn: string };
    object: { key: string; sequencer: string; size?: number; eTag?: string };
  };
}

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export async function startS3(options: StartS3Options = {}): Promise<S3Harness> {
  const ownsDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(path.join(tmpdir(), 'feedgen-s3rver-')));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });

  const releaseDes = retainDesFallback();
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (err) {
    releaseDes();
    if (ownsDirectory) await rm(directory, { recursive: true, force: true });
    throw err;
  }

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    // Newer SDKs send aws-chunked bodies with trailing CRC checksums by default;
    // s3rver stores such a body as is (chunk framing included).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // s3rver's errors are never transient: fail at once instead of retrying 3 times.
    maxAttempts: 1,
  });

  const listenerErrors: unknown[] = [];
  let stopped = false;

  return {
    endpoint,
    client,
    directory,
    onEvent(listener) {
      const handler = (envelope: S3rver.EventEnvelope): void => {
        for (const record of envelope.Records) {
          try {
            listener(record);
          } catch (err) {
            // s3rver emits from inside the request handler: a throw here would turn the
            // request into a 500 InternalError. Keep it for stop() instead.
            listenerErrors.push(err);
          }
        }
      };
      server.on('event', handler);
      return () => {
        server.off('event', handler);
      };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        client.destroy();
        server.removeAllListeners('event');
        await server.close();
      } finally {
        releaseDes();
        if (ownsDirectory) await rm(directory, { recursive: true, force: true });
      }
      if (listenerErrors.length === 1) throw listenerErrors[0];
      if (listenerErrors.length > 1) throw new AggregateError(listenerErrors, 'S3 event listeners threw');
    },
  };
}
